"""The one interface every lockfile format implements, and the values its answers are made of.

A lockfile format is one module beside this one (``uv.py``, ``poetry.py``, ``pdm.py``, ``pylock.py``,
``pipfile.py``, ``requirements.py``) holding one :class:`LockfileFormat` subclass; the registry in
:mod:`auditor.sources.lockfiles` lists them once. Everything that depends on the format asks it:
finding and sniffing the file, parsing it, where the project's declarations live, where an upper
bound (a *cap*) is declared and how ``sshdrift fix`` writes it, how ``drift`` / ``whatif``
re-resolve the project, and which command of its locker shows who requires a package. The idea is
pip-audit's ``_dependency_source/interface.py``: one ABC, the implementations beside it, callers
that know only the ABC.
"""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, Literal

from auditor.model import PROJECT, Lockfile
from auditor.model import CapSite as CapSite  # a value of the model; the formats answer it
from auditor.sources.environment import Environment

Resolver = Literal["uv-lock", "uv-pip-compile"]
"""How ``drift`` / ``whatif`` / ``fix --lock`` re-resolve a project: ``uv lock`` in a copy of a uv
project, or ``uv pip compile`` of the declarations with the locked pins as preferences."""

PYPROJECT = "pyproject.toml"
UV_CONSTRAINTS = "[tool.uv] constraint-dependencies"
INSTALLED_DEPENDENTS = "pipdeptree --reverse --packages {package}"
"""Who requires ``{package}`` in an installed environment, for a lock that does not record it."""


@dataclass(frozen=True)
class Cap:
    """An upper bound ``fix`` asks a format to write."""

    package: str
    """The package as the report spells it."""
    bound: str
    """The specifier to add, e.g. ``<5``."""
    effective_range: str
    """The package's effective range today (``>=2.9.5``), for formats whose cap replaces every other constraint."""


@dataclass(frozen=True)
class CapWritten:
    """One cap a format wrote into :class:`ProjectTexts` (nothing is on disk yet)."""

    file: Path
    place: str
    """Where in the file, e.g. ``[tool.uv] constraint-dependencies`` or ``[project] dependencies``."""
    bound: str
    """The specifier written: the cap, or for PDM overrides the whole range with the cap."""


class ProjectTexts:
    """The texts of the files a fix edits, held in memory until the caller writes the changed ones.

    A file is read (UTF-8 bytes decoded as they are: universal newlines would rewrite every CR LF line)
    the first time it is asked for; a missing file reads as ``""``.
    """

    def __init__(self) -> None:
        self._original: dict[Path, str] = {}
        self._current: dict[Path, str] = {}

    def text(self, path: Path) -> str:
        """The current text of ``path`` (read on first use; ``""`` when the file does not exist)."""
        if path not in self._current:
            self._original[path] = path.read_bytes().decode("utf-8") if path.exists() else ""
            self._current[path] = self._original[path]
        return self._current[path]

    def set(self, path: Path, text: str) -> None:
        """Replace the current text of ``path`` (read first, so its original is known)."""
        self.text(path)
        self._current[path] = text

    def original(self, path: Path) -> str:
        """The text ``path`` had when first read."""
        self.text(path)
        return self._original[path]

    def get(self, path: Path) -> str | None:
        """The current text of ``path`` when it was read or set, else None (nothing is read)."""
        return self._current.get(path)

    def changed(self) -> list[Path]:
        """The files whose current text differs from the original, in the order they were first read."""
        return [p for p in self._current if self._current[p] != self._original[p]]


@dataclass(frozen=True)
class ResolutionInputs:
    """What ``uv pip compile`` resolves for a project: PEP 508 lines, duplicates dropped."""

    dependencies: tuple[str, ...]
    constraints: tuple[str, ...] = ()
    """Lines for uv's ``-c`` file."""
    overrides: tuple[str, ...] = ()
    """Lines for uv's ``--override`` file."""


def requirement_line(package: str, specifier: str, marker: str | None, extras: Iterable[str] = ()) -> str:
    """``name[extras]specifier ; marker``, one PEP 508 requirement line."""
    names = sorted(extras)
    line = f"{package}{'[' + ','.join(names) + ']' if names else ''}{specifier}"
    return f"{line} ; {marker}" if marker else line


def declared_inputs(lockfile: Lockfile) -> ResolutionInputs:
    """The project's own declarations (``by`` = the project) as resolution inputs.

    Kinds ``constraint`` and ``override`` go to uv's ``-c`` and ``--override`` files; every other kind
    (``dependency``, ``extra:*``, ``group:*``) is a requirement, extras kept (scrapli[paramiko] caps
    paramiko through its extra). First occurrence kept.
    """
    lines: dict[str, list[str]] = {"dependency": [], "constraint": [], "override": []}
    for c in lockfile.declarations:
        if c.by != PROJECT:
            continue
        if c.kind in ("constraint", "override"):
            lines[c.kind].append(requirement_line(c.package, c.specifier, c.marker))
        else:
            lines["dependency"].append(requirement_line(c.package, c.specifier, c.marker, c.extras))
    return ResolutionInputs(*(tuple(dict.fromkeys(lines[k])) for k in ("dependency", "constraint", "override")))


class LockfileFormat(ABC):
    """One lockfile format: its files, its parser, its declarations, its caps, its resolver.

    Subclasses set the class attributes and implement :meth:`sniff`, :meth:`parse` and
    :meth:`cap_site`; those whose cap site can be writable implement :meth:`_write_cap`.
    """

    name: ClassVar[str]
    """Registry key and :attr:`auditor.model.Lockfile.format`: ``uv``, ``poetry``, ``pdm``, ``pylock``,
    ``pipfile``, ``requirements``."""
    file_patterns: ClassVar[tuple[str, ...]]
    """Conventional file names (glob patterns), in the order a project directory is searched."""
    regenerate: ClassVar[str]
    """The command that writes this lockfile, for error messages (``uv lock``)."""
    records_project_requirements: ClassVar[bool] = False
    """Whether the lock records the project's own requirements (uv's ``[package.metadata]`` and
    ``[manifest]``), so a fresh resolution needs nothing beside it."""
    resolver: ClassVar[Resolver] = "uv-pip-compile"
    """How drift / whatif re-resolve a project locked in this format."""
    dependents_command: ClassVar[str]
    """The command that shows which requirements bring a package in, ``{package}`` standing for its name:
    the locker's own where it has one (``uv tree --frozen --invert --package {package}``). Each was checked
    by running it on a small locked project; :meth:`dependents_hint` adds what else the user must know."""

    def matches_name(self, path: Path) -> bool:
        """Whether ``path``'s file name is one of this format's conventional names."""
        return any(fnmatch.fnmatchcase(path.name, pattern) for pattern in self.file_patterns)

    def find_in(self, directory: Path) -> Path | None:
        """The lockfile of this format in ``directory`` (the first pattern that matches, names sorted), else None."""
        for pattern in self.file_patterns:
            found = sorted(p for p in directory.glob(pattern) if p.is_file() and self.matches_name(p))
            if found:
                return found[0]
        return None

    def find_above(self, directory: Path) -> Path | None:
        """The lockfile of this format that covers ``directory`` from a parent (a workspace's), else None.

        Asked only when no format has a lockfile in ``directory`` itself. Default: None.
        """
        return None

    @abstractmethod
    def sniff(self, path: Path, text: str) -> bool:
        """Whether ``text`` (the file at ``path``, whose name is unconventional) is this format.

        Sniffs are exclusive: no two formats claim the same text, whatever order they are asked in.
        """

    @abstractmethod
    def parse(self, path: Path, text: str, env: Environment) -> Lockfile:
        """Parse ``text`` read from ``path`` for the target environment ``env`` (PEP 508 marker values).

        Returns:
            The :class:`Lockfile` with what the lock itself records (declarations beside it come
            from :meth:`attach_declarations`).

        Raises:
            LockfileError: one line naming the file (and line), what is wrong and ``regenerate``.
        """

    def attach_declarations(self, lockfile: Lockfile, env: Environment) -> Lockfile:
        """``lockfile`` with the project's declarations from the file beside it, and the roots they imply.

        Default: the ``pyproject.toml`` beside the lockfile (PEP 621, PEP 735, ``[tool.uv]``,
        ``[tool.poetry]``, ``[tool.pdm]``); it gives lines to point at, and replaces what the
        lock's own manifest says.

        Raises:
            LockfileError: the declaring file is not TOML or holds an invalid requirement.
        """
        pyproject = lockfile.path.parent / PYPROJECT
        if not pyproject.is_file():
            return lockfile
        from auditor.sources.lockfiles.declarations import read_declarations

        declared = read_declarations(pyproject, env)
        return replace(
            lockfile,
            declarations=declared.constraints,
            roots=lockfile.roots or declared.roots,
            project_name=lockfile.project_name or declared.name,
        )

    @abstractmethod
    def cap_site(self, lock_path: Path) -> CapSite:
        """Where a project locked in ``lock_path`` declares a cap, and whether ``sshdrift fix`` writes it.

        Looks only at which files exist beside ``lock_path`` (no parsing).
        """

    def cap_advice(self, site: CapSite, requirement: str) -> str:
        """One sentence telling the user where to write ``requirement`` (``paramiko<5``) and what to run."""
        where = f"{site.place} in {site.file}" if site.place else site.file
        why = f" ({site.why})" if site.why else ""
        return f"add '{requirement}' to {where}{why} and run '{site.regenerate}'"

    def write_cap(self, lock_path: Path, texts: ProjectTexts, cap: Cap) -> CapWritten:
        """Write ``cap`` into ``texts`` at the :meth:`cap_site` of ``lock_path`` (nothing reaches the disk).

        Raises:
            ValueError: the site is not writable (callers check ``cap_site(...).writable`` first), or the
                declaring line is a direct URL reference that cannot take a bound.
            UsageError: the declaring file has no place a cap can go (the message says what to add).
        """
        site = self.cap_site(lock_path)
        if not site.writable:
            raise ValueError(f"{lock_path}: sshdrift fix cannot write a cap for it ({site.why})")
        return self._write_cap(lock_path, site, texts, cap)

    def _write_cap(self, lock_path: Path, site: CapSite, texts: ProjectTexts, cap: Cap) -> CapWritten:
        """Write ``cap`` at the writable ``site``; formats whose cap site can be writable override this."""
        raise NotImplementedError(f"{lock_path}: {self.name} declares a writable cap site but writes none")

    def dependents_hint(self, package: str, lock_name: str) -> str:
        """Where the user sees which requirement brought ``package`` into the lockfile ``lock_name``.

        Args:
            package: the package as the report spells it (``paramiko``).
            lock_name: the lockfile's file name (``poetry.lock``, ``requirements-dev.txt``).

        Returns:
            A clause that completes "find which requirement brought it in ..." and reads nothing:
            by default ``with '<dependents_command>'``.
        """
        del lock_name  # the default command finds the lockfile itself
        return f"with '{self.dependents_command.format(package=package)}'"

    def resolution_inputs(self, lockfile: Lockfile) -> ResolutionInputs:
        """What ``uv pip compile`` resolves for this project (``resolver == "uv-pip-compile"``).

        Default: the project's declarations (:func:`declared_inputs`).
        """
        return declared_inputs(lockfile)
