"""Benchmark: grabbing 10,000 inventory entries keeps memory bounded (no task or buffer per device).

Every entry points at a port of 127.0.0.1 that we hold bound without listening, so each connection
is refused at once and the run measures the grab's own bookkeeping; results must come back in
inventory order. Peak traced memory is printed and must stay under 20 MB.

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s -k memory``.
"""

from __future__ import annotations

import socket
import time
import tracemalloc

import pytest

from auditor.device_model import Device
from auditor.probe.grab import grab_devices
from auditor.probe.results import Unreachable
from tests import servers

pytestmark = [pytest.mark.bench]

DEVICES = 10_000
PEAK_LIMIT = 20_000_000
"""Bytes of peak traced memory allowed for the whole grab."""


def test_ten_thousand_devices_in_bounded_memory() -> None:
    """10,000 inventory entries: results come back in order, memory stays a few MB."""
    with socket.socket() as held:
        # Bound but not listening: a connection is refused, and no other process can take the port meanwhile.
        held.bind((servers.LOOPBACK, 0))
        port = int(held.getsockname()[1])
        devices = [Device(f"r{i}", servers.LOOPBACK, port) for i in range(DEVICES)]
        started = time.perf_counter()
        tracemalloc.start()
        try:
            results = grab_devices(devices, timeout=5)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        elapsed = time.perf_counter() - started
    print(f"\n{DEVICES} refused devices: {elapsed:.2f} s, peak traced memory {peak / 1e6:.1f} MB")
    assert [r.device.name for r in results[:3]] == ["r0", "r1", "r2"]
    assert len(results) == DEVICES
    assert all(isinstance(r, Unreachable) and r.reason == "connection refused" for r in results)
    assert peak < PEAK_LIMIT, peak
