"""Interpreters for --paramiko installed|X.Y.Z and the uv runner, with the real uv (no index needed here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import paramiko
import pytest

from auditor.errors import ConfigError, ResolverError, UsageError
from auditor.probe import environments
from auditor.settings import Settings
from auditor.uv_runner import reason_from_stderr, run_uv


def test_installed_is_the_running_interpreter_by_default() -> None:
    python, version = environments.interpreter_for("installed", settings=Settings())
    assert version == paramiko.__version__
    assert Path(python) == Path(sys.executable)


def test_installed_without_paramiko(tmp_path: Path) -> None:
    run_uv(["venv", "--quiet", "--offline", "--python", sys.executable, str(tmp_path / "env")])
    with pytest.raises(ConfigError, match="cannot import paramiko"):
        environments.interpreter_for("installed", settings=Settings(python=tmp_path / "env"))


@pytest.mark.parametrize("value", ["5.1", "latest", "5.1.0rc", ""])
def test_bad_versions(value: str) -> None:
    with pytest.raises(UsageError, match="--paramiko"):
        environments.interpreter_for(value, settings=Settings())


def test_locked_needs_a_project() -> None:
    with pytest.raises(UsageError, match="--project"):
        environments.interpreter_for("locked", settings=Settings())


@pytest.mark.parametrize(
    ("version", "extras"),
    [("2.0.9", {"cryptography<35", "six"}), ("2.7.2", {"six"}), ("2.12.0", set()), ("5.1.0", set())],
)
def test_era_requirements(version: str, extras: set[str]) -> None:
    assert set(environments.era_requirements(version)) == {f"paramiko=={version}", *extras}


def test_cache_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSHDRIFT_CACHE_DIR", str(tmp_path))
    assert environments.environment_path("4.0.0") == tmp_path / "envs" / "paramiko-4.0.0"


def test_offline_environment_failure_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSHDRIFT_CACHE_DIR", str(tmp_path))
    with pytest.raises(ResolverError) as info:
        environments.ensure_environment("0.0.1", offline=True)
    message = info.value.message
    assert "\n" not in message and message.startswith("paramiko 0.0.1: ") and "--offline" in message
    # Nothing half-made is left behind.
    assert list((tmp_path / "envs").iterdir()) == []


def test_run_uv_reports_uvs_reason() -> None:
    with pytest.raises(ResolverError) as info:
        run_uv(["pip", "install", "--dry-run", "--python", sys.executable, "paramiko==0.0.1"], offline=True)
    assert info.value.message.startswith("uv pip: ") and "paramiko" in info.value.message
    assert "\n" not in info.value.message


def test_run_uv_honours_the_users_uv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UV", str(tmp_path / "no-uv-here"))
    with pytest.raises(ResolverError, match="cannot run"):
        run_uv(["--version"])


def test_reason_from_stderr_of_a_real_uv_failure() -> None:
    from auditor.uv_runner import uv_binary

    run = subprocess.run(
        [uv_binary(), "pip", "install", "--dry-run", "--offline", "--python", sys.executable, "paramiko==0.0.1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "paramiko" in reason_from_stderr(run.stderr)
    assert reason_from_stderr("") == "no output"


def test_locked_reads_the_projects_lockfile() -> None:
    project = Path(__file__).resolve().parents[3] / "auditor" / "demo_data" / "netmiko-4.4.0"
    from auditor.sources.lockfiles import load_lockfile

    pinned = load_lockfile(project).packages["paramiko"].version
    assert environments.locked_version(Settings(project=project)) == pinned
