"""Negotiation (RFC 4253 §7.1, as Paramiko does it) and prediction against the lab outcomes on record.

The lab outcomes are project data: ``fixtures/devices/*.toml`` (read by :mod:`tests.devices`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from auditor.device_model import Negotiated, Offered
from auditor.probe.negotiation import IMPLICIT_MAC, negotiate, predict
from auditor.probe.results import NoOverlap
from tests import devices

CLIENT = Offered(
    kex=("curve25519-sha256@libssh.org", "diffie-hellman-group14-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com"),
    host_key=("ssh-ed25519", "rsa-sha2-512", "ssh-rsa"),
    cipher_c2s=("aes128-ctr", "aes256-gcm@openssh.com"),
    cipher_s2c=("aes128-ctr", "aes256-gcm@openssh.com"),
    mac_c2s=("hmac-sha2-256", "hmac-sha1"),
    mac_s2c=("hmac-sha2-256", "hmac-sha1"),
    compression_c2s=("none",),
    compression_s2c=("none",),
)
SERVER = Offered(
    kex=("kex-strict-s-v00@openssh.com", "diffie-hellman-group14-sha256", "curve25519-sha256@libssh.org"),
    host_key=("ssh-rsa", "rsa-sha2-512"),
    cipher_c2s=("aes256-gcm@openssh.com", "aes128-ctr"),
    cipher_s2c=("aes256-gcm@openssh.com", "aes128-ctr"),
    mac_c2s=("hmac-sha1",),
    mac_s2c=("hmac-sha1", "hmac-sha2-256"),
    compression_c2s=("zlib@openssh.com", "none"),
    compression_s2c=("zlib@openssh.com", "none"),
)


def test_client_preference_wins_in_every_category() -> None:
    assert negotiate(CLIENT, SERVER) == Negotiated(
        kex="curve25519-sha256@libssh.org",
        host_key="rsa-sha2-512",
        cipher="aes128-ctr",
        mac="hmac-sha1",
        compression="none",
    )


def test_markers_are_never_chosen() -> None:
    client = replace(CLIENT, kex=("kex-strict-c-v00@openssh.com", "ext-info-c", "diffie-hellman-group14-sha256"))
    server = replace(SERVER, kex=("kex-strict-c-v00@openssh.com", "ext-info-c", "diffie-hellman-group14-sha256"))
    result = negotiate(client, server)
    assert isinstance(result, Negotiated)
    assert result.kex == "diffie-hellman-group14-sha256"
    only_markers = replace(SERVER, kex=("kex-strict-s-v00@openssh.com", "ext-info-s"))
    failure = negotiate(CLIENT, only_markers)
    assert isinstance(failure, NoOverlap)
    assert failure.category == "kex"
    assert failure.server == ()


@pytest.mark.parametrize(
    ("server", "category"),
    [
        (replace(SERVER, kex=("diffie-hellman-group1-sha1",)), "kex"),
        (replace(SERVER, host_key=("ssh-dss",)), "host_key"),
        (replace(SERVER, cipher_c2s=("3des-cbc",)), "cipher_c2s"),
        (replace(SERVER, cipher_s2c=("3des-cbc",)), "cipher_s2c"),
        (replace(SERVER, mac_c2s=("hmac-md5",)), "mac_c2s"),
        (replace(SERVER, mac_s2c=("hmac-md5",)), "mac_s2c"),
        (replace(SERVER, compression_s2c=("zlib",)), "compression_s2c"),
    ],
)
def test_each_category_can_fail(server: Offered, category: str) -> None:
    result = negotiate(CLIENT, server)
    assert isinstance(result, NoOverlap)
    assert result.category == category
    assert result.server == getattr(server, category)


def test_first_failure_in_paramiko_order() -> None:
    server = replace(SERVER, kex=("diffie-hellman-group1-sha1",), host_key=("ssh-dss",), mac_c2s=("hmac-md5",))
    result = negotiate(CLIENT, server)
    assert isinstance(result, NoOverlap)
    assert result.category == "kex"
    assert "no acceptable kex algorithm: server offers diffie-hellman-group1-sha1" in result.reason("5.1.0")


def test_host_key_reason_counts_certificate_variants_instead_of_naming_them() -> None:
    client = replace(
        CLIENT, host_key=("ssh-ed25519", "ssh-rsa", "ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com")
    )
    server = replace(SERVER, host_key=("ssh-dss", "ssh-rsa-cert-v01@openssh.com"))
    result = negotiate(client, replace(server, host_key=("ssh-dss",)))
    assert isinstance(result, NoOverlap) and result.category == "host_key"
    assert result.client == client.host_key  # the full list stays on the value
    assert result.reason("4.0.0") == (
        "no acceptable host key: server offers ssh-dss; "
        "paramiko 4.0.0 offers ssh-ed25519, ssh-rsa and 2 -cert-v01@openssh.com variants"
    )
    only_certificates = NoOverlap("host_key", ("ssh-rsa-cert-v01@openssh.com",), server.host_key)
    # Nothing plain to show: the certificate names are the offer, and the server's list is never shortened.
    assert only_certificates.reason("4.0.0").endswith(
        "server offers ssh-dss, ssh-rsa-cert-v01@openssh.com; paramiko 4.0.0 offers ssh-rsa-cert-v01@openssh.com"
    )


def test_paramiko_requires_a_mac_even_with_aead() -> None:
    """Paramiko fails with "no acceptable macs" even when AES-GCM was chosen; RFC 5647 / OpenSSH would not."""
    client = replace(CLIENT, cipher_c2s=("aes256-gcm@openssh.com",), cipher_s2c=("aes256-gcm@openssh.com",))
    server = replace(SERVER, mac_c2s=("hmac-sha2-512-etm@openssh.com",), mac_s2c=("hmac-sha2-512-etm@openssh.com",))
    paramiko = negotiate(client, server)
    assert isinstance(paramiko, NoOverlap)
    assert paramiko.category == "mac_c2s"
    rfc = negotiate(client, server, require_mac_with_aead=False)
    assert isinstance(rfc, Negotiated)
    assert rfc.cipher == "aes256-gcm@openssh.com"
    assert rfc.mac == IMPLICIT_MAC
    non_aead = negotiate(replace(client, cipher_c2s=("aes128-ctr",)), server, require_mac_with_aead=False)
    assert isinstance(non_aead, NoOverlap)
    assert non_aead.category == "mac_c2s"


def test_aead_makes_the_mac_implicit_even_when_macs_overlap() -> None:
    """RFC 5647 / OpenSSH: with an AEAD cipher no MAC is used, overlap or not; Paramiko still picks one."""
    client = replace(CLIENT, cipher_c2s=("aes256-gcm@openssh.com",), cipher_s2c=("aes256-gcm@openssh.com",))
    rfc = negotiate(client, SERVER, require_mac_with_aead=False)
    assert isinstance(rfc, Negotiated)
    assert rfc.mac == IMPLICIT_MAC
    paramiko = negotiate(client, SERVER)
    assert isinstance(paramiko, Negotiated)
    assert paramiko.mac == "hmac-sha1"


def test_prediction_uses_paramikos_mac_rule() -> None:
    """predict() models Paramiko: an AES-GCM-only server without a shared MAC is "no acceptable macs"."""
    server = replace(
        SERVER,
        cipher_c2s=("aes256-gcm@openssh.com",),
        cipher_s2c=("aes256-gcm@openssh.com",),
        mac_c2s=("umac-128-etm@openssh.com",),
        mac_s2c=("umac-128-etm@openssh.com",),
    )
    prediction = predict("5.1.0", server)
    assert prediction.negotiated is None
    assert prediction.failure is not None
    assert prediction.failure.category == "mac_c2s"


def test_host_key_must_suit_the_kex() -> None:
    """RFC 4253 §7.1: a kex is chosen only with a compatible host-key algorithm; "null" suits GSS kex only."""
    client = replace(CLIENT, kex=("diffie-hellman-group14-sha256", "gss-group14-sha256-toWM5Slw5Ew8Mqkay+al2g=="))
    client = replace(client, host_key=("null", "ssh-ed25519"))
    server = replace(SERVER, kex=client.kex, host_key=("null",))
    result = negotiate(client, server)
    assert isinstance(result, Negotiated)
    assert result.kex.startswith("gss-")
    assert result.host_key == "null"
    non_gss = negotiate(replace(client, kex=client.kex[:1]), replace(server, kex=client.kex[:1]))
    assert isinstance(non_gss, NoOverlap)
    assert non_gss.category == "host_key"


# --------------------------------------------------------------------------- the lab outcomes on record


@dataclass(frozen=True)
class LabOutcome:
    profile: str
    server: Offered
    outcome: devices.Outcome


def _lab_outcomes() -> list[LabOutcome]:
    """Every recorded handshake outcome with the lists the emulated server sent."""
    outcomes = []
    for profile in devices.profiles().values():
        server = profile.emulated_offer()
        if server is not None:
            outcomes += [LabOutcome(profile.id, server, outcome) for outcome in profile.outcomes]
    return outcomes


LAB = _lab_outcomes()


def test_every_lab_outcome_was_read() -> None:
    emulated = [p for p in devices.profiles().values() if p.emulated_offer() is not None]
    assert len(emulated) >= 17
    assert len(LAB) == sum(len(p.outcomes) for p in emulated) >= 7 * 17
    assert {o.outcome.paramiko for o in LAB} >= {"2.4.3", "2.8.1", "2.12.0", "3.5.1", "4.0.0", "5.0.0", "5.1.0"}


@pytest.mark.parametrize("lab", LAB, ids=[f"{o.profile}-{o.outcome.paramiko}" for o in LAB])
def test_prediction_matches_the_lab(lab: LabOutcome) -> None:
    """Every recorded real-handshake outcome (fixtures/devices) is what predict() says from our data."""
    outcome = lab.outcome
    prediction = predict(outcome.paramiko, lab.server)
    if outcome.ok:
        assert prediction.negotiated is not None, prediction.failure
        assert (prediction.negotiated.kex, prediction.negotiated.host_key) == (outcome.kex, outcome.host_key)
    else:
        assert prediction.failure is not None
        assert outcome.failure is not None
        # A cipher or MAC failure is per direction (``mac_c2s``); the lab records the category.
        assert prediction.failure.category.removesuffix("_c2s").removesuffix("_s2c") == outcome.failure
