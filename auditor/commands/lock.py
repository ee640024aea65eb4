"""``sshdrift lock``: open-ended ranges and breaking releases in the SSH stack of a lockfile."""

from __future__ import annotations

from pathlib import Path

from auditor.lock_audit import LockAnalysis, analyze_lock
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_lock(path: Path, settings: Settings, progress: Progress) -> Report:
    """Audit the lockfile at ``path`` (project directory or lockfile) and return the report.

    Runs ``open-ended-range`` and ``breaking-release`` (:func:`analyze_lock`), ``vulnerability``,
    ``ignored-ssh-option``, and with ``--fleet`` the device rules against that snapshot
    (:func:`auditor.engine.project_report`).

    Raises:
        LockfileError: the lockfile cannot be read (exit 3).
        ResolverError: uv could not fetch the metadata it needs (exit 3).
    """
    from auditor.engine import project_report

    return project_report("lock", path, settings, progress)


__all__ = ["LockAnalysis", "analyze_lock", "run_lock"]
