"""What a change of locked versions does to the project's own code (``whatif``): which lines stop working.

:func:`code_changes` reads the project's code once and judges it with rule ``removed-api`` against the
lock before and the resolution after; a line that fails only after is a line the change would break.
"""

from __future__ import annotations

from pathlib import Path

from auditor.analysis.rule_context import project_code
from auditor.checks.context import RuleContext
from auditor.checks.removed_api import RemovedApi
from auditor.model import Finding, Lockfile
from auditor.settings import Settings


def code_changes(
    settings: Settings, project_dir: Path, before: Lockfile, after: Lockfile
) -> tuple[list[Finding], list[str]]:
    """The ``removed-api`` findings of ``after`` on the code in ``project_dir``, and a note per line it breaks.

    Args:
        settings: ``include``/``exclude`` select the project's Python files.
        project_dir: the audited project (its code is read, never written).
        before: the lock today.
        after: the resolution the change would produce.

    Returns:
        ``(findings, notes)``: every ``removed-api`` finding on ``after`` (file and line), and for each
        that ``before`` does not have, ``"FILE:LINE would stop working with paramiko X: ..."``.
    """
    code = project_code(settings, project_dir)
    rule = RemovedApi()
    now = {f.key for f in rule.find(RuleContext(lockfile=before, code=code))}
    findings = rule.find(RuleContext(lockfile=after, code=code))
    notes = []
    for finding in findings:
        if finding.key not in now:
            package = finding.package or ""
            version = after.packages[package].version if package in after.packages else "?"
            why = finding.message.removesuffix(f"; {package} {version} is locked")
            notes.append(f"{finding.file}:{finding.line} would stop working with {package} {version}: {why}")
    return findings, notes
