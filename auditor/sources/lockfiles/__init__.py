"""Lockfile formats: the registry, finding a project's lockfile, and loading it with its declarations.

Every format is one module beside this one implementing
:class:`~auditor.sources.lockfiles.interface.LockfileFormat`; :data:`FORMATS` lists them in the order
a project directory is searched: ``uv.lock``, ``poetry.lock``, ``pdm.lock``, ``pylock.toml`` /
``pylock.*.toml`` (PEP 751), ``Pipfile.lock``, ``requirements*.txt``. A file with another name is
recognised by its content. The declarations come from the file beside the lockfile that the format
names (``pyproject.toml``, ``Pipfile``, ``requirements.in``), else from the lockfile's own manifest.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.errors import LockfileError
from auditor.model import Lockfile
from auditor.sources.environment import target_environment
from auditor.sources.lockfiles.interface import LockfileFormat
from auditor.sources.lockfiles.pdm import PdmLock
from auditor.sources.lockfiles.pipfile import PipfileLock
from auditor.sources.lockfiles.poetry import PoetryLock
from auditor.sources.lockfiles.pylock import PylockToml
from auditor.sources.lockfiles.requirements import RequirementsTxt
from auditor.sources.lockfiles.uv import UvLock
from auditor.sources.tomlfile import read_text

FORMATS: tuple[LockfileFormat, ...] = (
    UvLock(),
    PoetryLock(),
    PdmLock(),
    PylockToml(),
    PipfileLock(),
    RequirementsTxt(),
)
"""Every format sshdrift reads, in the order a project directory is searched (the catch-all last)."""

KNOWN = "uv.lock, poetry.lock, pdm.lock, pylock.toml, Pipfile.lock or a pinned requirements*.txt"


def format_named(name: str) -> LockfileFormat:
    """The registered format whose ``name`` (:attr:`auditor.model.Lockfile.format`) is ``name``.

    Raises:
        KeyError: no format has that name (a programming error: Lockfile.format always comes from here).
    """
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def format_of(lockfile: Lockfile) -> LockfileFormat:
    """The format ``lockfile`` was parsed with."""
    return format_named(lockfile.format)


def find_lockfile(directory: Path) -> Path:
    """The lockfile in ``directory``, by the search order of :data:`FORMATS`; else one covering it from above.

    The second is a uv workspace's ``uv.lock`` for a member directory
    (:meth:`~auditor.sources.lockfiles.interface.LockfileFormat.find_above`).

    Raises:
        LockfileError: the directory holds none of them and no parent's covers it.
    """
    for finder in ("find_in", "find_above"):
        for fmt in FORMATS:
            found: Path | None = getattr(fmt, finder)(directory)
            if found is not None:
                return found
    raise LockfileError(
        f"{directory}: no lockfile found (looked for {KNOWN}); run 'uv lock' there or pass the lockfile's path"
    )


def format_for_name(path: Path) -> LockfileFormat | None:
    """The format whose conventional file names include ``path``'s name (``poetry.lock``), else None.

    Reads nothing: a file with another name is known only by its content (:func:`detect_format`).
    """
    return next((fmt for fmt in FORMATS if fmt.matches_name(path)), None)


def detect_format(path: Path, text: str) -> LockfileFormat:
    """The format of the lockfile at ``path``: by its name, else by its content.

    Raises:
        LockfileError: neither its name nor its content is a known lockfile.
    """
    fmt = format_for_name(path) or next((f for f in FORMATS if f.sniff(path, text)), None)
    if fmt is None:
        raise LockfileError(f"{path}: not a lockfile sshdrift can read (expected {KNOWN}); pass one of those")
    return fmt


def load_lockfile(path: Path, *, python_version: str | None = None) -> Lockfile:
    """Parse the lockfile at ``path`` (a project directory or a lockfile) for a target Python.

    Args:
        path: a directory (searched as above) or a lockfile of any supported format.
        python_version: evaluate markers for this Python (``3.12``); None = the running interpreter.

    Returns:
        The parsed :class:`Lockfile`, with the project's declarations and direct dependencies.

    Raises:
        LockfileError: no lockfile, an unknown format, or a file its format's parser rejects
            (one line naming the file and the next step).
    """
    lock_path = find_lockfile(path) if path.is_dir() else path
    env = target_environment(python_version)
    named = format_for_name(lock_path)
    text = read_text(lock_path, named.regenerate if named else UvLock.regenerate)
    fmt = detect_format(lock_path, text)
    lockfile = fmt.parse(lock_path, text, env)
    attached = fmt.attach_declarations(lockfile, env)
    roots = tuple(r for r in dict.fromkeys(attached.roots) if r in attached.packages)
    # The cap site is read now, with the files, so that the rules that quote it read nothing.
    return replace(attached, roots=roots, cap_site=fmt.cap_site(lock_path))


__all__ = [
    "FORMATS",
    "KNOWN",
    "LockfileFormat",
    "detect_format",
    "find_lockfile",
    "format_for_name",
    "format_named",
    "format_of",
    "load_lockfile",
]
