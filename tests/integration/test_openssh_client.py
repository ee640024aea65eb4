"""The system OpenSSH client: prediction from ``ssh -G`` = a real ``ssh`` run, on device profiles served by real sshd.

Each profile (fixtures/devices/, plus lists made up here to test one category each) is served by its own
sshd on loopback. For every profile, the prediction (:func:`auditor.probe.negotiation.predict` with the
offer ssh would send to that host) must equal ssh's own handshake without credentials: the status, the
failed category, the kex and the host-key algorithm. Then the user's configuration must count on both
sides: a ``Host`` block with ``KexAlgorithms +...`` (which OpenSSH honours and Paramiko ignores), and a
known_hosts entry that reorders the host keys or no longer matches.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.device_model import Device, DeviceStatus
from auditor.probe.clients import EnvironmentRequest, VerifyOptions, get_client
from auditor.probe.clients.openssh import OpenSSHClient
from auditor.probe.grab import grab_devices
from auditor.probe.negotiation import predict
from auditor.probe.results import Grabbed
from tests import servers

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

FIXTURE_PROFILES = (
    "cisco_ios15_classic",
    "cisco_asa_916",
    "cisco_nxos",
    "mikrotik_ros6_default",
    "huawei_vrp_usg",
    "fortios_74",
    "dss_only",
    "arista_eos_modern",
    "modern_default",
)

LOCAL_PROFILES = {
    "cbc_only": servers.Profile(
        "cbc_only",
        ("Ciphers aes128-cbc,aes256-cbc,3des-cbc", "MACs hmac-sha1,hmac-sha2-256"),
        ("ed25519",),
    ),
    "gex_sha1_only": servers.Profile(
        "gex_sha1_only", ("KexAlgorithms diffie-hellman-group-exchange-sha1",), ("ed25519",)
    ),
    "gcm_umac_etm_only": servers.Profile(
        "gcm_umac_etm_only",
        ("Ciphers aes128-gcm@openssh.com,aes256-gcm@openssh.com", "MACs umac-128-etm@openssh.com"),
        ("ed25519",),
    ),
}

Seen = dict[str, tuple[DeviceStatus, str | None, str | None, str | None]]
"""Device name → (status, failed category, kex, host key)."""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Grabbed], dict[str, servers.SshServer]]]:
    """Every profile served by a real sshd, what the grab read from it, and the servers."""
    reason = servers.skip_reason()
    if reason is not None or shutil.which("ssh") is None:
        pytest.skip(reason or "no ssh client on PATH")
    root = tmp_path_factory.mktemp("openssh-lab")
    started: dict[str, servers.SshServer] = {}
    try:
        for profile_id in FIXTURE_PROFILES:
            started[profile_id] = servers.start_sshd(
                profile_id, root / profile_id, profile=servers.load_profile(profile_id)
            )
        for profile_id, profile in LOCAL_PROFILES.items():
            started[profile_id] = servers.start_sshd(profile_id, root / profile_id, profile=profile)
        devices = [Device(name=name, host=servers.LOOPBACK, port=server.port) for name, server in started.items()]
        grabbed = {}
        for result in grab_devices(devices, timeout=10):
            assert isinstance(result, Grabbed), result
            grabbed[result.device.name] = result
        yield grabbed, started
    finally:
        for server in started.values():
            server.stop()


def _real(client: OpenSSHClient, grabbed: dict[str, Grabbed], known_hosts: Path | None = None) -> Seen:
    environment = client.environment(EnvironmentRequest("installed"), verify=True)
    devices = [grab.device for grab in grabbed.values()]
    outcomes = client.verify(
        devices, environment, VerifyOptions(timeout=15, concurrency=4, known_hosts=known_hosts), None
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


def _predicted(client: OpenSSHClient, grabbed: dict[str, Grabbed], known_hosts: Path | None = None) -> Seen:
    from auditor.probe.clients import CLIENTS

    version = client.installed_version()
    out: Seen = {}
    saved = CLIENTS["openssh"]
    CLIENTS["openssh"] = client  # predict() asks the registry; this test's client carries its ssh_config
    try:
        for name, grab in grabbed.items():
            prediction = predict(version, grab.kexinit.offered, "openssh", device=grab.device, known_hosts=known_hosts)
            negotiated, failure = prediction.negotiated, prediction.failure
            out[name] = (
                prediction.status,
                failure.category if failure is not None else None,
                negotiated.kex if negotiated else None,
                negotiated.host_key if negotiated else None,
            )
    finally:
        CLIENTS["openssh"] = saved
    return out


def _directions(seen: Seen) -> Seen:
    """Both directions of a cipher/MAC failure as ssh names them (it reports ``cipher``/``MAC`` without one)."""
    return {
        name: (status, category.replace("_s2c", "_c2s") if category else None, kex, host_key)
        for name, (status, category, kex, host_key) in seen.items()
    }


def test_prediction_equals_handshake(lab: tuple[dict[str, Grabbed], dict[str, servers.SshServer]]) -> None:
    grabbed, _ = lab
    client = get_client("openssh")
    assert isinstance(client, OpenSSHClient)
    real = _real(client, grabbed)
    assert _directions(_predicted(client, grabbed)) == real
    # OpenSSH 9.2's defaults: no SHA-1 kex, no ssh-rsa, no CBC; AES-GCM needs no MAC.
    assert real["cisco_ios15_classic"][:2] == (DeviceStatus.INCOMPATIBLE, "kex")
    assert real["cbc_only"][:2] == (DeviceStatus.INCOMPATIBLE, "cipher_c2s")
    assert real["gcm_umac_etm_only"][0] is DeviceStatus.COMPATIBLE


def test_kexalgorithms_plus_in_ssh_config_counts(
    lab: tuple[dict[str, Grabbed], dict[str, servers.SshServer]], tmp_path: Path
) -> None:
    """The incident's ssh_config lines: OpenSSH honours them, so both the prediction and ssh reach classic IOS."""
    grabbed, _ = lab
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host {servers.LOOPBACK}\n"
        "    KexAlgorithms +diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1\n"
        "    HostKeyAlgorithms +ssh-rsa\n"
        "    Ciphers +aes128-cbc\n",
        encoding="utf-8",
    )
    client = OpenSSHClient(config=config)
    real = _real(client, grabbed)
    assert _directions(_predicted(client, grabbed)) == real
    assert real["cisco_ios15_classic"][:2] == (DeviceStatus.COMPATIBLE, None)
    assert real["cbc_only"][0] is DeviceStatus.COMPATIBLE


def test_known_hosts_orders_host_keys_and_a_changed_key_fails(
    lab: tuple[dict[str, Grabbed], dict[str, servers.SshServer]], tmp_path: Path
) -> None:
    grabbed, started = lab
    modern = {"modern_default": grabbed["modern_default"]}
    port = started["modern_default"].port
    rsa = next(k for k in started["modern_default"].public_keys() if k.startswith("ssh-rsa "))
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[{servers.LOOPBACK}]:{port} {rsa}\n", encoding="utf-8")
    client = OpenSSHClient()
    real = _real(client, modern, known_hosts)
    assert _predicted(client, modern, known_hosts) == real
    assert real["modern_default"][3] == "rsa-sha2-512"  # the known RSA key's algorithm first, not ed25519
    assert known_hosts.read_text(encoding="utf-8").count("\n") == 1  # the user's file is never written

    other = next(k for k in started["cisco_nxos"].public_keys() if k.startswith("ssh-rsa "))
    known_hosts.write_text(f"[{servers.LOOPBACK}]:{port} {other}\n", encoding="utf-8")
    changed = _real(client, modern, known_hosts)
    assert changed["modern_default"][0] is DeviceStatus.ERROR
