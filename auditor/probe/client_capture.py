"""Read the SSH_MSG_KEXINIT a real SSH client sends, with a one-shot listener on loopback.

What a client offers is read from the client itself: :func:`capture_client_hello` listens on 127.0.0.1 (port
chosen by the kernel), lets the caller start the client against that port, sends a server identification
string, and reads the client's identification string and first binary packet (its KEXINIT, RFC 4253 §4.2 and
§7.1) with our own parser (:class:`auditor.probe.kexinit.ServerHelloReader`, which reads either side's hello).
The connection is then closed: the client fails, which is expected; what it sent is what we keep. An error
read here says "the server" where the peer is the client: the reader is the server-side parser. Used by the
system ssh's offer (:mod:`auditor.probe.clients.openssh.offers`), the offer-data capture scripts and tests.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from auditor.device_model import KexInit
from auditor.errors import ProtocolError
from auditor.probe.kexinit import ServerHelloReader

T = TypeVar("T")


@dataclass(frozen=True)
class CapturedHello(Generic[T]):
    """What the client sent, and what starting it returned."""

    banner: str | None
    """The client's identification string (without CR LF), None when none arrived."""
    kexinit: KexInit | None
    """The client's KEXINIT, None when none arrived."""
    error: str | None
    """Why nothing (or not all) was read: no connection, a reset, a protocol error; None when both arrived."""
    result: T
    """What the caller's ``start`` returned (e.g. the finished client process)."""


def capture_client_hello(start: Callable[[int], T], *, banner: bytes, timeout: float = 30.0) -> CapturedHello[T]:
    """Listen once on 127.0.0.1, run ``start(port)``, and read the hello of the client that connects.

    Args:
        start: starts the client against the port it is given and returns when the client is done (its
            result is kept in :attr:`CapturedHello.result`); it runs while the listener waits.
        banner: the server identification string to send first (bytes ending in CR LF, RFC 4253 §4.2).
        timeout: seconds to wait for the connection and for each read of it.

    Returns:
        The :class:`CapturedHello`: what the client did (sent, or failed to send) is in it, never raised.

    Raises:
        OSError: the listener cannot be opened on 127.0.0.1.
        Exception: whatever ``start`` raises (the listener is closed first).
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(timeout)
    port = int(listener.getsockname()[1])
    box: dict[str, object] = {}

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError as exc:
            box["error"] = f"no connection: {exc}"
            return
        with conn:
            conn.settimeout(timeout)
            reader = ServerHelloReader()
            try:
                conn.sendall(banner)
                while not reader.done:
                    data = conn.recv(65536)
                    if not data:
                        reader.eof()
                    reader.feed(data)
            except (OSError, ProtocolError) as exc:
                box["error"] = str(exc) or type(exc).__name__
            box["banner"], box["kexinit"] = reader.banner, reader.kexinit

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        result = start(port)
    finally:
        if thread.is_alive():
            # The client never connected or is still talking: wake accept() at once (close alone does not on Linux).
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
        thread.join(timeout)
        listener.close()
    kexinit = box.get("kexinit")
    client_banner = box.get("banner")
    error = box.get("error")
    return CapturedHello(
        banner=client_banner if isinstance(client_banner, str) and client_banner else None,
        kexinit=kexinit if isinstance(kexinit, KexInit) else None,
        error=error if isinstance(error, str) else None,
        result=result,
    )
