"""Capture the SSH_MSG_KEXINIT a real SSH client sends, with a one-shot listener on loopback.

Shared by ``gen_client_offers.py``, ``gen_paramiko_algorithms.py`` and ``gen_asyncssh_algorithms.py``:
:func:`capture_client` opens a listener on 127.0.0.1 (port chosen by the kernel), runs the client command
with ``{port}`` replaced by that port, sends a server identification string, reads the client's
identification string and first binary packet (its SSH_MSG_KEXINIT, RFC 4253 §4.2 and §7.1) with
sshdrift's own parser (:class:`auditor.probe.kexinit.ServerHelloReader`) and closes the connection.
The client then fails (the server never answers its KEXINIT), which is expected: what it sent is what we keep.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.errors import ProtocolError  # noqa: E402
from auditor.probe.kexinit import ServerHelloReader  # noqa: E402


def _serve_once(listener: socket.socket, banner: bytes, timeout: float, box: dict[str, Any]) -> None:
    """Accept one connection, send ``banner``, read the client's hello into ``box`` (or its error)."""
    try:
        conn, _ = listener.accept()
    except OSError as exc:
        box["error"] = f"no connection: {exc}"
        return
    with conn:
        conn.settimeout(timeout)
        conn.sendall(banner)
        reader = ServerHelloReader()
        try:
            while not reader.done:
                data = conn.recv(65536)
                if not data:
                    reader.eof()
                reader.feed(data)
        except (OSError, ProtocolError) as exc:
            box["error"] = str(exc)
            return
        box["banner"] = reader.banner
        box["kexinit"] = reader.kexinit


def capture_client(
    command: Sequence[str],
    *,
    server_banner: bytes,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    check: bool = False,
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    """Run ``command`` (``{port}`` in an argument is replaced) against a one-shot listener.

    Args:
        command: the client's argv; ``{port}`` in any argument becomes the listener's TCP port.
        server_banner: the identification string sent first (bytes ending in CR LF, RFC 4253 §4.2).
        env: the client's environment (None: this process's).
        timeout: seconds to wait for the connection; the connection gets half, the client twice.
        check: when True a client exiting non-zero is a failure even if its KEXINIT arrived.

    Returns:
        ``({"client_banner": str, "offered": {category: [names]}}, the finished process)``.

    Raises:
        RuntimeError: the client sent no KEXINIT, or (``check``) exited non-zero; the message carries
            the end of the client's stderr.
        subprocess.TimeoutExpired: the client ran longer than ``2 * timeout`` seconds.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(timeout)
    port = listener.getsockname()[1]
    box: dict[str, Any] = {}
    thread = threading.Thread(target=_serve_once, args=(listener, server_banner, timeout / 2, box), daemon=True)
    thread.start()
    try:
        proc = subprocess.run(
            [arg.replace("{port}", str(port)) for arg in command],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout * 2,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
        )
    finally:
        if thread.is_alive():
            # The client never connected: wake the accept() at once (close alone does not on Linux).
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
        thread.join(timeout)
        listener.close()
    if check and proc.returncode != 0:
        raise RuntimeError(f"client failed: {proc.stderr.strip()[-2000:]}")
    if "kexinit" not in box:
        raise RuntimeError(f"no client KEXINIT captured ({box.get('error')}): {proc.stderr.strip()[-1500:]}")
    return {"client_banner": box["banner"], "offered": box["kexinit"].offered.to_json()}, proc
