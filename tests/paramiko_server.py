"""A real Paramiko SSH server on 127.0.0.1 offering exactly a device profile's lists (for what sshd lacks).

Debian's OpenSSH 9.2 has no ``mlkem768x25519-sha256``; Paramiko 5.1.0 with cryptography >= 48 implements
it on both sides. :func:`start` runs this file as a script with the interpreter of such an environment:
the script listens on a kernel-picked port, prints it, and answers every connection with
``Transport.start_server`` restricted through the public ``Transport.get_security_options()`` to the
profile's kex, host-key, cipher and MAC lists (RFC 4253 §7.1), a fresh ECDSA P-256 or RSA host key, and
no authentication method that succeeds. Only the standard library is imported at module level, so the
helper half runs in the test process and the script half in the server's interpreter.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"


@dataclass
class ParamikoServer:
    """A running server: its port and process (stop with :meth:`stop`)."""

    port: int
    process: subprocess.Popen[str]
    log: Path
    """The server's stderr (one line per connection that ended in an error)."""

    def stop(self) -> None:
        """Terminate the server process (and wait for it, 10 s at most)."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start(python: Path, offered: dict[str, list[str]], log: Path, host_key: str = "ecdsa") -> ParamikoServer:
    """Start this script under ``python`` (an interpreter with Paramiko) serving ``offered``.

    Args:
        python: the interpreter of the server's environment.
        offered: ``{"kex": [...], "host_key": [...], "cipher": [...], "mac": [...]}`` in order.
        log: the file the server's stderr goes to.
        host_key: ``ecdsa`` (P-256) or ``rsa`` (2048 bits), generated at start.

    Raises:
        RuntimeError: the server did not print its port (its log in the message).
    """
    with log.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [str(python), str(Path(__file__).resolve()), json.dumps(offered), host_key],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.isdigit():
        process.kill()
        process.wait(10)
        process.stdout.close()
        raise RuntimeError(f"paramiko server did not start: {line!r} {log.read_text(encoding='utf-8')[-2000:]}")
    return ParamikoServer(int(line), process, log)


def _serve_one(conn: socket.socket, offered: dict[str, list[str]], key: object) -> None:
    import paramiko

    transport = paramiko.Transport(conn)
    options = transport.get_security_options()
    options.kex = offered["kex"]
    options.key_types = offered["host_key"]
    options.ciphers = offered["cipher"]
    options.digests = offered["mac"]
    transport.add_server_key(key)
    try:
        transport.start_server(server=paramiko.ServerInterface())
        transport.join(30)
    except Exception as exc:  # a client that fails negotiation ends its own connection
        print(f"connection ended: {exc}", file=sys.stderr, flush=True)
    finally:
        transport.close()


def main(argv: list[str]) -> None:
    """Script entry: ``python paramiko_server.py OFFERED_JSON HOST_KEY``; prints the port, serves forever."""
    import logging

    import paramiko

    logging.disable(logging.CRITICAL)  # paramiko logs every failed negotiation with a traceback

    offered = json.loads(argv[0])
    key = paramiko.ECDSAKey.generate() if argv[1] == "ecdsa" else paramiko.RSAKey.generate(2048)
    listener = socket.create_server((LOOPBACK, 0))
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_serve_one, args=(conn, offered, key), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1:])
