"""The ``drift`` report: the lock against a fresh resolution, and the rules on what moved.

The fresh resolution is :mod:`auditor.analysis.drift`'s; the rules are ``resolution-drift`` and
``downgrade`` (:mod:`auditor.checks.drift`). The project's files are never touched.
"""

from __future__ import annotations

from auditor.analysis.changes import change_notes
from auditor.analysis.drift import fresh_drift
from auditor.checks.constraints import project_info
from auditor.checks.drift import change_findings
from auditor.engine.command_requests import DriftRequest
from auditor.model import Report
from auditor.progress import Progress
from auditor.report_parts import FreshResolution
from auditor.settings import Settings
from auditor.sources.lockfiles import load_lockfile
from auditor.sources.ssh_stack import ssh_stack


def drift_report(request: DriftRequest, settings: Settings, progress: Progress) -> Report:
    """Compare the project's lock with a fresh resolution of its declarations.

    Args:
        request: the project and ``--exclude-newer``.
        settings: ``offline``, ``python_version`` and ``ssh_stack_extra`` are used.
        progress: told about the resolution phase.

    Returns:
        A report with every version that changes (``changes``), ``resolution-drift`` and
        ``downgrade`` findings, notes, and how the resolution was made (``resolution``).

    Raises:
        LockfileError: the lock cannot be read. ResolverError: uv could not resolve (exit 3).
    """
    lockfile = load_lockfile(request.path, python_version=settings.python_version)
    drift = fresh_drift(
        lockfile,
        exclude_newer=request.exclude_newer,
        offline=settings.offline,
        python_version=settings.python_version,
        progress=progress,
    )
    stack = ssh_stack(settings.ssh_stack_extra)
    findings = change_findings(
        drift.changes, context=drift.context, stack=stack, file=lockfile.path.name, lock_format=lockfile.format
    )
    notes = [*change_notes(drift.changes, drift.context.capitalize(), stack), *drift.notes]
    return Report(
        command="drift",
        project=project_info(lockfile),
        findings=tuple(findings),
        changes=drift.changes,
        notes=tuple(notes),
        resolution=FreshResolution(drift.backend, request.exclude_newer),
    )
