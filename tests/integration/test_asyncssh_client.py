"""The asyncssh client against real servers: prediction from ``rules/clients/asyncssh.json`` = a real handshake.

Every sshd-emulated device profile of ``fixtures/devices/``, two profiles of our own (CBC-only ciphers, as old
ProCurve firmware; ``diffie-hellman-group-exchange-sha1`` as the only kex) and Debian's dropbear are probed with
asyncssh 2.2.1, 2.13.2, 2.17.0 and 2.24.1, each installed by uv in its own environment. For every device and
release the prediction must agree with asyncssh's own handshake (no ``predicted`` disagreement, verified),
and asyncssh 2.24.1 must fail the CBC-only and gex-sha1-only servers (issue 9), which paramiko 3.5.1 reaches;
2.2.1 reaches them (2.3.0 is the breaking release in ``rules/releases.toml``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.probe.clients import EnvironmentRequest, VerifyOptions, get_client
from auditor.probe.service import Judge, probe_devices
from auditor.progress import NullProgress
from auditor.settings import Settings
from tests import devices, servers
from tests.conftest import JumpGateway

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.timeout(900)]

RELEASES = ("2.2.1", "2.13.2", "2.17.0", "2.24.1")
OWN_PROFILES: dict[str, tuple[str, ...]] = {
    "cbc_only": ("Ciphers aes128-cbc,aes256-cbc,3des-cbc",),
    "gex_sha1_only": ("KexAlgorithms diffie-hellman-group-exchange-sha1",),
}
"""sshd_config lines of our own profiles (OpenSSH 9.2's defaults otherwise)."""


@pytest.fixture(scope="module")
def targets(server_lab: servers.ServerLab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Device]]:
    """Every sshd-emulated profile, our own two and dropbear, as devices on 127.0.0.1."""
    out: list[Device] = []
    for profile_id, profile in sorted(devices.profiles().items()):
        if profile.sshd_config is not None:
            out.append(Device(profile_id, "127.0.0.1", server_lab.sshd(profile_id).port))
    own = []
    root = tmp_path_factory.mktemp("asyncssh-own")
    for name, config in OWN_PROFILES.items():
        server = servers.start_sshd(name, root / name, profile=servers.Profile(name, config, ("rsa", "ed25519")))
        own.append(server)
        out.append(Device(name, "127.0.0.1", server.port))
    if servers.DROPBEAR.is_file():
        out.append(Device("dropbear", "127.0.0.1", server_lab.dropbear(("rsa",)).port))
    yield out
    for server in own:
        server.stop()


def _probe(targets: list[Device], judges: tuple[Judge, ...], tmp_path: Path) -> dict[str, DeviceResult]:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    settings = Settings(timeout=15.0, concurrency=8, known_hosts=known_hosts)
    results = probe_devices(targets, settings, NullProgress(), judges=judges)
    return {result.device.name: result for result in results}


@pytest.mark.parametrize("release", RELEASES)
def test_prediction_matches_the_real_asyncssh_handshake(targets: list[Device], release: str, tmp_path: Path) -> None:
    results = _probe(targets, (Judge("asyncssh", release, "test"),), tmp_path)
    for name, result in results.items():
        (verdict,) = result.judged
        assert (verdict.client, verdict.version) == ("asyncssh", release)
        assert result.predicted is None, f"{name}: {result.reasons}"
        assert verdict.verified, f"{name}: {verdict.reasons}"
        assert verdict.status in (DeviceStatus.COMPATIBLE, DeviceStatus.INCOMPATIBLE), f"{name}: {verdict.reasons}"
        assert dict(verdict.backend).get("cryptography"), name
        if verdict.status is DeviceStatus.COMPATIBLE:
            # The kex asyncssh chose (from its log) is compared with the prediction: they agreed above.
            assert verdict.negotiated is not None and verdict.negotiated.kex, name
    # From 2.3.0 on neither CBC nor group-exchange SHA-1 (nor group1) is in the default offer.
    expected = DeviceStatus.COMPATIBLE if release == "2.2.1" else DeviceStatus.INCOMPATIBLE
    for name in ("cbc_only", "gex_sha1_only", "cisco_ios12_legacy"):
        assert results[name].status is expected, results[name].reasons
    if release == "2.2.1":
        return
    assert "no acceptable ciphers" in results["cbc_only"].judged[0].reasons[0]
    assert "no acceptable kex algorithm" in results["gex_sha1_only"].judged[0].reasons[0]


def test_two_clients_worst_status_each_verdict_its_own(targets: list[Device], tmp_path: Path) -> None:
    """paramiko 3.5.1 reaches the CBC-only and gex-sha1-only servers, asyncssh 2.24.1 does not: the device fails."""
    wanted = [d for d in targets if d.name in ("cbc_only", "gex_sha1_only", "arista_eos_modern")]
    judges = (Judge("paramiko", "3.5.1", "test"), Judge("asyncssh", "2.24.1", "test"))
    results = _probe(wanted, judges, tmp_path)
    for name in ("cbc_only", "gex_sha1_only"):
        result = results[name]
        paramiko, asyncssh = result.judged
        assert (paramiko.client, paramiko.status, paramiko.reasons) == ("paramiko", DeviceStatus.COMPATIBLE, ())
        assert (asyncssh.client, asyncssh.status) == ("asyncssh", DeviceStatus.INCOMPATIBLE)
        assert result.status is DeviceStatus.INCOMPATIBLE and result.paramiko == "3.5.1"
        assert any(reason.startswith("asyncssh 2.24.1: no acceptable") for reason in result.reasons)
    modern = results["arista_eos_modern"]
    assert modern.status is DeviceStatus.COMPATIBLE and all(v.verified for v in modern.judged)


def test_through_jump_hosts_the_whole_chain(targets: list[Device], jump_gateway: JumpGateway, tmp_path: Path) -> None:
    """Devices behind one gateway and behind a two-hop chain are verified through it; a changed gateway key fails."""
    by_name = {d.name: d for d in targets}
    hop = jump_gateway.spec
    behind = [
        Device("cbc", "127.0.0.1", by_name["cbc_only"].port, jump=hop),
        Device("modern", "127.0.0.1", by_name["arista_eos_modern"].port, jumps=(hop, hop)),
    ]
    settings = Settings(timeout=15.0, concurrency=8, known_hosts=tmp_path / "empty", jump_key=jump_gateway.key)
    (tmp_path / "empty").write_text("", encoding="ascii")
    results = probe_devices(behind, settings, NullProgress(), judges=(Judge("asyncssh", "2.24.1", "test"),))
    cbc, modern = results
    assert (cbc.status, cbc.judged[0].verified, cbc.predicted) == (DeviceStatus.INCOMPATIBLE, True, None), cbc.reasons
    assert (modern.status, modern.judged[0].verified) == (DeviceStatus.COMPATIBLE, True), modern.reasons
    # Other keys of every type the gateway has in known_hosts: the chain is refused, naming the gateway.
    lines = []
    for key_type in ("rsa", "ecdsa", "ed25519"):
        public = servers.generate_key(tmp_path / f"other-{key_type}", key_type).with_name(f"other-{key_type}.pub")
        lines.append(
            f"[127.0.0.1]:{jump_gateway.server.port} {' '.join(public.read_text(encoding='ascii').split()[:2])}\n"
        )
    changed = tmp_path / "known_hosts"
    changed.write_text("".join(lines), encoding="ascii")
    outcomes = get_client("asyncssh").verify(
        behind[:1],
        get_client("asyncssh").environment(EnvironmentRequest("2.24.1"), verify=True),
        VerifyOptions(timeout=15.0, concurrency=4, jump_key=jump_gateway.key, known_hosts=changed),
        None,
    )
    (outcome,) = outcomes.values()
    assert outcome.status is DeviceStatus.UNREACHABLE
    assert outcome.reason is not None and outcome.reason.startswith(f"jump host {hop}: its host key SHA256:")
