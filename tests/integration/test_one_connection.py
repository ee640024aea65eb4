"""Verified mode opens one TCP connection per device: the grab is read from Paramiko's own handshake (issue 9 item 5).

Each real sshd sits behind a counting TCP forwarder written here, so the test sees every connection the
probe opens. The hostile servers of :mod:`tests.integration.test_hostile_servers` show that the recording
gives the bare grab's result, reason and banner, server by server.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.device_model import Device, DeviceStatus
from auditor.probe.clients import EnvironmentRequest, VerifyOptions, get_client
from auditor.probe.grab import grab_devices
from auditor.probe.recorded import grab_by_handshake
from auditor.probe.results import Grabbed
from auditor.progress import NullProgress
from auditor.settings import Settings
from tests import servers
from tests.integration.test_hostile_servers import HOSTILE, HostileServer

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.timeout(600)]

TIMEOUT = 2.0


class CountingForwarder:
    """A TCP forwarder on 127.0.0.1 to ``port``, counting the connections it accepts."""

    def __init__(self, port: int) -> None:
        self.port_to = port
        self.connections = 0
        self.listener = socket.create_server((servers.LOOPBACK, 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, socket.create_connection((servers.LOOPBACK, self.port_to)) as upstream:
            back = threading.Thread(target=self._pump, args=(upstream, conn), daemon=True)
            back.start()
            self._pump(conn, upstream)
            back.join(30)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def forwarders(server_lab: servers.ServerLab) -> Iterator[dict[str, CountingForwarder]]:
    started = {p: CountingForwarder(server_lab.sshd(p).port) for p in ("modern_default", "cisco_ios15_classic")}
    yield started
    for forwarder in started.values():
        forwarder.close()


def test_verified_probe_opens_one_connection_per_device(
    forwarders: dict[str, CountingForwarder], tmp_path: Path
) -> None:
    from auditor.probe.service import probe_devices

    devices = [Device(f"{p}-{i}", servers.LOOPBACK, f.port) for p, f in forwarders.items() for i in range(3)]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    bare = {r.device.name: r for r in grab_devices(devices, timeout=15.0)}
    assert [f.connections for f in forwarders.values()] == [3, 3]

    saved = tmp_path / "saved"
    settings = Settings(paramiko="5.1.0", timeout=15.0, known_hosts=known_hosts, save_kexinit=saved)
    results = probe_devices(devices, settings, NullProgress())
    assert [f.connections for f in forwarders.values()] == [6, 6], "one more connection per device, not two"
    for result in results:
        grab = bare[result.device.name]
        assert isinstance(grab, Grabbed)
        assert result.verified and result.predicted is None, result.reasons
        assert result.banner == grab.banner and result.offered == grab.kexinit.offered
        assert result.strict_kex == grab.kexinit.strict_kex
        assert (saved / f"{result.device.name}_127.0.0.1_{result.device.port}.kexinit").read_bytes()[0] == 20
    status = {r.device.name.rsplit("-", 1)[0]: r.status for r in results}
    assert status == {"modern_default": DeviceStatus.COMPATIBLE, "cisco_ios15_classic": DeviceStatus.INCOMPATIBLE}

    unverified = Settings(paramiko="5.1.0", timeout=15.0, known_hosts=known_hosts, verify=False)
    probe_devices(devices, unverified, NullProgress())
    assert [f.connections for f in forwarders.values()] == [9, 9], "--no-verify: the bare grab, one each"


def test_the_recording_gives_the_bare_grabs_result_on_hostile_servers() -> None:
    client = get_client("paramiko")
    environment = client.environment(EnvironmentRequest(spec="5.1.0"), verify=True)
    started = {name: HostileServer(name, behaviour) for name, (behaviour, _, _) in HOSTILE.items()}
    try:
        devices = [Device(name, servers.LOOPBACK, server.port) for name, server in started.items()]
        bare = grab_devices(devices, timeout=TIMEOUT)
        before = {name: server.connections for name, server in started.items()}
        options = VerifyOptions(timeout=TIMEOUT, concurrency=64)
        recorded, outcomes = grab_by_handshake(devices, client, environment, options, NullProgress())
        extra = {name: server.connections - before[name] for name, server in started.items()}
    finally:
        for server in started.values():
            server.close()
    for grab, seen in zip(bare, recorded, strict=True):
        assert type(seen) is type(grab), (grab.device.name, seen, grab)
        # "slow" sends a byte a second: how many arrived before the timeout varies by a byte either way.
        reasons = [re.sub(r"\d+ bytes", "N bytes", getattr(r, "reason", "")) for r in (seen, grab)]
        assert reasons[0] == reasons[1], grab.device.name
        assert seen.banner == grab.banner, grab.device.name
    assert len(outcomes) == len(devices) and all(o.hello is None for o in outcomes.values())
    # Only a server that resets before its first byte reaches can need a connection of the grab's own.
    assert {name for name, count in extra.items() if count > 1} <= {"reset", "answers-then-resets"}, extra
