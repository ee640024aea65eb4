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


class Locator:
    """Places the findings of one report: the project root and the devices' inventory entries, looked up once.

    A report of 10,000 devices has hundreds of device findings; finding each one's device by a
    scan of the report made placing them quadratic.
    """

    def __init__(self, report: Report) -> None:
        """Index ``report``: its project root and each device's inventory file and line by device name."""
        self.root = project_root(report)
        self.lockfile = report.project.lockfile if report.project is not None else None
        self.devices: dict[str, tuple[str, int | None]] = {}
        for result in report.devices:
            if result.device.file:
                self.devices.setdefault(result.device.name, (result.device.file, result.device.line))

    def of(self, finding: Finding) -> Location | None:
        """The file and line ``finding`` is about, or None when the report names no file at all."""
        if finding.file:
            return Location(_resolve(finding.file, self.root), finding.line)
        if finding.device is not None and finding.device in self.devices:
            file, line = self.devices[finding.device]
            return Location(_resolve(file, self.root), line)
        if self.lockfile:
            return Location(_resolve(self.lockfile, self.root), None)
        return None


def relative_to(path: Path, base: Path) -> str | None:
    """``path`` relative to ``base`` in POSIX form, or None when it lies outside ``base``."""
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return None
