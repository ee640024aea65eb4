"""Rules over version changes between two resolutions: ``resolution-drift`` and ``downgrade``.

The judging lives in :func:`auditor.checks.drift.change_findings` (severities in its module
docstring); these classes give the two rules their catalog entries and read the changes from the
context (:attr:`~auditor.checks.context.RuleContext.changes`).
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from auditor.checks.context import RuleContext
from auditor.checks.drift import change_findings
from auditor.checks.interface import CatalogEntry, Rule
from auditor.model import Finding


def _judged(context: RuleContext, rule_id: str) -> list[Finding]:
    """``rule_id``'s findings among :func:`~auditor.checks.drift.change_findings` for ``context.changes``."""
    changes = context.changes
    if changes is None or not changes.changes:
        return []
    found = change_findings(
        changes.changes,
        context=changes.description,
        stack=changes.stack,
        file=changes.file,
        before_at=changes.before_at,
        lock_format=context.lockfile.format if context.lockfile is not None else None,
    )
    return [f for f in found if f.rule == rule_id and canonicalize_name(f.package or "") not in changes.on_purpose]


class _ChangeRule(Rule):
    """A rule over :attr:`~auditor.checks.context.RuleContext.changes`."""

    def ran(self, context: RuleContext) -> bool:
        """True when the context holds version changes to judge."""
        return context.changes is not None

    def find(self, context: RuleContext) -> list[Finding]:
        """The findings of this rule among the judged changes."""
        return _judged(context, self.id)


class ResolutionDrift(_ChangeRule):
    """``resolution-drift``: an SSH-stack package moves up between the lock and another resolution."""

    order = 30
    entry = CatalogEntry(
        id="resolution-drift",
        name="ResolutionDrift",
        short=(
            "A fresh resolution (today or as of a date) moves an SSH-stack package across a major or breaking release."
        ),
        full=(
            "Re-resolving the project's declared requirements (as a rebuild without the lockfile would) "
            "selects different versions of SSH-stack packages. What you test is not what a rebuild ships; "
            "commit the lockfile and install from it, or cap the range."
        ),
        example="paramiko: locked 4.0.0, a fresh resolution today gives 5.1.0 (crosses 5.0.0)",
        default_severity="error",
        severity_policy=(
            "a warning for an SSH-stack move that crosses neither a major version nor a listed breaking release, "
            "and across a crypto library's major"
        ),
    )


class Downgrade(_ChangeRule):
    """``downgrade``: a package moves down between the lock and another resolution."""

    order = 40
    entry = CatalogEntry(
        id="downgrade",
        name="Downgrade",
        short="A resolution moves an SSH-stack package to an older version.",
        full=(
            "A new constraint (often a security pin elsewhere) made the resolver choose an older release of "
            "an SSH-stack package, which can silently drop fixes or change its declared constraints. Check "
            "why with the project's own locker (the fix names its command, e.g. 'uv tree --frozen --invert "
            "--package NAME' for a uv.lock, 'poetry show --tree --why NAME' for a poetry.lock) and pin deliberately."
        ),
        example="netmiko: 4.7.0 -> 4.6.0 after adding paramiko>=5.0.0",
        default_severity="warning",
        severity_policy=(
            "an error when an SSH-stack package falls below a listed release (netmiko 4.7.0 → 4.6.0 loses the "
            "paramiko<5.0 cap); a note for a package outside the SSH stack"
        ),
    )
