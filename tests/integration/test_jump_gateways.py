"""Gateways are opened once per chain and all at once: a dead bastion costs one timeout, not one per device.

The dead bastions are real TCP listeners on 127.0.0.1 that accept and never send an identification
string (as a hung sshd does), so each connection to one waits out the whole timeout.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from auditor.device_model import Device
from auditor.probe.jump import grab_through_jumps
from auditor.probe.results import Unreachable

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TIMEOUT = 2.0


class SilentBastion:
    """Accepts connections on 127.0.0.1 and says nothing; counts them."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.socket.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def bastions() -> Iterator[list[SilentBastion]]:
    made = [SilentBastion() for _ in range(3)]
    yield made
    for bastion in made:
        bastion.close()


def test_dead_bastions_cost_one_timeout_together(bastions: list[SilentBastion]) -> None:
    devices = [
        Device(f"r{b}-{n}", f"10.0.{b}.{n}", jumps=(f"root@127.0.0.1:{bastion.port}", "root@inner:22"))
        for b, bastion in enumerate(bastions)
        for n in range(4)
    ]
    start = time.monotonic()
    results = grab_through_jumps(devices, timeout=TIMEOUT, key_file=None, known_hosts=None)
    elapsed = time.monotonic() - start
    # One per device would be 12 timeouts; one bastion after the other, 3.
    assert elapsed < 2 * TIMEOUT, f"{elapsed:.1f} s for 3 dead bastions at {TIMEOUT} s each"
    assert [r.device for r in results] == devices
    for result, device in zip(results, devices, strict=True):
        assert isinstance(result, Unreachable), result
        assert result.reason.startswith(f"jump host {device.jumps[0]}:"), result.reason
    assert [len(b.accepted) for b in bastions] == [1, 1, 1]
