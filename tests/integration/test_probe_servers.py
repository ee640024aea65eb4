"""The probe against real servers: OpenSSH sshd with device profiles, Debian's dropbear, a real jump host.

Expected outcomes are recorded lab results, project data in ``fixtures/devices/`` (each profile's
``[outcome]`` table, read by :mod:`tests.devices`); two profiles are our own (``dss_only``: Paramiko
4.0.0 removed DSA; ``modern_default``: OpenSSH's defaults). Every check runs the prediction AND a
real handshake with Paramiko 3.5.1, 4.0.0 and 5.1.0 installed by uv in their own environments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.model import Finding
from auditor.progress import NullProgress
from auditor.settings import Settings
from tests import devices, servers
from tests.conftest import JumpGateway

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
VERSIONS = ("3.5.1", "4.0.0", "5.1.0")
REFERENCE_PROFILES = ("cisco_ios15_classic", "cisco_nxos", "cisco_iosxe_17_12plus")
OWN_PROFILES = ("dss_only", "modern_default")
PROFILES = REFERENCE_PROFILES + OWN_PROFILES

_FAIL_LABEL = {"kex": "kex algorithm", "host_key": "host key", "mac": "macs", "cipher": "ciphers"}
"""Failure category of a recorded outcome → the words of our "no acceptable ..." reason."""


@cache
def reference_outcome(profile_id: str, version: str) -> tuple[DeviceStatus, str | None, str | None]:
    """``(status, kex or failure label, host key)`` that the lab recorded for this pair (fixtures/devices)."""
    outcome = devices.profile(profile_id).outcome(version)
    if outcome.failure is not None:
        return DeviceStatus.INCOMPATIBLE, _FAIL_LABEL[outcome.failure], None
    return DeviceStatus.COMPATIBLE, outcome.kex, outcome.host_key


def configured(profile_id: str, keyword: str) -> list[str]:
    """The names an sshd profile's ``keyword`` line (``KexAlgorithms``, ...) lists."""
    for line in servers.load_profile(profile_id).config:
        if line.startswith(keyword + " "):
            return line.split(None, 1)[1].split(",")
    return []


@pytest.fixture(scope="session")
def empty_known_hosts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A known_hosts without entries, so the user's own file never leaks into a test."""
    path = tmp_path_factory.mktemp("kh") / "known_hosts"
    path.write_text("", encoding="ascii")
    return path


@pytest.fixture(scope="session")
def profile_devices(server_lab: servers.ServerLab) -> list[Device]:
    """One device per profile (sshd), plus Debian's dropbear."""
    devices = [Device(name=p, host=servers.LOOPBACK, port=server_lab.sshd(p).port) for p in PROFILES]
    if servers.DROPBEAR.is_file():
        devices.append(Device(name="dropbear", host=servers.LOOPBACK, port=server_lab.dropbear().port))
    return devices


class ProbeRuns(dict[str, tuple[list[DeviceResult], list[Finding]]]):
    """``version -> (results, findings)`` of one verified probe of every profile, each run on first use."""

    def __init__(self, devices: list[Device], known_hosts: Path) -> None:
        super().__init__()
        self.devices = devices
        self.known_hosts = known_hosts

    def __missing__(self, version: str) -> tuple[list[DeviceResult], list[Finding]]:
        from auditor.checks.device_rules.devices import device_findings
        from auditor.probe.service import probe_devices

        settings = Settings(paramiko=version, timeout=15.0, known_hosts=self.known_hosts)
        results = probe_devices(self.devices, settings, NullProgress())
        self[version] = (results, device_findings(results))
        return self[version]


@pytest.fixture(scope="session")
def probe_runs(profile_devices: list[Device], empty_known_hosts: Path) -> ProbeRuns:
    """Verified probes of every profile, per Paramiko version, shared by the tests of this module."""
    return ProbeRuns(profile_devices, empty_known_hosts)


def _result(run: tuple[list[DeviceResult], list[Finding]], name: str) -> DeviceResult:
    return next(r for r in run[0] if r.device.name == name)


def _findings(run: tuple[list[DeviceResult], list[Finding]], name: str, rule: str) -> list[Finding]:
    return [f for f in run[1] if f.device == name and f.rule == rule]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("profile_id", PROFILES)
def test_profile_predicted_and_verified(probe_runs: ProbeRuns, profile_id: str, version: str) -> None:
    expected, detail, host_key = reference_outcome(profile_id, version)
    run = probe_runs[version]
    result = _result(run, profile_id)
    assert result.paramiko == version
    assert result.verified, result.reasons
    assert result.predicted is None, f"prediction disagrees: {result.reasons}"
    assert result.status is expected, result.reasons
    assert result.offered is not None and result.banner is not None and result.banner.startswith("SSH-2.0-OpenSSH")
    incompatible = _findings(run, profile_id, "incompatible-device")
    if expected is DeviceStatus.INCOMPATIBLE:
        assert result.negotiated is None
        assert result.reasons[0].startswith(f"no acceptable {detail}: server offers ")
        assert any(f"paramiko {version} handshake" in r for r in result.reasons)
        assert len(incompatible) == 1 and f"paramiko {version} cannot negotiate" in incompatible[0].message
        assert "verified by a real handshake" in incompatible[0].message
    else:
        assert result.negotiated is not None and result.host_key_fingerprint is not None
        assert result.host_key_fingerprint.startswith("SHA256:")
        if detail is not None:
            assert result.negotiated.kex == detail
        if host_key is not None:
            assert result.negotiated.host_key == host_key
        assert not incompatible


@pytest.mark.parametrize("version", VERSIONS)
def test_classic_ios_lists_what_the_device_offers(probe_runs: ProbeRuns, version: str) -> None:
    result = _result(probe_runs[version], "cisco_ios15_classic")
    kex = configured("cisco_ios15_classic", "KexAlgorithms")
    assert result.offered is not None
    assert [k for k in result.offered.kex if k in kex] == kex  # the device's order, as read from its KEXINIT
    if result.status is DeviceStatus.INCOMPATIBLE:
        reason = result.reasons[0]
        positions = [reason.index(k) for k in kex]
        assert positions == sorted(positions), reason
        (finding,) = _findings(probe_runs[version], "cisco_ios15_classic", "incompatible-device")
        assert finding.fix is not None and "pin paramiko<5" in finding.fix
    else:
        # Compatible only through SHA-1 kex, which 5.0.0 removed: a legacy-only warning names that release.
        (legacy,) = _findings(probe_runs[version], "cisco_ios15_classic", "legacy-only-device")
        assert "paramiko 5.0.0" in legacy.message and "diffie-hellman-group14-sha1" in legacy.message


@pytest.mark.parametrize("version", VERSIONS)
def test_dropbear(probe_runs: ProbeRuns, version: str) -> None:
    if not servers.DROPBEAR.is_file():
        pytest.skip("dropbear is not installed")
    result = _result(probe_runs[version], "dropbear")
    assert result.banner is not None and result.banner.startswith("SSH-2.0-dropbear_")
    assert result.status is DeviceStatus.COMPATIBLE and result.verified and result.predicted is None
    assert result.negotiated is not None and result.negotiated.host_key == "rsa-sha2-256"


def test_no_verify_predicts_without_handshake(profile_devices: list[Device], empty_known_hosts: Path) -> None:
    from auditor.probe.service import probe_devices

    settings = Settings(paramiko="5.1.0", verify=False, timeout=10.0, known_hosts=empty_known_hosts)
    results = probe_devices(profile_devices, settings, NullProgress())
    ios = next(r for r in results if r.device.name == "cisco_ios15_classic")
    assert ios.status is DeviceStatus.INCOMPATIBLE and not ios.verified and ios.host_key_fingerprint is None
    # The verdict says what was judged: the release asked for, no backend (no environment was made), not verified.
    (verdict,) = ios.verdicts
    assert (verdict.client, verdict.version, verdict.source) == ("paramiko", "5.1.0", "--paramiko 5.1.0")
    assert verdict.backend == () and not verdict.verified and verdict.reasons == ios.reasons


# --------------------------------------------------------------------------- the CLI, as a user runs it


def _sshdrift(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SSHDRIFT_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _yaml_inventory(path: Path, entries: Sequence[tuple[str, int, str | None]]) -> Path:
    lines = []
    for name, port, jump in entries:
        lines.append(f"- name: {name}\n  host: 127.0.0.1\n  port: {port}\n")
        if jump:
            lines.append(f"  jump: {jump}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_done_when_classic_ios(server_lab: servers.ServerLab, tmp_path: Path, empty_known_hosts: Path) -> None:
    """`sshdrift probe hosts.yaml --paramiko 5.1.0` vs classic IOS: incompatible, verified; 3.5.1: compatible."""
    ios = server_lab.sshd("cisco_ios15_classic")
    hosts = _yaml_inventory(tmp_path / "hosts.yaml", [("r1", ios.port, None)])
    kex = configured("cisco_ios15_classic", "KexAlgorithms")

    broken = _sshdrift("probe", hosts, "--paramiko", "5.1.0", "--format", "json", "--known-hosts", empty_known_hosts)
    assert broken.returncode == 1, broken.stderr
    assert "Traceback" not in broken.stderr
    (device,) = json.loads(broken.stdout)["devices"]
    assert device["status"] == "incompatible" and device["verified"] is True and device["paramiko"] == "5.1.0"
    assert device["reasons"][0].startswith("no acceptable kex algorithm: server offers " + ", ".join(kex))
    rules = {f["rule"] for f in json.loads(broken.stdout)["findings"]}
    assert "incompatible-device" in rules
    # schema_version 2: the verdict names the client, its release, backend and where the release came from.
    assert json.loads(broken.stdout)["schema_version"] == 2
    (verdict,) = device["verdicts"]
    assert (verdict["client"], verdict["version"], verdict["source"]) == ("paramiko", "5.1.0", "--paramiko 5.1.0")
    assert verdict["status"] == device["status"] and verdict["reasons"] == device["reasons"] and verdict["verified"]
    assert set(verdict["backend"]) >= {"cryptography"}

    fine = _sshdrift("probe", hosts, "--paramiko", "3.5.1", "--format", "json", "--known-hosts", empty_known_hosts)
    assert fine.returncode == 0, fine.stderr
    (device,) = json.loads(fine.stdout)["devices"]
    assert device["status"] == "compatible" and device["verified"] is True
    assert device["negotiated"]["kex"] == reference_outcome("cisco_ios15_classic", "3.5.1")[1]


def test_one_unreachable_device_exits_4(server_lab: servers.ServerLab, tmp_path: Path, empty_known_hosts: Path) -> None:
    healthy = [
        ("modern", server_lab.sshd("modern_default").port),
        ("xe", server_lab.sshd("cisco_iosxe_17_12plus").port),
    ]
    dead = servers.free_port()
    hosts = _yaml_inventory(tmp_path / "hosts.yaml", [(n, p, None) for n, p in healthy] + [("dead", dead, None)])
    run = _sshdrift("probe", hosts, "--paramiko", "5.1.0", "--format", "json", "--known-hosts", empty_known_hosts)
    assert run.returncode == 4, run.stderr
    devices = {d["name"]: d for d in json.loads(run.stdout)["devices"]}
    assert devices["dead"]["status"] == "unreachable" and devices["dead"]["reasons"]
    assert devices["modern"]["status"] == devices["xe"]["status"] == "compatible"
    assert devices["modern"]["verified"] and devices["xe"]["verified"]


def test_host_key_changed(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    server = server_lab.sshd("modern_default")
    hosts = _yaml_inventory(tmp_path / "hosts.yaml", [("m", server.port, None)])
    impostor = servers.generate_key(tmp_path / "impostor", "ed25519")
    other = " ".join(impostor.with_name("impostor.pub").read_text(encoding="ascii").split()[:2])
    real = next(k for k in server.public_keys() if k.startswith("ssh-ed25519 "))

    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{server.port} {other}\n", encoding="ascii")
    # Hashed entries too (ssh-keygen -H rewrites the names as |1|salt|hash).
    subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(known)], check=True, capture_output=True)
    assert "|1|" in known.read_text(encoding="ascii")
    run = _sshdrift("probe", hosts, "--paramiko", "5.1.0", "--format", "json", "--known-hosts", known)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    (finding,) = [f for f in report["findings"] if f["rule"] == "host-key-changed"]
    assert finding["severity"] == "error" and report["devices"][0]["host_key_fingerprint"] in finding["message"]

    known.write_text(f"[127.0.0.1]:{server.port} {real}\n", encoding="ascii")
    run = _sshdrift("probe", hosts, "--paramiko", "5.1.0", "--format", "json", "--known-hosts", known)
    assert run.returncode == 0, run.stderr
    assert not [f for f in json.loads(run.stdout)["findings"] if f["rule"] == "host-key-changed"]


def test_jump_host(
    server_lab: servers.ServerLab, jump_gateway: JumpGateway, tmp_path: Path, empty_known_hosts: Path
) -> None:
    ios = server_lab.sshd("cisco_ios15_classic")
    modern = server_lab.sshd("modern_default")
    dead = servers.free_port()
    hosts = _yaml_inventory(
        tmp_path / "hosts.yaml",
        [
            ("r1", ios.port, jump_gateway.spec),
            ("m1", modern.port, jump_gateway.spec),
            ("gone", dead, jump_gateway.spec),
        ],
    )
    for version, ios_status in (("5.1.0", "incompatible"), ("3.5.1", "compatible")):
        run = _sshdrift(
            "probe", hosts, "--paramiko", version, "--format", "json",
            "--known-hosts", empty_known_hosts, "--jump-key", jump_gateway.key,
        )  # fmt: skip
        assert run.returncode in (1, 4), run.stderr
        assert "Traceback" not in run.stderr
        devices = {d["name"]: d for d in json.loads(run.stdout)["devices"]}
        assert devices["r1"]["status"] == ios_status and devices["r1"]["verified"], devices["r1"]
        assert devices["r1"]["jump"] == jump_gateway.spec and devices["r1"]["banner"].startswith("SSH-2.0-OpenSSH")
        assert devices["m1"]["status"] == "compatible" and devices["m1"]["verified"]
        assert devices["gone"]["status"] == "unreachable"
    # The key's secret never appears in what the user sees.
    secret = jump_gateway.key.read_text(encoding="ascii").splitlines()[1]
    assert secret not in run.stdout and secret not in run.stderr


def test_jump_host_refuses_us(server_lab: servers.ServerLab, tmp_path: Path, empty_known_hosts: Path) -> None:
    """A gateway that does not accept our key: its devices are unreachable with the reason, others unaffected."""
    modern = server_lab.sshd("modern_default")
    stranger = servers.generate_key(tmp_path / "stranger", "ed25519")
    gateway = server_lab.sshd("modern_default", authorized_keys=[], label="closed-gateway")
    hosts = _yaml_inventory(
        tmp_path / "hosts.yaml",
        [("behind", modern.port, f"root@127.0.0.1:{gateway.port}"), ("direct", modern.port, None)],
    )
    run = _sshdrift(
        "probe",
        hosts,
        "--paramiko",
        "5.1.0",
        "--format",
        "json",
        "--known-hosts",
        empty_known_hosts,
        "--jump-key",
        stranger,
    )
    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr and "Exception" not in run.stderr
    devices = {d["name"]: d for d in json.loads(run.stdout)["devices"]}
    assert devices["behind"]["status"] == "unreachable" and "jump host" in devices["behind"]["reasons"][0]
    assert devices["direct"]["status"] == "compatible"


def test_a_utf8_comment_in_the_identification_string(
    server_lab: servers.ServerLab, tmp_path: Path, empty_known_hosts: Path
) -> None:
    """A real sshd announcing ``SSH-2.0-OpenSSH_... Grüße`` (VersionAddendum) is probed and verified (issue 9 item 6).

    OpenSSH and every Paramiko release accept UTF-8 in the comment; so does the grab, and the report keeps
    the banner as sent.
    """
    server = server_lab.sshd("modern_default", label="utf8-banner")
    config = server.workdir / "sshd_config"
    # sshd runs in inetd mode, one process per connection: the next connection reads the new line.
    config.write_text(config.read_text(encoding="utf-8") + "VersionAddendum Grüße\n", encoding="utf-8")
    hosts = _yaml_inventory(tmp_path / "hosts.yaml", [("r1", server.port, None)])
    run = _sshdrift("probe", hosts, "--paramiko", "installed", "--format", "json", "--known-hosts", empty_known_hosts)
    assert run.returncode == 0, run.stderr
    (device,) = json.loads(run.stdout)["devices"]
    assert device["banner"].startswith("SSH-2.0-OpenSSH_") and device["banner"].endswith(" Grüße"), device["banner"]
    assert device["status"] == "compatible" and device["verified"] is True
