from __future__ import annotations

import pytest

from auditor.checks.drift import change_findings
from auditor.model import Severity
from auditor.report_parts import Change


@pytest.mark.parametrize(
    ("change", "severity"),
    [
        (Change("paramiko", "4.0.0", "5.1.0"), Severity.ERROR),  # crosses the breaking release 5.0.0
        (Change("netmiko", "3.4.0", "4.4.0"), Severity.ERROR),  # a driver's major
        (Change("cryptography", "47.0.0", "50.0.2"), Severity.WARNING),  # crypto libraries: as loud as open-ended
        (Change("scp", "0.15.0", "0.16.2"), Severity.WARNING),  # within the major
        (Change("netmiko", "4.7.0", "4.6.0"), Severity.ERROR),  # loses 4.7.0's paramiko<5.0 cap
        (Change("requests", "2.32.0", "2.31.0"), Severity.NOTE),  # not the SSH stack
    ],
)
def test_drift_severity_follows_the_ssh_stack_roles(change: Change, severity: Severity) -> None:
    findings = change_findings([change], context="a fresh resolution today")
    assert [f.severity for f in findings] == [severity], findings


def test_packages_outside_the_stack_that_move_up_are_not_findings() -> None:
    assert change_findings([Change("requests", "2.31.0", "2.32.0")], context="today") == []
