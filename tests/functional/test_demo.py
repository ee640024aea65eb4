"""``sshdrift demo`` as a user runs it: a subprocess, the bundled lock, the emulated lab, real handshakes.

Expectations are derived from the bundled data (the lock's Paramiko, netmiko's requires-dist in the
snapshot) and from the lab profiles, not written down as results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from auditor.commands.demo import DEMO_PROJECT
from auditor.lab import DEFAULT_PROFILES, load_profiles

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _run_demo(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "auditor", "demo", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
        env=env,
    )
    return completed, time.monotonic() - started


def _snapshot_requirement(package: str, on: str) -> str:
    """The specifier ``package``'s locked version declares on ``on``, from the bundled snapshot."""
    from packaging.requirements import Requirement

    snapshot = json.loads((DEMO_PROJECT / "metadata.json").read_text(encoding="utf-8"))
    (entry,) = [p for p in snapshot["packages"] if p["name"] == package]
    (requirement,) = [Requirement(r) for r in entry["requires_dist"] if Requirement(r).name == on]
    return str(requirement.specifier)


@pytest.fixture(scope="module")
def demo_json() -> dict[str, Any]:
    completed, elapsed = _run_demo("--format", "json")
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    print(f"sshdrift demo --format json: {elapsed:.2f} s")
    data: dict[str, Any] = json.loads(completed.stdout)
    return data


def test_demo_reports_paramiko_open_ended_through_netmiko(demo_json: dict[str, Any]) -> None:
    assert demo_json["command"] == "demo"
    netmiko_spec = _snapshot_requirement("netmiko", "paramiko")
    (paramiko,) = [p for p in demo_json["packages"] if p["name"] == "paramiko"]
    assert paramiko["open_ended"] is True
    assert {"by": "netmiko", "specifier": netmiko_spec} in [
        {"by": c["by"], "specifier": c["specifier"]} for c in paramiko["constraints"]
    ]
    # What makes it open-ended: netmiko's own range admits the next major above the locked one.
    assert SpecifierSet(netmiko_spec).contains(f"{Version(paramiko['version']).major + 1}.0.0")
    open_ended = [f for f in demo_json["findings"] if f["rule"] == "open-ended-range" and f["package"] == "paramiko"]
    assert open_ended, demo_json["findings"]
    assert all(f["severity"] == "error" for f in open_ended)
    assert "netmiko" in open_ended[0]["via"]


def test_demo_probes_the_lab_with_the_locked_paramiko(demo_json: dict[str, Any]) -> None:
    (paramiko,) = [p for p in demo_json["packages"] if p["name"] == "paramiko"]
    devices = {d["name"]: d for d in demo_json["devices"]}
    profiles = load_profiles()
    assert set(devices) == {profiles[p].name for p in DEFAULT_PROFILES}
    for profile_id in DEFAULT_PROFILES:
        profile = profiles[profile_id]
        device = devices[profile.name]
        assert device["paramiko"] == paramiko["version"]
        assert device["host"] == "127.0.0.1"
        assert device["banner"] == profile.banner
        assert device["offered"]["kex"] == list(profile.kex)
        assert device["verified"] is True
        assert device["predicted"] is None, device  # prediction and handshake agree
    incompatible = [d for d in devices.values() if d["status"] == "incompatible"]
    assert incompatible
    for device in incompatible:
        assert any("kex" in r or "host key" in r for r in device["reasons"]), device
    assert devices[profiles["cisco_iosxe_17_12plus"].name]["status"] == "compatible"
    findings = [f for f in demo_json["findings"] if f["rule"] == "incompatible-device"]
    assert {f["device"] for f in findings} == {d["name"] for d in incompatible}
    assert not [f for f in demo_json["findings"] if f["rule"] == "host-key-changed"]


def test_demo_notes_give_the_fix(demo_json: dict[str, Any]) -> None:
    from auditor.probe.negotiation import predict

    notes = demo_json["notes"]
    (fix,) = [n for n in notes if n.startswith("fix:")]
    assert "constraint-dependencies" in fix
    (then,) = [n for n in notes if n.startswith("then 'uv lock' picks paramiko ")]
    target = then.split("picks paramiko ", 1)[1].split()[0]
    bound = fix.split("adds paramiko", 1)[1].split()[0]
    assert Version(target) in SpecifierSet(bound)
    # The release the fix leads to negotiates with every device the lab offered, by our data.
    from auditor.device_model import Offered

    for device in demo_json["devices"]:
        assert predict(target, Offered.from_json(device["offered"])).failure is None, device["name"]
    assert [lab["name"] for lab in demo_json["lab"]] == [d["name"] for d in demo_json["devices"]]


def test_demo_without_verification_predicts_the_same(demo_json: dict[str, Any]) -> None:
    completed, _ = _run_demo("--format", "json", "--no-verify")
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert {d["name"]: d["status"] for d in data["devices"]} == {d["name"]: d["status"] for d in demo_json["devices"]}
    assert all(d["verified"] is False for d in data["devices"])


def test_demo_table_output_needs_no_arguments() -> None:
    env = {**os.environ, "COLUMNS": "200"}
    completed, elapsed = _run_demo(env=env)
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    for profile_id in DEFAULT_PROFILES:
        assert load_profiles()[profile_id].name in completed.stdout
    assert "paramiko" in completed.stdout
    print(f"sshdrift demo (table): {elapsed:.2f} s")
