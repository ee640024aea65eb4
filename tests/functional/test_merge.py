"""``sshdrift merge``: shard reports joined into one, bad files rejected in one line (exit 3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated, Offered
from auditor.model import Finding, PackageReport, ProjectInfo, Report, Severity

IOS15 = Offered(
    kex=("diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1"),
    host_key=("ssh-rsa",),
    cipher_c2s=("aes128-ctr",),
    cipher_s2c=("aes128-ctr",),
    mac_c2s=("hmac-sha1",),
    mac_s2c=("hmac-sha1",),
    compression_c2s=("none",),
    compression_s2c=("none",),
)


def sshdrift(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def device(name: str, port: int, status: DeviceStatus) -> DeviceResult:
    return DeviceResult(
        device=Device(name=name, host="127.0.0.1", port=port),
        status=status,
        banner="SSH-2.0-Cisco-1.25" if status is not DeviceStatus.UNREACHABLE else None,
        offered=IOS15 if status is not DeviceStatus.UNREACHABLE else None,
        paramiko="5.1.0",
        negotiated=Negotiated("diffie-hellman-group14-sha1", "ssh-rsa", "aes128-ctr", "hmac-sha1")
        if status is DeviceStatus.COMPATIBLE
        else None,
        verified=True,
        reasons=("connection refused",) if status is DeviceStatus.UNREACHABLE else (),
        probed_at="2026-11-20T10:00:00Z",
    )


def shard(tmp_path: Path, name: str, devices: list[DeviceResult], findings: list[Finding]) -> Path:
    report = Report(
        command="probe",
        project=ProjectInfo(path="netops", lockfile="uv.lock", format="uv"),
        packages=(PackageReport("paramiko", "5.1.0", (), ">=2.9.5", True),),
        findings=tuple(findings),
        devices=tuple(devices),
    )
    path = tmp_path / name
    path.write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    return path


def test_merge_concatenates_devices_and_deduplicates_findings(tmp_path: Path) -> None:
    shared = Finding("open-ended-range", Severity.ERROR, "paramiko: open-ended", package="paramiko")
    r1 = Finding("incompatible-device", Severity.ERROR, "r1: no acceptable kex", device="r1")
    a = shard(tmp_path, "a.json", [device("r1", 2201, DeviceStatus.INCOMPATIBLE)], [shared, r1])
    b = shard(
        tmp_path,
        "b.json",
        [device("r2", 2202, DeviceStatus.COMPATIBLE), device("r3", 2203, DeviceStatus.UNREACHABLE)],
        [shared],
    )
    out = tmp_path / "merged.json"
    proc = sshdrift("merge", str(a), str(b), "--format", "json", "--output", str(out))
    assert proc.returncode == 1, proc.stderr
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert [d["name"] for d in merged["devices"]] == ["r1", "r2", "r3"]
    assert [f["rule"] for f in merged["findings"]] == ["open-ended-range", "incompatible-device"]
    assert merged["packages"][0]["name"] == "paramiko"
    assert merged["devices"][0]["offered"]["kex"] == list(IOS15.kex)
    assert merged["devices"][1]["negotiated"]["kex"] == "diffie-hellman-group14-sha1"
    assert merged["command"] == "probe"
    assert merged["schema_version"] == 2


def test_merge_exit_code_is_computed_on_the_whole(tmp_path: Path) -> None:
    a = shard(tmp_path, "a.json", [device("r2", 2202, DeviceStatus.COMPATIBLE)], [])
    b = shard(tmp_path, "b.json", [device("r3", 2203, DeviceStatus.UNREACHABLE)], [])
    assert sshdrift("merge", str(a), "--format", "json").returncode == 0
    proc = sshdrift("merge", str(a), str(b), "--format", "json")
    assert proc.returncode == 4, proc.stderr
    # A device present in two shards (same name, host, port, paramiko) is kept once.
    again = sshdrift("merge", str(a), str(a), "--format", "json")
    assert [d["name"] for d in json.loads(again.stdout)["devices"]] == ["r2"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("", "not JSON"),
        ("{truncated", "not JSON"),
        ("[1, 2]", "top level must be a JSON object"),
        ('{"schema_version": 3, "devices": []}', "schema_version 3 is not 1 or 2"),
        ('{"schema_version": 1, "devices": {}}', "'devices' must be a list"),
        ('{"schema_version": 1, "devices": [{"name": "r1"}]}', "'host' must be a string"),
        (
            '{"schema_version": 1, "devices": [{"name": "r1", "host": "h", "status": "fine"}]}',
            "unknown status 'fine'",
        ),
        ('{"schema_version": 1, "findings": [{"rule": "x", "severity": "fatal"}]}', "unknown severity"),
    ],
)
def test_bad_report_is_one_line_exit_3(tmp_path: Path, content: str | None, expected: str) -> None:
    good = shard(tmp_path, "good.json", [device("r2", 2202, DeviceStatus.COMPATIBLE)], [])
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    proc = sshdrift("merge", str(good), str(bad), "--format", "json")
    assert proc.returncode == 3
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0]
    assert expected in lines[0]
    assert "Traceback" not in proc.stderr
