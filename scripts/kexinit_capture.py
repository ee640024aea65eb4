"""Capture the SSH_MSG_KEXINIT a real SSH client sends, with a one-shot listener on loopback.

Shared by ``gen_client_offers.py``, ``gen_paramiko_algorithms.py`` and ``gen_asyncssh_algorithms.py``:
:func:`capture_client` runs the client command with ``{port}`` replaced by the port of a one-shot listener
on 127.0.0.1 (:func:`auditor.probe.client_capture.capture_client_hello`), which sends a server identification
string, reads the client's identification string and first binary packet (its SSH_MSG_KEXINIT, RFC 4253 §4.2
and §7.1) with sshdrift's own parser and closes the connection.
The client then fails (the server never answers its KEXINIT), which is expected: what it sent is what we keep.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.probe.client_capture import capture_client_hello  # noqa: E402


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
        timeout: seconds to wait for the connection and for each read of it; the client gets twice.
        check: when True a client exiting non-zero is a failure even if its KEXINIT arrived.

    Returns:
        ``({"client_banner": str, "offered": {category: [names]}}, the finished process)``.

    Raises:
        RuntimeError: the client sent no KEXINIT, or (``check``) exited non-zero; the message carries
            the end of the client's stderr.
        subprocess.TimeoutExpired: the client ran longer than ``2 * timeout`` seconds.
    """

    def start(port: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [arg.replace("{port}", str(port)) for arg in command],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout * 2,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
        )

    captured = capture_client_hello(start, banner=server_banner, timeout=timeout)
    proc = captured.result
    if check and proc.returncode != 0:
        raise RuntimeError(f"client failed: {proc.stderr.strip()[-2000:]}")
    if captured.kexinit is None:
        raise RuntimeError(f"no client KEXINIT captured ({captured.error}): {proc.stderr.strip()[-1500:]}")
    return {"client_banner": captured.banner, "offered": captured.kexinit.offered.to_json()}, proc
