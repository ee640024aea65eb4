"""Where a finding points: a file (lockfile, pyproject, inventory, ssh_config) and a line.

SARIF and GitHub annotations need a file for every result. A finding's ``file`` is relative
to the project directory (lock rules) or as the user gave it (ssh_config, ansible.cfg); a
device finding points at the device's inventory entry; anything else falls back to the
project's lockfile so that code scanning can still place it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.model import Finding, Report


@dataclass(frozen=True)
class Location:
    """An absolute file path and an optional 1-based line."""

    path: Path
    line: int | None = None


def project_root(report: Report) -> Path | None:
    """The absolute project directory of ``report`` (resolved against the working directory), or None."""
    if report.project is None:
        return None
    root = Path(report.project.path)
    if root.suffix and not root.is_dir():
        # A lockfile given as PATH: the project is its directory.
        root = root.parent
    return root.absolute()


def _resolve(file: str, root: Path | None) -> Path:
    path = Path(file)
    if path.is_absolute():
        return path
    if root is not None:
        in_project = root / path
        # ssh_config / ansible.cfg paths are as the user typed them (relative to the working
        # directory); lock paths are relative to the project. Prefer whichever exists.
        if in_project.exists() or not path.exists():
            return in_project
    return path.absolute()


def finding_location(report: Report, finding: Finding) -> Location | None:
    """The file and line ``finding`` is about, or None when the report names no file at all."""
    root = project_root(report)
    if finding.file:
        return Location(_resolve(finding.file, root), finding.line)
    if finding.device is not None:
        for result in report.devices:
            if result.device.name == finding.device and result.device.file:
                return Location(_resolve(result.device.file, root), result.device.line)
    if report.project is not None and report.project.lockfile:
        return Location(_resolve(report.project.lockfile, root), None)
    return None


def relative_to(path: Path, base: Path) -> str | None:
    """``path`` relative to ``base`` in POSIX form, or None when it lies outside ``base``."""
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return None
