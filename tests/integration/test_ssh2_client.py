"""ssh2-python (libssh2): prediction from rules/clients/ssh2.json = a real ``Session.handshake``.

Real sshd servers on loopback emulate device profiles (fixtures/devices/, plus lists made up here to test
one category each); each ssh2-python release runs in the uv environment of its own wheel (the libssh2 it
bundles), without credentials. For every release × profile, the prediction must equal the handshake: same
status, same kex and host key (libssh2 names no failed category).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.device_model import Device, DeviceStatus
from auditor.probe.clients import VerifyOptions, get_client
from auditor.probe.clients.ssh2 import offers
from auditor.probe.clients.ssh2.environments import ensure_environment
from auditor.probe.clients.ssh2.verify import verify_devices
from auditor.probe.grab import grab_devices
from auditor.probe.negotiation import predict
from auditor.probe.results import Grabbed
from tests import servers

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.timeout(900)]

RELEASES = ("0.27.0", "1.0.0", "1.2.0.post1")
"""Bundling libssh2 1.9.0_DEV, 1.10.0 and 1.11.1."""

FIXTURE_PROFILES = (
    "cisco_ios15_classic",
    "cisco_asa_916",
    "mikrotik_ros6_default",
    "huawei_vrp_usg",
    "fortios_74",
    "dss_only",
    "modern_default",
)

LOCAL_PROFILES = {
    "cbc_only": servers.Profile(
        "cbc_only", ("Ciphers aes128-cbc,aes256-cbc,3des-cbc", "MACs hmac-sha1,hmac-sha2-256"), ("ed25519",)
    ),
    "gex_sha1_only": servers.Profile(
        "gex_sha1_only", ("KexAlgorithms diffie-hellman-group-exchange-sha1",), ("ed25519",)
    ),
    "sntrup_only": servers.Profile("sntrup_only", ("KexAlgorithms sntrup761x25519-sha512@openssh.com",), ("ed25519",)),
    "gcm_umac_etm_only": servers.Profile(
        "gcm_umac_etm_only",
        ("Ciphers aes128-gcm@openssh.com,aes256-gcm@openssh.com", "MACs umac-128-etm@openssh.com"),
        ("ed25519",),
    ),
    "chacha_umac_etm_only": servers.Profile(
        "chacha_umac_etm_only",
        ("Ciphers chacha20-poly1305@openssh.com", "MACs umac-128-etm@openssh.com"),
        ("ed25519",),
    ),
}

Seen = dict[str, tuple[DeviceStatus, str | None, str | None]]
"""Device name → (status, kex, host key)."""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Grabbed]]:
    """Every profile served by a real sshd, with what the grab read from it."""
    reason = servers.skip_reason()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("ssh2-lab")
    started: list[servers.SshServer] = []
    try:
        devices = []
        profiles = {p: servers.load_profile(p) for p in FIXTURE_PROFILES} | LOCAL_PROFILES
        for profile_id, profile in profiles.items():
            started.append(servers.start_sshd(profile_id, root / profile_id, profile=profile))
            devices.append(Device(name=profile_id, host=servers.LOOPBACK, port=started[-1].port))
        grabbed = {}
        for result in grab_devices(devices, timeout=10):
            assert isinstance(result, Grabbed), result
            grabbed[result.device.name] = result
        yield grabbed
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="module")
def environments() -> dict[str, Path]:
    return {version: ensure_environment(version) for version in RELEASES}


def _real(lab: dict[str, Grabbed], python: Path, version: str) -> Seen:
    devices = [grab.device for grab in lab.values()]
    outcomes = verify_devices(
        devices, python=python, version=version, options=VerifyOptions(timeout=15, concurrency=4), progress=None
    )
    out: Seen = {}
    for device in devices:
        outcome = outcomes[(device.name, device.host, device.port)]
        negotiated = outcome.negotiated
        out[device.name] = (
            outcome.status,
            negotiated.kex if negotiated else None,
            negotiated.host_key if negotiated else None,
        )
    return out


def _predicted(lab: dict[str, Grabbed], version: str) -> Seen:
    out: Seen = {}
    for name, grab in lab.items():
        prediction = predict(version, grab.kexinit.offered, "ssh2")
        negotiated = prediction.negotiated
        out[name] = (
            prediction.status,
            negotiated.kex if negotiated else None,
            negotiated.host_key if negotiated else None,
        )
    return out


@pytest.mark.parametrize("version", RELEASES)
def test_prediction_equals_handshake(lab: dict[str, Grabbed], environments: dict[str, Path], version: str) -> None:
    assert _predicted(lab, version) == _real(lab, environments[version], version)


def test_aes_gcm_needs_no_mac_but_chacha20_does(lab: dict[str, Grabbed], environments: dict[str, Path]) -> None:
    real = _real(lab, environments["1.2.0.post1"], "1.2.0.post1")
    assert real["gcm_umac_etm_only"][0] is DeviceStatus.COMPATIBLE
    assert real["chacha_umac_etm_only"][0] is DeviceStatus.INCOMPATIBLE
    assert real["cisco_ios15_classic"][0] is DeviceStatus.COMPATIBLE  # libssh2 still offers SHA-1 kex and ssh-rsa
    assert offers.libssh2_version("1.2.0.post1") == "1.11.1"


def test_registered() -> None:
    client = get_client("ssh2")
    assert client.name == "ssh2" and "1.2.0.post1" in client.known_releases()
    assert client.failure_category("KexFailureError: Unable to exchange encryption keys") is None
