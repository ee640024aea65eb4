"""Drift: the lock against a fresh resolution of the same declarations, made the way its format says.

"What would a rebuild without the lockfile pull today (or on DATE)?" The project is copied to a
temporary directory and re-resolved there by the lockfile format's resolver (``uv lock --upgrade``
for uv projects, ``uv pip compile --upgrade`` of the declarations for the others; see
:mod:`auditor.resolution`), optionally ``--exclude-newer DATE``. The project's files are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.model import Lockfile
from auditor.progress import Progress
from auditor.report_parts import Change
from auditor.resolution import compare, resolved
from auditor.sources.lockfiles import format_of


@dataclass(frozen=True)
class Drift:
    """The versions a fresh resolution changes, and how it was made."""

    changes: tuple[Change, ...]
    context: str
    """How the new resolution came about, for messages: ``a fresh resolution today`` / ``as of DATE``."""
    backend: str
    """``uv-lock`` or ``uv-pip-compile``."""
    notes: tuple[str, ...] = ()
    """What the comparison cannot show (a pinned file with no declarations beside it)."""


def fresh_drift(
    lockfile: Lockfile, *, exclude_newer: str | None, offline: bool, python_version: str | None, progress: Progress
) -> Drift:
    """Re-resolve ``lockfile``'s project with everything upgraded and compare it with the lock.

    Args:
        lockfile: the project's lock.
        exclude_newer: resolve as of this date (``YYYY-MM-DD`` or RFC 3339); None = today.
        offline: uv may use only its cache.
        python_version: target Python (``3.12``); None = the running interpreter.
        progress: told about the resolution phase.

    Raises:
        ResolverError: uv could not resolve (uv's reason, one line). LockfileError: the new lock
        cannot be read.
    """
    context = f"a fresh resolution as of {exclude_newer}" if exclude_newer else "a fresh resolution today"
    progress.start("resolving", None)
    try:
        with resolved(
            lockfile, upgrade=True, exclude_newer=exclude_newer, offline=offline, python_version=python_version
        ) as fresh:
            changes = tuple(compare(lockfile, fresh.lockfile))
            backend = fresh.backend
    finally:
        progress.stop()
    notes: tuple[str, ...] = ()
    if not format_of(lockfile).records_project_requirements and not lockfile.declarations:
        notes = (
            f"{lockfile.path.name}: no declared requirements found; a rebuild from pinned requirements "
            "installs exactly these pins (add a requirements.in to compare with a fresh resolution)",
        )
    return Drift(changes, context, backend, notes)
