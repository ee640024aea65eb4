"""whatif answers the question asked (issue 10 item 3): releases crossed, lost extras, pre-releases only with --pre.

Real projects locked by the real uv in temp dirs; whatif re-resolves them with uv (needs the package index).
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

from tests.functional.projects import uv

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[2]
NETMIKO_UV = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "uv"  # paramiko 4.0.0
FLEET = ROOT / "fixtures" / "fleet" / "ios15-and-modern.json"  # ios15 offers only SHA-1 key exchanges


def _whatif(project: Path, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SSHDRIFT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "auditor", "whatif", *args, "--project", str(project), "--no-vulnerabilities"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _findings(proc: subprocess.CompletedProcess[str], rule: str) -> list[dict[str, Any]]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == rule]


def test_the_release_crossed_is_named_with_and_without_devices(tmp_path: Path) -> None:
    project = Path(shutil.copytree(NETMIKO_UV, tmp_path / "netops"))
    alone = _findings(_whatif(project, "paramiko==5.1.0", "--format", "json", tmp_path=tmp_path), "breaking-release")
    crossing = [f for f in alone if "crosses paramiko 5.0.0" in f["message"]]
    assert len(crossing) == 1 and crossing[0]["severity"] == "error"
    assert crossing[0]["message"].startswith(
        "after whatif paramiko==5.1.0: paramiko 4.0.0 -> 5.1.0 crosses paramiko 5.0.0"
    )
    assert "diffie-hellman-group14-sha1" in crossing[0]["message"] and "--devices INVENTORY" in crossing[0]["message"]

    fleet = _findings(
        _whatif(project, "paramiko==5.1.0", "--fleet", str(FLEET), "--format", "json", tmp_path=tmp_path),
        "breaking-release",
    )
    judged = [f for f in fleet if "crosses paramiko 5.0.0" in f["message"]]
    assert len(judged) == 1 and "1 of 2 device(s) judged cannot negotiate without it: ios15" in judged[0]["message"]


@pytest.fixture
def scrapli_project(tmp_path: Path) -> Path:
    """A project on scrapli[asyncssh] 2025.1.30 (the asyncssh transport), locked by uv."""
    project = tmp_path / "scrapli-app"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "scrapli-app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["scrapli[asyncssh]==2025.1.30"]\n',
        encoding="utf-8",
    )
    uv("lock", cwd=project)
    return project


def test_a_pre_release_is_taken_only_with_pre(scrapli_project: Path, tmp_path: Path) -> None:
    refused = _whatif(scrapli_project, "scrapli==2025.8.16b3", tmp_path=tmp_path)
    assert refused.returncode == 3
    message = refused.stderr.strip()
    assert "\n" not in message and "takes pre-release(s) scrapli 2025.8.16b3; pass --pre" in message

    taken = _whatif(scrapli_project, "scrapli==2025.8.16b3", "--pre", "--format", "json", tmp_path=tmp_path)
    downgrades = {f["package"]: f for f in _findings(taken, "downgrade")}
    # The pre-release no longer defines the asyncssh extra, so the transport leaves the resolution.
    assert "scrapli 2025.8.16b3 no longer defines it" in downgrades["scrapli"]["message"]
    assert "no longer holds what it brought: asyncssh" in downgrades["scrapli"]["message"]
    assert (
        downgrades["asyncssh"]["message"].startswith("asyncssh: ")
        and "-> (removed)" in downgrades["asyncssh"]["message"]
    )
