"""``sshdrift lock``: open-ended ranges and breaking releases in the SSH stack of a lockfile."""

from __future__ import annotations

from pathlib import Path

from auditor import engine
from auditor.analysis.lock import LockAnalysis, analyze_lock
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_lock(path: Path, settings: Settings, progress: Progress, base: str | None = None) -> Report:
    """Audit the lockfile at ``path`` (project directory or lockfile) and return the report.

    Runs ``open-ended-range`` and ``breaking-release`` (:func:`analyze_lock`), ``vulnerability``,
    ``ignored-ssh-option``, and with ``--fleet`` the device rules against that snapshot
    (:func:`auditor.engine.project.project_report`).

    ``base`` (``--base``): a git revision or lockfile path; the change from its lock is judged too
    (:mod:`auditor.analysis.base_change`).

    Raises:
        LockfileError: the lockfile cannot be read (exit 3). GitRefError: a bad ``--base`` revision (exit 3).
        ResolverError: uv could not fetch the metadata it needs (exit 3).
    """
    return engine.run(engine.LockRequest(path, base), settings, progress)


# Re-exported for commands that import it from here until they take it from auditor.analysis.lock.
__all__ = ["LockAnalysis", "analyze_lock", "run_lock"]
