"""Reports that fit where they land: 1,200 unreachable devices and 2 real ones, 10,000 incompatible ones."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from auditor.choices import Show
from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.formats import render
from auditor.formats.github import MAX_ANNOTATIONS
from auditor.formats.markdown import LIMIT
from auditor.model import Finding, Report, Severity
from auditor.settings import OutputFormat
from tests.unit.formats.sample import big_fleet, devices


@pytest.fixture(autouse=True)
def _width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


def test_table_groups_the_unreachable_by_reason() -> None:
    text = render(big_fleet(), OutputFormat.TABLE)
    lines = text.splitlines()
    assert len(lines) < 40, text  # was 2,435 lines
    assert "Not judged (1,200 devices)" in lines
    refused = next(line for line in lines if "unreachable: connection refused" in line)
    assert refused.startswith("  - 1,150 devices unreachable: connection refused: edge0001 (10.0.0.1:22), edge0002")
    assert "and 1,145 more" in text
    assert "50 devices unreachable: timeout after 10 s: connected, but no identification string: edge0000" in text
    # The incompatible device in full, the compatible one counted.
    assert re.search(r"^ios15 +incompatible +5\.1\.0 ", text, re.M)
    assert "1 compatible device not listed (--show all lists them)" in text
    assert not re.search(r"^xe17 ", text, re.M)
    assert lines[-1] == "FAIL  1 error, 0 warnings; 1,202 devices: 1 compatible, 1 incompatible, 1,200 unreachable"


def test_table_show_all_lists_every_device() -> None:
    text = render(big_fleet(), OutputFormat.TABLE, show=Show.ALL)
    assert re.search(r"^xe17 +compatible ", text, re.M)
    assert len(re.findall(r"^edge\d{4} +unreachable ", text, re.M)) == 1_200
    assert "not listed" not in text
    assert "Not judged (1,200 devices)" in text  # the groups still sum it up


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("show", list(Show))
def test_no_line_ends_in_spaces(color: bool, show: Show, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.formats.sample import full_report

    for columns in ("120", "60"):
        monkeypatch.setenv("COLUMNS", columns)
        for report in (full_report(), big_fleet(30)):
            text = render(report, OutputFormat.TABLE, color=color, show=show)
            padded = [line for line in text.splitlines() if line != line.rstrip()]
            assert padded == []


def test_every_device_unreachable_is_incomplete_not_a_warning() -> None:
    report = Report(command="probe", devices=big_fleet(40).devices[1:-1])
    assert {d.status for d in report.devices} == {DeviceStatus.UNREACHABLE}
    table = render(report, OutputFormat.TABLE)
    assert table.splitlines()[-1] == "INCOMPLETE  0 errors, 0 warnings; 40 devices: 0 compatible, 40 unreachable"
    assert render(report, OutputFormat.MARKDOWN).startswith("### sshdrift probe: :grey_question: incomplete\n")


def test_markdown_of_1200_unreachable_fits_a_comment() -> None:
    text = render(big_fleet(), OutputFormat.MARKDOWN)
    assert len(text) < 10_000  # was 118,446 characters
    assert "#### Not judged (1,200 devices)" in text
    assert "- :warning: 1,150 devices unreachable: connection refused: edge0001 (10.0.0.1:22)" in text
    assert ":white_check_mark: 1 compatible device not listed (--show all lists them)" in text


def _incompatible_fleet(n: int) -> Report:
    ios15 = devices()[1]
    results = tuple(
        DeviceResult(
            device=Device(f"ios{i:05d}", f"10.1.{i // 256 % 256}.{i % 256}", 22),
            status=DeviceStatus.INCOMPATIBLE,
            banner=ios15.banner,
            offered=ios15.offered,
            paramiko="5.1.0",
            reasons=ios15.reasons,
        )
        for i in range(n)
    )
    findings = tuple(
        Finding(
            "incompatible-device",
            Severity.ERROR,
            f"{r.device.name}: paramiko 5.1.0 cannot negotiate: no acceptable kex algorithm",
            device=r.device.name,
            fix="pin paramiko<5 until the device offers curve25519-sha256",
        )
        for r in results
    )
    return Report(command="probe", devices=results, findings=findings, notes=("probed with paramiko 5.1.0",))


@pytest.mark.parametrize("show", list(Show))
def test_markdown_of_any_fleet_stays_under_the_comment_limit(show: Show) -> None:
    text = render(_incompatible_fleet(10_000), OutputFormat.MARKDOWN, show=show)
    assert len(text) < LIMIT
    # Each cut section says how many rows it lost and where to get them, after its table.
    cut = re.findall(r"^_([\d,]+) more (\w+) not shown: a GitHub comment holds 65,536 characters; "
                     r"`--format json` or `--format sarif` has every one\._$", text, re.M)  # fmt: skip
    assert [noun for _, noun in cut] == ["findings", "devices"]
    findings_shown = len(re.findall(r"^\| :x: error \| `incompatible-device`", text, re.M))
    devices_shown = len(re.findall(r"^\| \*\*ios\d{5}\*\*", text, re.M))
    assert findings_shown + int(cut[0][0].replace(",", "")) == 10_000
    assert devices_shown + int(cut[1][0].replace(",", "")) == 10_000
    assert findings_shown > 50 and devices_shown > 50  # neither section crowds the other out
    # The sections after the cut still appear.
    assert text.rstrip().endswith("- probed with paramiko 5.1.0")
    # A cut never leaves the note inside a table: a blank line comes before it.
    for match in re.finditer(r"\n(_[\d,]+ more)", text):
        assert text[: match.start(1)].endswith("|\n\n")


def test_a_small_report_is_never_cut() -> None:
    text = render(big_fleet(30), OutputFormat.MARKDOWN, show=Show.ALL)
    assert "not shown" not in text
    assert len(re.findall(r"^\| \*\*edge\d{4}\*\*", text, re.M)) == 30


def _annotations(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


def test_github_annotations_are_capped_errors_first() -> None:
    base = big_fleet()
    errors = tuple(
        Finding("vulnerability", Severity.ERROR, f"paramiko 3.4.0: SSHDRIFT-{i}", package="paramiko", key=str(i))
        for i in range(25)
    )
    warnings = tuple(Finding("downgrade", Severity.WARNING, f"pkg{i}: 2 -> 1", package=f"pkg{i}") for i in range(5))
    report = Report(command="audit", devices=base.devices, findings=(*warnings, *base.findings, *errors))
    text = render(report, OutputFormat.GITHUB)
    annotations = _annotations(text)
    assert len(annotations) == MAX_ANNOTATIONS  # was one per unreachable device: 1,201
    assert all(a.startswith("::error ") for a in annotations[:19])
    assert annotations[0].startswith("::error file=inventory.yaml,line=2,title=sshdrift incompatible-device%3A ios15::")
    rest = annotations[-1]
    # 26 errors: 19 shown, 7 left; 5 warnings; 2 reason groups of unreachable devices.
    assert rest.startswith(
        "::notice title=sshdrift audit%3A 14 more::14 more results not annotated (7 errors, 7 warnings)"
    )
    assert text.splitlines()[-1].startswith("sshdrift audit: 26 errors, 5 warnings; 1,202 devices:")


def test_github_groups_unreachable_devices_under_the_cap() -> None:
    annotations = _annotations(render(big_fleet(), OutputFormat.GITHUB))
    assert len(annotations) == 3
    kinds = Counter(a.split(" ", 1)[0] for a in annotations)
    assert kinds == {"::error": 1, "::warning": 2}
    assert any("1,150 devices unreachable: connection refused: edge0001" in a for a in annotations)


def test_machine_formats_keep_every_device() -> None:
    report = big_fleet()
    data = json.loads(render(report, OutputFormat.JSON))
    assert len(data["devices"]) == 1_202
    sarif = json.loads(render(report, OutputFormat.SARIF))
    assert len(sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]) == 1_200


def test_show_on_the_command_line(tmp_path: Path) -> None:
    """``--show`` reaches the table; JSON keeps every device whatever it says."""
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path), "UV_OFFLINE": "1", "COLUMNS": "120"}
    base = [sys.executable, "-m", "auditor", "lock", "fixtures/lock/netmiko-4.4.0/poetry", "--offline"]
    base += ["--no-vulnerabilities", "--fleet", "fixtures/fleet/ios15-and-modern.json"]

    def run(*extra: str) -> str:
        proc = subprocess.run([*base, *extra], cwd=root, env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 1 and proc.stderr == "", proc.stderr
        return proc.stdout

    failures = run()
    assert re.search(r"^ios15 +incompatible ", failures, re.M) and not re.search(r"^modern ", failures, re.M)
    assert "1 compatible device not listed (--show all lists them)" in failures
    every = run("--show", "all")
    assert re.search(r"^modern +compatible ", every, re.M) and "not listed" not in every
    data = json.loads(run("--show", "failures", "--format", "json"))
    assert sorted(d["name"] for d in data["devices"]) == ["ios15", "modern"]
