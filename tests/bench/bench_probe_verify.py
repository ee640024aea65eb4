"""Benchmark: devices per second of ``sshdrift probe`` with verification on (issue 3, item 9).

96 inventory entries over 8 real sshd instances (12 entries each, device profiles from
``fixtures/devices/``), probed by the CLI as a user runs it: ``sshdrift probe INV --paramiko 5.1.0
--format json``. The peer in the same run is the same command with ``--no-verify`` (grab and
prediction only), so the ratio is the price of the real handshakes. Medians of several runs.

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s -k verify``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import servers

pytestmark = [pytest.mark.bench, pytest.mark.integration, pytest.mark.network]

REPO = Path(__file__).resolve().parents[2]
PROFILES = (
    "cisco_ios15_classic",
    "cisco_nxos",
    "dss_only",
    "cisco_iosxe_17_early",
    "cisco_iosxe_17_12plus",
    "arista_eos_modern",
    "fortios_74",
    "modern_default",
)
ENTRIES_PER_SERVER = 12
RUNS = 5


def _probe(inventory: Path, known_hosts: Path, *extra: str) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "auditor", "probe", str(inventory), "--paramiko", "5.1.0", "--format", "json",
         "--known-hosts", str(known_hosts), *extra],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "SSHDRIFT_DEBUG"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert run.returncode in (0, 1), run.stderr
    report: dict[str, object] = json.loads(run.stdout)
    return elapsed, report


def test_devices_per_second_with_verification(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    ports = {p: server_lab.sshd(p).port for p in PROFILES}
    inventory = tmp_path / "hosts.yaml"
    inventory.write_text(
        "".join(
            f"- name: {profile}-{i}\n  host: 127.0.0.1\n  port: {port}\n"
            for profile, port in ports.items()
            for i in range(ENTRIES_PER_SERVER)
        ),
        encoding="utf-8",
    )
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    devices = len(PROFILES) * ENTRIES_PER_SERVER

    _probe(inventory, known_hosts)  # warm-up: makes the paramiko 5.1.0 environment once
    verified: list[float] = []
    predicted: list[float] = []
    for _ in range(RUNS):
        seconds, report = _probe(inventory, known_hosts)
        results = report["devices"]
        assert isinstance(results, list) and len(results) == devices
        assert all(d["verified"] for d in results), [d["reasons"] for d in results if not d["verified"]]
        assert not any(d["predicted"] for d in results)
        verified.append(seconds)
        seconds, _ = _probe(inventory, known_hosts, "--no-verify")
        predicted.append(seconds)

    with_verify = statistics.median(verified)
    without = statistics.median(predicted)
    print(
        f"\nprobe with verification: {devices} devices over {len(PROFILES)} sshd in {with_verify:.2f} s "
        f"(median of {RUNS}) = {devices / with_verify:.1f} devices/s; "
        f"--no-verify: {without:.2f} s = {devices / without:.1f} devices/s; "
        f"verification costs x{with_verify / without:.1f}"
    )
    assert with_verify < 120
