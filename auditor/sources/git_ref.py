"""A project's files as they were at a git revision: what ``lock --base REF`` compares the lock with.

Git is run as a subprocess (``git rev-parse``, ``git ls-tree``, ``git cat-file``), never through a
library, and only reads: the working tree and the index are never touched. The files a lockfile
format may read beside its lockfile are taken from the project directory at that revision: every
file directly in it, and the declaration files below it (``*.in``, ``*.txt``, ``*.toml``,
``*.lock``, ``Pipfile``: ``-r``/``-c`` includes in a ``requirements/`` folder, workspace members).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from auditor.errors import AuditorError

GIT_TIMEOUT = 60.0
"""Seconds one git command may take."""
MAX_FILE_BYTES = 8 * 1024 * 1024
"""Files larger than this are not read (no lockfile or declaration file is near it)."""
_DECLARATION_SUFFIXES = (".in", ".txt", ".toml", ".lock", ".cfg")


class GitRefError(AuditorError):
    """``--base REF`` cannot be read: not a git repository, git missing, or an unknown revision (exit 3)."""


@dataclass(frozen=True)
class FilesAtRef:
    """The files of a project directory at one git revision."""

    ref: str
    """The revision as the user gave it (``origin/main``)."""
    commit: str
    """The commit it names (40 hex digits)."""
    files: dict[str, bytes]
    """Path relative to the project directory (POSIX separators) → content."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repo args`` and return the finished process (never raises on a non-zero exit).

    Raises:
        GitRefError: git is not installed, or did not finish within :data:`GIT_TIMEOUT` seconds.
    """
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitRefError(
            "git: not found on PATH; install git, or give --base a lockfile path instead of a ref"
        ) from None
    except subprocess.TimeoutExpired:
        raise GitRefError(f"{repo}: git {args[0]} took more than {GIT_TIMEOUT:.0f} s; try again") from None


def _first_line(data: bytes) -> str:
    return (data.decode("utf-8", "replace").strip().splitlines() or [""])[0]


def repository_root(directory: Path) -> Path:
    """The top of the git work tree holding ``directory``.

    Raises:
        GitRefError: ``directory`` is not inside a git repository, or git is missing.
    """
    proc = _git(directory, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise GitRefError(
            f"{directory}: not inside a git repository ({_first_line(proc.stderr)}); --base REF needs one, "
            "or give --base another lockfile's path"
        )
    return Path(proc.stdout.decode("utf-8").strip())


def resolve_commit(root: Path, ref: str) -> str:
    """The commit ``ref`` names in the repository at ``root`` (``git rev-parse --verify REF^{commit}``).

    Raises:
        GitRefError: ``ref`` names no commit there (a branch not fetched, a typo), or starts with ``-``.
    """
    if not ref or ref.startswith("-"):
        raise GitRefError(f"--base {ref!r}: not a git revision; give a branch, tag or commit such as origin/main")
    proc = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if proc.returncode != 0:
        raise GitRefError(
            f"{root}: --base {ref!r} is not a known revision; fetch it first "
            "(in GitHub Actions: actions/checkout with fetch-depth: 0), or check the name"
        )
    return proc.stdout.decode("ascii").strip()


def _wanted(relative: PurePosixPath, size: int) -> bool:
    """Whether a file at ``relative`` (to the project directory) of ``size`` bytes is read."""
    if size > MAX_FILE_BYTES:
        return False
    if len(relative.parts) == 1:
        return True
    return relative.suffix in _DECLARATION_SUFFIXES or relative.name.startswith("Pipfile")


def files_at_ref(project_dir: Path, ref: str) -> FilesAtRef:
    """The files of ``project_dir`` as they were at git revision ``ref``.

    Args:
        project_dir: a directory inside a git work tree (the audited project, where its lockfile is).
        ref: a revision git understands: a branch (``origin/main``), a tag, a commit, ``HEAD~1``.

    Returns:
        The files directly in the directory, and the declaration files below it (see the module
        docstring), each at most :data:`MAX_FILE_BYTES`; empty when the directory did not exist then.

    Raises:
        GitRefError: not a git repository, git missing, or ``ref`` unknown (one line each, exit 3).
    """
    root = repository_root(project_dir)
    commit = resolve_commit(root, ref)
    relative = project_dir.resolve().relative_to(Path(root).resolve()).as_posix()
    prefix = "" if relative == "." else f"{relative}/"
    listing = _git(root, "ls-tree", "-r", "-l", "-z", "--full-tree", commit, *(("--", prefix) if prefix else ()))
    if listing.returncode != 0:
        raise GitRefError(f"{root}: cannot list {prefix or '.'} at {ref} ({_first_line(listing.stderr)})")
    files: dict[str, bytes] = {}
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, path_bytes = entry.partition(b"\t")
        mode, kind, sha, size = meta.decode("ascii").split()
        path = PurePosixPath(path_bytes.decode("utf-8", "surrogateescape"))
        if kind != "blob" or mode == "120000" or not size.isdigit():
            continue  # submodules and symlinks are not files of the project
        inside = PurePosixPath(str(path)[len(prefix) :])
        if not _wanted(inside, int(size)):
            continue
        blob = _git(root, "cat-file", "blob", sha)
        if blob.returncode == 0:
            files[inside.as_posix()] = blob.stdout
    return FilesAtRef(ref=ref, commit=commit, files=files)


def write_files(files: FilesAtRef, directory: Path) -> None:
    """Write ``files`` under ``directory`` (a fresh temporary directory), keeping their relative paths.

    Raises:
        OSError: ``directory`` cannot be written.
    """
    for name, content in files.files.items():
        target = directory / Path(*PurePosixPath(name).parts)
        if ".." in PurePosixPath(name).parts:
            continue  # git never lists such a path; refuse to leave the directory all the same
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
