"""The pre-commit hooks of .pre-commit-hooks.yaml: the lock hook judges a lock offline, on an empty cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PROJECT = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "uv"
DEAD_PROXY = "http://127.0.0.1:9"
"""Loopback discard port: any HTTP attempt through it fails at once, so "offline" is proven, not assumed."""
DEAD_INDEX = "http://index.invalid/simple"
"""An index under a reserved name (RFC 2606) that never resolves: uv could not fetch from it if it tried."""


def _hooks() -> dict[str, dict[str, Any]]:
    return {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}


def _offline_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "NO_PROXY", "no_proxy")}
    env.update(
        SSHDRIFT_CACHE_DIR=str(cache),
        XDG_CACHE_HOME=str(cache / "xdg"),
        UV_OFFLINE="1",
        UV_INDEX_URL=DEAD_INDEX,
        UV_DEFAULT_INDEX=DEAD_INDEX,
        HTTP_PROXY=DEAD_PROXY,
        HTTPS_PROXY=DEAD_PROXY,
        ALL_PROXY=DEAD_PROXY,
        http_proxy=DEAD_PROXY,
        https_proxy=DEAD_PROXY,
        CI="1",
    )
    return env


def test_hook_definitions() -> None:
    hooks = _hooks()
    lock, audit = hooks["sshdrift-lock"], hooks["sshdrift-audit"]
    assert lock["entry"] == "sshdrift lock --offline"
    assert lock["pass_filenames"] is False and lock["language"] == "python"
    pattern = re.compile(lock["files"])
    for name in (
        "uv.lock",
        "a/poetry.lock",
        "pdm.lock",
        "pylock.toml",
        "pylock.prod.toml",
        "Pipfile.lock",
        "requirements.txt",
        "requirements-dev.txt",
        "svc/pyproject.toml",
    ):
        assert pattern.search(name), name
    for name in ("README.md", "uv.lock.orig", "src/app.py", "myuv.lock"):
        assert not pattern.search(name), name
    assert audit["stages"] == ["manual"] and audit["entry"].startswith("sshdrift audit")


def test_lock_hook_judges_completely_offline_on_an_empty_cache(tmp_path: Path) -> None:
    """No network, no cache: the requires-dist shipped with sshdrift answers, so the hook gives a verdict."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    sshdrift = Path(sys.executable).parent / "sshdrift"
    argv = [str(sshdrift), *_hooks()["sshdrift-lock"]["entry"].split()[1:]]
    proc = subprocess.run(
        argv, cwd=project, env=_offline_env(cache), capture_output=True, text=True, timeout=120, check=False
    )
    assert "Traceback" not in proc.stderr
    # netmiko 4.4.0 declares paramiko>=2.9.5 with no upper bound: a finding (exit 1), not "incomplete" (4).
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("sshdrift lock")
    assert "not evaluated" not in proc.stdout and "once online" not in proc.stdout, proc.stdout
    assert re.search(r"^error\s+open-ended-range\s+paramiko\b", proc.stdout, re.MULTILINE), proc.stdout
    assert "requires-dist read for 7 of 7 locked packages" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("FAIL  ")
    # The same run as JSON: the open range comes through netmiko's own declaration.
    proc = subprocess.run(
        [*argv, "--format", "json"],
        cwd=project,
        env=_offline_env(cache),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [s for s in data["skipped"] if s["subject"] != "vulnerability"] == []
    finding = next(f for f in data["findings"] if (f["rule"], f["package"]) == ("open-ended-range", "paramiko"))
    assert finding["severity"] == "error" and finding["via"][0] == "netmiko", finding
    paramiko = next(p for p in data["packages"] if p["name"] == "paramiko")
    assert {"by": "netmiko", "specifier": ">=2.9.5"} in paramiko["constraints"], paramiko


def test_lock_hook_args_point_at_a_project_below_the_root(tmp_path: Path) -> None:
    """A monorepo's hook entry with ``args: [svc/app]``: pre-commit runs the entry plus the args from the root."""
    repo = tmp_path / "repo"
    shutil.copytree(PROJECT, repo / "svc" / "app")
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    entry = _hooks()["sshdrift-lock"]["entry"].split()
    argv = [str(Path(sys.executable).parent / entry[0]), *entry[1:], "svc/app", "--format", "json"]
    proc = subprocess.run(
        argv, cwd=repo, env=_offline_env(cache), capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["project"]["lockfile"].endswith("uv.lock")
    assert ("open-ended-range", "paramiko") in {(f["rule"], f["package"]) for f in data["findings"]}


@pytest.mark.network
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    """pre-commit installs the hook from this checkout (needs the index for dependencies) and runs it."""
    uvx = shutil.which("uvx")
    if uvx is None:
        from auditor.uv_runner import uv_binary

        uvx_cmd = [uv_binary(), "tool", "run"]
    else:
        uvx_cmd = [uvx]
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "fixture"], cwd=project, check=True)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["SSHDRIFT_CACHE_DIR"] = str(tmp_path / "cache")
    proc = subprocess.run(
        [*uvx_cmd, "pre-commit", "try-repo", str(ROOT), "sshdrift-lock", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert "sshdrift lock" in output, output
    # The hook judges the netmiko 4.4.0 lock on its merits (no cache needed): paramiko's open range fails it.
    assert re.search(r"sshdrift lock .*Failed", output), output
    assert "open-ended-range" in output and proc.returncode == 1, output
