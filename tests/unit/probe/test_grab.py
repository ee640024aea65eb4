"""File naming and saving of grabbed payloads, and our own identification string."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from auditor import __version__
from auditor.device_model import Device
from auditor.probe.grab import IDENTIFICATION, kexinit_path, save_payload, within
from auditor.probe.kexinit import parse_identification


def test_our_identification_string_is_valid() -> None:
    assert IDENTIFICATION.endswith(b"\r\n")
    assert parse_identification(IDENTIFICATION) == f"SSH-2.0-sshdrift_{__version__}"


def test_kexinit_path_is_safe_for_any_name(tmp_path: Path) -> None:
    assert kexinit_path(tmp_path, Device("r1", "10.0.0.1", 22)) == tmp_path / "r1_10.0.0.1_22.kexinit"
    v6 = kexinit_path(tmp_path, Device("../core/1", "2001:db8::5", 830))
    assert v6 == tmp_path / "_core_1_2001_db8_5_830.kexinit"
    assert v6.parent == tmp_path


def test_save_payload_replaces_atomically(tmp_path: Path) -> None:
    device = Device("r1", "10.0.0.1", 22)
    target = save_payload(tmp_path / "new-dir", device, b"\x14first")
    save_payload(tmp_path / "new-dir", device, b"\x14second")
    assert target.read_bytes() == b"\x14second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["r1_10.0.0.1_22.kexinit"]


def test_save_payload_that_cannot_land_leaves_no_temporary_file(tmp_path: Path) -> None:
    device = Device("r1", "10.0.0.1", 22)
    # A directory where the file should go: the rename fails (even for root), after the temporary file exists.
    kexinit_path(tmp_path, device).mkdir()
    with pytest.raises(OSError):
        save_payload(tmp_path, device, b"\x14payload")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r1_10.0.0.1_22.kexinit"]
    assert kexinit_path(tmp_path, device).is_dir()


def test_a_cancellation_that_meets_a_result_still_cancels() -> None:
    """Ctrl-C landing as a connect completes (CPython gh-86296: ``wait_for`` returned the socket instead)."""

    async def race(wrapper: Callable[[Awaitable[socket.socket], float], Awaitable[socket.socket]]) -> str:
        loop = asyncio.get_running_loop()
        connected: asyncio.Future[socket.socket] = loop.create_future()
        left, right = socket.socketpair()
        right.close()

        async def connect() -> socket.socket:
            return await connected

        waiting = asyncio.ensure_future(wrapper(connect(), 10.0))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        connected.set_result(left)  # the connect completes ...
        waiting.cancel()  # ... in the same loop iteration as the interrupt
        try:
            await waiting
        except asyncio.CancelledError:
            return "cancelled, socket closed" if left.fileno() == -1 else "cancelled, socket leaked"
        left.close()
        return "swallowed"

    assert asyncio.run(race(within)) == "cancelled, socket closed"


def test_within_times_out_and_returns() -> None:
    async def slow() -> str:
        await asyncio.sleep(5)
        return "late"

    async def fast() -> str:
        return "on time"

    async def main() -> tuple[str, str]:
        try:
            await within(slow(), 0.05)
        except asyncio.TimeoutError:
            timed_out = "timed out"
        else:
            timed_out = "no timeout"
        return timed_out, await within(fast(), 1.0)

    assert asyncio.run(main()) == ("timed out", "on time")


def test_a_timed_out_read_is_unregistered_before_its_socket_can_be_closed() -> None:
    """After within() times out a read, closing the socket at once must not break the next socket given its number."""

    async def main() -> str:
        loop = asyncio.get_running_loop()
        first, first_peer = socket.socketpair()
        first.setblocking(False)
        with contextlib.suppress(asyncio.TimeoutError):
            await within(loop.sock_recv(first, 100), 0.05)
        number = first.fileno()
        first.close()  # as _attempt's finally does, straight after the timeout
        second, second_peer = socket.socketpair()  # the kernel hands out the freed descriptor number again
        first_peer.close()
        assert number in (second.fileno(), second_peer.fileno())
        if second_peer.fileno() == number:
            second, second_peer = second_peer, second
        second.setblocking(False)
        second.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        current = asyncio.current_task()
        assert current is not None
        loop.call_later(0.2, current.cancel)
        try:
            # Awaited at once, as _connect awaits its connect: it has to wait to write on the reused number.
            await loop.sock_sendall(second, b"x" * 4_000_000)
            return "finished"
        except asyncio.CancelledError:
            return "the next socket waits normally"
        except OSError as exc:
            return f"the next socket failed: {exc!r}"
        finally:
            second.close()
            second_peer.close()

    assert asyncio.run(main()) == "the next socket waits normally"
