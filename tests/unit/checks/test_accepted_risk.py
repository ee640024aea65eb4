"""Accepted-risk matching, expiry and the baseline's entries, on values (the CLI runs are in tests/functional)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.checks.accepted_risk import (
    BASELINE_REASON,
    AcceptedRisk,
    baseline_entries,
    parse_cli,
    parse_entries,
)
from auditor.checks.context import RuleContext
from auditor.checks.registry import RULES, run_rules
from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.errors import ConfigError, ExitCode, UsageError
from auditor.model import Finding, LockedPackage, Lockfile, Severity, Suppression

IDS = [r.id for r in RULES]
LOCK = Lockfile(Path("uv.lock"), "uv", {"paramiko": LockedPackage("paramiko", "4.0.0")})
VULN = Finding(
    "vulnerability",
    Severity.ERROR,
    "paramiko 3.3.1: PYSEC-2026-1758 (CVE-2023-48795, GHSA-45x7-px36-x8w8): Terrapin; fixed in 3.4.0",
    package="paramiko",
    key="PYSEC-2026-1758",
)
DEVICE = Finding("incompatible-device", Severity.ERROR, "r1: no kex", package="paramiko", device="r1")


def _risk(kind: str, subject: str, rule: str = "vulnerability", **kw: object) -> AcceptedRisk:
    return AcceptedRisk(rule, kind, subject, "why", "pyproject.toml #1", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("risk", "finding", "expected"),
    [
        (_risk("advisory", "PYSEC-2026-1758"), VULN, True),  # the key
        (_risk("advisory", "cve-2023-48795"), VULN, True),  # an alias, any case
        (_risk("advisory", "CVE-2023-4879"), VULN, False),  # a prefix is another id
        (_risk("package", "Paramiko"), VULN, True),  # PEP 503 names
        (_risk("package", "paramiko", version="4.0.0"), VULN, True),  # the locked version
        (_risk("package", "paramiko", version="3.3.1"), VULN, False),
        (_risk("package", "paramiko", rule="open-ended-range"), VULN, False),  # another rule
        (_risk("device", "r1", rule="incompatible-device"), DEVICE, True),
        (_risk("device", "r2", rule="incompatible-device"), DEVICE, False),
        (_risk("any", "r1", rule="incompatible-device"), DEVICE, True),  # --ignore RULE:SUBJECT
    ],
)
def test_matching(risk: AcceptedRisk, finding: Finding, expected: bool) -> None:
    assert risk.matches(finding, {"paramiko": "4.0.0"}) is expected


def test_until_is_the_last_day_it_applies() -> None:
    risk = _risk("package", "paramiko", until=dt.date(2027, 1, 31))
    assert not risk.expired(dt.date(2027, 1, 31)) and risk.expired(dt.date(2027, 2, 1))
    assert risk.suppression() == Suppression("why", "2027-01-31")


def _context(*risks: AcceptedRisk, today: dt.date = dt.date(2027, 1, 1), **kw: object) -> RuleContext:
    return RuleContext(lockfile=LOCK, accepted=risks, today=today, **kw)  # type: ignore[arg-type]


def test_run_rules_marks_findings_and_reports_stale_entries() -> None:
    # No devices and no vulnerability records in this context: those rules did not run, so their
    # entries are not called stale; an open-ended-range entry on a package with no finding is.
    device = _risk("device", "r1", rule="incompatible-device")
    stale = _risk("package", "nosuch", rule="open-ended-range")
    expired = _risk("package", "paramiko", rule="open-ended-range", until=dt.date(2026, 12, 31))
    findings = run_rules(_context(device, stale, expired))
    assert [(f.rule, f.severity) for f in findings] == [("accepted-risk", Severity.NOTE)] * 2
    assert "expired on 2026-12-31" in findings[0].message or "expired on 2026-12-31" in findings[1].message
    assert any("matches no finding" in f.message and "nosuch" in f.message for f in findings)


def test_device_entry_applies_to_device_rules() -> None:
    result = DeviceResult(Device("r1", "127.0.0.1", 2201), DeviceStatus.INCOMPATIBLE, paramiko="5.1.0")
    findings = run_rules(_context(_risk("device", "r1", rule="incompatible-device"), devices=(result,)))
    (finding,) = findings
    assert finding.rule == "incompatible-device" and finding.ignored == Suppression("why")


def test_parse_entries_accepts_toml_dates_and_strings() -> None:
    (a, b) = parse_entries(
        [
            {"rule": "vulnerability", "advisory": "X-1", "reason": " r ", "until": dt.date(2027, 1, 2)},
            {"rule": "open-ended-range", "package": "bcrypt", "version": "4.2.0", "reason": "r", "until": "2027-01-03"},
        ],
        "pyproject.toml",
        IDS,
    )
    assert (a.kind, a.subject, a.reason, a.until) == ("advisory", "X-1", "r", dt.date(2027, 1, 2))
    assert (b.version, b.until) == ("4.2.0", dt.date(2027, 1, 3))


@pytest.mark.parametrize(
    "table",
    [
        "not a table",
        {"rule": "accepted-risk", "package": "x", "reason": "r"},  # the rule about entries cannot be accepted
        {"rule": "vulnerability", "advisory": "", "reason": "r"},
        {"rule": "vulnerability", "advisory": "X", "reason": "r", "until": dt.datetime(2027, 1, 1, 12)},
    ],
)
def test_parse_entries_errors_name_the_file_and_entry(table: object) -> None:
    with pytest.raises(ConfigError) as info:
        parse_entries([{"rule": "vulnerability", "advisory": "X", "reason": "r"}, table], "p/pyproject.toml", IDS)
    assert str(info.value).startswith("p/pyproject.toml [[tool.sshdrift.ignore]] #2 ")
    assert info.value.exit_code == ExitCode.BAD_INPUT


@pytest.mark.parametrize("value", ["open-ended-range", "open-ended-range:", "nope:paramiko"])
def test_parse_cli_errors_are_usage_errors(value: str) -> None:
    with pytest.raises(UsageError):
        parse_cli([value], IDS)


def test_baseline_entries_one_per_rule_and_subject() -> None:
    option = Finding("ignored-ssh-option", Severity.WARNING, "KexAlgorithms ...", file="ssh_config", line=3)
    done = Finding("open-ended-range", Severity.ERROR, "m", package="scp", ignored=Suppression("ok"))
    entries, unnamed = baseline_entries([VULN, VULN, DEVICE, option, done])
    assert entries == [
        {"rule": "vulnerability", "advisory": "PYSEC-2026-1758", "reason": BASELINE_REASON},
        {"rule": "incompatible-device", "device": "r1", "reason": BASELINE_REASON},
    ]
    assert unnamed == [option]
