"""Reading a project's files at a git revision (``lock --base REF``) from a real temporary repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.sources.git_ref import GitRefError, files_at_ref, write_files

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent)}
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.stdout.strip()


def test_the_project_directory_and_its_declaration_files_as_they_were(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    app = top / "services" / "app"
    (app / "requirements").mkdir(parents=True)
    (app / "src").mkdir()
    (top / "other.txt").parent.mkdir(exist_ok=True)
    (top / "other.txt").write_text("outside the project\n")
    (app / "requirements.txt").write_text("paramiko==4.0.0\n")
    (app / "requirements" / "base.in").write_text("paramiko>=3.5\n")
    (app / "src" / "main.py").write_text("print('code is not read')\n")
    _git(top, "init", "-q")
    _git(top, "add", "-A")
    _git(top, "commit", "-q", "-m", "one")
    first = _git(top, "rev-parse", "HEAD")
    (app / "requirements.txt").write_text("paramiko==5.1.0\n")
    _git(top, "commit", "-qam", "two")

    files = files_at_ref(app, "HEAD~1")
    assert files.commit == first
    assert files.files == {"requirements.txt": b"paramiko==4.0.0\n", "requirements/base.in": b"paramiko>=3.5\n"}
    out = tmp_path / "copy"
    out.mkdir()
    write_files(files, out)
    assert (out / "requirements" / "base.in").read_text() == "paramiko>=3.5\n"
    # The working tree is untouched.
    assert (app / "requirements.txt").read_text() == "paramiko==5.1.0\n"


def test_unknown_revision_and_no_repository_are_errors(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitRefError, match="not inside a git repository"):
        files_at_ref(plain, "main")
    _git(plain, "init", "-q")
    with pytest.raises(GitRefError, match="is not a known revision"):
        files_at_ref(plain, "main")
