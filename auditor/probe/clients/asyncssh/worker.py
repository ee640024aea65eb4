"""Handshake worker: run by an interpreter that holds the asyncssh release to judge (never imported by sshdrift).

Reads one JSON job on stdin: ``{"timeout": seconds, "concurrency": n, "devices": [[name, host, port], ...]}``.
Prints ``{"hello": asyncssh version}`` first, then one JSON line per device as its handshake ends:
``{"key": [name, host, port], "status": ..., "reason": ..., "negotiated": {...}, "host_key": {...},
"banner": ...}``.

Each handshake is ``asyncssh.connect(host, port, known_hosts=None, config=None, ...)`` with no credentials
(no keys, no agent, no password): the key exchange (RFC 4253 §7) runs to completion, then the server
refuses authentication. An authentication failure therefore means negotiated (``compatible``); a
``KeyExchangeFailed`` "No matching ... algorithm" (ours) or a server's "no matching ..." disconnect means
``incompatible``; refused, timed out, reset before the server's identification string is ``unreachable``;
anything else the server did wrong is ``error``. One connection at a time per host:port.

The negotiated kex is read from the connection's key exchange object (asyncssh has no public accessor for
it); cipher, MAC and compression from ``get_extra_info`` and the host key from ``get_server_host_key``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any

logging.disable(logging.CRITICAL)

import asyncssh  # noqa: E402

_SERVER_SAID = ("no matching", "unable to negotiate", "no common")
"""Words of a server's disconnect when the algorithm lists do not overlap (OpenSSH, Dropbear, network OSes)."""


CLOSED_DURING_KEX = "the server closed the connection during key exchange, before the algorithms were agreed"
"""The reason of a connection the server dropped after the identification strings and before the key exchange
ended: OpenSSH does so, without a message, when no host-key algorithm fits, and when it finds no common kex,
cipher or MAC before asyncssh does (which side notices first is a race)."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


class _Probe(asyncssh.SSHClient):
    """Keeps the connection object so its negotiated algorithms can be read after authentication fails."""

    def __init__(self, box: dict[str, Any]) -> None:
        self.box = box

    def connection_made(self, conn: Any) -> None:
        self.box["conn"] = conn


def _negotiated(conn: Any) -> dict[str, str] | None:
    cipher = _text(conn.get_extra_info("send_cipher"))
    if not cipher:
        return None
    kex = getattr(conn, "_kex", None)
    key = conn.get_server_host_key()
    return {
        "kex": _text(getattr(kex, "algorithm", None)) or "",
        "host_key": _text(getattr(key, "algorithm", None)) or "",
        "cipher": cipher,
        "mac": _text(conn.get_extra_info("send_mac")) or "",
        "compression": _text(conn.get_extra_info("send_compression")) or "none",
    }


def _host_key(conn: Any) -> dict[str, Any] | None:
    key = conn.get_server_host_key()
    if key is None:
        return None
    exported = key.export_public_key("openssh").split()
    return {
        "type": _text(exported[0]),
        "base64": _text(exported[1]) if len(exported) > 1 else None,
        "fingerprint": key.get_fingerprint("sha256"),
    }


def _classify(exc: BaseException, conn: Any) -> tuple[str, str | None]:
    """``(status, reason)`` of a failed connect."""
    reason = str(exc) or type(exc).__name__
    negotiated = conn is not None and conn.get_extra_info("send_cipher")
    if isinstance(exc, asyncssh.PermissionDenied):
        return "compatible", None
    if isinstance(exc, asyncssh.DisconnectError) and any(w in reason.lower() for w in _SERVER_SAID):
        return "incompatible", reason
    lost = isinstance(exc, (asyncssh.ConnectionLost, ConnectionResetError, BrokenPipeError))
    if lost and conn is not None and conn.get_extra_info("server_version") and not negotiated:
        # asyncssh never checks the host-key lists itself: the server decides, and OpenSSH closes the
        # connection without a message when none fits (or when it notices another mismatch first).
        return "incompatible", f"{CLOSED_DURING_KEX} ({reason})"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return ("compatible", None) if negotiated else ("unreachable", "timed out")
    if isinstance(exc, (ConnectionRefusedError, ConnectionResetError, OSError)):
        return "unreachable", reason
    if isinstance(exc, asyncssh.ConnectionLost) and (conn is None or conn.get_extra_info("server_version") is None):
        return "unreachable", f"connection closed before the identification string ({reason})"
    return "error", f"{type(exc).__name__}: {reason}"


async def _connect(host: str, port: int, box: dict[str, Any]) -> Any:
    """``asyncssh.connect`` without credentials, host-key checks or ssh_config (``config=`` exists from 2.1 on)."""
    options: dict[str, Any] = {
        "known_hosts": None,
        "config": None,
        "username": "sshdrift",
        "password": None,
        "client_keys": None,
        "agent_path": None,
        "client_factory": lambda: _Probe(box),
    }
    try:
        return await asyncssh.connect(host, port, **options)
    except TypeError:
        options.pop("config")
        return await asyncssh.connect(host, port, **options)


async def _handshake(name: str, host: str, port: int, timeout: float) -> dict[str, Any]:
    box: dict[str, Any] = {}
    status, reason = "compatible", None
    try:
        opened = await asyncio.wait_for(_connect(host, port, box), timeout)
        opened.close()  # the server let us in without credentials: negotiated all the same
    except Exception as exc:  # every failure is a result for this device, never the end of the worker
        status, reason = _classify(exc, box.get("conn"))
    conn = box.get("conn")
    out: dict[str, Any] = {"key": [name, host, port], "status": status, "reason": reason}
    if conn is not None:
        out["banner"] = _text(conn.get_extra_info("server_version"))
        if status == "compatible":
            out["negotiated"] = _negotiated(conn)
        if status in ("compatible", "incompatible"):
            out["host_key"] = _host_key(conn)
        conn.abort()
    return out


async def _run(job: dict[str, Any]) -> None:
    limit = asyncio.Semaphore(max(1, int(job.get("concurrency", 16))))
    endpoints: dict[tuple[str, int], asyncio.Lock] = {}
    timeout = float(job["timeout"])

    async def one(name: str, host: str, port: int) -> None:
        lock = endpoints.setdefault((host, port), asyncio.Lock())
        async with lock, limit:
            try:
                result = await _handshake(name, host, port, timeout)
            except Exception as exc:  # a bug here must not lose the other devices
                result = {"key": [name, host, port], "status": "error", "reason": f"worker: {exc!r}"}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()

    await asyncio.gather(*(one(name, host, int(port)) for name, host, port in job["devices"]))


def main() -> None:
    """Read the job on stdin, print the hello line, then one line per device."""
    job = json.loads(sys.stdin.read())
    sys.stdout.write(json.dumps({"hello": asyncssh.__version__}) + "\n")
    sys.stdout.flush()
    asyncio.run(_run(job))


if __name__ == "__main__":
    main()
