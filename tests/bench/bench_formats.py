"""Benchmark: rendering a 10,000-device report in every human format (issue 11, item 4: under 1 s).

The report is a probe of a large fleet as it comes back: 8,800 compatible devices, 700 unreachable
(refused, timed out, no identification string), 400 incompatible ones with their
``incompatible-device`` findings (the ``sshdrift.checks.devices`` rule builds them), 100 protocol
errors. Each format renders it ``RUNS`` times with ``--show failures`` (the default) and with
``--show all``; the medians are printed, and the table, Markdown and GitHub renderings must stay
under 1 s at the median. Before this work the table alone took 4.4 s (rich laid out every row).

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s -k formats``.
"""

from __future__ import annotations

import statistics
import time

import pytest

from auditor.checks.device_rules.devices import incompatible_finding
from auditor.choices import Show
from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated, Offered
from auditor.formats import render
from auditor.model import Report
from auditor.settings import OutputFormat

pytestmark = [pytest.mark.bench]

RUNS = 5
DEVICES = 10_000
TARGET = 1.0
"""Seconds, median, for the human formats (table, Markdown, GitHub annotations)."""

_LEGACY = Offered(
    kex=("diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"),
    host_key=("ssh-rsa",),
    cipher_c2s=("aes128-cbc", "3des-cbc"),
    cipher_s2c=("aes128-cbc", "3des-cbc"),
    mac_c2s=("hmac-sha1",),
    mac_s2c=("hmac-sha1",),
    compression_c2s=("none",),
    compression_s2c=("none",),
)
_MODERN = Negotiated("curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256")
_UNREACHABLE = (
    "connection refused",
    "timeout after 10 s: connected, but no identification string",
    "DNS: cannot resolve host (Name or service not known)",
)


def _device(i: int) -> DeviceResult:
    device = Device(f"site{i // 100:03d}-sw{i % 100:02d}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", 22)
    slot = i % 100
    if slot < 88:
        return DeviceResult(
            device, DeviceStatus.COMPATIBLE, "SSH-2.0-OpenSSH_9.6", paramiko="5.1.0", negotiated=_MODERN
        )
    if slot < 95:
        return DeviceResult(device, DeviceStatus.UNREACHABLE, reasons=(_UNREACHABLE[i % 3],))
    if slot < 99:
        return DeviceResult(
            device,
            DeviceStatus.INCOMPATIBLE,
            "SSH-2.0-Cisco-1.25",
            offered=_LEGACY,
            paramiko="5.1.0",
            reasons=(
                "no acceptable kex algorithm: server offers diffie-hellman-group14-sha1, diffie-hellman-group1-sha1",
            ),
        )
    return DeviceResult(
        device, DeviceStatus.ERROR, "HTTP/1.1 400 Bad Request", reasons=("not an SSH server: identification string",)
    )


def _fleet() -> Report:
    results = tuple(_device(i) for i in range(DEVICES))
    findings = tuple(incompatible_finding(r) for r in results if r.status is DeviceStatus.INCOMPATIBLE)
    return Report(command="probe", devices=results, findings=findings)


def _median(report: Report, fmt: OutputFormat, show: Show) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        render(report, fmt, show=show)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_render_10000_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    report = _fleet()
    render(report, OutputFormat.TABLE)  # warm-up: imports, caches
    lines = ["", f"rendering {DEVICES:,} devices, {len(report.findings)} findings (median of {RUNS}):"]
    slow = []
    for fmt in OutputFormat:
        for show in Show:
            median = _median(report, fmt, show)
            lines.append(f"  {fmt.value:<9} --show {show.value:<9} {median * 1000:7.0f} ms")
            human = fmt in (OutputFormat.TABLE, OutputFormat.MARKDOWN, OutputFormat.GITHUB)
            if human and median >= TARGET:
                slow.append(f"{fmt.value} --show {show.value}")
            if fmt not in (OutputFormat.TABLE, OutputFormat.MARKDOWN):
                break  # --show changes only the table and Markdown
    print("\n".join(lines))
    assert slow == [], f"issue 11's target: under {TARGET} s"
