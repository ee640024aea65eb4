"""Interpreters for --paramiko installed|X.Y.Z and the uv runner, with the real uv (no index needed here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import paramiko
import pytest

from auditor.errors import ConfigError, ResolverError, UsageError
from auditor.probe.clients import EnvironmentRequest, get_client
from auditor.probe.clients.paramiko import environments
from auditor.uv_runner import reason_from_stderr, run_uv


def test_installed_is_the_running_interpreter_by_default() -> None:
    environment = environments.resolve(EnvironmentRequest("installed"), verify=True)
    assert environment.version == paramiko.__version__
    assert environment.python is not None
    assert Path(environment.python) == Path(sys.executable)


def test_installed_environment_names_its_backend_and_source() -> None:
    import cryptography

    environment = get_client("paramiko").environment(EnvironmentRequest("installed"), verify=False)
    assert (environment.client, environment.version) == ("paramiko", paramiko.__version__)
    assert dict(environment.backend)["cryptography"] == cryptography.__version__
    assert environment.source == f"installed in {sys.executable}"


def test_installed_versions_of_another_interpreter_come_from_that_interpreter() -> None:
    """The subprocess path (any interpreter path but ours) reports paramiko and its backends as it imports them."""
    import cryptography

    names = [Path(sys.prefix) / "bin" / name for name in ("python", "python3")]
    other = next(path for path in names if path.exists() and path.absolute() != Path(sys.executable).absolute())
    versions = environments.installed_versions(other)
    assert versions["paramiko"] == paramiko.__version__
    assert versions["cryptography"] == cryptography.__version__


def test_exact_release_without_verification_needs_no_environment() -> None:
    environment = environments.resolve(EnvironmentRequest("4.0.0"), verify=False)
    assert (environment.version, environment.python, environment.source) == ("4.0.0", None, "--paramiko 4.0.0")


def test_installed_without_paramiko(tmp_path: Path) -> None:
    run_uv(["venv", "--quiet", "--offline", "--python", sys.executable, str(tmp_path / "env")])
    with pytest.raises(ConfigError, match="cannot import paramiko"):
        environments.resolve(EnvironmentRequest("installed", python=tmp_path / "env"), verify=True)


@pytest.mark.parametrize("value", ["5.1", "latest", "5.1.0rc", ""])
def test_bad_versions(value: str) -> None:
    with pytest.raises(UsageError, match="--paramiko"):
        environments.resolve(EnvironmentRequest(value), verify=True)


def test_locked_needs_a_project() -> None:
    with pytest.raises(UsageError, match="--project"):
        environments.resolve(EnvironmentRequest("locked"), verify=True)


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
    project = Path(__file__).resolve().parents[4] / "auditor" / "demo_data" / "netmiko-4.4.0"
    from auditor.sources.lockfiles import load_lockfile

    pinned = load_lockfile(project).packages["paramiko"].version
    assert environments.locked_version(EnvironmentRequest("locked", project=project)) == (pinned, "uv.lock")
