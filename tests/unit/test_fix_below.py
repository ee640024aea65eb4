"""``sshdrift fix --below``: the accepted forms, and a name that matches nothing (real poetry.lock, offline)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from auditor.analysis.fix import parse_below
from auditor.commands.fix import run_fix
from auditor.errors import UsageError
from auditor.progress import NullProgress
from auditor.settings import Settings

LOCKS = Path(__file__).resolve().parents[2] / "fixtures" / "lock"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", {"*": "5"}),
        ("<5", {"*": "5"}),
        (" < 5.1 ", {"*": "5.1"}),
        ("paramiko=5", {"paramiko": "5"}),
        ("paramiko<5", {"paramiko": "5"}),
        ("Paramiko = 5.1", {"paramiko": "5.1"}),
        ("paramiko=5,ssh2_python=1.0", {"paramiko": "5", "ssh2-python": "1.0"}),
    ],
)
def test_accepted_forms(text: str, expected: dict[str, str]) -> None:
    assert parse_below(text) == {name: Version(v) for name, v in expected.items()}


@pytest.mark.parametrize("text", ["paramiko==5", "<=5", "paramiko", "paramiko=five", "paramiko>=5"])
def test_other_forms_are_usage_errors_not_ignored(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_below(text)
    assert "\n" not in info.value.message
    assert info.value.message.startswith(f"--below {text!r}:") and "--below paramiko=5" in info.value.message


def test_a_name_without_an_open_range_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    project = Path(shutil.copytree(LOCKS / "netmiko-4.4.0" / "poetry", tmp_path / "poetry"))
    before = (project / "pyproject.toml").read_bytes()
    report = run_fix(project, "paramko=5,6", True, False, Settings(offline=True), NullProgress())
    assert (project / "pyproject.toml").read_bytes() == before
    assert "--below paramko=5: paramko has no open-ended-range error here; nothing written for it" in report.notes
    # The bare version applies to every package fixed, paramiko included.
    bounds = {e.package: e.bound for e in report.edits}
    assert bounds["paramiko"] == "<6"
    assert '+    "paramiko<6",' in (report.diff or "").splitlines()


def test_crlf_line_ends_are_kept_byte_for_byte(tmp_path: Path) -> None:
    """Every original byte stays, CR LF line ends included; only the edited requirement line differs."""
    project = Path(shutil.copytree(LOCKS / "netmiko-4.4.0" / "poetry", tmp_path / "poetry"))
    pyproject = project / "pyproject.toml"
    before = pyproject.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    pyproject.write_bytes(before)
    run_fix(project, "paramiko=5", False, False, Settings(offline=True), NullProgress())
    after = pyproject.read_bytes()
    old_lines, new_lines = before.split(b"\r\n"), after.split(b"\r\n")
    assert [line for line in old_lines if line not in new_lines] == []
    added = [line for line in new_lines if line not in old_lines]
    assert b'"paramiko<5",' in [line.strip() for line in added], added
    assert after.count(b"\n") == after.count(b"\r\n")  # the added lines end like the others
