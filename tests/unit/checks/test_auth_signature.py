"""Rule auth-signature on values: server-sig-algs (or its absence) against each Paramiko release's RSA signatures."""

from __future__ import annotations

import pytest

from auditor.checks.context import RuleContext
from auditor.checks.device_rules.auth_signature import AuthSignature, rsa_signatures
from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated, Offered, Verdict
from auditor.model import Finding

NEGOTIATED = Negotiated("curve25519-sha256@libssh.org", "ecdsa-sha2-nistp256", "aes128-ctr", "hmac-sha2-256")


def _result(
    server_sig_algs: tuple[str, ...] | None, *versions: str, host_key: tuple[str, ...] = ("ecdsa-sha2-nistp256",)
) -> DeviceResult:
    verdicts = tuple(
        Verdict("paramiko", v, DeviceStatus.COMPATIBLE, negotiated=NEGOTIATED, verified=True) for v in versions
    )
    return DeviceResult(
        device=Device("r1", "192.0.2.1"),
        status=DeviceStatus.COMPATIBLE,
        offered=Offered(kex=("curve25519-sha256@libssh.org",), host_key=host_key),
        verdicts=verdicts,
        server_sig_algs=server_sig_algs,
    )


def _find(result: DeviceResult) -> list[Finding]:
    return AuthSignature().find_one(result, RuleContext(devices=(result,)))


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2.8.1", ("ssh-rsa",)),
        ("2.9.0", ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")),
        ("3.5.1", ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")),
        ("4.0.0", ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")),
        ("5.0.0", ("rsa-sha2-512", "rsa-sha2-256")),
        ("5.1.0", ("rsa-sha2-512", "rsa-sha2-256")),
    ],
)
def test_rsa_signatures_per_release_come_from_the_captured_kexinit(version: str, expected: tuple[str, ...]) -> None:
    assert rsa_signatures("paramiko", version) == expected


def test_unknown_clients_and_releases_are_not_judged() -> None:
    assert rsa_signatures("asyncssh", "2.21.0") is None
    assert rsa_signatures("paramiko", "0.1") is None
    assert rsa_signatures("paramiko", None) is None


def test_a_device_listing_only_ssh_rsa_is_reported_for_paramiko_5_not_4() -> None:
    (finding,) = _find(_result(("ssh-rsa", "ssh-ed25519"), "4.0.0", "5.1.0"))
    assert finding.rule == "auth-signature" and finding.key is None and finding.device == "r1"
    assert "paramiko 5.1.0 cannot work: server-sig-algs lists ssh-rsa;" in finding.message
    assert (
        finding.fix
        == "paramiko 4.0.0 signs ssh-rsa (pin paramiko<=4.0.0) or use a key the device verifies (ssh-ed25519)"
    )


def test_a_device_listing_only_rsa_sha2_is_reported_for_paramiko_before_2_9() -> None:
    (finding,) = _find(_result(("rsa-sha2-256", "rsa-sha2-512"), "2.8.1", "3.5.1"))
    assert "paramiko 2.8.1 cannot work: server-sig-algs lists rsa-sha2-256, rsa-sha2-512;" in finding.message
    assert "ssh-rsa only" in finding.message
    assert finding.fix == "no release or key type in the data signs what the device verifies"


def test_no_server_sig_algs_and_a_pre_rfc8332_host_key_list() -> None:
    """Dropbear 2019.78 with an ECDSA key: no EXT_INFO, host keys ecdsa + ssh-rsa; RSA user keys verify with ssh-rsa."""
    host_key = ("ecdsa-sha2-nistp256", "ssh-rsa")
    findings = _find(_result((), "2.8.1", "3.5.1", "5.1.0", host_key=host_key))
    assert [f.message.split("from ")[1].split(" cannot")[0] for f in findings] == ["paramiko 3.5.1", "paramiko 5.1.0"]
    workaround, none_left = findings
    assert workaround.fix == (
        "pass disabled_algorithms={'pubkeys': ['rsa-sha2-512', 'rsa-sha2-256']} (netmiko: disable_sha2_fix=True) to use ssh-rsa"
    )
    assert none_left.fix is not None and none_left.fix.startswith(
        "paramiko 4.0.0 signs ssh-rsa with disabled_algorithms={'pubkeys': ['rsa-sha2-512', 'rsa-sha2-256']}"
    )
    assert none_left.fix.endswith("or use an Ed25519 or ECDSA key if the device verifies one")


def test_no_server_sig_algs_but_rsa_sha2_host_keys_is_not_reported() -> None:
    assert _find(_result((), "5.1.0", host_key=("rsa-sha2-512", "ssh-rsa"))) == []


def test_nothing_is_judged_without_a_verified_reading() -> None:
    assert _find(_result(None, "5.1.0")) == []
    unverified = DeviceResult(
        device=Device("r1", "192.0.2.1"),
        status=DeviceStatus.COMPATIBLE,
        verdicts=(Verdict("paramiko", "5.1.0", DeviceStatus.COMPATIBLE, negotiated=NEGOTIATED, verified=False),),
        server_sig_algs=("ssh-rsa",),
    )
    assert _find(unverified) == []


def test_a_common_algorithm_is_fine() -> None:
    assert _find(_result(("rsa-sha2-256", "ssh-rsa"), "2.8.1", "3.5.1", "5.1.0")) == []
