"""The ``fix`` report: the lock analysis, then a cap for each open-ended range where the format reads it."""

from __future__ import annotations

from auditor.analysis.fix import fix_lockfile, parse_below
from auditor.analysis.lock import analyze_lock
from auditor.checks.constraints import project_info
from auditor.engine.command_requests import FixRequest
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def fix_report(request: FixRequest, settings: Settings, progress: Progress) -> Report:
    """Add an upper bound for every ``open-ended-range`` error of the lock audit (:mod:`auditor.analysis.fix`).

    Args:
        request: the project, ``--below``, ``--dry-run`` and ``--lock``.
        settings: passed to the lock audit (``offline``, ``python_version``, ...).
        progress: passed to the lock audit and told about re-locking.

    Returns:
        A report whose notes list each edit, with ``edits``, ``diff`` and ``dry_run``, ``changes``
        after ``--lock``; findings are the open-ended ranges whose cap this project's format cannot carry.

    Raises:
        UsageError: bad ``--below`` (before any lockfile is read). LockfileError: the project cannot
            be read. ResolverError: ``--lock`` failed.
    """
    parse_below(request.below)  # a bad --below is a usage error before any lockfile is read
    analysis = analyze_lock(request.path, settings, progress)
    outcome = fix_lockfile(
        analysis.lockfile,
        analysis.findings,
        analysis.packages,
        below=request.below,
        dry_run=request.dry_run,
        relock=request.relock,
        offline=settings.offline,
        python_version=settings.python_version,
        progress=progress,
    )
    return Report(
        command="fix",
        project=project_info(analysis.lockfile),
        findings=outcome.unfixed,
        skipped=outcome.skipped,
        changes=outcome.changes,
        notes=outcome.notes,
        edits=outcome.edits,
        diff=outcome.diff,
        dry_run=request.dry_run,
    )
