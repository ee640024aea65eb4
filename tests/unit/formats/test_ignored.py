"""Ignored findings (accepted risks) stay in every report, apart, and never make the verdict worse."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from auditor.formats import render
from auditor.model import Finding, ProjectInfo, Report, Severity, Suppression
from auditor.settings import OutputFormat
from tests.unit.formats.sample import devices

BCRYPT = Finding(
    "open-ended-range",
    Severity.WARNING,
    "bcrypt 4.2.0 is locked, but its effective range '>=3.2' admits bcrypt 5 and later",
    package="bcrypt",
    file="uv.lock",
    line=12,
    ignored=Suppression("paramiko caps what it needs from bcrypt", "2026-12-31"),
)
IOS15 = Finding(
    "incompatible-device",
    Severity.ERROR,
    "ios15 (127.0.0.1:2201): paramiko 5.1.0 cannot negotiate: no acceptable kex algorithm",
    device="ios15",
    ignored=Suppression("ios15 is decommissioned in March; reached through netmiko 4.4 until then"),
)
PARAMIKO = Finding(
    "open-ended-range", Severity.ERROR, "paramiko 4.0.0 is locked ...", package="paramiko", file="uv.lock", line=40
)


def _report(*findings: Finding) -> Report:
    return Report(
        command="audit",
        project=ProjectInfo(".", "uv.lock", "uv"),
        findings=findings,
        devices=devices()[:2],
    )


@pytest.fixture(autouse=True)
def _width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


def test_table_lists_ignored_findings_in_their_own_section() -> None:
    text = render(_report(BCRYPT, IOS15, PARAMIKO), OutputFormat.TABLE)
    section = text.split("Ignored (accepted risks, not counted)\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section == [
        "  - incompatible-device ios15: ios15 is decommissioned in March; reached through netmiko 4.4 until then",
        "  - open-ended-range bcrypt: paramiko caps what it needs from bcrypt (until 2026-12-31)",
    ]
    findings = text.split("Findings\n", 1)[1].split("\n\n", 1)[0]
    assert "paramiko 4.0.0 is locked" in findings and "bcrypt" not in findings and "ios15" not in findings
    assert text.splitlines()[-1].startswith("FAIL  1 error, 0 warnings (2 ignored); 2 devices:")


def test_ignored_findings_alone_do_not_fail_the_verdict() -> None:
    text = render(_report(BCRYPT, IOS15), OutputFormat.TABLE)
    # ios15 is still incompatible, but that risk is accepted: nothing left to fix.
    assert text.splitlines()[-1] == "OK  0 errors, 0 warnings (2 ignored); 2 devices: 1 compatible, 1 incompatible"
    md = render(_report(BCRYPT, IOS15), OutputFormat.MARKDOWN)
    assert md.startswith("### sshdrift audit: :white_check_mark: clean\n")


def test_markdown_ignored_table() -> None:
    text = render(_report(BCRYPT, IOS15, PARAMIKO), OutputFormat.MARKDOWN)
    block = text.split("#### Ignored (accepted risks, not counted)\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block == [
        "| Rule | Subject | Reason | Until |",
        "|---|---|---|---|",
        "| `incompatible-device` | ios15 | ios15 is decommissioned in March; reached through netmiko 4.4 until then |  |",
        "| `open-ended-range` | bcrypt | paramiko caps what it needs from bcrypt | 2026-12-31 |",
    ]
    findings = text.split("#### Findings\n", 1)[1].split("\n\n####", 1)[0]
    assert "bcrypt" not in findings


def test_junit_ignored_findings_are_skipped_cases() -> None:
    root = ET.fromstring(render(_report(BCRYPT, IOS15, PARAMIKO), OutputFormat.JUNIT).encode())
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    ignored = suites["sshdrift.ignored"]
    cases = {c.get("name"): c for c in ignored.iter("testcase")}
    assert set(cases) == {"open-ended-range bcrypt", "incompatible-device ios15"}
    skip = cases["open-ended-range bcrypt"].find("skipped")
    assert skip is not None
    assert skip.get("message") == "ignored: paramiko caps what it needs from bcrypt (until 2026-12-31)"
    assert ignored.get("skipped") == "2" and ignored.get("failures") == "0"
    # ios15 is incompatible, but accepted: its device case does not fail; paramiko's does.
    ios15 = next(c for c in suites["sshdrift.devices"] if (c.get("name") or "").startswith("ios15 "))
    assert ios15.find("failure") is None
    assert root.get("failures") == "1" and root.get("skipped") == "2"


def test_github_does_not_annotate_accepted_risks() -> None:
    text = render(_report(BCRYPT, IOS15, PARAMIKO), OutputFormat.GITHUB)
    annotations = [line for line in text.splitlines() if line.startswith("::")]
    assert len(annotations) == 1 and "paramiko 4.0.0" in annotations[0]
    assert re.search(r"^sshdrift audit: 1 error, 0 warnings \(2 ignored\);", text, re.M)


def test_json_keeps_the_ignored_findings() -> None:
    import json

    data = json.loads(render(_report(BCRYPT, PARAMIKO), OutputFormat.JSON))
    assert [f.get("ignored") for f in data["findings"]] == [
        {"reason": "paramiko caps what it needs from bcrypt", "until": "2026-12-31"},
        None,
    ]
