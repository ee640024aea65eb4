"""Real Paramiko handshakes, run by the interpreter of the environment that holds the Paramiko asked for.

This file is executed as a script (``python worker.py``) by a *foreign* interpreter
(Python 3.7+, Paramiko 2.0.9 to the newest): it imports only the standard library and
paramiko, never ``auditor``, and uses no syntax newer than Python 3.7.

Protocol (one job per process):

* stdin: one JSON object ``{"timeout": SECONDS, "threads": N, "devices": [{"id": INT, "host": STR,
  "port": INT, "jump": "user@gw:port" | null, "jumps": ["user@gw1:port", ...]}], "jump_key": PATH | null, "known_hosts": PATH | null,
  "disabled_algorithms": {"kex": [NAME, ...], ...} | null}`` (``disabled_algorithms``: given to every ``Transport``,
  the project's code's narrowing);
* stdout: JSON lines. First ``{"paramiko": VERSION, "python": VERSION}``, then one line per device
  ``{"id", "status", "reason", "negotiated", "host_key_type", "host_key_base64", "fingerprint",
  "banner", "server_sig_algs"}`` as soon as it is known, in completion order; with ``"record": true`` in
  the job each line also carries ``"hello": {"at": EPOCH_SECONDS, "connected": BOOL, "ended": "eof" | "reset"
  | null, "timed_out": BOOL, "chunks": [[SECONDS_SINCE_CONNECTED, BASE64], ...]}``: the bytes the server sent
  on that connection as Paramiko read them (its identification string and KEXINIT among them), so the
  parent needs no second connection to read them.

For each device: TCP connect (or a ``direct-tcpip`` channel of the last hop of its ProxyJump chain,
each hop reached through the one before it, one authenticated connection per chain shared by its devices), ``Transport(sock)`` and ``start_client`` with no authentication (RFC 4253 §7 key
exchange only), bounded by ``timeout`` seconds in all. The status is ``compatible`` (negotiation
and key exchange completed), ``incompatible`` (no overlap in a category: ``IncompatiblePeer``
since Paramiko 2.9, a plain ``SSHException`` with the same "no acceptable ..." message before),
``unreachable`` (refused, timeout, DNS, reset, a jump host that failed) or ``error`` (anything
else the server did wrong). Paramiko's logger is silenced: its transport thread logs a
traceback on every failed negotiation, which belongs to no user's terminal.

A jump host's private key passphrase is read from ``SSHDRIFT_JUMP_PASSPHRASE`` and never printed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

warnings.simplefilter("ignore")

import paramiko  # noqa: E402 - warnings must be off before cryptography's deprecation warnings fire

_KEX_LOG = re.compile(r"^Kex(?: agreed)?: (\S+)$")
_INCOMPATIBLE = re.compile(r"(?:Incompatible ssh|no acceptable|no matching)", re.IGNORECASE)
_UNREACHABLE_TEXT = re.compile(
    r"(?:Error reading SSH protocol banner|timed out|timeout|EOF|reset|refused|unreachable|closed)", re.IGNORECASE
)


class _KexCapture(logging.Handler):
    """Keeps, per Transport thread, the kex name Paramiko logs at DEBUG when negotiation agrees.

    Paramiko does not store the agreed kex name; it logs ``Kex agreed: NAME`` (2.0-2.8) or
    ``Kex: NAME`` (2.9+) from the transport's own thread, which *is* the Transport object.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kex: dict[int, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            match = _KEX_LOG.match(record.getMessage())
        except Exception:  # a malformed record must never break a handshake
            return
        if match:
            self.kex[id(threading.current_thread())] = match.group(1)


_CAPTURE = _KexCapture()


def _silence_paramiko() -> None:
    """Route Paramiko's log records to our capture only: nothing reaches stderr or the root logger."""
    logger = logging.getLogger("paramiko")
    logger.addHandler(logging.NullHandler())
    logger.addHandler(_CAPTURE)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False


class _AcceptPolicy(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """A gateway not in known_hosts is accepted for this run (never saved); a changed key still fails."""

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        return None


class _Gateways:
    """One authenticated SSH connection per jump host, opened on first use and shared by its devices."""

    def __init__(self, key_file: str | None, known_hosts: str | None, timeout: float) -> None:
        self.key_file = key_file
        self.known_hosts = known_hosts
        self.timeout = timeout
        self.lock = threading.Lock()
        self.clients: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.locks: dict[str, threading.Lock] = {}

    def transport(self, chain: Any) -> Any:
        """The authenticated transport of the last hop of ``chain`` (a list of hops, or one hop).

        Each hop is reached through a ``direct-tcpip`` channel of the one before it (RFC 4254 §7.2); a
        chain, and every prefix of it, is opened once and shared. Raises ``RuntimeError`` with the reason.
        """
        hops = tuple(chain) if isinstance(chain, (list, tuple)) else (chain,)
        spec = ",".join(hops)
        with self.lock:
            lock = self.locks.setdefault(spec, threading.Lock())
        with lock:
            if spec in self.errors:
                raise RuntimeError(self.errors[spec])
            client = self.clients.get(spec)
            if client is None:
                try:
                    sock = None
                    if len(hops) > 1:
                        previous = self.transport(hops[:-1])
                        _, host, port = parse_jump(hops[-1])
                        sock = previous.open_channel(
                            "direct-tcpip", (host, port), ("127.0.0.1", 0), timeout=self.timeout
                        )
                    client = self._connect(hops[-1], sock)
                except RuntimeError as exc:
                    self.errors[spec] = str(exc)
                    raise
                except Exception as exc:
                    self.errors[spec] = f"jump host {hops[-1]}: {_describe(exc)}"
                    raise RuntimeError(self.errors[spec]) from None
                self.clients[spec] = client
            return client.get_transport()

    def _connect(self, spec: str, sock: Any = None) -> Any:
        user, host, port = parse_jump(spec)
        client = paramiko.SSHClient()
        if self.known_hosts and Path(self.known_hosts).is_file():
            client.load_host_keys(self.known_hosts)
        client.set_missing_host_key_policy(_AcceptPolicy())
        passphrase = os.environ.get("SSHDRIFT_JUMP_PASSPHRASE") or None
        kwargs: dict[str, Any] = {
            "hostname": host,
            "port": port,
            "username": user,
            "timeout": self.timeout,
            "banner_timeout": self.timeout,
            "auth_timeout": self.timeout,
            "allow_agent": self.key_file is None,
            "look_for_keys": self.key_file is None,
        }
        if sock is not None:
            kwargs["sock"] = sock
        if self.key_file:
            kwargs["key_filename"] = self.key_file
            if passphrase:
                kwargs["passphrase" if _has_passphrase_kwarg() else "password"] = passphrase
        try:
            client.connect(**kwargs)
        except TypeError:
            # Releases before 2.x's auth_timeout / passphrase keywords.
            kwargs.pop("auth_timeout", None)
            if "passphrase" in kwargs:
                kwargs["password"] = kwargs.pop("passphrase")
            client.connect(**kwargs)
        return client

    def close(self) -> None:
        for client in self.clients.values():
            with contextlib.suppress(Exception):  # closing is best effort
                client.close()


def _has_passphrase_kwarg() -> bool:
    import inspect

    try:
        return "passphrase" in inspect.signature(paramiko.SSHClient.connect).parameters
    except (TypeError, ValueError):
        return False


def parse_jump(spec: str) -> tuple[str, str, int]:
    """``[user@]host[:port]`` (``[v6]:port`` too) → ``(user, host, port)``; user defaults to the login name.

    A copy of :func:`auditor.probe.clients.paramiko.glue.parse_jump`: this script never imports ``auditor``;
    ``spec`` was validated when the inventory was read.

    Raises:
        ValueError: a port that is not a number.
    """
    import getpass

    user, _, rest = spec.rpartition("@")
    host, port = rest, 22
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        if tail.startswith(":"):
            port = int(tail[1:])
    elif rest.count(":") == 1:
        host, _, port_text = rest.partition(":")
        port = int(port_text)
    return (user or getpass.getuser()), host, port


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return f"DNS lookup failed ({text or type(exc).__name__})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return text or type(exc).__name__


def classify(exc: BaseException) -> tuple[str, str]:
    """Map an exception from connect or ``start_client`` to ``(status, reason)`` across Paramiko releases.

    ``IncompatiblePeer`` exists only since 2.9; before, a plain ``SSHException`` carries the same
    "Incompatible ssh peer (no acceptable ...)" message, so the message decides.
    """
    reason = _describe(exc)
    incompatible = getattr(paramiko.ssh_exception, "IncompatiblePeer", None)
    if (incompatible is not None and isinstance(exc, incompatible)) or _INCOMPATIBLE.search(reason):
        return "incompatible", reason
    if isinstance(exc, (socket.timeout, socket.gaierror, ConnectionError, EOFError)):
        return "unreachable", reason
    if isinstance(exc, paramiko.SSHException) and _UNREACHABLE_TEXT.search(reason):
        return "unreachable", reason
    if isinstance(exc, OSError):
        return "unreachable", reason
    return "error", reason


def fingerprint(blob: bytes) -> str:
    """OpenSSH's ``SHA256:<base64 without padding>`` of a public host key blob (RFC 4253 §6.6 encoding)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def _agreed_kex(transport: Any) -> str | None:
    name = _CAPTURE.kex.pop(id(transport), None)
    if name:
        return name
    engine = getattr(transport, "kex_engine", None)
    for candidate in getattr(transport, "_preferred_kex", ()):
        if engine is not None and transport._kex_info.get(candidate) is type(engine):
            return str(candidate)
    return None


def server_sig_algs(transport: Any, deadline: float) -> Any:
    """The server's RFC 8308 ``server-sig-algs`` names, ``[]`` when it sent none, None when this Paramiko cannot tell.

    Paramiko 2.9+ sends ``ext-info-c`` and keeps the server's EXT_INFO in ``server_extensions``; the
    server sends it right after its NEWKEYS, so it may land just after the handshake completes: wait
    for it at most 0.5 s (and never past ``deadline``, a ``time.monotonic()`` value); it follows NEWKEYS at once.
    """
    if not isinstance(getattr(transport, "server_extensions", None), dict):
        return None
    end = min(time.monotonic() + 0.5, deadline)
    while not transport.server_extensions and time.monotonic() < end and transport.is_active():
        time.sleep(0.02)
    raw = transport.server_extensions.get("server-sig-algs", b"")
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    return [name for name in text.split(",") if name]


_RECORD_LIMIT = 400_000
"""Bytes recorded per connection at most: a KEXINIT after the bounded lines and packets that may precede it."""


class _Recorder:
    """The socket (or jump-host channel) handed to ``Transport``, recording every byte the server sends.

    Paramiko reads only through ``recv`` (its packetizer, every release); everything else is passed on.
    Recording stops at :meth:`stop` or after :data:`_RECORD_LIMIT` bytes.
    """

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self.connected_at = time.monotonic()
        self.chunks: list[Any] = []
        self.size = 0
        self.ended: Any = None
        self.recording = True

    def recv(self, size: int) -> bytes:
        try:
            data = self._sock.recv(size)
        except (ConnectionError, EOFError):
            if self.recording:
                self.ended = "reset"
            raise
        if self.recording:
            if not data:
                self.ended = "eof"
            elif self.size < _RECORD_LIMIT:
                self.chunks.append([round(time.monotonic() - self.connected_at, 6), data])
                self.size += len(data)
        return data  # type: ignore[no-any-return]

    def stop(self) -> list[Any]:
        """Stop recording; the chunks as JSON values ``[seconds, base64]``."""
        self.recording = False
        return [[at, base64.b64encode(data).decode("ascii")] for at, data in list(self.chunks)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def handshake(device: dict[str, Any], timeout: float, gateways: _Gateways, record: bool = False) -> dict[str, Any]:
    """One device: connect, negotiate keys without authentication (RFC 4253 §7), report. Never raises.

    Args:
        device: the job's device dict (``id``, ``host``, ``port``, optional ``jump``).
        timeout: seconds for the whole handshake, connect included.
        gateways: the jump-host connections shared by the job's devices.
        record: add ``hello``, the server's bytes as they passed (see the module docstring).

    Returns:
        The outcome line: ``id``, ``status`` (compatible|incompatible|unreachable|error), ``reason``,
        ``negotiated`` (None unless compatible), plus ``banner`` and, when compatible, the host key
        (``host_key_type``, ``host_key_base64``, ``fingerprint``) and ``server_sig_algs``.
    """
    out: dict[str, Any] = {"id": device["id"], "status": "error", "reason": None, "negotiated": None}
    deadline = time.monotonic() + timeout
    hello: dict[str, Any] = {"at": time.time(), "connected": False, "ended": None, "timed_out": False, "chunks": []}
    if record:
        out["hello"] = hello
    try:
        _handshake(device, timeout, deadline, gateways, out, hello)
    except Exception as exc:
        status, reason = classify(exc)
        out.update(status=status, reason=reason)
    return out


def _handshake(
    device: dict[str, Any],
    timeout: float,
    deadline: float,
    gateways: _Gateways,
    out: dict[str, Any],
    hello: dict[str, Any],
) -> None:
    """:func:`handshake`'s work: fills ``out`` and ``hello``; raises what connect or Paramiko raise."""
    transport = None
    sock: Any = None
    try:
        try:
            chain = device.get("jumps") or ([device["jump"]] if device.get("jump") else [])
            if chain:
                gateway = gateways.transport(chain)
                sock = gateway.open_channel(
                    "direct-tcpip", (device["host"], int(device["port"])), ("127.0.0.1", 0), timeout=timeout
                )
            else:
                sock = socket.create_connection((device["host"], int(device["port"])), timeout=timeout)
        except RuntimeError as exc:
            out.update(status="unreachable", reason=str(exc))
            return
        except Exception as exc:
            status, reason = classify(exc)
            out.update(status="unreachable" if status != "incompatible" else status, reason=reason)
            hello["timed_out"] = isinstance(exc, socket.timeout)
            return
        hello["connected"] = True
        sock = recorder = _Recorder(sock)
        # The project's code's narrowing (Paramiko 2.6+); an older Transport's TypeError is this device's error.
        disabled = device.get("disabled_algorithms")
        transport = paramiko.Transport(sock, disabled_algorithms=disabled) if disabled else paramiko.Transport(sock)
        remaining = max(0.1, deadline - time.monotonic())
        transport.banner_timeout = remaining
        transport.handshake_timeout = remaining
        # start_client(event=...) returns at once in every release (2.0.9 has no timeout keyword);
        # the event is set when negotiation completes or fails.
        done = threading.Event()
        transport.start_client(event=done)
        finished = done.wait(remaining)
        hello["chunks"] = recorder.stop() if "hello" in out else []
        hello["ended"] = recorder.ended
        # Paramiko's own banner and handshake timeouts end the wait a moment before the deadline.
        hello["timed_out"] = not finished or (
            not transport.is_active() and time.monotonic() >= deadline - min(0.25, timeout / 4)
        )
        if not finished:
            out.update(status="unreachable", reason=f"handshake timed out after {timeout:g} s")
            return
        if not transport.is_active():
            failure = transport.get_exception() or paramiko.SSHException("Negotiation failed.")
            status, reason = classify(failure)
            out.update(status=status, reason=reason)
            out["banner"] = transport.remote_version or None
            return
        key = transport.get_remote_server_key()
        out.update(
            status="compatible",
            banner=transport.remote_version or None,
            negotiated={
                "kex": _agreed_kex(transport),
                "host_key": transport.host_key_type,
                "cipher": transport.local_cipher,
                "mac": transport.local_mac,
                "compression": getattr(transport, "local_compression", None) or "none",
            },
            host_key_type=key.get_name(),
            host_key_base64=key.get_base64(),
            fingerprint=fingerprint(key.asbytes()),
            server_sig_algs=server_sig_algs(transport, deadline),
        )
    finally:
        if transport is not None:
            _CAPTURE.kex.pop(id(transport), None)
            with contextlib.suppress(Exception):  # closing is best effort
                transport.close()
        elif sock is not None:
            with contextlib.suppress(Exception):  # closing is best effort
                sock.close()


def main() -> int:
    """Read the job from stdin, write the outcomes to stdout; exit 0 unless the job itself is bad."""
    _silence_paramiko()
    job = json.loads(sys.stdin.read())
    write_lock = threading.Lock()

    def emit(obj: dict[str, Any]) -> None:
        line = json.dumps(obj, sort_keys=True)
        with write_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    emit({"paramiko": paramiko.__version__, "python": ".".join(str(x) for x in sys.version_info[:3])})
    timeout = float(job["timeout"])
    record = bool(job.get("record"))
    gateways = _Gateways(job.get("jump_key"), job.get("known_hosts"), timeout)
    # At most one handshake at a time per host:port: devices limit their vty sessions.
    endpoint_locks: dict[tuple[str, int], threading.Lock] = {}
    for device in job["devices"]:
        endpoint_locks.setdefault((device["host"], int(device["port"])), threading.Lock())
        device.setdefault("disabled_algorithms", job.get("disabled_algorithms"))

    def run(device: dict[str, Any]) -> None:
        with endpoint_locks[(device["host"], int(device["port"]))]:
            emit(handshake(device, timeout, gateways, record))

    try:
        with ThreadPoolExecutor(max_workers=max(1, int(job.get("threads", 8)))) as pool:
            for _ in pool.map(run, job["devices"]):
                pass
    finally:
        gateways.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
