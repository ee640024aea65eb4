"""``sshdrift baseline``: accepted-risk entries for today's findings, for a user to review.

Runs what ``sshdrift lock`` runs (:func:`auditor.engine.run`) and turns every finding
that reaches ``--fail-on`` and is not ignored yet into a ``[[tool.sshdrift.ignore]]`` entry with a
placeholder reason (:func:`auditor.checks.accepted_risk.baseline_entries`). Printed by default;
``--write`` appends them to the project's ``pyproject.toml`` atomically (tomlkit keeps the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor import engine
from auditor.checks.accepted_risk import baseline_entries
from auditor.errors import ConfigError
from auditor.fileio import write_atomic
from auditor.progress import Progress
from auditor.settings import Settings
from auditor.sources.lockfiles.edit import add_ignore_entries, ignore_entries_toml


@dataclass(frozen=True)
class Baseline:
    """What ``sshdrift baseline`` produced."""

    toml: str
    """The entries as ``[[tool.sshdrift.ignore]]`` tables ("" when there are none)."""
    count: int
    """How many entries."""
    pyproject: Path
    """The project's pyproject.toml (written only with ``--write``)."""
    written: bool
    unnamed: tuple[str, ...] = ()
    """One line per finding no entry can name (``ignored-ssh-option``: fix the file instead)."""


def run_baseline(path: Path, settings: Settings, progress: Progress, *, write: bool) -> Baseline:
    """Entries for the findings of ``path`` that reach ``settings.fail_on``; with ``write``, append them to pyproject.toml.

    Args:
        path: project directory or lockfile.
        settings: as for ``sshdrift lock``; ``fail_on`` chooses which findings get an entry.
        progress: told about metadata fetching.
        write: append the entries to ``<project>/pyproject.toml`` (created when absent), atomically.

    Raises:
        LockfileError, ConfigError, ResolverError, VulnerabilityServiceError: as ``sshdrift lock`` (exit 3).
        ConfigError: pyproject.toml cannot be read, parsed or written (exit 3).
    """
    report = engine.run(engine.LockRequest(path), settings, progress)
    counted = [f for f in report.findings if settings.fail_on.trips(f.severity)]
    entries, unnamed = baseline_entries(counted)
    project = Path(report.project.path) if report.project is not None else (path if path.is_dir() else path.parent)
    pyproject = project / "pyproject.toml"
    lines = tuple(f"{f.rule}: {f.file or '?'}:{f.line or '?'}: {f.message}" for f in unnamed)
    if not write or not entries:
        return Baseline(ignore_entries_toml(entries), len(entries), pyproject, False, lines)
    try:
        before = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
        after = add_ignore_entries(before, entries)
        write_atomic(pyproject, after)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{pyproject}: cannot add the entries ({exc}); run without --write and paste them") from exc
    return Baseline(ignore_entries_toml(entries), len(entries), pyproject, True, lines)
