"""``sshdrift fix``: write the missing upper bounds where the project declares its requirements.

Settings in, the lock audit and the fix planning (:mod:`auditor.analysis.fix`) called, a report
out. Where each format takes its cap is the format's answer
(:meth:`~auditor.sources.lockfiles.interface.LockfileFormat.cap_site`):

==================  ===========================================================================
format              where the cap goes
==================  ===========================================================================
uv                  the requirement declaring the package, else ``[tool.uv] constraint-dependencies``
Poetry              the requirement, else ``[tool.poetry.dependencies]`` (added as a dependency)
PDM                 the requirement, else ``[tool.pdm.resolution.overrides]`` (whole range + bound)
pylock.toml         the ``pyproject.toml`` beside it, as for uv (the pylock itself cannot carry one)
Pipfile.lock        the ``Pipfile``'s ``[packages]``
requirements        the ``-c`` file of the ``requirements.in`` beside it (``constraints.txt``), or
                    for ``uv export`` output the ``pyproject.toml`` beside it, as for uv
==================  ===========================================================================
"""

from __future__ import annotations

from pathlib import Path

from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_fix(
    path: Path, below: str | None, dry_run: bool, relock: bool, settings: Settings, progress: Progress
) -> Report:
    """Add an upper bound for every ``open-ended-range`` error of the lock audit.

    Args:
        path: the project directory or its lockfile.
        below: ``--below`` (see :func:`auditor.analysis.fix.parse_below`); None = keep each locked major.
        dry_run: write nothing; the report carries the unified diff.
        relock: re-lock afterwards with the format's own command (``uv lock``, ``poetry lock``, ...) when its
            tool is installed, and report the versions that move.
        settings: passed to the lock audit (``offline``, ``python_version``, ...).
        progress: passed to the lock audit and told about re-locking.

    Returns:
        A report whose notes list each edit (and the diff with ``--dry-run``), ``changes`` after
        ``--lock``, ``extra["edits"]`` and ``extra["diff"]``; findings are the open-ended ranges
        whose cap this project's format cannot carry.

    Raises:
        LockfileError: the project cannot be read. ResolverError: ``--lock`` failed. UsageError: bad
        ``--below``.
    """
    from auditor.analysis.fix import fix_lockfile, parse_below
    from auditor.analysis.lock import analyze_lock
    from auditor.checks.constraints import project_info

    parse_below(below)  # a bad --below is a usage error before any lockfile is read
    analysis = analyze_lock(path, settings, progress)
    outcome = fix_lockfile(
        analysis.lockfile,
        analysis.findings,
        analysis.packages,
        below=below,
        dry_run=dry_run,
        relock=relock,
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
        extra={"edits": [e.to_json() for e in outcome.edits], "diff": outcome.diff, "dry_run": dry_run},
    )
