"""``sshdrift audit``: lock checks plus the probe with exactly the locked Paramiko; fleet snapshots."""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from auditor.analysis.devices import device_checks
from auditor.analysis.fleet import fleet_results
from auditor.checks.device_rules.fleet import age_note
from auditor.errors import InventoryError
from auditor.progress import NullProgress
from auditor.settings import Settings
from auditor.sources.inventories import load_inventory, shard
from auditor.sources.saved_report import load_report
from tests import servers
from tests.functional.projects import sshdrift, tree_digest, uv_project

SNAPSHOT = Path(__file__).resolve().parents[2] / "fixtures" / "fleet" / "ios15-and-modern.json"


@pytest.fixture(scope="module")
def locked_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return uv_project(tmp_path_factory.mktemp("audit") / "netops")


@pytest.fixture
def project(locked_2025: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(locked_2025, tmp_path / "netops"))


# ------------------------------------------------------------------ fleet snapshots (offline)


def test_fleet_prediction_is_offline_and_fast() -> None:
    start = time.perf_counter()
    results, findings, note = fleet_results(SNAPSHOT, "5.1.0")
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{elapsed:.3f} s"
    status = {r.device.name: r.status.value for r in results}
    assert status == {"ios15": "incompatible", "modern": "compatible"}
    assert all(r.paramiko == "5.1.0" and not r.verified for r in results)
    ios = next(r for r in results if r.device.name == "ios15")
    assert "kex" in ios.reasons[0]
    assert "diffie-hellman-group14-sha1" in ios.reasons[0]
    assert [(f.rule, f.device) for f in findings] == [("incompatible-device", "ios15")]
    assert note.startswith(f"fleet snapshot {SNAPSHOT}: 2 device(s)")


def test_fleet_prediction_for_the_release_that_still_works() -> None:
    results, findings, _ = fleet_results(SNAPSHOT, "4.0.0")
    assert {r.status.value for r in results} == {"compatible"}
    legacy = [f for f in findings if f.rule == "legacy-only-device"]
    assert [f.device for f in legacy] == ["ios15"]
    assert "5.0.0" in legacy[0].message


def test_age_note_says_how_old_the_snapshot_is() -> None:
    devices = list(load_report(SNAPSHOT).devices)
    probed = datetime.fromisoformat(str(devices[0].probed_at).replace("Z", "+00:00"))
    later = probed.replace(tzinfo=timezone.utc) + (datetime(2026, 1, 4) - datetime(2026, 1, 1))
    note = age_note(SNAPSHOT, devices, now=later)
    assert note.endswith("3 day(s) old")
    assert probed.strftime("%Y-%m-%dT%H:%M:%SZ") in note


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("not json", "not JSON"),
        (
            '{"schema_version": 1, "devices": [{"name": "r1", "host": "h", "status": "compatible", "offered": []}]}',
            "offered",
        ),
    ],
)
def test_bad_snapshot_is_an_inventory_error(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "snapshot.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InventoryError, match=expected) as info:
        fleet_results(path, "5.1.0")
    assert str(path) in info.value.message
    assert "\n" not in info.value.message


# ------------------------------------------------------------------ the CLI on a real project


@pytest.mark.network
def test_audit_with_fleet_predicts_for_the_locked_paramiko(project: Path) -> None:
    before = tree_digest(project)
    proc = sshdrift("audit", str(project), "--fleet", str(SNAPSHOT), "--format", "json", "--no-vulnerabilities")
    report = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr  # the open-ended paramiko range is an error
    assert {d["paramiko"] for d in report["devices"]} == {"4.0.0"}
    assert {d["name"]: d["status"] for d in report["devices"]} == {"ios15": "compatible", "modern": "compatible"}
    rules = {(f["rule"], f.get("package"), f.get("device")) for f in report["findings"]}
    assert ("open-ended-range", "paramiko", None) in rules
    assert ("legacy-only-device", "paramiko", "ios15") in rules
    assert any(n.startswith("fleet snapshot") and "old" in n for n in report["notes"])
    assert tree_digest(project) == before


@pytest.mark.network
def test_audit_bad_snapshot_is_one_line_exit_3(project: Path, tmp_path: Path) -> None:
    bad = tmp_path / "snap.json"
    bad.write_text("[]", encoding="utf-8")
    proc = sshdrift("audit", str(project), "--fleet", str(bad), "--no-vulnerabilities")
    assert proc.returncode == 3
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert str(bad) in proc.stderr


def test_audit_devices_and_fleet_together_is_a_usage_error(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.txt"
    inventory.write_text("127.0.0.1:1\n", encoding="utf-8")
    proc = sshdrift("audit", str(tmp_path), "--devices", str(inventory), "--fleet", str(SNAPSHOT))
    assert proc.returncode == 2
    assert "--fleet" in proc.stderr


def test_audit_devices_take_the_same_shard_and_proxy_jump_as_probe(tmp_path: Path) -> None:
    """``audit --devices --shard K/N --ssh-config`` covers the devices ``probe`` would, so shard reports merge."""
    inventory = tmp_path / "hosts.txt"
    inventory.write_text("".join(f"127.0.0.{i}:1\n" for i in range(1, 9)), encoding="utf-8")
    config = tmp_path / "ssh_config"
    config.write_text("Host 127.0.0.2\n    ProxyJump 127.0.0.1:1\n", encoding="utf-8")
    devices = load_inventory(inventory)
    covered: list[str] = []
    for k in (1, 2):
        settings = Settings(verify=False, timeout=2.0, shard=(k, 2), ssh_config=(config,))
        results, _, _, _ = device_checks(inventory, "4.0.0", settings, NullProgress(), why="a test")
        assert [r.device.name for r in results] == [d.name for d in shard(devices, k, 2)]
        assert all(r.status.value == "unreachable" for r in results)  # nothing listens on port 1
        jumps = {r.device.name: r.device.jump for r in results}
        if "127.0.0.2:1" in jumps:
            assert jumps.pop("127.0.0.2:1") == "127.0.0.1:1"
        assert set(jumps.values()) <= {None}
        covered += jumps
    assert len(covered) == len(devices) - 1


@pytest.mark.network
@pytest.mark.integration
def test_audit_probes_with_exactly_the_locked_paramiko(
    project: Path, tmp_path: Path, server_lab: servers.ServerLab
) -> None:
    ios = server_lab.sshd("cisco_ios15_classic")
    modern = server_lab.sshd("modern_default")
    inventory = tmp_path / "devices.yaml"
    inventory.write_text(
        f"- name: ios15\n  host: 127.0.0.1\n  port: {ios.port}\n- name: modern\n  host: 127.0.0.1\n  port: {modern.port}\n"
        "- name: gone\n  host: 127.0.0.1\n  port: 1\n",
        encoding="utf-8",
    )
    before = tree_digest(project)
    proc = sshdrift(
        "audit", str(project), "--devices", str(inventory), "--format", "json", "--no-vulnerabilities", "--timeout", "5"
    )
    report = json.loads(proc.stdout)
    # The lock's open-ended paramiko range is an error: it outranks the unreachable device (exit 4).
    assert proc.returncode == 1, proc.stderr
    devices = {d["name"]: d for d in report["devices"]}
    assert devices["ios15"]["paramiko"] == "4.0.0"
    assert devices["ios15"]["verified"] is True
    assert devices["ios15"]["status"] == "compatible"
    assert devices["ios15"]["negotiated"]["kex"].endswith("sha1")
    assert devices["modern"]["status"] == "compatible"
    assert devices["gone"]["status"] == "unreachable"
    assert any("paramiko 4.0.0" in n and "uv.lock" in n for n in report["notes"])
    assert report["paramiko"] == "4.0.0"
    # --fail-on never: findings no longer count, the unreachable device makes the run incomplete.
    incomplete = sshdrift(
        "audit",
        str(project),
        "--devices",
        str(inventory),
        "--no-vulnerabilities",
        "--timeout",
        "5",
        "--fail-on",
        "never",
    )
    assert incomplete.returncode == 4, incomplete.stderr
    assert tree_digest(project) == before
