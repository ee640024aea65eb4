"""Read each device's identification string and KEXINIT over TCP, without credentials.

The bytes are parsed by :class:`auditor.probe.kexinit.ServerHelloReader` (pure); this module owns the
sockets: asyncio for direct connections (:func:`grab_devices`, :func:`grab_device`) and a blocking
variant for a socket-like object such as a Paramiko ``direct-tcpip`` channel through a jump host
(:func:`grab_over_socket`). Every device becomes a :data:`~auditor.probe.results.GrabResult` value:
:class:`Grabbed`, :class:`Unreachable` (refused, timeout, DNS, reset) or :class:`ProtocolFailure`;
one device's failure never costs another's result.

Protocol: RFC 4253 §4.2 (we send ``SSH-2.0-sshdrift_<version>`` and read the server's identification
string) and §7.1 (servers send their KEXINIT without waiting for ours, so we send ours only when the
server stays silent after its identification string).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import time
from collections.abc import Awaitable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

from auditor import __version__
from auditor.device_model import Device, Offered
from auditor.errors import ProtocolError
from auditor.fileio import write_atomic_bytes
from auditor.probe.kexinit import ServerHelloReader, build_kexinit, frame_packet
from auditor.probe.results import Grabbed, GrabResult, ProtocolFailure, ServerHello, Unreachable
from auditor.progress import NullProgress, Progress

T = TypeVar("T")

IDENTIFICATION = f"SSH-2.0-sshdrift_{__version__}\r\n".encode("ascii")
"""Our identification string (RFC 4253 §4.2)."""

READ_CHUNK = 4096
"""Bytes asked for per read; a KEXINIT is 1-2 KB."""

NUDGE_AFTER = 2.0
"""Seconds of silence after the server's identification string before we send our own KEXINIT
(at most a quarter of the per-device timeout)."""

_NUDGE_OFFER = Offered(
    kex=(
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256",
        "diffie-hellman-group14-sha256",
        "diffie-hellman-group-exchange-sha256",
        "diffie-hellman-group14-sha1",
        "diffie-hellman-group-exchange-sha1",
        "diffie-hellman-group1-sha1",
    ),
    host_key=("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-dss"),
    cipher_c2s=("aes128-ctr", "aes256-ctr", "aes128-cbc", "3des-cbc"),
    cipher_s2c=("aes128-ctr", "aes256-ctr", "aes128-cbc", "3des-cbc"),
    mac_c2s=("hmac-sha2-256", "hmac-sha1"),
    mac_s2c=("hmac-sha2-256", "hmac-sha1"),
    compression_c2s=("none",),
    compression_s2c=("none",),
)
"""A broad client KEXINIT, sent only to servers that wait for the client's before sending theirs."""


class SocketLike(Protocol):
    """The blocking socket subset :func:`grab_over_socket` uses (a ``socket.socket`` or Paramiko ``Channel``)."""

    def sendall(self, data: bytes, /) -> object:
        """Send every byte of ``data``."""

    def recv(self, size: int, /) -> bytes:
        """Up to ``size`` bytes; ``b""`` at end of stream."""

    def settimeout(self, timeout: float | None, /) -> object:
        """Seconds a blocking call may wait before raising ``TimeoutError`` (``socket.timeout``)."""

    def close(self) -> object:
        """Release the connection."""


def _now(at: float | None = None) -> str:
    """ISO 8601 UTC of epoch seconds ``at`` (default now), to the second."""
    moment = datetime.now(timezone.utc) if at is None else datetime.fromtimestamp(at, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def kexinit_path(save_dir: Path, device: Device) -> Path:
    """Where ``--save-kexinit DIR`` keeps a device's raw payload: ``DIR/<name>_<host>_<port>.kexinit``.

    Characters outside ``[A-Za-z0-9._-]`` (e.g. ``:`` of IPv6 addresses, ``/``) become ``_``; leading dots
    are dropped, so the file always lands inside ``save_dir`` and is never hidden.
    """
    stem = "_".join(_UNSAFE.sub("_", part) for part in (device.name, device.host, str(device.port)))
    return save_dir / f"{stem.lstrip('.') or 'device'}.kexinit"


def save_payload(save_dir: Path, device: Device, payload: bytes) -> Path:
    """Write the raw KEXINIT payload to :func:`kexinit_path` atomically (:func:`auditor.fileio.write_atomic_bytes`).

    Returns:
        The file written.

    Raises:
        OSError: the directory cannot be created or written.
    """
    save_dir.mkdir(parents=True, exist_ok=True)
    target = kexinit_path(save_dir, device)
    write_atomic_bytes(target, payload)
    return target


class _Nudge:
    """When to send our own KEXINIT: only to a server silent for a while after its identification string.

    RFC 4253 §7.1 lets each side send its KEXINIT without waiting for the other's; almost every server
    does, but some wait for the client's. We wait ``min(NUDGE_AFTER, timeout / 4)`` seconds first, so a
    server that sends its own is never answered with ours.
    """

    def __init__(self, timeout: float) -> None:
        self.after = min(NUDGE_AFTER, timeout / 4)
        self.banner_at: float | None = None
        self.sent = False

    def wait(self, reader: ServerHelloReader, now: float, remaining: float) -> float:
        """Seconds the next read may block: at most until the nudge is due, never past ``remaining``."""
        if reader.banner is None or self.sent:
            return remaining
        if self.banner_at is None:
            self.banner_at = now
        return min(remaining, max(0.0, self.banner_at + self.after - now))

    def packet(self, reader: ServerHelloReader) -> bytes | None:
        """Our framed KEXINIT when a read timed out and the nudge is due (once per connection), else None."""
        if reader.banner is None or self.sent:
            return None
        self.sent = True
        return frame_packet(build_kexinit(_NUDGE_OFFER))


def _stalled(reader: ServerHelloReader, timeout: float) -> str:
    """The reason text of a timeout, naming the stage the server stalled in."""
    if reader.banner is None:
        if reader.received:
            return f"timeout after {timeout:g} s: {reader.received} bytes but no complete identification string"
        return f"timeout after {timeout:g} s: connected, but no identification string"
    return f"timeout after {timeout:g} s: identification string {reader.banner!r}, but no complete KEXINIT"


def _progress_note(reader: ServerHelloReader) -> str:
    """How far the conversation got, for a connection error's reason."""
    if reader.banner is not None:
        return f" after the identification string {reader.banner!r}"
    if reader.received:
        return f" after {reader.received} bytes, before the identification string"
    return ""


def _finish(
    device: Device, reader: ServerHelloReader, elapsed: float, probed_at: str, save_dir: Path | None
) -> GrabResult:
    """Turn a completed reader into :class:`Grabbed` (saving the payload when asked); ``elapsed`` in seconds."""
    assert reader.kexinit is not None and reader.payload is not None and reader.banner is not None
    if save_dir is not None:
        try:
            save_payload(save_dir, device, reader.payload)
        except OSError as exc:
            return ProtocolFailure(
                device, f"KEXINIT read but not saved to {save_dir}: {exc.strerror or exc}", reader.banner, probed_at
            )
    return Grabbed(
        device=device,
        banner=reader.banner,
        kexinit=reader.kexinit,
        payload=reader.payload,
        elapsed=elapsed,
        probed_at=probed_at,
    )


class _Reset(Exception):
    """The connection was reset or closed before the server sent anything: worth one retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return f"DNS: cannot resolve host ({exc.strerror or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        # A send after the peer's reset fails with EPIPE: the same event, said one way.
        return "connection reset by peer"
    return exc.strerror or str(exc) or type(exc).__name__


def _ended(reader: ServerHelloReader, nothing: str) -> NoReturn:
    """The server ended the connection (closed or reset) before its KEXINIT; what it sent decides the result.

    A reset and a close are judged alike, so a server that answers and then hangs up gets the same
    result every run, whichever the network delivered first (a server that closes with our
    identification string unread sends a reset, one that closes before it arrives a FIN).

    Raises:
        _Reset: nothing was received (``nothing`` is the reason; the caller retries once).
        ProtocolError: something was received (the reader names where the conversation stopped).
    """
    if reader.banner is None and not reader.received:
        raise _Reset(nothing)
    reader.eof()
    raise ProtocolError("the server closed the connection")  # eof() raised already unless done


async def within(awaitable: Awaitable[T], timeout: float) -> T:
    """``await awaitable`` for at most ``timeout`` seconds, never swallowing a cancellation (Ctrl-C).

    Args:
        awaitable: the work (a coroutine or future), e.g. ``loop.sock_recv(sock, 4096)``.
        timeout: seconds to wait at most (0 or less: only what is already done).

    Returns:
        What ``awaitable`` returned.

    ``asyncio.wait_for`` on Python 3.10 and 3.11 returns the inner result when the cancellation arrives in the
    same loop iteration as that result (CPython gh-86296): a Ctrl-C that lands as a connect completes was lost
    and the probe waited out its ``--timeout``. Here a cancellation always wins; a result it overtakes that can
    be closed (a connected socket) is closed.

    Raises:
        asyncio.TimeoutError: ``timeout`` seconds passed (the inner work is cancelled first).
        asyncio.CancelledError: the caller was cancelled (the inner work is cancelled too).
    """
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except asyncio.CancelledError:
        _abandon(task)
        raise
    if not done:
        _abandon(task)
        # Let the cancellation finish before the caller closes the socket: a read still registered on a closed
        # descriptor breaks the next socket that gets its number. asyncio.wait never swallows our own cancel.
        await asyncio.wait({task})
        raise asyncio.TimeoutError
    return task.result()


def _abandon(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` without waiting for it, and close the result it may still produce.

    Waiting could swallow a cancellation of the caller's own; the result is a socket connected just as it was
    given up.
    """

    def close_result(finished: asyncio.Future[Any]) -> None:
        if not finished.cancelled() and finished.exception() is None:
            closer = getattr(finished.result(), "close", None)
            if callable(closer):
                closer()

    task.cancel()
    task.add_done_callback(close_result)


async def _addresses(device: Device) -> list[tuple[int, int, int, tuple[Any, ...]]]:
    """``(family, type, proto, address)`` to try for ``device``: an IP literal as is, a name from DNS.

    Raises:
        socket.gaierror: the name does not resolve.
    """
    try:
        ip = ipaddress.ip_address(device.host)
    except ValueError:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(device.host, device.port, type=socket.SOCK_STREAM)
        return [(family, kind, proto, tuple(address)) for family, kind, proto, _, address in infos]
    # No resolver thread for an address (asyncio's open_connection skips it the same way).
    if ip.version == 6:
        return [(socket.AF_INET6, socket.SOCK_STREAM, 0, (device.host, device.port, 0, 0))]
    return [(socket.AF_INET, socket.SOCK_STREAM, 0, (device.host, device.port))]


async def _connect(device: Device) -> socket.socket:
    """A non-blocking TCP socket connected to ``device`` (each address DNS gives, in order).

    Raw sockets, not asyncio streams: a stream that sees a reset drops the bytes it holds, while the
    kernel hands out every byte that came before the reset, so the result does not depend on timing.

    Raises:
        OSError: DNS failed or no address accepted the connection (the last address's error).
    """
    loop = asyncio.get_running_loop()
    last: OSError = OSError(f"no address for {device.host}")
    for family, kind, proto, address in await _addresses(device):
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except ConnectionResetError:
            # Connected, then reset before the loop looked (SO_ERROR): what came first is still to be read.
            return sock
        except OSError as exc:
            sock.close()
            last = exc
            continue
        except BaseException:  # cancelled by the connect timeout
            sock.close()
            raise
        return sock
    raise last


async def _read_hello(sock: socket.socket, reader: ServerHelloReader, deadline: float, timeout: float) -> str | None:
    """Send our identification string and read until the KEXINIT; a stall's reason, or None when done.

    Raises:
        _Reset, ProtocolError: as :func:`_ended`; ProtocolError also for what the reader refuses.
        OSError: any other socket error.
    """
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_sendall(sock, IDENTIFICATION)
        nudge = _Nudge(timeout)
        while not reader.done:
            now = loop.time()
            remaining = deadline - now
            if remaining <= 0:
                return _stalled(reader, timeout)
            try:
                data = await within(loop.sock_recv(sock, READ_CHUNK), nudge.wait(reader, now, remaining))
            except asyncio.TimeoutError:
                packet = nudge.packet(reader)
                if packet is not None:
                    await loop.sock_sendall(sock, packet)
                continue
            if not data:
                _ended(reader, "connection closed by the server before its identification string")
            reader.feed(data)
    except ConnectionError as exc:  # reset, aborted, broken pipe
        # A send can fail on a reset before we read what came before it: read that first.
        _drain(sock, reader)
        _ended(reader, _os_reason(exc))
    return None


def _hung_up(device: Device, sock: SocketLike, reader: ServerHelloReader, reason: str, probed_at: str) -> GrabResult:
    """The result of a connection the server reset or closed mid-way (see :func:`_ended`); never raises."""
    try:
        _drain(sock, reader)
        _ended(reader, reason)
    except _Reset as reset:
        return Unreachable(device, reset.reason, probed_at)
    except ProtocolError as exc:
        return ProtocolFailure(device, exc.message, reader.banner, probed_at)


def _drain(sock: SocketLike, reader: ServerHelloReader) -> None:
    """Feed ``reader`` whatever the kernel still holds for ``sock`` (non-blocking; stops at the first error or EOF).

    Raises:
        ProtocolError: what was held is not an SSH server's opening.
    """
    while not reader.done:
        try:
            data = sock.recv(READ_CHUNK)
        except OSError:  # BlockingIOError (nothing held) or the reset itself
            return
        if not data:
            return
        reader.feed(data)


async def _attempt(device: Device, deadline: float, timeout: float, save_dir: Path | None) -> GrabResult:
    """One TCP conversation; raises :class:`_Reset` when the server hung up before sending anything."""
    loop = asyncio.get_running_loop()
    probed_at = _now()
    started = time.monotonic()
    reader = ServerHelloReader()
    try:
        sock = await within(_connect(device), max(0.0, deadline - loop.time()))
    except asyncio.TimeoutError:
        return Unreachable(device, f"timeout after {timeout:g} s while connecting", probed_at)
    except ConnectionResetError as exc:
        raise _Reset(_os_reason(exc)) from None
    except OSError as exc:
        return Unreachable(device, _os_reason(exc), probed_at)
    try:
        stalled = await _read_hello(sock, reader, deadline, timeout)
        if stalled is not None:
            return Unreachable(device, stalled, probed_at, banner=reader.banner)
        return _finish(device, reader, time.monotonic() - started, probed_at, save_dir)
    except ProtocolError as exc:
        return ProtocolFailure(device, exc.message, reader.banner, probed_at)
    except OSError as exc:
        return Unreachable(device, _os_reason(exc) + _progress_note(reader), probed_at, banner=reader.banner)
    finally:
        sock.close()


async def grab_device(device: Device, *, timeout: float, save_dir: Path | None = None) -> GrabResult:
    """Connect to ``device`` and read its identification string and first KEXINIT.

    Args:
        device: where to connect (``jump`` is ignored here: see :func:`grab_over_socket`).
        timeout: seconds for connect + identification string + KEXINIT together, the retry included.
        save_dir: when set, the raw KEXINIT payload is written to :func:`kexinit_path`.

    Returns:
        :class:`Grabbed`, :class:`Unreachable` (refused, timeout, DNS, reset; with the reason) or
        :class:`ProtocolFailure` (not SSH, SSH-1 only, a bad packet or KEXINIT). Never raises for
        anything the peer does; a reset or close before the identification string is retried once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = "connection reset"
    for _ in range(2):
        try:
            return await _attempt(device, deadline, timeout, save_dir)
        except _Reset as reset:
            last = reset.reason
    return Unreachable(device, f"{last} (twice)", _now())


async def _grab_all(
    devices: Sequence[Device], timeout: float, concurrency: int, progress: Progress, save_dir: Path | None
) -> list[GrabResult]:
    results: list[GrabResult | None] = [None] * len(devices)
    locks: dict[tuple[str, int], asyncio.Lock] = {}
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(devices):
            index = next_index
            next_index += 1
            device = devices[index]
            # One connection at a time per host:port: devices limit vty sessions, sshd's MaxStartups drops bursts.
            lock = locks.setdefault((device.host.lower(), device.port), asyncio.Lock())
            async with lock:
                results[index] = await grab_device(device, timeout=timeout, save_dir=save_dir)
            progress.advance()

    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, len(devices))))]
    await asyncio.gather(*workers)
    return [r for r in results if r is not None]


def grab_devices(
    devices: Sequence[Device],
    *,
    timeout: float,
    concurrency: int = 64,
    progress: Progress | None = None,
    save_dir: Path | None = None,
) -> list[GrabResult]:
    """Grab every device's identification string and KEXINIT, ``concurrency`` at once.

    Runs its own asyncio event loop (call it from synchronous code, not from a running loop). At most
    one connection at a time goes to each host:port. Memory stays bounded by ``concurrency`` open
    connections plus one result (about 2 KB) per device.

    Args:
        devices: the inventory (direct connections; devices behind a jump host go through
            :func:`grab_over_socket`).
        timeout: seconds per device for connect + identification string + KEXINIT.
        concurrency: connections open at once (default 64).
        progress: advanced once per device.
        save_dir: ``--save-kexinit DIR``: keep each raw payload there.

    Returns:
        One :data:`GrabResult` per device, in input order.
    """
    reporter = progress or NullProgress()
    reporter.start("reading KEXINIT", len(devices))
    try:
        return asyncio.run(_grab_all(devices, timeout, concurrency, reporter, save_dir))
    finally:
        reporter.stop()


def grab_over_socket(sock: SocketLike, device: Device, *, timeout: float, save_dir: Path | None = None) -> GrabResult:
    """Blocking grab over an already connected socket-like object (e.g. a ``direct-tcpip`` channel).

    Args:
        sock: connected to the device's SSH port; closed before returning.
        device: the device (for the result and the saved file name).
        timeout: seconds for identification string + KEXINIT.
        save_dir: as in :func:`grab_devices`.

    Returns:
        Like :func:`grab_device` (no retry: the channel is the caller's).
    """
    probed_at = _now()
    started = time.monotonic()
    deadline = started + timeout
    reader = ServerHelloReader()
    try:
        sock.settimeout(timeout)
        sock.sendall(IDENTIFICATION)
        nudge = _Nudge(timeout)
        while not reader.done:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                return Unreachable(device, _stalled(reader, timeout), probed_at, banner=reader.banner)
            # A zero timeout would make the socket non-blocking, not "due now".
            sock.settimeout(max(0.01, nudge.wait(reader, now, remaining)))
            try:
                data = sock.recv(READ_CHUNK)
            except TimeoutError:
                packet = nudge.packet(reader)
                if packet is not None:
                    sock.sendall(packet)
                continue
            if not data:
                _ended(reader, "connection closed by the server before its identification string")
            reader.feed(data)
        return _finish(device, reader, time.monotonic() - started, probed_at, save_dir)
    except _Reset as reset:
        return Unreachable(device, reset.reason, probed_at)
    except ProtocolError as exc:
        return ProtocolFailure(device, exc.message, reader.banner, probed_at)
    except ConnectionError as exc:  # judged by what came before it, as in the asyncio grab
        return _hung_up(device, sock, reader, _os_reason(exc), probed_at)
    except OSError as exc:
        return Unreachable(device, _os_reason(exc) + _progress_note(reader), probed_at, banner=reader.banner)
    except Exception as exc:  # a third-party channel (Paramiko) raises its own types; keep the result
        return Unreachable(device, f"{type(exc).__name__}: {exc}", probed_at, banner=reader.banner)
    finally:
        with contextlib.suppress(Exception):
            sock.close()


def grab_from_hello(
    device: Device, hello: ServerHello, *, timeout: float, save_dir: Path | None = None
) -> GrabResult | None:
    """The grab's result from what a verification handshake recorded on its own connection, or None.

    The server's identification string and KEXINIT reach the client's handshake as they reach the grab
    (RFC 4253 §4.2, §7.1; the client sends its KEXINIT at once, so no nudge is needed): the recorded
    bytes are fed to the same :class:`ServerHelloReader`, and a hang-up or a stall is judged as
    :func:`grab_device` judges it, so one connection per device gives the same result.

    Args:
        device: the device handshaked with.
        hello: what the handshake recorded (:class:`ServerHello`).
        timeout: the seconds the handshake had, for a stall's reason.
        save_dir: as in :func:`grab_devices`.

    Returns:
        :class:`Grabbed`, :class:`ProtocolFailure` or :class:`Unreachable` as :func:`grab_device` would
        return them; None when the recording cannot tell (refused, DNS, a reset before any byte, the
        client giving up first): the caller grabs the device on a connection of its own.
    """
    probed_at = _now(hello.started_at)
    if not hello.connected:
        return (
            Unreachable(device, f"timeout after {timeout:g} s while connecting", probed_at) if hello.timed_out else None
        )
    reader = ServerHelloReader()
    try:
        for at, chunk in hello.chunks:
            reader.feed(chunk)
            if reader.done:
                return _finish(device, reader, at, probed_at, save_dir)
        if hello.ended is not None and reader.received:
            reader.eof()  # raises: the server hung up mid-way, judged alike whether by reset or close
    except ProtocolError as exc:
        return ProtocolFailure(device, exc.message, reader.banner, probed_at)
    if hello.timed_out and hello.ended is None:
        return Unreachable(device, _stalled(reader, timeout), probed_at, banner=reader.banner)
    return None
