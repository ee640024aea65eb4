"""``devices`` and ``fleet`` from ``[tool.sshdrift]``: the command line wins; both configured is bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "poetry"
SNAPSHOT = ROOT / "fixtures" / "fleet" / "ios15-and-modern.json"


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "netops"
    shutil.copytree(PROJECT, project)
    shutil.copy(SNAPSHOT, project / "fleet.json")
    (project / "hosts.txt").write_text("127.0.0.1:1\n")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.sshdrift]\ndevices = "hosts.txt"\nfleet = "fleet.json"\n')
    return project


def _audit(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(project / ".cache")}
    return subprocess.run(
        [sys.executable, "-m", "auditor", "audit", str(project), "--offline", "--format", "json", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_both_configured_is_bad_input(tmp_path: Path) -> None:
    proc = _audit(_project(tmp_path))
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "sets both devices" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_fleet_on_the_command_line_wins_over_configured_devices(tmp_path: Path) -> None:
    project = _project(tmp_path)
    proc = _audit(project, "--fleet", str(project / "fleet.json"))
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    assert {d["name"] for d in data["devices"]} == {"ios15", "modern"}
    assert all(d["verified"] is False for d in data["devices"])


def test_devices_on_the_command_line_win_over_a_configured_fleet(tmp_path: Path) -> None:
    project = _project(tmp_path)
    proc = _audit(project, "--devices", str(project / "hosts.txt"), "--no-verify", "--timeout", "2")
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    assert [d["status"] for d in data["devices"]] == ["unreachable"]
