"""The GitHub Action (action.yml): valid YAML, pinned installs, an audit step that runs, an upload that cannot fail the job."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
CONSTRAINTS = ROOT / "action-constraints.txt"
POETRY = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "poetry"


def _action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _steps() -> list[dict[str, Any]]:
    steps = _action()["runs"]["steps"]
    assert isinstance(steps, list)
    return steps


def _step(name_start: str) -> dict[str, Any]:
    return next(step for step in _steps() if str(step.get("name", "")).startswith(name_start))


def _pins() -> dict[str, list[Requirement]]:
    pins: dict[str, list[Requirement]] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            requirement = Requirement(line)
            pins.setdefault(requirement.name.lower().replace("_", "-"), []).append(requirement)
    return pins


def test_action_is_a_composite_action_with_its_inputs() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"path", "devices", "fail-on", "offline", "upload-sarif", "sarif-file"} <= set(action["inputs"])
    for step in _steps():
        if "run" in step:
            # Inputs reach the shell through env: only, never interpolated into the script text.
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"
        if "uses" in step and not step["uses"].startswith("./"):
            assert re.search(r"@[0-9a-f]{40}$", step["uses"]), f"{step['uses']}: pin third-party actions by SHA"


@pytest.mark.parametrize("step", [s for s in _steps() if "run" in s], ids=lambda s: str(s["name"]))
def test_every_run_script_is_valid_bash(step: dict[str, Any]) -> None:
    proc = subprocess.run(["bash", "-n"], input=step["run"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_install_uses_the_committed_constraints() -> None:
    install = _step("Install sshdrift")
    assert '--constraint "$ACTION_PATH/action-constraints.txt"' in install["run"]
    assert CONSTRAINTS.is_file()


def test_constraints_pin_every_runtime_dependency_and_name_no_index() -> None:
    text = CONSTRAINTS.read_text(encoding="utf-8")
    assert "://" not in text and not re.search(r"^\s*-", text, re.MULTILINE), "pins only: no index, no options"
    assert not re.search(r"pyp[i]\.org|pythonhoste[d]", text, re.IGNORECASE)
    pins = _pins()
    for requirement in pins.values():
        for pin in requirement:
            assert [s.operator for s in pin.specifier] == ["=="], str(pin)
    env = {k: str(v) for k, v in default_environment().items()}
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    for text_dependency in dependencies:
        dependency = Requirement(text_dependency)
        if dependency.marker is not None and not dependency.marker.evaluate(env):
            continue
        name = dependency.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned: regenerate with scripts/make_action_constraints.py"
        applying = [p for p in pins[name] if p.marker is None or p.marker.evaluate(env)]
        assert len(applying) == 1, (name, [str(p) for p in pins[name]])
        version = next(iter(applying[0].specifier)).version
        assert dependency.specifier.contains(version, prereleases=True), (
            f"{name}=={version} is outside {dependency.specifier}: regenerate with scripts/make_action_constraints.py"
        )


def test_sarif_upload_degrades_to_a_notice() -> None:
    upload = _step("Upload SARIF")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["continue-on-error"] is True
    notice = next(s for s in _steps() if f"steps.{upload['id']}.outcome == 'failure'" in str(s.get("if", "")))
    proc = subprocess.run(
        ["bash", "-c", notice["run"]],
        env={**os.environ, "SARIF_FILE": "sshdrift.sarif"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("::notice title=sshdrift::SARIF not uploaded") and "sshdrift.sarif" in proc.stdout


def test_audit_step_runs_and_fills_its_outputs(tmp_path: Path) -> None:
    """The Audit step's own script, with sshdrift on PATH, as a runner would run it (offline, complete lock)."""
    outputs, summary = tmp_path / "github_output", tmp_path / "summary.md"
    env = {
        **{k: v for k, v in os.environ.items() if k != "SSHDRIFT_DEBUG"},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache"),
        "INPUT_PATH": str(POETRY),
        "INPUT_DEVICES": "",
        "INPUT_BASE": "",
        "INPUT_FAIL_ON": "error",
        "INPUT_OFFLINE": "true",
        "INPUT_VULN_DB": "",
        "INPUT_SSH_CONFIG": "",
        "INPUT_ANSIBLE_CFG": "",
        "INPUT_NO_VERIFY": "false",
        "INPUT_SARIF_FILE": str(tmp_path / "out.sarif"),
        "INPUT_STEP_SUMMARY": "true",
    }
    proc = subprocess.run(
        ["bash", "-c", _step("Audit")["run"]], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    written = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines())
    # netmiko 4.4.0's open paramiko range is an error: the step records exit code 1 for the later step to fail on.
    assert written["exit-code"] == "1", proc.stdout + proc.stderr
    assert Path(written["sarif-file"]).is_file() and Path(written["json-file"]).is_file()
    assert "::error" in proc.stdout and "sshdrift" in summary.read_text(encoding="utf-8")
