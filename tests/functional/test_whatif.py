"""``sshdrift whatif``: a copy re-resolved with the requirement added; the project never touched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from tests import servers
from tests.functional.projects import UV_PYPROJECT, sshdrift, tree_digest, uv_project

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def locked_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return uv_project(tmp_path_factory.mktemp("whatif") / "netops")


@pytest.fixture
def project(locked_2025: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(locked_2025, tmp_path / "netops"))


def inventory(tmp_path: Path, lab: servers.ServerLab) -> Path:
    ios = lab.sshd("cisco_ios15_classic")
    modern = lab.sshd("modern_default")
    path = tmp_path / "devices.yaml"
    path.write_text(
        f"- name: ios15\n  host: 127.0.0.1\n  port: {ios.port}\n- name: modern\n  host: 127.0.0.1\n  port: {modern.port}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.integration
def test_whatif_paramiko_5_shows_which_devices_break(
    project: Path, tmp_path: Path, server_lab: servers.ServerLab
) -> None:
    devices = inventory(tmp_path, server_lab)
    before = tree_digest(project)
    proc = sshdrift(
        "whatif", "paramiko==5.1.0", "--project", str(project), "--devices", str(devices), "--format", "json"
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert {"name": "paramiko", "before": "4.0.0", "after": "5.1.0"} in report["changes"]
    status = {d["name"]: d for d in report["devices"]}
    assert status["ios15"]["status"] == "incompatible"
    assert status["ios15"]["paramiko"] == "5.1.0"
    assert status["ios15"]["verified"] is True
    assert "kex" in " ".join(status["ios15"]["reasons"])
    assert "diffie-hellman-group14-sha1" in " ".join(status["ios15"]["reasons"])
    assert status["modern"]["status"] == "compatible"
    broken = [f for f in report["findings"] if f["rule"] == "incompatible-device"]
    assert [f["device"] for f in broken] == ["ios15"]
    assert tree_digest(project) == before


def test_whatif_with_fleet_snapshot_is_offline_prediction(project: Path) -> None:
    """A snapshot saved by a real probe elsewhere; here predicted for the new resolution's Paramiko."""
    snapshot = Path(__file__).resolve().parents[2] / "fixtures" / "fleet" / "ios15-and-modern.json"
    if not snapshot.is_file():
        pytest.skip(f"{snapshot} missing (made by scripts/make_fleet_snapshot.py)")
    before = tree_digest(project)
    proc = sshdrift(
        "whatif", "paramiko==5.1.0", "--project", str(project), "--fleet", str(snapshot), "--format", "json"
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    status = {d["name"]: d["status"] for d in report["devices"]}
    assert status == {"ios15": "incompatible", "modern": "compatible"}
    assert any("fleet snapshot" in n and "old" in n for n in report["notes"])
    assert tree_digest(project) == before


def test_whatif_security_pin_that_downgrades_netmiko(tmp_path: Path) -> None:
    # Between netmiko 4.7.0 (2026-05-12, paramiko<5.0) and 4.8.0 (2026-09-21): a security pin
    # paramiko>=5.0.0 makes the resolver go back to netmiko 4.6.0, losing the cap.
    text = UV_PYPROJECT.replace('"netmiko==4.4.0"', '"netmiko>=4.5"') + (
        '\n[tool.uv]\nexclude-newer = "2026-06-01T00:00:00Z"\n'
    )
    project = uv_project(tmp_path / "pinned", text, as_of=None)
    before = tree_digest(project)
    proc = sshdrift("whatif", "paramiko>=5.0.0", "--project", str(project), "--format", "json")
    report = json.loads(proc.stdout)
    assert {"name": "netmiko", "before": "4.7.0", "after": "4.6.0"} in report["changes"], report["changes"]
    down = [f for f in report["findings"] if f["rule"] == "downgrade" and f["package"] == "netmiko"]
    assert len(down) == 1
    assert down[0]["severity"] == "error"
    assert "4.7.0" in down[0]["message"]
    paramiko = next(c for c in report["changes"] if c["name"] == "paramiko")
    assert Version(paramiko["after"]).major == 5
    assert proc.returncode == 1
    assert tree_digest(project) == before


def test_whatif_unsatisfiable_is_one_line_exit_3(project: Path) -> None:
    before = tree_digest(project)
    proc = sshdrift("whatif", "paramiko<2.9", "--project", str(project))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(project) in lines[0]
    assert "paramiko" in lines[0]
    assert "Traceback" not in proc.stderr
    assert tree_digest(project) == before


@pytest.mark.parametrize("requirement", ["paramiko>>5", "paramiko=5.1.0"])
def test_whatif_invalid_requirement_is_exit_3(project: Path, requirement: str) -> None:
    proc = sshdrift("whatif", requirement, "--project", str(project))
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # packaging's caret diagram stays out of the message
    assert "not a valid requirement" in lines[0] and requirement in lines[0]


def test_whatif_upgrade_moves_paramiko_to_5(project: Path) -> None:
    before = tree_digest(project)
    proc = sshdrift("whatif", "--upgrade", "--project", str(project), "--format", "json")
    report = json.loads(proc.stdout)
    paramiko = next(c for c in report["changes"] if c["name"] == "paramiko")
    assert paramiko["before"] == "4.0.0"
    assert Version(paramiko["after"]).major == 5
    # The rules run on the NEW resolution: paramiko 5.x is still open-ended through netmiko.
    assert any(f["rule"] == "open-ended-range" and f["package"] == "paramiko" for f in report["findings"])
    assert tree_digest(project) == before


LOCKS = Path(__file__).resolve().parents[2] / "fixtures" / "lock"


@pytest.mark.parametrize(
    ("tool", "lockfile", "advice"), [("poetry", "poetry.lock", "poetry lock"), ("pdm", "pdm.lock", "pdm lock")]
)
def test_whatif_findings_name_the_users_lockfile_and_its_tools_advice(
    tool: str, lockfile: str, advice: str, tmp_path: Path
) -> None:
    """Poetry and PDM projects are re-resolved through a temporary requirements file: no finding shows it."""
    project = Path(shutil.copytree(LOCKS / "netmiko-4.4.0" / tool, tmp_path / tool))
    proc = sshdrift("whatif", "netmiko==4.5.0", "--project", str(project), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    lock_findings = [f for f in report["findings"] if f["rule"] in ("open-ended-range", "breaking-release")]
    assert lock_findings
    assert {f["file"] for f in lock_findings} == {lockfile}
    text = json.dumps(report["findings"])
    assert "requirements.txt" not in text and "pip-compile" not in text and str(tmp_path / "sshdrift-") not in text
    paramiko = next(f for f in lock_findings if f["package"] == "paramiko" and f["rule"] == "open-ended-range")
    assert advice in paramiko["fix"]


def test_whatif_after_fix_sets_the_projects_own_cap_aside(project: Path) -> None:
    """The check the vulnerability hint recommends, on a project fix has capped: answered, not 'unsatisfiable'."""
    assert sshdrift("fix", str(project)).returncode == 0
    before = tree_digest(project)
    proc = sshdrift("whatif", "paramiko==5.1.0", "--project", str(project), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert {"name": "paramiko", "before": "4.0.0", "after": "5.1.0"} in report["changes"]
    lifted = [n for n in report["notes"] if n.startswith("whatif set aside your own requirements on paramiko")]
    assert lifted and "paramiko<5 (constraint, pyproject.toml:" in lifted[0]
    assert tree_digest(project) == before
