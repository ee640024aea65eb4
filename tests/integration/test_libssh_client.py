"""libssh through ansible-pylibssh: prediction from rules/clients/libssh.json = a real ``Session.connect``.

Real sshd servers on loopback emulate device profiles (fixtures/devices/, plus a few lists made up here
to test one category each); each ansible-pylibssh release runs in the uv environment of its own wheel
(the libssh it bundles), without credentials. For every release × profile, the prediction
(:func:`auditor.probe.negotiation.negotiate` with the release's captured offer and the server's grabbed
KEXINIT) must equal the handshake: same status, same failed category, same kex and host key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.device_model import Device, DeviceStatus
from auditor.probe.clients import VerifyOptions, get_client
from auditor.probe.clients.libssh import LibsshClient, offers
from auditor.probe.clients.libssh.environments import ensure_environment
from auditor.probe.clients.libssh.verify import verify_devices
from auditor.probe.grab import grab_devices
from auditor.probe.negotiation import negotiate
from auditor.probe.results import Grabbed, NoOverlap
from auditor.sources.ansible_cfg import LibsshSettings, read_libssh_settings
from tests import servers

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.timeout(900)]

RELEASES = ("1.0.0", "1.2.2", "1.3.0", "1.4.0")
"""Bundling libssh 0.9.3, 0.9.6, 0.11.3 and 0.12.0."""

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
        "cbc_only",
        (
            "KexAlgorithms diffie-hellman-group14-sha256,diffie-hellman-group14-sha1",
            "HostKeyAlgorithms rsa-sha2-256,ssh-rsa",
            "Ciphers aes128-cbc,aes256-cbc,3des-cbc",
            "MACs hmac-sha1,hmac-sha2-256",
        ),
        ("rsa",),
    ),
    "gex_sha1_only": servers.Profile(
        "gex_sha1_only",
        ("KexAlgorithms diffie-hellman-group-exchange-sha1", "HostKeyAlgorithms rsa-sha2-256,ssh-rsa"),
        ("rsa",),
    ),
    "gcm_umac_etm_only": servers.Profile(
        "gcm_umac_etm_only",
        ("Ciphers aes128-gcm@openssh.com,aes256-gcm@openssh.com", "MACs umac-128-etm@openssh.com"),
        ("ed25519",),
    ),
    "sha1_kex_ssh_rsa_only": servers.Profile(
        "sha1_kex_ssh_rsa_only",
        ("KexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group1-sha1", "HostKeyAlgorithms ssh-rsa"),
        ("rsa",),
    ),
    "ssh_rsa_only_modern_kex": servers.Profile(
        "ssh_rsa_only_modern_kex",
        ("KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha256", "HostKeyAlgorithms ssh-rsa"),
        ("rsa",),
    ),
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Grabbed]]:
    """Every profile served by a real sshd, with what the grab read from it."""
    reason = servers.skip_reason()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("libssh-lab")
    started: list[servers.SshServer] = []
    try:
        devices = []
        for profile_id in FIXTURE_PROFILES:
            profile = servers.load_profile(profile_id)
            started.append(servers.start_sshd(profile_id, root / profile_id, profile=profile))
            devices.append(Device(name=profile_id, host=servers.LOOPBACK, port=started[-1].port))
        for profile_id, profile in LOCAL_PROFILES.items():
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


Seen = dict[str, tuple[DeviceStatus, str | None, str | None, str | None]]
"""Device name → (status, failed category, kex, host key)."""


def _verify(lab: dict[str, Grabbed], python: Path, version: str, settings: LibsshSettings | None = None) -> Seen:
    """name → (status, failed category, kex, host key) of the real handshakes."""
    client = LibsshClient(settings)
    devices = [grab.device for grab in lab.values()]
    outcomes = verify_devices(
        devices,
        python=python,
        version=version,
        options=VerifyOptions(timeout=15, concurrency=4),
        progress=None,
        key_exchange=client.settings.value("key_exchange_algorithms"),
        hostkeys=client.settings.value("hostkeys"),
    )
    out: Seen = {}
    for device in devices:
        outcome = outcomes[(device.name, device.host, device.port)]
        negotiated = outcome.negotiated
        out[device.name] = (
            outcome.status,
            client.failure_category(outcome.reason),
            negotiated.kex if negotiated else None,
            negotiated.host_key if negotiated else None,
        )
    return out


def _predict(lab: dict[str, Grabbed], version: str, settings: LibsshSettings | None = None) -> Seen:
    client = LibsshClient(settings)
    out: Seen = {}
    for name, grab in lab.items():
        result = negotiate(
            client.offer(version), grab.kexinit.offered, require_mac_with_aead=client.requires_mac_with_aead(version)
        )
        if isinstance(result, NoOverlap):
            out[name] = (DeviceStatus.INCOMPATIBLE, result.category, None, None)
        else:
            out[name] = (DeviceStatus.COMPATIBLE, None, result.kex, result.host_key)
    return out


def test_aead_without_mac_overlap(lab: dict[str, Grabbed], environments: dict[str, Path]) -> None:
    """libssh 0.9.3 (ansible-pylibssh 1.0.0) wants a MAC overlap even for AES-GCM; 0.9.6 on does not."""
    assert _verify(lab, environments["1.0.0"], "1.0.0")["gcm_umac_etm_only"][:2] == (
        DeviceStatus.INCOMPATIBLE,
        "mac_c2s",
    )
    assert _verify(lab, environments["1.2.2"], "1.2.2")["gcm_umac_etm_only"][:2] == (DeviceStatus.COMPATIBLE, None)


@pytest.mark.parametrize("version", RELEASES)
def test_prediction_equals_handshake(lab: dict[str, Grabbed], environments: dict[str, Path], version: str) -> None:
    real = _verify(lab, environments[version], version)
    assert _predict(lab, version) == real


def test_libssh_012_fails_where_096_connects(lab: dict[str, Grabbed], environments: dict[str, Path]) -> None:
    """The issue's measurement: 1.4.0 (libssh 0.12.0) fails on SHA-1-only kex and ssh-rsa-only host keys."""
    new = _verify(lab, environments["1.4.0"], "1.4.0")
    old = _verify(lab, environments["1.2.2"], "1.2.2")
    assert new["cisco_ios15_classic"][:2] == (DeviceStatus.INCOMPATIBLE, "kex")
    assert new["ssh_rsa_only_modern_kex"][:2] == (DeviceStatus.INCOMPATIBLE, "host_key")
    assert old["cisco_ios15_classic"][0] is DeviceStatus.COMPATIBLE
    assert old["ssh_rsa_only_modern_kex"][0] is DeviceStatus.COMPATIBLE
    assert offers.libssh_version("1.4.0") == "0.12.0" and offers.libssh_version("1.2.2") == "0.9.6"


def test_ansible_settings_widen_both_sides(
    lab: dict[str, Grabbed], environments: dict[str, Path], tmp_path: Path
) -> None:
    """``[libssh_connection]`` key_exchange_algorithms/hostkeys in ansible.cfg: predicted and real alike."""
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text(
        "[libssh_connection]\nkey_exchange_algorithms = +diffie-hellman-group14-sha1\nhostkeys = +ssh-rsa\n",
        encoding="utf-8",
    )
    settings = read_libssh_settings(cfg)
    real = _verify(lab, environments["1.4.0"], "1.4.0", settings)
    assert _predict(lab, "1.4.0", settings) == real
    assert real["ssh_rsa_only_modern_kex"][:2] == (DeviceStatus.COMPATIBLE, None)
    assert real["ssh_rsa_only_modern_kex"][3] == "ssh-rsa"
    # Kex and host keys are not enough for classic IOS: libssh 0.12 offers no hmac-sha1, and Ansible has no
    # MAC option (only libssh's own ~/.ssh/config "MACs +hmac-sha1").
    assert real["cisco_ios15_classic"][:2] == (DeviceStatus.INCOMPATIBLE, "mac_c2s")


def test_the_hint_s_settings_make_the_real_handshake_work(
    lab: dict[str, Grabbed], environments: dict[str, Path], tmp_path: Path
) -> None:
    """The hint for a SHA-1-kex, ssh-rsa-only device, written into ansible.cfg, lets libssh 0.12 connect for real."""
    client = get_client("libssh")
    assert isinstance(client, LibsshClient)
    hint = client.widening_hint("1.4.0", lab["sha1_kex_ssh_rsa_only"].kexinit.offered)
    assert hint is not None
    values = dict(re.findall(r'ansible_libssh_(key_exchange_algorithms|hostkeys): "([^"]+)"', hint))
    assert set(values) == {"key_exchange_algorithms", "hostkeys"}
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("[libssh_connection]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()), encoding="utf-8")
    real = _verify(lab, environments["1.4.0"], "1.4.0", read_libssh_settings(cfg))
    assert real["sha1_kex_ssh_rsa_only"][0] is DeviceStatus.COMPATIBLE
    # Classic IOS also needs hmac-sha1: no Ansible setting reaches it, so no hint is given.
    assert client.widening_hint("1.4.0", lab["cisco_ios15_classic"].kexinit.offered) is None


def test_probe_applies_the_ansible_cfg_to_prediction_and_handshake(
    lab: dict[str, Grabbed], environments: dict[str, Path], tmp_path: Path
) -> None:
    """The whole probe with ``ansible_cfg`` set: the libssh verdict is verified, agrees, and names the settings."""
    from auditor.probe.service import DISAGREEMENT, Judge, probe_devices
    from auditor.progress import NullProgress
    from auditor.settings import Settings

    device = lab["ssh_rsa_only_modern_kex"].device
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("[libssh_connection]\nhostkeys = +ssh-rsa\n", encoding="utf-8")
    judges = [Judge("libssh", "1.4.0", "test")]
    plain = probe_devices([device], Settings(timeout=15, known_hosts=Path("/dev/null")), NullProgress(), judges=judges)
    widened = probe_devices(
        [device], Settings(timeout=15, known_hosts=Path("/dev/null"), ansible_cfg=cfg), NullProgress(), judges=judges
    )
    before, after = plain[0].verdicts[0], widened[0].verdicts[0]
    assert (before.status, before.verified) == (DeviceStatus.INCOMPATIBLE, True)
    assert (after.status, after.verified) == (DeviceStatus.COMPATIBLE, True)
    assert after.negotiated is not None and after.negotiated.host_key == "ssh-rsa"
    assert not any(DISAGREEMENT in reason for reason in after.reasons + before.reasons)
