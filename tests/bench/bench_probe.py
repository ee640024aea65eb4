"""Benchmark: ``sshdrift probe --no-verify`` against ``ssh-audit -j --skip-rate-test -T`` on the same targets.

96 inventory entries over 8 real sshd instances (device profiles from ``fixtures/devices/``), in the
same run: wall time of each tool as a subprocess (median of several runs, after one warm-up run of
each so both start from cached bytecode), and a check that both read the same kex, host-key, cipher
and MAC lists for every target. Target (issue 3): sshdrift takes at most 1/10 of ssh-audit's time.

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s``
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests import servers

pytestmark = [pytest.mark.bench, pytest.mark.integration]

PROFILES = (
    "modern_default",
    "cisco_ios15_classic",
    "cisco_iosxe_17_early",
    "cisco_iosxe_17_12plus",
    "cisco_nxos",
    "mikrotik_ros6_default",
    "fortios_74",
    "arista_eos_modern",
)
ENTRIES = 96
RUNS = 3
BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # both tools start from cached bytecode after the warm-up
    return env


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_env(), check=False, timeout=600)
    return time.perf_counter() - started, done


def _ssh_audit_lists(entry: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "kex": [x["algorithm"] for x in entry.get("kex", [])],
        "host_key": [x["algorithm"] for x in entry.get("key", [])],
        "cipher": [x["algorithm"] for x in entry.get("enc", [])],
        "mac": [x["algorithm"] for x in entry.get("mac", [])],
    }


def test_probe_no_verify_vs_ssh_audit(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    ssh_audit = BIN / "ssh-audit"
    sshdrift = BIN / "sshdrift"
    if not ssh_audit.is_file() or not sshdrift.is_file():
        pytest.skip("ssh-audit (dev group) or the sshdrift entry point is not installed in this environment")
    ports = [server_lab.sshd(profile).port for profile in PROFILES]
    targets = [ports[i % len(ports)] for i in range(ENTRIES)]
    inventory = tmp_path / "hosts.yaml"
    inventory.write_text(
        "".join(f"- name: dev{i:02d}\n  host: 127.0.0.1\n  port: {port}\n" for i, port in enumerate(targets)),
        encoding="utf-8",
    )
    target_file = tmp_path / "targets.txt"
    target_file.write_text("".join(f"127.0.0.1:{port}\n" for port in targets), encoding="utf-8")

    ours_cmd = [str(sshdrift), "probe", str(inventory), "--no-verify", "--paramiko", "5.1.0", "--format", "json"]
    theirs_cmd = [str(ssh_audit), "-j", "--skip-rate-test", "-T", str(target_file)]
    _timed(ours_cmd)
    _timed(theirs_cmd)
    ours_times, theirs_times = [], []
    ours_out = theirs_out = ""
    for _ in range(RUNS):
        elapsed, done = _timed(ours_cmd)
        assert done.returncode in (0, 1), done.stderr
        ours_times.append(elapsed)
        ours_out = done.stdout
        elapsed, done = _timed(theirs_cmd)
        theirs_times.append(elapsed)
        theirs_out = done.stdout

    ours = json.loads(ours_out)["devices"]
    theirs = json.loads(theirs_out)
    assert len(ours) == ENTRIES
    assert len(theirs) == ENTRIES
    by_port: dict[int, dict[str, list[str]]] = {}
    for entry in theirs:
        port = int(str(entry["target"]).rsplit(":", 1)[1])
        by_port.setdefault(port, _ssh_audit_lists(entry))
    mismatches = []
    for device in ours:
        offered = device["offered"]
        mine = {
            "kex": offered["kex"],
            "host_key": offered["host_key"],
            "cipher": offered["cipher_s2c"],
            "mac": offered["mac_s2c"],
        }
        reference = by_port[device["port"]]
        for category, names in mine.items():
            # Same names in the same (server) order; ssh-audit orders host keys by its own probing, so as a set.
            if (sorted(names) if category == "host_key" else names) != (
                sorted(reference[category]) if category == "host_key" else reference[category]
            ):
                mismatches.append((device["name"], category, names, reference[category]))
    ours_median = statistics.median(ours_times)
    theirs_median = statistics.median(theirs_times)
    ratio = ours_median / theirs_median
    print(
        f"\n{ENTRIES} entries over {len(PROFILES)} sshd: sshdrift probe --no-verify {ours_median:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in ours_times)}), ssh-audit -T {theirs_median:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in theirs_times)}), ratio {ratio:.3f} (target <= 0.100); "
        f"{ENTRIES / ours_median:.0f} devices/s; same lists for {ENTRIES - len({m[0] for m in mismatches})}/{ENTRIES}"
    )
    assert not mismatches, mismatches[:3]
    assert ratio <= 0.1
    shutil.rmtree(tmp_path, ignore_errors=True)
