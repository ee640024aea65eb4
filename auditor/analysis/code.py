"""What a change of locked versions does to the project's own code (``whatif``): which lines stop working.

:func:`code_changes` reads the project's code once and judges it with :data:`CODE_RULES` against the
lock before and the resolution after; a line that fails only after is a line the change would break.
"""

from __future__ import annotations

from pathlib import Path

from auditor.analysis.rule_context import project_code
from auditor.checks.context import RuleContext
from auditor.checks.interface import Rule
from auditor.checks.narrowed_offer import NarrowedOffer
from auditor.checks.removed_api import RemovedApi
from auditor.model import Finding, Lockfile
from auditor.settings import Settings

CODE_RULES: tuple[Rule, ...] = (RemovedApi(), NarrowedOffer())
"""The rules whose verdict on the project's code depends on the locked versions."""


def code_changes(
    settings: Settings, project_dir: Path, before: Lockfile, after: Lockfile
) -> tuple[list[Finding], list[str]]:
    """The :data:`CODE_RULES` findings of ``after`` on the code in ``project_dir``, and a note per line it breaks.

    Args:
        settings: ``include``/``exclude`` select the project's Python files.
        project_dir: the audited project (its code is read, never written).
        before: the lock today.
        after: the resolution the change would produce.

    Returns:
        ``(findings, notes)``: every ``removed-api``/``narrowed-offer`` finding on ``after`` (file and line;
        without devices, which the device rules judge), and for each that ``before`` does not have,
        ``"FILE:LINE would stop working with paramiko X: ..."``.
    """
    code = project_code(settings, project_dir)
    now = {(f.rule, f.file, f.key) for r in CODE_RULES for f in r.find(RuleContext(lockfile=before, code=code))}
    findings = [f for r in CODE_RULES for f in r.find(RuleContext(lockfile=after, code=code))]
    notes = []
    for finding in findings:
        if (finding.rule, finding.file, finding.key) not in now:
            package = finding.package or ""
            version = after.packages[package].version if package in after.packages else "?"
            why = finding.message.removesuffix(f"; {package} {version} is locked")
            notes.append(f"{finding.file}:{finding.line} would stop working with {package} {version}: {why}")
    return findings, notes
