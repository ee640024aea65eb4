"""``sshdrift lock``: open-ended ranges and breaking releases in the SSH stack of a lockfile."""

from __future__ import annotations

from pathlib import Path

from auditor.lock_audit import LockAnalysis, analyze_lock
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_lock(path: Path, settings: Settings, progress: Progress) -> Report:
    """Audit the lockfile at ``path`` (project directory or lockfile) and return the report.

    Raises:
        LockfileError: the lockfile cannot be read (exit 3).
        ResolverError: uv could not fetch the metadata it needs (exit 3).
    """
    analysis = analyze_lock(path, settings, progress)
    return Report(
        command="lock",
        project=analysis.project,
        packages=analysis.packages,
        findings=analysis.findings,
        skipped=analysis.skipped,
        notes=analysis.notes,
    )


__all__ = ["LockAnalysis", "analyze_lock", "run_lock"]
