"""The asyncssh client behind the seam: its captured offer data, prediction, failure mapping and verdicts.

Facts checked here come from ``rules/clients/asyncssh.json`` as captured from real asyncssh releases
(``scripts/gen_asyncssh_algorithms.py``) and from asyncssh's own messages ("No matching encryption
algorithm found, sent ... and received ..."); the real handshakes are in
``tests/integration/test_asyncssh_client.py``.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest
from packaging.version import Version

from auditor.checks.breaking_release import load_releases
from auditor.checks.device_rules.devices import device_findings
from auditor.device_model import Device, DeviceStatus, KexInit, Offered
from auditor.errors import AuditorError
from auditor.probe.clients import CLIENTS, EnvironmentRequest, get_client
from auditor.probe.clients.asyncssh import failed_category
from auditor.probe.clients.asyncssh.verify import IMPLICIT_MAC, outcome_from_json
from auditor.probe.clients.interface import ClientEnvironment
from auditor.probe.negotiation import predict
from auditor.probe.results import Grabbed, HandshakeOutcome
from auditor.probe.service import fold, merge_verdicts

ROOT = Path(__file__).resolve().parents[4]
DATA = ROOT / "rules" / "clients" / "asyncssh.json"

CBC_ONLY = Offered(
    kex=("curve25519-sha256", "diffie-hellman-group14-sha256"),
    host_key=("ssh-ed25519", "rsa-sha2-512"),
    cipher_c2s=("aes128-cbc", "aes256-cbc", "3des-cbc"),
    cipher_s2c=("aes128-cbc", "aes256-cbc", "3des-cbc"),
    mac_c2s=("hmac-sha2-256", "hmac-sha1"),
    mac_s2c=("hmac-sha2-256", "hmac-sha1"),
    compression_c2s=("none",),
    compression_s2c=("none",),
)
GCM_NO_COMMON_MAC = Offered(
    kex=("curve25519-sha256",),
    host_key=("ssh-ed25519",),
    cipher_c2s=("aes256-gcm@openssh.com",),
    cipher_s2c=("aes256-gcm@openssh.com",),
    mac_c2s=("hmac-md5",),
    mac_s2c=("hmac-md5",),
    compression_c2s=("none",),
    compression_s2c=("none",),
)
R1 = Device("r1", "192.0.2.1", 22)


def test_registered_and_its_data_is_dated_sourced_and_real() -> None:
    assert get_client("asyncssh") is CLIENTS["asyncssh"]
    document = json.loads(DATA.read_text(encoding="utf-8"))
    assert document["generated_by"] == "scripts/gen_asyncssh_algorithms.py" and document["generated_at"]
    assert "local listener" in document["source"]
    releases = get_client("asyncssh").known_releases()
    assert releases == sorted(releases, key=Version) and {"2.13.2", "2.14.2", "2.17.0", "2.24.1"} <= set(releases)
    for release in releases:
        entry = document["releases"][release]
        assert entry["client_banner"] == f"SSH-2.0-AsyncSSH_{release}"
        assert entry["backend"]["cryptography"]
        offer = get_client("asyncssh").offer(release)
        # What the release implements is a superset of what it offers by default.
        assert set(offer.cipher_c2s) <= set(get_client("asyncssh").supported(release)["cipher"])


def test_what_the_captures_say_changed() -> None:
    client = get_client("asyncssh")
    strict = "kex-strict-c-v00@openssh.com"
    assert strict not in client.offer("2.14.1").kex and strict in client.offer("2.14.2").kex  # Terrapin, CVE-2023-48795
    assert "mlkem768x25519-sha256" not in client.offer("2.23.1").kex
    assert client.offer("2.24.0").kex[0] == "mlkem768x25519-sha256"
    assert (
        client.offer("2.17.0").compression_c2s[0] == "zlib@openssh.com"
        and client.offer("2.18.0").compression_c2s[0] == "none"
    )
    for release in client.known_releases():
        offer = client.offer(release)
        cbc = [c for c in offer.cipher_c2s if c.endswith("-cbc")]
        assert bool(cbc) is (Version(release) < Version("2.3")), release
        assert ("diffie-hellman-group-exchange-sha1" in offer.kex) is (Version(release) < Version("2.3")), release


def test_the_breaking_release_in_rules_is_what_the_captures_show() -> None:
    """rules/releases.toml's asyncssh 2.3.0 removals = what 2.2.1 offered and 2.3.0 no longer did."""
    (entry,) = [r for r in load_releases() if r.package == "asyncssh" and str(r.version) == "2.3.0"]
    before, after = get_client("asyncssh").offer("2.2.1"), get_client("asyncssh").offer("2.3.0")
    removed = dict(entry.removed)
    assert entry.source.startswith("https://") and entry.date == "2020-07-12"
    for category, label in (("kex", "kex"), ("host_key", "host-key"), ("cipher_c2s", "cipher"), ("mac_c2s", "MAC")):
        gone = sorted(set(getattr(before, category)) - set(getattr(after, category)))
        assert sorted(removed[label]) == gone, category


def test_prediction_cbc_only_fails_and_aead_needs_no_mac() -> None:
    failure = predict("2.24.1", CBC_ONLY, "asyncssh").failure
    assert failure is not None and failure.category == "cipher_c2s"
    assert failure.reason("2.24.1", "asyncssh").startswith("no acceptable ciphers: server offers aes128-cbc")
    # RFC 5647: AES-GCM carries its own integrity; asyncssh needs no MAC overlap (Paramiko does).
    negotiated = predict("2.24.1", GCM_NO_COMMON_MAC, "asyncssh").negotiated
    assert negotiated is not None and (negotiated.cipher, negotiated.mac) == ("aes256-gcm@openssh.com", IMPLICIT_MAC)


def test_unknown_release_names_the_range() -> None:
    with pytest.raises(
        AuditorError, match=r"asyncssh 2\.12\.9: no algorithm data for this release \(known: .* to 2\.24\.1\)"
    ):
        get_client("asyncssh").offer("2.12.9")
    assert get_client("asyncssh").offer("2.24.1.post1") == get_client("asyncssh").offer("2.24.1")


@pytest.mark.parametrize(
    ("message", "category"),
    [
        (
            "No matching key exchange algorithm found, sent curve25519-sha256 and received diffie-hellman-group1-sha1",
            "kex",
        ),
        ("No matching encryption algorithm found, sent aes256-ctr and received aes128-cbc", "cipher_c2s"),
        ("No matching MAC algorithm found, sent hmac-sha2-256 and received hmac-md5", "mac_c2s"),
        (
            "Unable to negotiate with 10.0.0.1 port 22: no matching host key type found. Their offer: ssh-dss",
            "host_key",
        ),
        ("the server closed the connection during key exchange, before the algorithms were agreed", None),
        ("Permission denied", None),
    ],
)
def test_failure_messages_map_to_categories(message: str, category: str | None) -> None:
    assert failed_category(message) == category


def test_installed_environment_is_sshdrift_s_own_asyncssh() -> None:
    environment = get_client("asyncssh").environment(EnvironmentRequest("installed"), verify=False)
    assert environment.version == importlib.metadata.version("asyncssh")
    assert dict(environment.backend)["cryptography"] == importlib.metadata.version("cryptography")


def test_worker_line_aead_mac_and_rsa_host_key() -> None:
    outcome = outcome_from_json(
        R1,
        "2.24.1",
        {
            "status": "compatible",
            "negotiated": {
                "kex": "",
                "host_key": "ssh-rsa",
                "cipher": "chacha20-poly1305@openssh.com",
                "mac": "chacha20-poly1305@openssh.com",
                "compression": "none",
            },
            "host_key": {"type": "ssh-rsa", "base64": "AAAA", "fingerprint": "SHA256:x"},
        },
    )
    assert outcome.negotiated is not None and outcome.negotiated.mac == IMPLICIT_MAC
    assert outcome.negotiated.host_key == "" and outcome.client == "asyncssh"
    assert (outcome.status, outcome.host_key_fingerprint) == (DeviceStatus.COMPATIBLE, "SHA256:x")
    failed = outcome_from_json(
        R1,
        "2.24.1",
        {
            "status": "incompatible",
            "reason": "No matching encryption algorithm found, sent aes256-ctr and received aes128-cbc",
        },
    )
    assert (failed.status, failed.reason) == (DeviceStatus.INCOMPATIBLE, "No matching encryption algorithm found")
    assert failed_category(failed.reason) == "cipher_c2s"


def _grabbed(offered: Offered) -> Grabbed:
    kexinit = KexInit(
        cookie=bytes(16), offered=offered, languages_c2s=(), languages_s2c=(), first_kex_packet_follows=False
    )
    return Grabbed(R1, "SSH-2.0-OpenSSH_9.2", kexinit, b"\x14", 0.01, "2026-12-02T04:00:00Z")


def test_two_clients_one_device_worst_status_and_a_finding_per_client() -> None:
    grab = _grabbed(CBC_ONLY)
    paramiko = fold(
        grab,
        predict("3.5.1", CBC_ONLY),
        None,
        "3.5.1",
        verify=False,
        environment=ClientEnvironment("paramiko", "3.5.1", source="uv.lock"),
    )
    asyncssh_outcome = HandshakeOutcome(
        R1,
        DeviceStatus.INCOMPATIBLE,
        "2.24.1",
        reason="No matching encryption algorithm found, sent aes256-ctr and received aes128-cbc",
        client="asyncssh",
    )
    asyncssh = fold(
        grab,
        predict("2.24.1", CBC_ONLY, "asyncssh"),
        asyncssh_outcome,
        "2.24.1",
        verify=True,
        environment=ClientEnvironment("asyncssh", "2.24.1", source="uv.lock (scrapli → asyncssh)"),
    )
    merged = merge_verdicts([paramiko, asyncssh])
    assert merged.status is DeviceStatus.INCOMPATIBLE and merged.paramiko == "3.5.1"
    assert [(v.client, v.status) for v in merged.judged] == [
        ("paramiko", DeviceStatus.COMPATIBLE),
        ("asyncssh", DeviceStatus.INCOMPATIBLE),
    ]
    assert merged.judged[1].reasons[0].startswith("no acceptable ciphers: server offers aes128-cbc")
    assert merged.reasons[0].startswith("asyncssh 2.24.1: no acceptable ciphers")
    (finding,) = [f for f in device_findings([merged]) if f.rule == "incompatible-device"]
    assert (finding.package, finding.key) == ("asyncssh", "asyncssh")
    assert "asyncssh 2.24.1 cannot negotiate: no acceptable ciphers" in finding.message
    # Only asyncssh judged: the v1 Paramiko fields stay empty, the status is asyncssh's.
    alone = merge_verdicts([asyncssh])
    assert (alone.paramiko, alone.status) == (None, DeviceStatus.INCOMPATIBLE)


def test_a_lock_pinning_the_release_pins_its_backend_too() -> None:
    """fixtures/lock/large/uv (made by uv) pins asyncssh 2.24.1 with cryptography 50.0.2: the environment follows."""
    large = ROOT / "fixtures" / "lock" / "large" / "uv" / "uv.lock"
    request = EnvironmentRequest("2.24.1", lock=large)
    environment = get_client("asyncssh").environment(request, verify=False)
    assert (environment.backend, environment.backend_source) == ((("cryptography", "50.0.2"),), "uv.lock pins")
    # A what-if release the lock does not pin: its pins were resolved for another release, none apply.
    other = get_client("asyncssh").environment(EnvironmentRequest("2.13.2", lock=large), verify=False)
    assert other.backend == () and other.backend_source.startswith("none pinned")
