from __future__ import annotations

from pathlib import Path

import pytest

from auditor.device_model import Device, DeviceResult, DeviceStatus, Offered
from auditor.errors import ExitCode
from auditor.fileio import write_atomic
from auditor.model import FailOn, Finding, Report, Severity


def _finding(severity: Severity) -> Finding:
    return Finding(rule="open-ended-range", severity=severity, message="m", package="paramiko")


def _device(status: DeviceStatus) -> DeviceResult:
    return DeviceResult(device=Device(name="r1", host="127.0.0.1", port=2201), status=status)


@pytest.mark.parametrize(
    ("findings", "devices", "fail_on", "expected"),
    [
        ((), (), FailOn.ERROR, ExitCode.CLEAN),
        ((Severity.WARNING,), (), FailOn.ERROR, ExitCode.CLEAN),
        ((Severity.WARNING,), (), FailOn.WARNING, ExitCode.FINDINGS),
        ((Severity.NOTE,), (), FailOn.NOTE, ExitCode.FINDINGS),
        ((Severity.ERROR,), (), FailOn.NEVER, ExitCode.CLEAN),
        ((), (DeviceStatus.UNREACHABLE, DeviceStatus.COMPATIBLE), FailOn.ERROR, ExitCode.INCOMPLETE),
        ((Severity.ERROR,), (DeviceStatus.UNREACHABLE,), FailOn.ERROR, ExitCode.FINDINGS),
        ((), (DeviceStatus.COMPATIBLE,), FailOn.ERROR, ExitCode.CLEAN),
        ((), (DeviceStatus.ERROR, DeviceStatus.COMPATIBLE), FailOn.ERROR, ExitCode.INCOMPLETE),
        ((Severity.WARNING,), (DeviceStatus.ERROR,), FailOn.WARNING, ExitCode.FINDINGS),
        # An incompatible device was judged: its finding decides, it never makes the run incomplete.
        ((Severity.ERROR,), (DeviceStatus.INCOMPATIBLE,), FailOn.NEVER, ExitCode.CLEAN),
    ],
)
def test_exit_code_worst_wins(
    findings: tuple[Severity, ...], devices: tuple[DeviceStatus, ...], fail_on: FailOn, expected: ExitCode
) -> None:
    report = Report(
        command="audit",
        findings=tuple(_finding(s) for s in findings),
        devices=tuple(_device(s) for s in devices),
    )
    assert report.exit_code(fail_on) == expected


def test_json_report_has_design_shape() -> None:
    offered = Offered(kex=("diffie-hellman-group14-sha1",), host_key=("ssh-rsa",))
    report = Report(
        command="probe",
        findings=(_finding(Severity.ERROR),),
        devices=(
            DeviceResult(device=Device("r1", "127.0.0.1", 2201), status=DeviceStatus.INCOMPATIBLE, offered=offered),
        ),
    )
    data = report.to_json()
    assert data["schema_version"] == 2
    assert data["tool"]["name"] == "sshdrift"
    assert set(data) >= {"schema_version", "tool", "project", "packages", "findings", "devices"}
    assert data["findings"][0] == {
        "rule": "open-ended-range",
        "severity": "error",
        "package": "paramiko",
        "message": "m",
        "via": [],
        "file": None,
        "line": None,
    }
    device = data["devices"][0]
    assert device["status"] == "incompatible"
    assert set(device["offered"]) == {
        "kex",
        "host_key",
        "cipher_c2s",
        "cipher_s2c",
        "mac_c2s",
        "mac_s2c",
        "compression_c2s",
        "compression_s2c",
    }
    assert Offered.from_json(device["offered"]) == offered


def test_write_atomic_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "pyproject.toml"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomic(target, "new\r\n")
    assert target.read_bytes() == b"new\r\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["pyproject.toml"]


def test_unevaluated_ssh_stack_range_makes_the_run_incomplete() -> None:
    from auditor.model import Skipped

    optional = Report(command="lock", skipped=(Skipped("vulnerability", "skipped, --offline"),))
    assert optional.exit_code(FailOn.ERROR) == ExitCode.CLEAN
    required = Report(command="lock", skipped=(Skipped("paramiko", "range not evaluated", incomplete=True),))
    assert required.exit_code(FailOn.ERROR) == ExitCode.INCOMPLETE
    assert required.to_json()["skipped"] == [
        {"subject": "paramiko", "reason": "range not evaluated", "incomplete": True}
    ]
    failing = Report(command="lock", findings=(_finding(Severity.ERROR),), skipped=required.skipped)
    assert failing.exit_code(FailOn.ERROR) == ExitCode.FINDINGS
