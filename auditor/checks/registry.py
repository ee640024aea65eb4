"""The one registry of rules, and the one call the engine makes: :func:`run_rules`.

Adding a rule: write its module in ``auditor/checks/`` with one :class:`~auditor.checks.interface.Rule`
subclass, and list an instance in :data:`RULES`. The README rule table, SARIF's
``tool.driver.rules`` and the help URIs follow from it (:mod:`auditor.checks.catalog`).
"""

from __future__ import annotations

from auditor.checks.accepted_risk import AcceptedRiskRule, apply_accepted_risks
from auditor.checks.auth_signature import AuthSignature
from auditor.checks.breaking_release import BreakingReleaseRule
from auditor.checks.change_rules import Downgrade, ResolutionDrift
from auditor.checks.context import RuleContext
from auditor.checks.devices import HostKeyChanged, IncompatibleDevice, LegacyOnlyDevice
from auditor.checks.host_key_policy import HostKeyPolicy
from auditor.checks.ignored_ssh_option import IgnoredSshOption
from auditor.checks.interface import Rule
from auditor.checks.narrowed_offer import NarrowedOffer
from auditor.checks.open_ended import OpenEndedRange
from auditor.checks.removed_api import RemovedApi
from auditor.checks.terrapin import TerrapinExposed
from auditor.checks.vulnerability import Vulnerability
from auditor.model import Finding

RULES: tuple[Rule, ...] = (
    OpenEndedRange(),
    BreakingReleaseRule(),
    ResolutionDrift(),
    Downgrade(),
    Vulnerability(),
    IgnoredSshOption(),
    IncompatibleDevice(),
    LegacyOnlyDevice(),
    HostKeyChanged(),
    TerrapinExposed(),
    AuthSignature(),
    RemovedApi(),
    HostKeyPolicy(),
    NarrowedOffer(),
    AcceptedRiskRule(),
)
"""Every rule, in README order; ids are unique (a test checks)."""


def sort_key(finding: Finding) -> tuple[int, str, str, str]:
    """The report order: severity (error first), then rule id, package and device."""
    return (-finding.severity.rank, finding.rule, finding.package or "", finding.device or "")


def run_rules(context: RuleContext) -> list[Finding]:
    """Every registered rule's findings for ``context``, accepted risks applied, in report order.

    Args:
        context: built by :func:`auditor.analysis.rule_context.build_context` (or
            :func:`~auditor.analysis.rule_context.lock_context` for the lock rules alone).

    Returns:
        The findings sorted by :func:`sort_key` (stable: a rule's own order is kept within a key);
        findings an accepted risk matches carry ``ignored``, and ``accepted-risk`` notes say which
        entries expired or matched nothing.
    """
    findings = [finding for rule in RULES for finding in rule.find(context)]
    findings = apply_accepted_risks(findings, context, RULES)
    findings.sort(key=sort_key)
    return findings
