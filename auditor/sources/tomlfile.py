"""Reading a lockfile's text and TOML with one-line errors, and finding entry lines for findings."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor.errors import LockfileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_AT_LINE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_NAME_LINE = re.compile(r'^\s*name\s*=\s*"([^"]+)"')


def read_text(path: Path, regenerate: str, *, next_step: str | None = None) -> str:
    """Return ``path``'s text (UTF-8).

    Args:
        path: the lockfile (or a file the user writes: pyproject.toml, Pipfile).
        regenerate: the command that recreates it, for the error's next step (e.g. ``uv lock``).
        next_step: the error's next step instead, for files no tool regenerates (``fix the file``).

    Raises:
        LockfileError: the file is missing, unreadable, not UTF-8, or empty.
    """
    step = next_step or f"regenerate it with '{regenerate}'"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LockfileError(f"{path}: no such file; check the path or create it with '{regenerate}'") from None
    except OSError as exc:
        raise LockfileError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    if not data.strip():
        raise LockfileError(f"{path}: the file is empty; {step}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LockfileError(f"{path}: byte {exc.start} is not UTF-8; {step}") from None


def parse_toml(path: Path, text: str, regenerate: str, *, next_step: str | None = None) -> dict[str, Any]:
    """Parse ``text`` (read from ``path``) as TOML 1.0 with :mod:`tomllib`.

    ``regenerate`` / ``next_step`` give the error's next step as in :func:`read_text`.

    Raises:
        LockfileError: not valid TOML; the message gives the line tomllib reports.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = ""
        match = _AT_LINE.search(message)
        if match:
            where = f"line {match.group(1) or len(text.splitlines()) or 1}: "
            message = message[: match.start()]
        step = next_step or f"regenerate it with '{regenerate}'"
        raise LockfileError(f"{path}: {where}not valid TOML ({message}); {step}") from None


def entry_lines(text: str, header: str) -> Iterator[tuple[str | None, int]]:
    """Yield ``(name, line)`` for each ``header`` table (``[[package]]``) in TOML ``text``, in order.

    ``line`` is the 1-based line of the table's ``name = "..."`` key, the line a reader looks for;
    a table without a name yields ``(None, line of its header)``, so the n-th item is always the
    n-th table.
    """
    pending: tuple[str | None, int] | None = None
    looking = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            if stripped == header:
                if pending is not None:
                    yield pending
                pending, looking = (None, number), True
            else:
                looking = False  # a sub-table or another table: the entry's own keys are over
            continue
        if looking and pending is not None:
            match = _NAME_LINE.match(line)
            if match:
                pending, looking = (match.group(1), number), False
    if pending is not None:
        yield pending


def package_entries(
    path: Path, data: Mapping[str, Any], text: str, regenerate: str
) -> Iterator[tuple[dict[str, Any], str, int | None]]:
    """Yield ``(entry, name, line)`` for each ``[[package]]`` table of a parsed lockfile (uv, Poetry, PDM).

    ``line`` is the 1-based line of the entry's ``name`` key in ``text`` (None if it cannot be found).

    Raises:
        LockfileError: no ``[[package]]`` tables, or one without a ``name`` (the error names its line).
    """
    entries = data.get("package")
    if not isinstance(entries, list):
        raise LockfileError(f"{path}: expected [[package]] tables; regenerate it with '{regenerate}'")
    lines = list(entry_lines(text, "[[package]]"))
    for index, entry in enumerate(entries):
        line = lines[index][1] if index < len(lines) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise LockfileError(f"{path}: line {line}: a [[package]] has no name; regenerate it with '{regenerate}'")
        yield entry, name, line


def line_of(text: str, needle: str, start: int = 1) -> int | None:
    """The 1-based number of the first line at or after ``start`` that contains ``needle``, else None."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start and needle in line:
            return number
    return None
