"""Rule terrapin-exposed (CVE-2023-48795) on values: modes, both sides' strict-kex markers, per client verdict."""

from __future__ import annotations

from typing import Any

import pytest
from packaging.version import Version

from auditor.checks.context import RuleContext
from auditor.checks.device_rules.terrapin import (
    TerrapinExposed,
    client_strict_kex,
    parse_strict_kex,
    strict_kex_facts,
)
from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated, Offered, Verdict
from auditor.model import Severity
from auditor.probe.clients import CLIENTS

STRICT_S = "kex-strict-s-v00@openssh.com"


def _offered(*, strict: bool, ciphers: tuple[str, ...], macs: tuple[str, ...]) -> Offered:
    kex = ("curve25519-sha256@libssh.org", *((STRICT_S,) if strict else ()))
    return Offered(
        kex=kex,
        host_key=("ssh-ed25519",),
        cipher_c2s=ciphers,
        cipher_s2c=ciphers,
        mac_c2s=macs,
        mac_s2c=macs,
        compression_c2s=("none",),
        compression_s2c=("none",),
    )


def _result(offered: Offered | None, *verdicts: Verdict, banner: str = "SSH-2.0-OpenSSH_9.2p1") -> DeviceResult:
    return DeviceResult(
        device=Device("r1", "192.0.2.1"),
        status=DeviceStatus.COMPATIBLE,
        banner=banner,
        offered=offered,
        strict_kex=None if offered is None else STRICT_S in offered.kex,
        verdicts=verdicts,
    )


def _verdict(client: str, version: str, cipher: str, mac: str, *, verified: bool = False) -> Verdict:
    negotiated = Negotiated("curve25519-sha256@libssh.org", "ssh-ed25519", cipher, mac)
    return Verdict(client, version, DeviceStatus.COMPATIBLE, negotiated=negotiated, verified=verified)


def _find(result: DeviceResult) -> list[Any]:
    return TerrapinExposed().find_one(result, RuleContext(devices=(result,)))


@pytest.mark.parametrize(
    ("cipher", "mac", "exposed"),
    [
        ("chacha20-poly1305@openssh.com", "hmac-sha2-256", True),
        ("aes128-cbc", "hmac-sha2-256-etm@openssh.com", True),
        ("3des-cbc", "hmac-sha1-etm@openssh.com", True),
        ("aes128-ctr", "hmac-sha2-256-etm@openssh.com", False),
        ("aes128-cbc", "hmac-sha2-256", False),
        ("aes256-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com", False),
    ],
)
def test_exposed_modes(cipher: str, mac: str, exposed: bool) -> None:
    assert strict_kex_facts().exposed(Negotiated("k", "h", cipher, mac)) is exposed


def test_paramiko_strict_kex_from_the_captured_kexinits_agrees_with_the_recorded_release() -> None:
    """rules/strict-kex.toml says 3.4.0; every captured client KEXINIT from 3.4.0 on carries the marker, none before."""
    paramiko = CLIENTS["paramiko"]
    since = Version(strict_kex_facts().clients["paramiko"].since)
    for release in paramiko.known_releases():
        assert client_strict_kex("paramiko", release) is (Version(release) >= since), release


@pytest.mark.parametrize(
    ("client", "version", "expected"),
    [
        ("asyncssh", "2.14.1", False),
        ("asyncssh", "2.14.2", True),
        ("libssh", "0.9.7", False),
        ("libssh", "0.9.8", True),
        ("libssh", "0.10.5", False),
        ("libssh", "0.10.6", True),
        ("openssh", "9.5", False),
        ("openssh", "9.6", True),
        ("unknown-client", "1.0", None),
        ("asyncssh", "not-a-version", None),
    ],
)
def test_strict_kex_by_release_for_clients_without_captures(client: str, version: str, expected: bool | None) -> None:
    assert client_strict_kex(client, version) is expected


def test_chacha20_without_strict_kex_is_exposed_for_a_release_without_it_only() -> None:
    offered = _offered(strict=True, ciphers=("chacha20-poly1305@openssh.com", "aes128-ctr"), macs=("hmac-sha2-256",))
    old = _verdict("asyncssh", "2.14.1", "chacha20-poly1305@openssh.com", "hmac-sha2-256")
    new = _verdict("asyncssh", "2.14.2", "chacha20-poly1305@openssh.com", "hmac-sha2-256")
    (finding,) = _find(_result(offered, old, new))
    assert finding.rule == "terrapin-exposed" and finding.severity is Severity.WARNING
    assert finding.key == "asyncssh" and finding.package == "asyncssh" and finding.device == "r1"
    assert "asyncssh 2.14.1 negotiates chacha20-poly1305@openssh.com (predicted)" in finding.message
    assert "(client no, server yes)" in finding.message
    assert finding.fix.startswith("upgrade asyncssh to >=2.14.2 (strict kex; https://asyncssh.readthedocs.io/")
    assert "keep chacha20-poly1305@openssh.com out of the negotiation" in finding.fix
    assert "disabled_algorithms" not in finding.fix  # that option is paramiko's


def test_a_server_without_strict_kex_is_exposed_for_every_release() -> None:
    offered = _offered(strict=False, ciphers=("aes128-cbc",), macs=("hmac-sha2-256-etm@openssh.com",))
    verdict = _verdict("paramiko", "5.1.0", "aes128-cbc", "hmac-sha2-256-etm@openssh.com", verified=True)
    (finding,) = _find(_result(offered, verdict))
    assert "(client yes, server no)" in finding.message and "(verified)" in finding.message
    assert finding.fix.startswith(
        "on the device (OpenSSH): OpenSSH 9.6 or later (or a vendor build that backports strict kex) "
        "advertises kex-strict-s-v00@openssh.com (https://www.openssh.com/txt/release-9.6); or keep "
    )
    # Dropping the EtM MAC would leave the device no MAC: no device-side list is suggested.
    assert "MACs" not in finding.fix


def test_both_sides_with_strict_kex_or_an_unexposed_mode_are_fine() -> None:
    offered = _offered(strict=True, ciphers=("aes128-cbc",), macs=("hmac-sha2-256-etm@openssh.com",))
    assert _find(_result(offered, _verdict("paramiko", "3.4.0", "aes128-cbc", "hmac-sha2-256-etm@openssh.com"))) == []
    ctr = _offered(strict=False, ciphers=("aes128-ctr",), macs=("hmac-sha2-256-etm@openssh.com",))
    assert _find(_result(ctr, _verdict("paramiko", "3.3.1", "aes128-ctr", "hmac-sha2-256-etm@openssh.com"))) == []


def test_nothing_is_judged_without_the_servers_kexinit_or_a_negotiation() -> None:
    verdict = _verdict("paramiko", "3.3.1", "aes128-cbc", "hmac-sha2-256-etm@openssh.com")
    assert _find(_result(None, verdict)) == []
    offered = _offered(strict=False, ciphers=("aes128-cbc",), macs=("hmac-sha2-256-etm@openssh.com",))
    failed = Verdict("paramiko", "5.1.0", DeviceStatus.INCOMPATIBLE)
    assert _find(_result(offered, failed)) == []


def test_iosxe_gets_the_mac_line_without_the_etm_macs() -> None:
    offered = _offered(
        strict=True,
        ciphers=("aes128-ctr", "aes128-cbc"),
        macs=("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256"),
    )
    offered = Offered(**{**offered.__dict__, "kex": ("ecdh-sha2-nistp256", STRICT_S)})
    verdict = _verdict("paramiko", "3.3.1", "aes128-cbc", "hmac-sha2-256-etm@openssh.com")
    (finding,) = _find(_result(offered, verdict, banner="SSH-2.0-Cisco-1.25"))
    assert "or on the device: ip ssh server algorithm mac hmac-sha2-256 (https://" in finding.fix


def test_the_primary_clients_v1_fields_are_judged_when_there_are_no_verdicts() -> None:
    offered = _offered(strict=True, ciphers=("aes128-cbc",), macs=("hmac-sha2-256-etm@openssh.com",))
    result = DeviceResult(
        device=Device("r1", "192.0.2.1"),
        status=DeviceStatus.COMPATIBLE,
        offered=offered,
        paramiko="3.3.1",
        negotiated=Negotiated(
            "curve25519-sha256@libssh.org", "ssh-ed25519", "aes128-cbc", "hmac-sha2-256-etm@openssh.com"
        ),
    )
    (finding,) = _find(result)
    assert finding.key is None  # the primary client's device findings carry no key


@pytest.mark.parametrize("missing", ["cve", "client", "cbc_ciphers"])
def test_a_broken_strict_kex_file_is_rejected(missing: str) -> None:
    from auditor.rules_data import load_toml

    data = dict(load_toml("strict-kex.toml"))
    del data[missing]
    with pytest.raises(ValueError, match=missing):
        parse_strict_kex(data)
