"""``sshdrift drift``: the lock against a fresh resolution of the same declarations.

The engine makes the fresh resolution (:mod:`auditor.analysis.drift`), runs its rules
(``resolution-drift`` and ``downgrade``) and builds the report (:mod:`auditor.engine.drift`). The
project's files are never touched.
"""

from __future__ import annotations

from pathlib import Path

from auditor import engine
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
        The ``drift`` report (:func:`auditor.engine.drift.drift_report`); exit 1 when drift reaches ``--fail-on``.

    Raises:
        LockfileError: the lock cannot be read. ResolverError: uv could not resolve (exit 3).
    """
    return engine.run(engine.DriftRequest(path, exclude_newer), settings, progress)
