"""``sshdrift fix``: write the missing upper bounds where the project declares its requirements.

The engine runs the lock audit and the fix planning (:mod:`auditor.analysis.fix`) and builds the
report (:mod:`auditor.engine.fix`). Where each format takes its cap is the format's answer
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

from auditor import engine
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
        The ``fix`` report (:func:`auditor.engine.fix.fix_report`): ``edits``, ``diff``, ``dry_run``,
        ``changes`` after ``--lock``; findings are the open-ended ranges whose cap this project's
        format cannot carry.

    Raises:
        LockfileError: the project cannot be read. ResolverError: ``--lock`` failed. UsageError: bad
        ``--below``.
    """
    return engine.run(engine.FixRequest(path, below, dry_run, relock), settings, progress)
