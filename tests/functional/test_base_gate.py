"""The PR gate: ``sshdrift lock --base REF`` on a temporary git repository with two commits (issue 10 item 4).

The commits hold real Poetry locks (fixtures/lock): netmiko 4.7.0 capped paramiko at 4.0.0; going
back to netmiko 4.4.0 lets Poetry pick paramiko 5.1.0, the incident's exact change. Poetry locks record
every declared constraint, so these runs need no network. The patch bump is locked by the real uv
(marked network).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.functional.projects import uv

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ROOT / "fixtures" / "lock"
CAPPED = LOCKS / "netmiko-4.7.0" / "poetry"  # paramiko 4.0.0
UNCAPPED = LOCKS / "netmiko-4.4.0" / "poetry"  # paramiko 5.1.0
FLEET = ROOT / "fixtures" / "fleet" / "ios15-and-modern.json"  # ios15 offers only SHA-1 key exchanges

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent)}
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _commit(repo: Path, source: Path, message: str) -> None:
    for item in source.iterdir():
        shutil.copy2(item, repo / item.name)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def _repo(tmp_path: Path, *commits: Path) -> Path:
    """A git repository whose project lives in ``app/`` (not the top), one commit per fixture directory."""
    top = tmp_path / "repo"
    (top / "app").mkdir(parents=True)
    _git(top, "init", "-q")
    for n, source in enumerate(commits):
        _commit(top / "app", source, f"commit {n}")
    return top / "app"


def _lock(project: Path, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SSHDRIFT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "auditor", "lock", str(project), "--no-vulnerabilities", "--offline", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in proc.stderr, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _changes_judged(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] in ("resolution-drift", "downgrade")]


def test_4x_to_5x_is_an_error_naming_both_versions_and_the_release(tmp_path: Path) -> None:
    project = _repo(tmp_path, CAPPED, UNCAPPED)
    proc = _lock(project, "--base", "HEAD~1", "--format", "json", tmp_path=tmp_path)
    report = _json(proc)
    assert proc.returncode == 1
    judged = {f["package"]: f for f in _changes_judged(report)}
    paramiko = judged["paramiko"]
    assert paramiko["rule"] == "resolution-drift" and paramiko["severity"] == "error"
    assert paramiko["message"].startswith("paramiko: 4.0.0 at HEAD~1, this change gives 5.1.0; it crosses 5.0.0 (")
    assert "ssh-rsa" in paramiko["message"] and paramiko["file"] == "poetry.lock"
    # Going back below netmiko 4.7.0 is what lost the cap: an error of its own.
    assert judged["netmiko"]["rule"] == "downgrade" and judged["netmiko"]["severity"] == "error"
    assert "falls below 4.7.0" in judged["netmiko"]["message"]
    assert report["base"] == {
        "base": "HEAD~1",
        "lockfile": "poetry.lock at HEAD~1",
        "paramiko": {"before": "4.0.0", "after": "5.1.0"},
        "cut_off": [],
    }
    assert {"name": "paramiko", "before": "4.0.0", "after": "5.1.0"} in report["changes"]
    assert any(
        "declarations on netmiko changed: 'netmiko==4.7.0' at HEAD~1 -> 'netmiko==4.4.0'" in n for n in report["notes"]
    )


def test_with_a_fleet_it_names_the_devices_the_change_cuts_off(tmp_path: Path) -> None:
    project = _repo(tmp_path, CAPPED, UNCAPPED)
    proc = _lock(project, "--base", "HEAD~1", "--fleet", str(FLEET), "--format", "json", tmp_path=tmp_path)
    report = _json(proc)
    assert report["base"]["cut_off"] == ["ios15"]
    assert any(
        n.startswith("this change cuts off 1 device(s) that negotiate with paramiko 4.0.0") for n in report["notes"]
    )
    assert any(
        n.startswith("ios15: negotiates with paramiko 4.0.0, fails with 5.1.0: no acceptable kex")
        for n in report["notes"]
    )


def test_a_change_that_moves_nothing_in_the_stack_is_no_finding(tmp_path: Path) -> None:
    project = _repo(tmp_path, UNCAPPED)
    (project / "README.md").write_text("unrelated change\n", encoding="utf-8")
    _git(project.parent, "add", "-A")
    _git(project.parent, "commit", "-q", "-m", "docs")
    report = _json(_lock(project, "--base", "HEAD~1", "--format", "json", tmp_path=tmp_path))
    assert _changes_judged(report) == [] and "changes" not in report
    assert "Against poetry.lock at HEAD~1: no version changes" in report["notes"]


def test_base_may_be_another_lockfile(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(UNCAPPED, project)
    report = _json(_lock(project, "--base", str(CAPPED / "poetry.lock"), "--format", "json", tmp_path=tmp_path))
    paramiko = next(f for f in _changes_judged(report) if f["package"] == "paramiko")
    assert (
        paramiko["severity"] == "error"
        and f"4.0.0 at {CAPPED / 'poetry.lock'}, this change gives 5.1.0" in paramiko["message"]
    )


@pytest.mark.parametrize(
    ("in_git", "ref", "says"),
    [
        (False, "main", "not inside a git repository"),
        (True, "no-such-branch", "--base 'no-such-branch' is not a known revision; fetch it first"),
        (True, "--output=x", "not a git revision"),
    ],
)
def test_a_bad_base_is_one_line_and_exit_3(tmp_path: Path, in_git: bool, ref: str, says: str) -> None:
    if in_git:
        project = _repo(tmp_path, UNCAPPED)
    else:
        project = tmp_path / "plain"
        shutil.copytree(UNCAPPED, project)
    proc = _lock(project, f"--base={ref}", tmp_path=tmp_path)
    assert proc.returncode == 3, proc.stderr
    message = proc.stderr.strip()
    assert "\n" not in message and "Traceback" not in message and says in message
    assert message.startswith("sshdrift: error: ")


def test_the_action_base_input_reaches_the_audit(tmp_path: Path) -> None:
    """action.yml's Audit step, as a runner runs it, with ``base`` set the way a pull-request workflow sets it."""
    project = _repo(tmp_path, CAPPED, UNCAPPED)
    _git(project.parent, "update-ref", "refs/remotes/origin/main", "HEAD~1")
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["inputs"]["base"]["default"] == ""
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "Audit")
    env = {
        **{k: v for k, v in os.environ.items() if k != "SSHDRIFT_DEBUG"},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache"),
        **{f"INPUT_{name.upper().replace('-', '_')}": "" for name in action["inputs"]},
        "INPUT_PATH": str(project),
        "INPUT_BASE": "origin/main",
        "INPUT_FAIL_ON": "error",
        "INPUT_OFFLINE": "true",
        "INPUT_NO_VERIFY": "false",
        "INPUT_SARIF_FILE": str(tmp_path / "out.sarif"),
        "INPUT_STEP_SUMMARY": "false",
    }
    proc = subprocess.run(
        ["bash", "-c", step["run"]], env=env, cwd=project, capture_output=True, text=True, timeout=300, check=False
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads((tmp_path / "sshdrift-report.json").read_text(encoding="utf-8"))
    assert report["base"]["lockfile"] == "poetry.lock at origin/main"
    assert any(f["rule"] == "resolution-drift" and f["severity"] == "error" for f in report["findings"])


@pytest.mark.network
def test_a_patch_bump_locked_by_uv_is_no_finding(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    top.mkdir()
    _git(top, "init", "-q")
    for version in ("3.5.0", "3.5.1"):
        (top / "pyproject.toml").write_text(
            f'[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
            f'dependencies = ["paramiko=={version}"]\n',
            encoding="utf-8",
        )
        uv("lock", "--exclude-newer", "2025-06-01", cwd=top)
        _git(top, "add", "-A")
        _git(top, "commit", "-q", "-m", f"paramiko {version}")
    proc = _lock(top, "--base", "HEAD~1", "--format", "json", tmp_path=tmp_path)
    report = _json(proc)
    assert {"name": "paramiko", "before": "3.5.0", "after": "3.5.1"} in report["changes"]
    assert _changes_judged(report) == []
    assert report["base"]["paramiko"] == {"before": "3.5.0", "after": "3.5.1"}
