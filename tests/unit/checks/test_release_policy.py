"""How loud crossing a listed release is (rules/releases.toml severities) and the open-ended policy (rules/ssh-stack.toml)."""

from __future__ import annotations

import pytest
from packaging.version import Version

from auditor.checks.breaking_release import crossed
from auditor.checks.drift import change_findings
from auditor.model import Severity
from auditor.report_parts import Change
from auditor.sources.ssh_stack import OVERRIDDEN, ssh_stack


@pytest.mark.parametrize(
    ("change", "rule", "severity"),
    [
        (Change("netmiko", "4.4.0", "4.7.0"), "resolution-drift", Severity.WARNING),  # only adds a cap
        (Change("netmiko", "4.6.0", "4.8.0"), "resolution-drift", Severity.WARNING),  # 4.8.0 drops it again
        (Change("paramiko", "4.0.0", "5.1.0"), "resolution-drift", Severity.ERROR),  # removes algorithms
        (Change("netmiko", "4.7.0", "4.6.0"), "downgrade", Severity.ERROR),  # loses the cap
        (Change("netmiko", "4.8.0", "4.7.0"), "downgrade", Severity.WARNING),  # regains it
    ],
)
def test_a_crossed_release_is_as_loud_as_its_entry(change: Change, rule: str, severity: Severity) -> None:
    findings = change_findings([change], context="a fresh resolution today")
    assert [(f.rule, f.severity) for f in findings] == [(rule, severity)], findings


def test_netmiko_releases_say_what_they_changed() -> None:
    by_version = {str(r.version): r for r in crossed("netmiko", Version("4.0"), Version("5"))}
    assert by_version["4.7.0"].severity is Severity.NOTE and by_version["4.7.0"].below_severity is Severity.ERROR
    assert by_version["4.8.0"].severity is Severity.WARNING and by_version["4.8.0"].below_severity is Severity.NOTE
    assert not by_version["4.7.0"].removes_algorithms


def test_policy_then_project_override() -> None:
    stack = ssh_stack()
    assert stack["scp"].open_ended_severity is Severity.NOTE and "0.x" in stack["scp"].policy
    assert stack["paramiko"].open_ended_severity is Severity.ERROR and stack["paramiko"].policy == ""
    chosen = ssh_stack(open_ended=[("SCP", "error"), ("ntc-templates", "warning")])
    assert chosen["scp"].open_ended_severity is Severity.ERROR and chosen["scp"].policy == OVERRIDDEN
    # A name outside the stack joins it with the project's severity.
    assert chosen["ntc-templates"].open_ended_severity is Severity.WARNING


def test_a_removed_ssh_stack_package_is_a_downgrade_warning() -> None:
    """scrapli's pre-release without its asyncssh transport: 'asyncssh 2.24.1 -> (removed)' is a finding."""
    findings = change_findings(
        [Change("asyncssh", "2.24.1", None), Change("requests", "2.32.0", None)], context="after whatif scrapli>=2025.8"
    )
    assert [(f.rule, f.severity, f.package) for f in findings] == [("downgrade", Severity.WARNING, "asyncssh")]
    assert findings[0].message.startswith(
        "asyncssh: 2.24.1 -> (removed): after whatif scrapli>=2025.8 no longer installs it"
    )
