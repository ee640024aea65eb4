"""Atomic writes: a reader sees the old file or the new one, and a new file gets the user's umask."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.fileio import write_atomic, write_atomic_bytes


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("umask")
def test_a_new_report_gets_the_users_umask_not_0600(tmp_path: Path) -> None:
    target = tmp_path / "results.sarif"
    write_atomic(target, "{}\n")
    assert target.stat().st_mode & 0o777 == 0o640  # 0666 less the umask 027
    assert [p.name for p in tmp_path.iterdir()] == ["results.sarif"]  # no temporary file left
    os.umask(0o022)
    write_atomic_bytes(tmp_path / "report.md", b"# x\n")
    assert (tmp_path / "report.md").stat().st_mode & 0o777 == 0o644


@pytest.mark.usefixtures("umask")
def test_an_existing_file_keeps_its_mode_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old\n")
    target.chmod(0o600)
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and target.stat().st_mode & 0o777 == 0o600
