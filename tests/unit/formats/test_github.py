from __future__ import annotations

import pytest

from auditor.formats import render
from auditor.formats.github import command, escape_data, escape_property
from auditor.model import Finding, ProjectInfo, Report, Severity
from auditor.settings import OutputFormat
from tests.unit.formats.sample import full_report


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("50% done", "50%25 done", "50%25 done"),
        ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
        ("x: y, z", "x: y, z", "x%3A y%2C z"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_command_shape() -> None:
    assert command("error", "m", file="a,b.txt", line=3, title="t:1") == "::error file=a%2Cb.txt,line=3,title=t%3A1::m"
    assert command("notice", "m", file=None) == "::notice::m"


def test_every_finding_is_one_annotation_line() -> None:
    report = full_report()
    lines = render(report, OutputFormat.GITHUB).splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    # 14 findings + 2 devices not checked + 1 skipped check
    assert len(annotations) == 17
    assert lines[-1].startswith("sshdrift audit: 7 errors, 6 warnings, 1 note")
    first = annotations[0]
    assert first.startswith("::error file=uv.lock,line=40,title=sshdrift open-ended-range%3A paramiko::")
    ssh = next(a for a in annotations if "ignored-ssh-option" in a)
    assert ssh.startswith("::warning file=ssh_config,line=3,")
    assert "100%25 useless%0Asecond line%0AFix: pin paramiko<5" in ssh
    device = next(a for a in annotations if "incompatible-device" in a)
    assert device.startswith("::error file=inventory.yaml,line=2,")
    assert any(a.startswith("::notice ") for a in annotations)


def test_no_project_no_file() -> None:
    report = Report(command="probe", findings=(Finding("incompatible-device", Severity.ERROR, "x", device="r1"),))
    assert render(report, OutputFormat.GITHUB).splitlines()[0] == "::error title=sshdrift incompatible-device%3A r1::x"


def test_file_relative_to_working_directory(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    (root / "svc").mkdir()
    (root / "svc" / "uv.lock").write_text("")
    monkeypatch.chdir(root)
    report = Report(
        command="lock",
        project=ProjectInfo("svc", "uv.lock", "uv"),
        findings=(Finding("open-ended-range", Severity.ERROR, "x", package="paramiko", file="uv.lock", line=2),),
    )
    assert render(report, OutputFormat.GITHUB).startswith("::error file=svc/uv.lock,line=2,")
