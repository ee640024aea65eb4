"""``sshdrift drift``: the lock against a fresh resolution of the same declarations.

Settings in, the fresh resolution (:mod:`auditor.analysis.drift`) and its rules
(``resolution-drift`` and ``downgrade``, :mod:`auditor.checks.drift`), a report out. The project's
files are never touched.
"""

from __future__ import annotations

from pathlib import Path

from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_drift(path: Path, exclude_newer: str | None, settings: Settings, progress: Progress) -> Report:
    """Compare the project's lock with a fresh resolution of its declarations.

    Args:
        path: the project directory or its lockfile.
        exclude_newer: resolve as of this date (``YYYY-MM-DD`` or RFC 3339); None = today.
        settings: ``offline``, ``python_version`` and ``ssh_stack_extra`` are used.
        progress: told about the resolution phase.

    Returns:
        A report with every version that changes (``changes``), ``resolution-drift`` and
        ``downgrade`` findings, and notes; exit 1 when drift reaches ``--fail-on``.

    Raises:
        LockfileError: the lock cannot be read. ResolverError: uv could not resolve (exit 3).
    """
    from auditor.analysis.changes import change_notes
    from auditor.analysis.drift import fresh_drift
    from auditor.checks.constraints import project_info
    from auditor.checks.drift import change_findings
    from auditor.sources.lockfiles import load_lockfile
    from auditor.sources.ssh_stack import ssh_stack

    lockfile = load_lockfile(path, python_version=settings.python_version)
    drift = fresh_drift(
        lockfile,
        exclude_newer=exclude_newer,
        offline=settings.offline,
        python_version=settings.python_version,
        progress=progress,
    )
    stack = ssh_stack(settings.ssh_stack_extra)
    findings = change_findings(drift.changes, context=drift.context, stack=stack, file=lockfile.path.name)
    notes = [*change_notes(drift.changes, drift.context.capitalize(), stack), *drift.notes]
    return Report(
        command="drift",
        project=project_info(lockfile),
        findings=tuple(findings),
        changes=drift.changes,
        notes=tuple(notes),
        extra={"resolution": {"backend": drift.backend, "exclude_newer": exclude_newer}},
    )
