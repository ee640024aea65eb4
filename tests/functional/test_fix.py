"""``sshdrift fix`` on real projects: bounds where each tool reads them, every other byte kept."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version

from tests.functional.projects import (
    UV_PYPROJECT,
    pdm_lock,
    pdm_project,
    poetry_lock,
    poetry_project,
    requirements_project,
    sshdrift,
    tree_digest,
    uv,
    uv_project,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def locked_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return uv_project(tmp_path_factory.mktemp("fix") / "netops")


@pytest.fixture
def project(locked_2025: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(locked_2025, tmp_path / "netops"))


def locked_version(lock: Path, name: str) -> str:
    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    versions = [p["version"] for p in data["package"] if p["name"] == name]
    assert len(versions) == 1
    return str(versions[0])


def test_fix_uv_transitive_goes_to_constraint_dependencies(project: Path) -> None:
    lock_before = (project / "uv.lock").read_bytes()
    proc = sshdrift("fix", str(project), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    edits = {e["package"]: e for e in report["edits"]}
    assert edits["paramiko"]["bound"] == "<5"
    assert edits["paramiko"]["place"] == "[tool.uv] constraint-dependencies"
    after = (project / "pyproject.toml").read_text(encoding="utf-8")
    # Byte for byte: the original file is a prefix; only the new [tool.uv] table follows it.
    assert after.startswith(UV_PYPROJECT)
    constraints = tomllib.loads(after)["tool"]["uv"]["constraint-dependencies"]
    assert "paramiko<5" in constraints
    assert (project / "uv.lock").read_bytes() == lock_before  # no --lock: the lock is not touched
    # A fresh resolution (today, everything upgraded) now holds paramiko 4.x.
    uv("lock", "--upgrade", cwd=project)
    assert Version(locked_version(project / "uv.lock", "paramiko")).major == 4


def test_fix_then_lock_audit_is_clean_for_paramiko(project: Path) -> None:
    assert sshdrift("fix", str(project)).returncode == 0
    proc = sshdrift("lock", str(project), "--format", "json", "--no-vulnerabilities")
    findings = json.loads(proc.stdout)["findings"]
    assert not [
        f
        for f in findings
        if f["package"] == "paramiko" and f["rule"] == "open-ended-range" and f["severity"] == "error"
    ]


def test_fix_dry_run_writes_nothing_and_shows_the_diff(project: Path) -> None:
    before = tree_digest(project)
    proc = sshdrift("fix", str(project), "--dry-run", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["diff"].startswith("--- a/pyproject.toml\n+++ b/pyproject.toml\n")
    assert '+constraint-dependencies = ["paramiko<5"' in report["diff"] or '+    "paramiko<5"' in report["diff"]
    assert tree_digest(project) == before
    table = sshdrift("fix", str(project), "--dry-run")
    assert "+++ b/pyproject.toml" in table.stdout
    assert tree_digest(project) == before


def test_fix_below_and_relock_shows_the_new_versions(project: Path) -> None:
    proc = sshdrift("fix", str(project), "--below", "paramiko=4", "--lock", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    paramiko = [c for c in report["changes"] if c["name"] == "paramiko"]
    assert len(paramiko) == 1
    assert paramiko[0]["before"] == "4.0.0"
    assert Version(paramiko[0]["after"]).major == 3
    assert Version(locked_version(project / "uv.lock", "paramiko")).major == 3


def test_fix_uv_direct_dependency_edits_that_line(tmp_path: Path) -> None:
    text = UV_PYPROJECT.replace(
        '    "netmiko==4.4.0",  # the driver the playbooks were written for\n',
        '    "netmiko==4.4.0",  # the driver the playbooks were written for\n'
        "    'paramiko>=3.5',  # security floor\n",
    )
    project = uv_project(tmp_path / "direct", text)
    assert sshdrift("fix", str(project)).returncode == 0
    after = (project / "pyproject.toml").read_text(encoding="utf-8")
    before_lines, after_lines = text.splitlines(keepends=True), after.splitlines(keepends=True)
    head = after_lines[: len(before_lines)]
    diff = [(b, a) for b, a in zip(before_lines, head, strict=True) if b != a]
    assert diff == [("    'paramiko>=3.5',  # security floor\n", "    'paramiko>=3.5,<5',  # security floor\n")]
    # Whatever follows is the [tool.uv] table for transitive packages (scp, invoke), not paramiko.
    tail = "".join(after_lines[len(before_lines) :])
    assert "paramiko" not in tail
    assert tail == "" or tail.startswith("\n[tool.uv]\nconstraint-dependencies = [")


def test_fix_requirements_project_writes_constraints_file(tmp_path: Path) -> None:
    project = requirements_project(tmp_path / "reqs")
    source_in = (project / "requirements.in").read_text(encoding="utf-8")
    lock_before = (project / "requirements.txt").read_bytes()
    proc = sshdrift("fix", str(project / "requirements.txt"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "paramiko<5\n" in (project / "constraints.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    assert (project / "requirements.in").read_text(encoding="utf-8") == source_in + "-c constraints.txt\n"
    assert (project / "requirements.txt").read_bytes() == lock_before
    # uv honours it: a fresh compile stays on paramiko 4.x.
    uv("pip", "compile", "requirements.in", "-o", "fresh.txt", "--python-version", "3.11", cwd=project)
    assert "paramiko==4." in (project / "fresh.txt").read_text(encoding="utf-8")


def test_fix_poetry_adds_the_bound_poetry_reads(tmp_path: Path) -> None:
    project = poetry_project(tmp_path / "poetry")
    before = (project / "pyproject.toml").read_text(encoding="utf-8")
    proc = sshdrift("fix", str(project), "--below", "paramiko=5", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    after = (project / "pyproject.toml").read_text(encoding="utf-8")
    # Only added lines, at the end of [tool.poetry.dependencies]; every original byte stays.
    added = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:2] in ("+ ", "- ")]
    assert added and all(line.startswith("+ ") for line in added), added
    assert '+ paramiko = "<5"' in added
    assert tomllib.loads(after)["tool"]["poetry"]["dependencies"]["paramiko"] == "<5"
    poetry_lock(project)
    data = tomllib.loads((project / "poetry.lock").read_text(encoding="utf-8"))
    assert [Version(p["version"]).major for p in data["package"] if p["name"] == "paramiko"] == [4]


def test_fix_pdm_writes_an_override_with_the_whole_range(tmp_path: Path) -> None:
    project = pdm_project(tmp_path / "pdm")
    before = (project / "pyproject.toml").read_text(encoding="utf-8")
    proc = sshdrift("fix", str(project), "--below", "paramiko=5", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    after = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert after.startswith(before)
    override = tomllib.loads(after)["tool"]["pdm"]["resolution"]["overrides"]["paramiko"]
    assert override.endswith(",<5") or override == "<5"
    pdm_lock(project)
    data = tomllib.loads((project / "pdm.lock").read_text(encoding="utf-8"))
    assert [Version(p["version"]).major for p in data["package"] if p["name"] == "paramiko"] == [4]


def test_fix_bad_below_is_a_usage_error(project: Path) -> None:
    before = tree_digest(project)
    proc = sshdrift("fix", str(project), "--below", "paramiko=five")
    assert proc.returncode == 2
    assert "--below" in proc.stderr
    assert tree_digest(project) == before


LOCKS = Path(__file__).resolve().parents[2] / "fixtures" / "lock"


def test_fix_lock_closes_the_loop_for_uv_export_output(tmp_path: Path) -> None:
    """``uv export`` output cannot carry a cap: fix writes pyproject.toml and --lock re-exports it."""
    project = Path(shutil.copytree(LOCKS / "netmiko-4.4.0" / "uv-export", tmp_path / "export"))
    proc = sshdrift("fix", str(project), "--lock", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    edits = {e["package"]: e for e in json.loads(proc.stdout)["edits"]}
    assert edits["paramiko"]["file"] == "pyproject.toml"
    pins = [
        line
        for line in (project / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("paramiko==")
    ]
    assert len(pins) == 1 and Version(pins[0].split("==")[1].split()[0]).major == 4, pins
    audit = json.loads(sshdrift("lock", str(project), "--format", "json", "--no-vulnerabilities").stdout)
    assert [f for f in audit["findings"] if f["package"] == "paramiko" and f["severity"] == "error"] == []
    again = json.loads(sshdrift("fix", str(project), "--format", "json").stdout)
    assert again["edits"] == [] and "no open-ended-range errors: nothing to fix" in again["notes"]


def test_fix_lock_without_the_formats_tool_says_what_to_run(tmp_path: Path) -> None:
    project = Path(shutil.copytree(LOCKS / "netmiko-4.4.0" / "poetry", tmp_path / "poetry"))
    lock_before = (project / "poetry.lock").read_bytes()
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "CI": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "fix", str(project), "--lock", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert "--lock: poetry is not installed here; run 'poetry lock'" in report["notes"]
    assert report["edits"] and (project / "poetry.lock").read_bytes() == lock_before
