from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import LockfileError
from auditor.sources.lockfiles import load_lockfile
from auditor.sources.tomlfile import entry_lines

TEXT = """\
# comment
[[package]]
version = "1.0"

[[package]]
name = "paramiko"
version = "4.0.0"

[package.dependencies]
bcrypt = ">=3.2"

[[package]]
name = "bcrypt"
version = "5.0.0"

[metadata]
lock-version = "2.1"
"""


def test_every_table_is_counted_even_without_a_name() -> None:
    assert list(entry_lines(TEXT, "[[package]]")) == [(None, 2), ("paramiko", 6), ("bcrypt", 13)]


def test_a_nameless_package_is_reported_at_its_own_line(tmp_path: Path) -> None:
    lock = tmp_path / "poetry.lock"
    lock.write_text(TEXT)
    with pytest.raises(LockfileError, match=r"poetry\.lock: line 2: a \[\[package\]\] has no name"):
        load_lockfile(lock)
