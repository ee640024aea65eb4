"""``sshdrift probe`` judges the project's own clients (issue 9 item 1), against a real sshd on loopback.

In a directory holding a uv project (``fixtures/lock/large/uv`` locks paramiko 3.5.1 through fabric,
ansible-pylibssh 1.4.0, scrapli with asyncssh 2.24.1), a plain ``sshdrift probe hosts.txt`` judges with
those pins; without a lockfile it says it uses sshdrift's own Paramiko.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import servers

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
LARGE = ROOT / "fixtures" / "lock" / "large" / "uv"


def _probe(cwd: Path, server: servers.SshServer, cache: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    (cwd / "hosts.txt").write_text(f"127.0.0.1:{server.port}\n", encoding="utf-8")
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(cache), "CI": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "probe", "hosts.txt", "-f", "json", *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_plain_probe_in_a_uv_project_judges_its_locked_paramiko(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(LARGE, project)
    _, report = _probe(project, server_lab.sshd("cisco_iosxe_16"), tmp_path / "cache", "--no-verify")
    (device,) = report["devices"]
    verdicts = {v["client"]: v for v in device["verdicts"]}
    assert verdicts["paramiko"]["version"] == "3.5.1" == device["paramiko"]
    assert verdicts["paramiko"]["source"].startswith("uv.lock (") and verdicts["paramiko"]["source"].endswith(
        "→ paramiko)"
    )
    # Clients the lock brings in that are not judged are listed, never dropped.
    listed = {s["subject"] for s in report["skipped"]} | {f"{c} {v['version']}" for c, v in verdicts.items()}
    assert any(s.startswith("libssh") for s in listed) and any(s.startswith("openssh") for s in listed)
    assert any(note.startswith("judged with paramiko 3.5.1") for note in report["notes"])


def test_client_option_narrows_the_judged_clients(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(LARGE, project)
    _, report = _probe(
        project, server_lab.sshd("cisco_iosxe_16"), tmp_path / "cache", "--no-verify", "--client", "paramiko"
    )
    (device,) = report["devices"]
    assert [v["client"] for v in device["verdicts"]] == ["paramiko"] and report["skipped"] == []


def test_without_a_lock_sshdrift_s_own_paramiko_said_plainly(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    _, report = _probe(tmp_path, server_lab.sshd("cisco_iosxe_16"), tmp_path / "cache", "--no-verify")
    (device,) = report["devices"]
    (verdict,) = device["verdicts"]
    assert verdict["version"] == importlib.metadata.version("paramiko")
    assert verdict["source"].startswith("sshdrift's own environment (no lockfile here")


@pytest.mark.network
def test_plain_probe_verifies_with_the_locked_release(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    """The real handshake runs in a uv environment of paramiko 3.5.1, not sshdrift's own release."""
    project = tmp_path / "proj"
    shutil.copytree(LARGE, project)
    _, report = _probe(project, server_lab.sshd("cisco_iosxe_16"), tmp_path / "cache", "--client", "paramiko")
    (device,) = report["devices"]
    (verdict,) = device["verdicts"]
    assert (verdict["version"], verdict["verified"]) == ("3.5.1", True)
    assert verdict["backend"].get("cryptography")
