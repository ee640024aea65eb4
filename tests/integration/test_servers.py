"""The test servers of :mod:`tests.servers` hold their port from the kernel's pick on: no bind-close-reuse race."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import servers

pytestmark = [pytest.mark.integration]


@pytest.fixture(autouse=True)
def _needs_sshd() -> None:
    reason = servers.skip_reason()
    if reason is not None:
        pytest.skip(reason)


def _banner(port: int) -> bytes:
    with socket.create_connection((servers.LOOPBACK, port), timeout=10) as sock:
        return sock.makefile("rb").readline(256)


def _assert_held_then_released(server: servers.SshServer, banner: bytes) -> None:
    with socket.socket() as other, pytest.raises(OSError):
        other.bind((servers.LOOPBACK, server.port))
    assert _banner(server.port).startswith(banner)
    server.stop()
    with pytest.raises(OSError), socket.create_connection((servers.LOOPBACK, server.port), timeout=2):
        pass


def test_sshd_port_is_held_from_the_pick_until_stop(tmp_path: Path) -> None:
    server = servers.start_sshd("held", tmp_path / "sshd", profile=servers.load_profile("cisco_nxos"))
    try:
        _assert_held_then_released(server, b"SSH-2.0-OpenSSH_")
    finally:
        server.stop()


def test_dropbear_reports_the_port_it_bound(tmp_path: Path) -> None:
    if not servers.DROPBEAR.is_file():
        pytest.skip(f"{servers.DROPBEAR} is not installed (Debian package dropbear-bin)")
    server = servers.start_dropbear("held", tmp_path / "dropbear")
    try:
        assert server.process is not None
        assert servers.listening_port(server.process) == server.port > 0
        _assert_held_then_released(server, b"SSH-2.0-dropbear_")
    finally:
        server.stop()


def test_servers_started_at_once_get_distinct_ports(tmp_path: Path) -> None:
    profile = servers.load_profile("modern_default")
    with ThreadPoolExecutor(4) as pool:
        started = list(pool.map(lambda i: servers.start_sshd(f"s{i}", tmp_path / f"s{i}", profile=profile), range(4)))
    try:
        assert len({s.port for s in started}) == 4
        assert all(_banner(s.port).startswith(b"SSH-2.0-") for s in started)
    finally:
        for server in started:
            server.stop()
