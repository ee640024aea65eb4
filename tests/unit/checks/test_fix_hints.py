from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.checks.fix_hints import cap_hint
from auditor.model import Lockfile
from auditor.sources.lockfiles import format_named

LOCKS = Path(__file__).resolve().parents[3] / "fixtures" / "lock" / "netmiko-4.4.0"
LOCKFILES = {
    "uv": "uv/uv.lock",
    "pylock": "pylock/pylock.toml",
    "poetry": "poetry/poetry.lock",
    "pdm": "pdm/pdm.lock",
    "pipfile": "pipenv/Pipfile.lock",
    "requirements": "pip-compile/requirements.txt",
}


def lockfile(fmt: str, path: Path | None = None) -> Lockfile:
    """A lockfile value as load_lockfile gives it: its format's cap site read from beside it."""
    path = path or LOCKS / LOCKFILES[fmt]
    return Lockfile(path=path, format=fmt, packages={}, cap_site=format_named(fmt).cap_site(path))


@pytest.mark.parametrize("fmt", sorted(LOCKFILES))
def test_only_caps_that_fix_writes_offer_it(fmt: str) -> None:
    assert "sshdrift fix" in cap_hint(lockfile(fmt), "paramiko<5")
    assert "sshdrift fix" not in cap_hint(lockfile(fmt), "cryptography<48", fixable=False)
    hint = cap_hint(lockfile(fmt), "cryptography<48", fixable=False)
    assert "cryptography" in hint and "<48" in hint


@pytest.mark.parametrize(
    ("fmt", "table"),
    [
        ("uv", "[tool.uv] constraint-dependencies"),
        ("pylock", "[tool.uv] constraint-dependencies"),
        ("poetry", "[tool.poetry.dependencies]"),
        ("pdm", "[tool.pdm.resolution.overrides]"),
        ("pipfile", "[packages] in Pipfile"),
        ("requirements", "constraints.txt"),
    ],
)
def test_hint_names_the_table_fix_writes(fmt: str, table: str) -> None:
    assert table in cap_hint(lockfile(fmt), "paramiko<5")


@pytest.mark.parametrize(("fmt", "keep"), [("pylock", "pylock.toml"), ("requirements", "requirements.txt")])
def test_a_lockfile_alone_is_not_offered_to_fix(fmt: str, keep: str, tmp_path: Path) -> None:
    """A pylock.toml or pinned requirements file with nothing beside it: no file sshdrift could write."""
    shutil.copy(LOCKS / LOCKFILES[fmt], tmp_path / keep)
    hint = cap_hint(lockfile(fmt, tmp_path / keep), "paramiko<5")
    assert "sshdrift fix" not in hint
    assert "paramiko" in hint and "<5" in hint


def test_the_hint_reads_nothing(tmp_path: Path) -> None:
    """The rules quote the cap site read with the lockfile: without one, nothing is read and nothing offered."""
    hint = cap_hint(Lockfile(path=tmp_path / "missing" / "uv.lock", format="uv", packages={}), "paramiko<5")
    assert "'paramiko<5'" in hint and "sshdrift fix" not in hint
