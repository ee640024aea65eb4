"""The project's ``disabled_algorithms`` applied to the probe's real handshakes (issue 13 item 3, verified).

A real sshd offers one kex only, ``diffie-hellman-group14-sha256``, which Paramiko 5.1.0 offers by
default. The netops fixture project plus one file whose ``SSHClient.connect`` disables that kex: the
device is incompatible, verified by a real handshake run with ``Transport(sock, disabled_algorithms=...)``,
its reasons naming the line; without that file (netops alone disables only group1-sha1) it is compatible.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.probe.narrowing import code_narrowings
from auditor.probe.service import probe_devices
from auditor.progress import NullProgress
from auditor.settings import Settings
from auditor.sources.project_code import read_project_code
from tests import servers
from tests.code_projects import netops_project

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

KEX = "diffie-hellman-group14-sha256"
HARDENED = f"""import paramiko


def connect(host: str) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.connect(host, disabled_algorithms={{"kex": ["{KEX}"]}})
    return client
"""
HARDENED_LINE = "netops/hardened.py:7"


@pytest.fixture(scope="module")
def group14_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.SshServer]:
    reason = servers.skip_reason()
    if reason is not None:
        pytest.skip(reason)
    profile = servers.Profile("group14_sha256_only", (f"KexAlgorithms {KEX}",), ("ed25519",))
    server = servers.start_sshd("group14", tmp_path_factory.mktemp("narrowed") / "sshd", profile=profile)
    try:
        yield server
    finally:
        server.stop()


def _project(tmp_path: Path, *, hardened: bool) -> Path:
    project = netops_project(tmp_path, "5.1.0")
    if hardened:
        (project / "netops" / "hardened.py").write_text(HARDENED, encoding="utf-8")
    return project


def _probe(server: servers.SshServer, project: Path, tmp_path: Path, *, verify: bool = True) -> DeviceResult:
    empty = tmp_path / "known_hosts"
    empty.write_text("", encoding="ascii")
    settings = Settings(paramiko="installed", verify=verify, timeout=15.0, known_hosts=empty)
    narrowings = code_narrowings(read_project_code(project))
    device = Device("g14", servers.LOOPBACK, server.port)
    (result,) = probe_devices([device], settings, NullProgress(), narrowings=narrowings)
    return result


def test_code_that_disables_the_only_kex_makes_the_device_incompatible_verified(
    group14_only: servers.SshServer, tmp_path: Path
) -> None:
    result = _probe(group14_only, _project(tmp_path, hardened=True), tmp_path)
    assert result.status is DeviceStatus.INCOMPATIBLE and result.verified, result.reasons
    assert result.predicted is None  # the narrowed prediction agrees with the narrowed handshake
    assert any("handshake: Incompatible ssh peer (no acceptable kex algorithm)" in r for r in result.reasons)
    (narrowed,) = [r for r in result.reasons if HARDENED_LINE in r]
    assert f"disabled_algorithms={{'kex': ['{KEX}']}}" in narrowed
    assert result.judged[0].reasons == result.reasons


def test_without_that_code_the_device_is_compatible(group14_only: servers.SshServer, tmp_path: Path) -> None:
    # netops itself disables only diffie-hellman-group1-sha1: verified once more, still compatible.
    result = _probe(group14_only, _project(tmp_path, hardened=False), tmp_path)
    assert result.status is DeviceStatus.COMPATIBLE and result.verified, result.reasons
    assert result.negotiated is not None and result.negotiated.kex == KEX
    assert not [r for r in result.reasons if "disabled_algorithms" in r]


def test_predicted_only_the_narrowing_still_applies(group14_only: servers.SshServer, tmp_path: Path) -> None:
    result = _probe(group14_only, _project(tmp_path, hardened=True), tmp_path, verify=False)
    assert result.status is DeviceStatus.INCOMPATIBLE and not result.verified
    assert any(HARDENED_LINE in r for r in result.reasons)
    assert any(
        r.startswith("no acceptable kex algorithm: server offers diffie-hellman-group14-sha256") for r in result.reasons
    )


def _audit(project: Path, server: servers.SshServer, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    hosts = tmp_path / "hosts.yaml"
    hosts.write_text(f"- name: g14\n  host: 127.0.0.1\n  port: {server.port}\n", encoding="utf-8")
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("", encoding="ascii")
    env = {k: v for k, v in os.environ.items() if k != "SSHDRIFT_DEBUG"}
    argv = [sys.executable, "-m", "auditor", "audit", str(project), "--devices", str(hosts), "--format", "json"]
    run = subprocess.run(
        [*argv, "--known-hosts", str(empty), "--no-vulnerabilities"],
        capture_output=True,
        text=True,
        env=env,
        timeout=540,
        check=False,
    )
    assert run.stdout.strip(), run.stderr
    return run.returncode, json.loads(run.stdout)


@pytest.mark.network
@pytest.mark.parametrize("hardened", [True, False])
def test_audit_verifies_the_locked_paramiko_with_the_codes_narrowing(
    group14_only: servers.SshServer, tmp_path: Path, hardened: bool
) -> None:
    """`sshdrift audit netops --devices` with the lock's paramiko 5.1.0 in a uv-made environment."""
    code, report = _audit(_project(tmp_path, hardened=hardened), group14_only, tmp_path)
    (device,) = report["devices"]
    narrowed = [f for f in report["findings"] if f["rule"] == "narrowed-offer"]
    if not hardened:
        assert device["status"] == "compatible" and device["verified"], device
        assert not narrowed
        return
    assert code == 1
    assert device["status"] == "incompatible" and device["verified"], device
    (finding,) = narrowed
    assert (finding["file"], finding["line"]) == ("netops/hardened.py", 7)
    assert "verified by a real handshake with the same disabled_algorithms for 1" in finding["message"]
    (incompatible,) = [f for f in report["findings"] if f["rule"] == "incompatible-device"]
    assert HARDENED_LINE in incompatible["fix"] and "pin paramiko" not in incompatible["fix"]
