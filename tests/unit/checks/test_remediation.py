"""Remediation on both sides of incompatible-device (rules/remediation.toml), on the device profiles' lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.checks.device_rules.devices import incompatible_finding
from auditor.checks.device_rules.remediation import (
    CATEGORY_OF,
    client_extra,
    device_advice,
    parse_remediation,
    remediation_data,
)
from auditor.device_model import Device, DeviceResult, Offered
from auditor.lab import load_profiles
from auditor.model import LockedPackage, Lockfile
from auditor.probe.algorithms import client_offer
from auditor.probe.negotiation import predict
from auditor.probe.platforms import platform_table, recognize
from tests.devices import profiles

RELEASES = ("2.4.3", "2.8.1", "3.3.1", "3.5.1", "4.0.0", "5.0.0", "5.1.0")

IOS15 = Offered(
    kex=("diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"),
    host_key=("ssh-rsa",),
    cipher_c2s=("aes128-ctr", "aes256-ctr", "aes128-cbc"),
    cipher_s2c=("aes128-ctr", "aes256-ctr", "aes128-cbc"),
    mac_c2s=("hmac-sha1", "hmac-sha1-96"),
    mac_s2c=("hmac-sha1", "hmac-sha1-96"),
    compression_c2s=("none",),
    compression_s2c=("none",),
)


def _result(offered: Offered, paramiko: str, banner: str | None, device_type: str | None = None) -> DeviceResult:
    device = Device(name="r1", host="192.0.2.1", device_type=device_type)
    status = predict(paramiko, offered).status
    return DeviceResult(device, status, banner=banner, offered=offered, paramiko=paramiko)


def _lock(**packages: str) -> Lockfile:
    return Lockfile(
        path=Path("uv.lock"),
        format="uv",
        packages={name: LockedPackage(name=name, version=version) for name, version in packages.items()},
    )


def _cases() -> list[tuple[str, str, Offered, str | None, str | None]]:
    """Every lab and fixture device × release that is incompatible: (id, release, offer, banner, device_type)."""
    out: list[tuple[str, str, Offered, str | None, str | None]] = []
    for lab in load_profiles().values():
        out += [(lab.id, v, lab.offered, lab.banner, lab.device_type) for v in RELEASES]
    for device in profiles().values():
        offer = device.emulated_offer()
        if offer is not None:
            out += [(device.id, v, offer, device.banner, None) for v in RELEASES]
    return [c for c in out if predict(c[1], c[2]).failure is not None]


CASES = _cases()


@pytest.mark.parametrize(("profile", "release", "offered", "banner", "device_type"), CASES)
def test_a_device_side_fix_names_only_what_the_platform_can_take(
    profile: str, release: str, offered: Offered, banner: str | None, device_type: str | None
) -> None:
    result = _result(offered, release, banner, device_type)
    fix = incompatible_finding(result).fix
    assert fix is not None
    assert not fix.startswith(("or ", "; ")) and "; or" not in fix and " or ;" not in fix
    failure = predict(release, offered).failure
    assert failure is not None
    platform = recognize(banner, offered, device_type)
    advice = device_advice(platform, failure.category, failure.client, failure.server, banner)
    if advice is None or platform is None:
        return
    remedies = [
        r for r in remediation_data().remedies.get(platform.id, ()) if r.category == CATEGORY_OF[failure.category]
    ]
    named = set(failure.client) & {n for r in remedies for n in r.offers}
    suggested = [n for n in failure.client if n in advice.text.replace(",", " ").split()]
    assert set(suggested) <= named, (profile, release, advice.text)
    assert advice.source in fix and advice.source.startswith("https://")


def test_classic_ios_gets_a_pin_and_an_ios_fix_never_ml_kem() -> None:
    fix = incompatible_finding(_result(IOS15, "5.1.0", "SSH-2.0-Cisco-1.25", "cisco_ios")).fix
    assert fix is not None
    assert fix.startswith("pin paramiko<5 (5.0.0 is the first release that cannot negotiate with it); ")
    assert "on the device (Cisco IOS or IOS-XE 16, SHA-1-era SSH server, high certainty)" in fix
    assert "IOS-XE 17.x" in fix and "mlkem" not in fix and "sntrup" not in fix


def test_iosxe17_gets_the_ip_ssh_server_algorithm_line_keeping_todays_list() -> None:
    lab = load_profiles()["cisco_iosxe_17_12plus"]
    fix = incompatible_finding(_result(lab.offered, "2.4.3", lab.banner, lab.device_type)).fix
    assert fix is not None
    assert fix.startswith("upgrade to paramiko>=2.5.0 (the first later release that negotiates with it); ")
    assert (
        "ip ssh server algorithm mac hmac-sha2-256 hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com" in fix
    )


def test_the_dangling_or_is_gone_when_no_release_pin_applies() -> None:
    """The old hint read 'or enable a macs ...' when no older release negotiated."""
    lab = load_profiles()["cisco_iosxe_17_12plus"]
    result = _result(lab.offered, "2.4.3", None)  # no banner: the platform is not recognized
    fix = incompatible_finding(result).fix
    assert fix is not None and not fix.startswith("or")
    assert "on the device (platform not recognized): enable a macs paramiko 2.4.3 offers" in fix


def test_openssh_gets_sshd_config_with_names_its_release_has() -> None:
    offered = Offered(kex=("diffie-hellman-group14-sha1",), host_key=("ssh-rsa",), cipher_c2s=("aes128-ctr",))
    old = device_advice(
        recognize("SSH-2.0-OpenSSH_7.2", offered), "kex", client_offer("5.1.0").kex, offered.kex, "SSH-2.0-OpenSSH_7.2"
    )
    new = device_advice(
        recognize("SSH-2.0-OpenSSH_9.9", offered), "kex", client_offer("5.1.0").kex, offered.kex, "SSH-2.0-OpenSSH_9.9"
    )
    assert old is not None and new is not None
    assert old.text == "KexAlgorithms curve25519-sha256@libssh.org,diffie-hellman-group14-sha1"
    assert new.text == "KexAlgorithms mlkem768x25519-sha256,diffie-hellman-group14-sha1"


def test_markers_are_never_configured() -> None:
    offered = ("curve25519-sha256", "kexguess2@matt.ucc.asn.au", "kex-strict-s-v00@openssh.com")
    advice = device_advice(
        recognize("SSH-2.0-OpenSSH_9.2", None), "kex", ("ecdh-sha2-nistp256",), offered, "SSH-2.0-OpenSSH_9.2"
    )
    assert advice is not None and advice.text == "KexAlgorithms ecdh-sha2-nistp256,curve25519-sha256"


def test_an_unknown_platform_or_category_gives_nothing() -> None:
    assert device_advice(None, "kex", ("curve25519-sha256",), ()) is None
    huawei = recognize("SSH-2.0-HUAWEI-1.5", None)
    assert huawei is not None and device_advice(huawei, "host_key", ("rsa-sha2-512",), ("ssh-rsa",)) is None


@pytest.mark.parametrize(
    ("netmiko", "expected"),
    [("4.8.0", True), ("4.9.1", True), ("4.7.0", False), ("4.4.0", False)],
)
def test_netmiko_par4_is_offered_where_the_locked_netmiko_has_it(netmiko: str, expected: bool) -> None:
    lock = _lock(netmiko=netmiko, paramiko="5.1.0")
    result = _result(IOS15, "5.1.0", "SSH-2.0-Cisco-1.25")
    fix = incompatible_finding(result, lock).fix
    assert fix is not None
    assert (
        "or require netmiko[par4] (netmiko " + netmiko + "'s extra that holds paramiko<5.0,>=4.0" in fix
    ) is expected
    from packaging.version import Version

    assert (client_extra(lock, "paramiko", Version("5.0.0")) is not None) is expected


def test_no_extra_when_it_would_not_exclude_the_breaking_release() -> None:
    from packaging.version import Version

    assert client_extra(_lock(netmiko="4.8.0"), "paramiko", Version("4.0.0")) is None
    assert client_extra(None, "paramiko", Version("5.0.0")) is None


def test_every_remediation_platform_is_a_recognized_platform() -> None:
    ids = {entry.id for entry in platform_table()}
    data = remediation_data()
    assert set(data.remedies) <= ids
    for remedies in data.remedies.values():
        for remedy in remedies:
            assert remedy.source.startswith("https://")
            assert set(remedy.since or {}) <= set(remedy.offers)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"platform": [{"id": "x", "remedy": [{"category": "kex", "offers": ["a"]}]}]}, "missing"),
        (
            {"platform": [{"id": "x", "upgrade": [{"category": "ciphers", "text": "t", "source": "s"}]}]},
            "unknown category",
        ),
        (
            {
                "platform": [
                    {"id": "x", "remedy": [{"category": "kex", "offers": ["a", "b"], "line": "fixed", "source": "s"}]}
                ]
            },
            "exactly one name",
        ),
    ],
)
def test_a_broken_remediation_file_is_rejected(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_remediation(data)
