"""``sshdrift drift``: the lock against a fresh resolution of the same declarations.

"What would a rebuild without the lockfile pull today (or on DATE)?" The project is copied to a
temporary directory, re-resolved there with ``uv lock --upgrade`` (or ``uv pip compile
--upgrade`` for Poetry, PDM and requirements projects), optionally ``--exclude-newer DATE``, and
the two resolutions are compared. Rules: ``resolution-drift`` and ``downgrade``
(:mod:`auditor.checks.drift`). The project's files are never touched.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from auditor.model import Change, Report
from auditor.progress import Progress
from auditor.settings import Settings


def change_notes(changes: tuple[Change, ...], context: str, stack: Collection[str]) -> list[str]:
    """Human summary line for the table format: how many versions move, how many in the SSH stack."""
    if not changes:
        return [f"{context}: no version changes"]
    ups = [c for c in changes if c.name in stack]
    return [f"{context}: {len(changes)} version change(s), {len(ups)} in the SSH stack (see changes)"]


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
    from auditor.checks.constraints import project_info
    from auditor.checks.drift import change_findings
    from auditor.resolution import compare, resolved
    from auditor.sources.lockfile import load_lockfile
    from auditor.sources.ssh_stack import ssh_stack

    lockfile = load_lockfile(path, python_version=settings.python_version)
    context = f"a fresh resolution as of {exclude_newer}" if exclude_newer else "a fresh resolution today"
    progress.start("resolving", None)
    try:
        with resolved(
            lockfile,
            upgrade=True,
            exclude_newer=exclude_newer,
            offline=settings.offline,
            python_version=settings.python_version,
        ) as fresh:
            changes = tuple(compare(lockfile, fresh.lockfile))
            backend = fresh.backend
    finally:
        progress.stop()
    stack = ssh_stack(settings.ssh_stack_extra)
    findings = change_findings(changes, context=context, stack=stack, file=lockfile.path.name)
    notes = change_notes(changes, context.capitalize(), stack)
    if lockfile.format != "uv" and not lockfile.declarations:
        notes.append(
            f"{lockfile.path.name}: no declared requirements found; a rebuild from pinned requirements "
            "installs exactly these pins (add a requirements.in to compare with a fresh resolution)"
        )
    return Report(
        command="drift",
        project=project_info(lockfile),
        findings=tuple(findings),
        changes=changes,
        notes=tuple(notes),
        extra={"resolution": {"backend": backend, "exclude_newer": exclude_newer}},
    )
