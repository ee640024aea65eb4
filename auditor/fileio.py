"""Atomic writes: every file sshdrift writes for a user goes through :func:`write_atomic` or :func:`write_atomic_bytes`."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` atomically: a temporary file in the same directory, then rename.

    The file's permission bits are kept when it exists. Newlines are written as given.

    Raises:
        OSError: the directory is not writable (the original file is untouched).
        UnicodeEncodeError: ``text`` cannot be written in ``encoding`` (the original file is untouched).
    """
    write_atomic_bytes(path, text.encode(encoding))


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: a temporary file in the same directory, fsync, then rename.

    A reader sees either the old file or the whole new one, never a part (POSIX ``rename(2)``). The
    file's permission bits are kept when it exists; a new file gets what ``open(2)`` would give it,
    0666 less the process umask (0644 under the usual 022), not ``mkstemp``'s private 0600.

    Raises:
        OSError: the directory is not writable (the original file is untouched, no temporary file is left).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path()
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    import tempfile  # Start-up: the pre-commit hook's warm run writes no file.

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def _umask() -> int:
    """The process umask. POSIX offers no read-only call: set it and put it back at once."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
