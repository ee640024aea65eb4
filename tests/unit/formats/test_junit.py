from __future__ import annotations

import xml.etree.ElementTree as ET

from auditor.device_model import DeviceStatus
from auditor.formats import render
from auditor.model import Finding, Report, Severity, Skipped
from auditor.settings import OutputFormat
from tests.unit.formats.sample import empty_report, full_report


def _parse(report: Report) -> ET.Element:
    text = render(report, OutputFormat.JUNIT)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def _case(root: ET.Element, name: str) -> ET.Element:
    found = [c for c in root.iter("testcase") if c.get("name") == name]
    assert len(found) == 1, [c.get("name") for c in root.iter("testcase")]
    return found[0]


def test_a_case_per_package_and_device() -> None:
    root = _parse(full_report())
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"sshdrift.packages", "sshdrift.devices", "sshdrift.findings", "sshdrift.skipped"}
    assert [c.get("name") for c in suites["sshdrift.packages"]] == ["paramiko 4.0.0", "netmiko 4.4.0"]
    assert len(list(suites["sshdrift.devices"])) == 4
    for suite in suites.values():
        cases = list(suite.iter("testcase"))
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
        assert suite.get("errors") == str(sum(1 for c in cases if c.find("error") is not None))
    assert root.get("tests") == "9" and root.get("failures") == "3" and root.get("errors") == "2"


def test_failures_carry_the_reason() -> None:
    root = _parse(full_report())
    ios15 = _case(root, "ios15 (127.0.0.1:2201)").find("failure")
    assert ios15 is not None
    assert ios15.get("type") == "incompatible-device"
    assert (ios15.get("message") or "").startswith("no acceptable kex algorithm: server offers")
    paramiko = _case(root, "paramiko 4.0.0")
    failures = paramiko.findall("failure")
    assert len(failures) == 1  # one failure element per case; every error finding in its text
    text = failures[0].text or ""
    for rule in ("open-ended-range", "breaking-release", "vulnerability"):
        assert rule in text
    assert "add 'paramiko<5'" in text
    out = paramiko.findtext("system-out") or ""
    assert "warning: resolution-drift" in out and "netmiko: >=2.9.5" in out
    gone = _case(root, "gone (127.0.0.1:2299 via ops@127.0.0.1:2222)").find("error")
    assert gone is not None and gone.get("message") == "connection refused"
    # Special characters survive the XML round trip.
    xe17 = _case(root, "xe17 (127.0.0.1:2203)").find("failure")
    assert xe17 is not None and "<SHA256:abc&def>" in (xe17.get("message") or "")


def test_findings_without_package_or_device_get_their_own_case() -> None:
    root = _parse(full_report())
    case = _case(root, "ignored-ssh-option ssh_config:3")
    assert case.find("failure") is None  # a warning is not a failure with the default --fail-on error
    assert "KexAlgorithms" in (case.findtext("system-out") or "")
    skipped = _case(root, "vulnerability").find("skipped")
    assert skipped is not None and skipped.get("message") == "skipped, --offline"


def test_incompatible_device_without_finding_still_fails() -> None:
    base = full_report()
    report = Report(command="probe", devices=tuple(d for d in base.devices if d.status is DeviceStatus.INCOMPATIBLE))
    root = _parse(report)
    assert root.get("failures") == "1"


def test_error_finding_on_unlisted_package_and_empty_report() -> None:
    report = Report(
        command="lock",
        findings=(Finding("vulnerability", Severity.ERROR, "cryptography 41.0.0: GHSA-x", package="cryptography"),),
        skipped=(Skipped("fleet", "no snapshot"),),
    )
    root = _parse(report)
    assert _case(root, "cryptography").find("failure") is not None
    assert _parse(empty_report()).get("tests") == "0"
