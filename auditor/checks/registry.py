"""The one registry of rules, and the one call the engine makes: :func:`run_rules`.

Adding a rule: write its module in ``auditor/checks/`` with one :class:`~auditor.checks.interface.Rule`
subclass, and list an instance here (a device rule, judging device results only, in :func:`device_rules`
and :data:`DEVICE_RULE_IDS`). The README rule table, SARIF's
``tool.driver.rules`` and the help URIs follow from it (:mod:`auditor.checks.catalog`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.checks.accepted_risk import AcceptedRiskRule, apply_accepted_risks
from auditor.checks.breaking_release import BreakingReleaseRule
from auditor.checks.change_rules import Downgrade, ResolutionDrift
from auditor.checks.context import RuleContext
from auditor.checks.host_key_policy import HostKeyPolicy
from auditor.checks.ignored_ssh_option import IgnoredSshOption
from auditor.checks.interface import Rule
from auditor.checks.narrowed_offer import NarrowedOffer
from auditor.checks.open_ended import OpenEndedRange
from auditor.checks.removed_api import RemovedApi
from auditor.checks.vulnerability import Vulnerability
from auditor.model import Finding

_BEFORE_DEVICES: tuple[Rule, ...] = (
    OpenEndedRange(),
    BreakingReleaseRule(),
    ResolutionDrift(),
    Downgrade(),
    Vulnerability(),
    IgnoredSshOption(),
)
_AFTER_DEVICES: tuple[Rule, ...] = (
    RemovedApi(),
    HostKeyPolicy(),
    NarrowedOffer(),
    AcceptedRiskRule(),
)

DEVICE_RULE_IDS = (
    "incompatible-device",
    "legacy-only-device",
    "host-key-changed",
    "terrapin-exposed",
    "auth-signature",
)
"""The ids of the device rules, which judge device results only (:meth:`Rule.ran` False without devices).

Listed here so that a run without devices (the pre-commit hook's ``lock``) knows every id without
importing them: they bring in the probe stack. A test checks it against :func:`device_rules`."""


def device_rules() -> tuple[Rule, ...]:
    """The device rules, in README order (imported on first call)."""
    # Start-up: the device rules import the probe stack (offers, negotiation, platforms); only runs with devices need them.
    from auditor.checks.auth_signature import AuthSignature
    from auditor.checks.devices import HostKeyChanged, IncompatibleDevice, LegacyOnlyDevice
    from auditor.checks.terrapin import TerrapinExposed

    return (IncompatibleDevice(), LegacyOnlyDevice(), HostKeyChanged(), TerrapinExposed(), AuthSignature())


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in README order; ids are unique (a test checks). Imports the device rules."""
    return (*_BEFORE_DEVICES, *device_rules(), *_AFTER_DEVICES)


def rule_ids() -> tuple[str, ...]:
    """Every rule id, in README order, without importing the device rules."""
    return (*(r.id for r in _BEFORE_DEVICES), *DEVICE_RULE_IDS, *(r.id for r in _AFTER_DEVICES))


if TYPE_CHECKING:
    RULES: tuple[Rule, ...]
    """Every rule, in README order (:func:`all_rules`)."""


def __getattr__(name: str) -> tuple[Rule, ...]:
    """``RULES``: :func:`all_rules`, built on first use (PEP 562), so importing the registry loads no device rule."""
    if name == "RULES":
        return all_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    # A device rule finds nothing and has not run without devices: a run without them loads none.
    rules = all_rules() if context.devices else (*_BEFORE_DEVICES, *_AFTER_DEVICES)
    findings = [finding for rule in rules for finding in rule.find(context)]
    findings = apply_accepted_risks(findings, context, rules)
    findings.sort(key=sort_key)
    return findings
