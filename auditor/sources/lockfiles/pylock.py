"""``pylock.toml`` / ``pylock.*.toml`` (PEP 751), parsed and validated by :mod:`packaging.pylock`.

PEP 751 records no specifiers; ``dependencies`` (optional) only reference other entries.
Specifiers come from each locked version's requires-dist (:mod:`auditor.sources.metadata`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from auditor.errors import LockfileError
from auditor.model import LockedPackage, Lockfile
from auditor.sources.environment import Environment, marker_applies
from auditor.sources.lockfiles.interface import (
    INSTALLED_DEPENDENTS,
    PYPROJECT,
    UV_CONSTRAINTS,
    Cap,
    CapSite,
    CapWritten,
    LockfileFormat,
    ProjectTexts,
)
from auditor.sources.lockfiles.requirements import header_command
from auditor.sources.lockfiles.uv import cap_uv_project
from auditor.sources.tomlfile import entry_lines, parse_toml

if TYPE_CHECKING:
    from packaging.pylock import Package as PylockPackage
    from packaging.pylock import Pylock

REGENERATE = "uv export --format pylock.toml -o pylock.toml"
_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")
"""PEP 751 file names (packaging.pylock.is_valid_pylock_path)."""


def _require_registry_versions(path: Path, data: dict[str, Any], lines: list[tuple[str | None, int]]) -> None:
    """Refuse a registry (``index``) entry without a ``version``: PEP 751 allows that only for other sources.

    Raises:
        LockfileError: naming the entry's line and the regenerate command.
    """
    for index, entry in enumerate(data.get("packages") or ()):
        if isinstance(entry, dict) and "name" in entry and not entry.get("version") and "index" in entry:
            line = lines[index][1] if index < len(lines) else None
            raise LockfileError(
                f"{path}: line {line}: package '{entry['name']}' has no version; regenerate it with '{REGENERATE}'"
            )


def _validated(path: Path, data: dict[str, Any]) -> Pylock:
    """The lock as :class:`packaging.pylock.Pylock`, validated by packaging (PEP 751).

    Raises:
        LockfileError: an unsupported ``lock-version`` or an invalid entry.
    """
    # Imported here: only pylock files need it, and every format module loads on `lock`'s start-up.
    from packaging.pylock import Pylock, PylockUnsupportedVersionError, PylockValidationError

    try:
        return Pylock.from_dict(data)
    except PylockUnsupportedVersionError as exc:
        raise LockfileError(
            f"{path}: lock-version {data.get('lock-version')!r} is not supported ({exc}); "
            f"regenerate it with '{REGENERATE}'"
        ) from None
    except PylockValidationError as exc:
        raise LockfileError(f"{path}: not a valid pylock file ({exc}); regenerate it with '{REGENERATE}'") from None


def _locked(package: PylockPackage, line: int | None) -> LockedPackage:
    """One ``[[packages]]`` entry: a registry pin with its dependencies, or a versionless git/path/url source."""
    name = canonicalize_name(package.name)
    if package.version is None:
        source = "git" if package.vcs else "path" if package.directory else "url"
        return LockedPackage(name=name, version="", line=line, source=source)
    deps = tuple(
        canonicalize_name(str(d["name"])) for d in (package.dependencies or ()) if isinstance(d, dict) and "name" in d
    )
    return LockedPackage(name=name, version=str(package.version), dependencies=deps, line=line, source="registry")


def parse(path: Path, text: str, env: Environment) -> Lockfile:
    """Parse a PEP 751 lock ``text`` read from ``path``; entries whose ``marker`` fails in ``env`` are left out.

    Raises:
        LockfileError: not TOML, an unsupported ``lock-version``, or an invalid entry (per packaging).
    """
    data = parse_toml(path, text, REGENERATE)
    lines = list(entry_lines(text, "[[packages]]"))
    _require_registry_versions(path, data, lines)
    packages: dict[str, LockedPackage] = {}
    for index, package in enumerate(_validated(path, data).packages):
        if package.marker is not None and not marker_applies(package.marker, env):
            continue
        locked = _locked(package, lines[index][1] if index < len(lines) else None)
        packages[locked.name] = locked
    return Lockfile(path=path, format=PylockToml.name, packages=packages)


class PylockToml(LockfileFormat):
    """``pylock.toml`` / ``pylock.*.toml`` (PEP 751): pins only, so it cannot carry a cap itself.

    The cap goes where the tool that exported it reads the project's requirements: with a
    ``pyproject.toml`` beside it, uv's ``[tool.uv] constraint-dependencies`` (the file is re-exported
    with ``uv export --format pylock.toml``); without one, sshdrift cannot know that place.
    """

    name = "pylock"
    file_patterns = ("pylock.toml", "pylock.*.toml")
    regenerate = REGENERATE
    # Run in the uv project the file was exported from (as for the cap site), --frozen: its uv.lock is read as
    # it is, never re-locked and written (without a uv.lock, uv refuses instead of resolving anew).
    dependents_command = "uv tree --frozen --invert --package {package}"

    def matches_name(self, path: Path) -> bool:
        """``pylock.toml`` or ``pylock.<name>.toml`` (PEP 751; ``<name>`` without dots)."""
        return bool(_NAME.match(path.name))

    def sniff(self, path: Path, text: str) -> bool:
        """A ``lock-version`` key and PEP 751's ``[[packages]]`` tables."""
        return bool(re.search(r"^lock-version\s*=", text, re.MULTILINE)) and "[[packages]]" in text

    def parse(self, path: Path, text: str, env: Environment) -> Lockfile:
        """See :func:`parse`."""
        return parse(path, text, env)

    def dependents_hint(self, package: str, lock_name: str) -> str:
        """:attr:`dependents_command` in the uv project it was exported from; from another tool, the installed tree.

        PEP 751 does not require a lock to say who requires a package (``uv export`` writes no
        ``dependencies``), and no locker-independent command reads one.
        """
        return (
            f"with '{self.dependents_command.format(package=package)}' in the uv project {lock_name} was "
            f"exported from (the file records pins only; from another tool: "
            f"'{INSTALLED_DEPENDENTS.format(package=package)}' where it is installed)"
        )

    def cap_site(self, lock_path: Path) -> CapSite:
        """The pyproject.toml beside the file (uv's constraints, then re-exported); nothing writable without one."""
        export = header_command(lock_path, f"uv export --format pylock.toml -o {lock_path.name}")
        if (lock_path.parent / PYPROJECT).is_file():
            return CapSite(PYPROJECT, UV_CONSTRAINTS, export, True, f"{lock_path.name} cannot carry a cap")
        return CapSite(
            "the requirements of the project it was exported from",
            "",
            "the export again",
            False,
            f"{lock_path.name} records only pins and no pyproject.toml is beside it",
        )

    def cap_advice(self, site: CapSite, requirement: str) -> str:
        """Where the cap goes and the re-export; without a pyproject, what to do instead."""
        if site.writable:
            return super().cap_advice(site, requirement)
        return f"{site.why}: add '{requirement}' to {site.file} and run {site.regenerate}"

    def _write_cap(self, lock_path: Path, site: CapSite, texts: ProjectTexts, cap: Cap) -> CapWritten:
        """The cap in the pyproject.toml beside the file (:func:`auditor.sources.lockfiles.uv.cap_uv_project`)."""
        return cap_uv_project(texts, lock_path.parent / PYPROJECT, cap)
