"""The generated Paramiko algorithm data, checked against release facts from the changelogs (ssh-stack-facts.md)."""

from __future__ import annotations

import pytest
from packaging.version import Version

from auditor.errors import AuditorError
from auditor.probe.algorithms import client_offer, first_release_without, known_releases, supported


def test_every_release_from_2_0_9_to_5_1_0() -> None:
    releases = known_releases()
    assert releases[0] == "2.0.9"
    assert "5.1.0" in releases
    assert releases == sorted(releases, key=Version)
    for needed in ("2.4.3", "2.8.1", "2.9.5", "2.12.0", "3.4.0", "3.5.1", "4.0.0", "5.0.0", "5.0.1"):
        assert needed in releases


@pytest.mark.parametrize(
    ("algorithm", "category", "present_in", "absent_in"),
    [
        ("ecdh-sha2-nistp256", "kex", "2.2.0", "2.1.6"),
        ("ssh-ed25519", "host_key", "2.2.0", "2.1.6"),
        ("curve25519-sha256@libssh.org", "kex", "2.5.0", "2.4.3"),
        ("diffie-hellman-group16-sha512", "kex", "2.5.0", "2.4.3"),
        ("hmac-sha2-256-etm@openssh.com", "mac_c2s", "2.5.0", "2.4.3"),
        ("rsa-sha2-512", "host_key", "2.9.0", "2.8.1"),
        ("kex-strict-c-v00@openssh.com", "kex", "3.4.0", "3.3.2"),
        ("aes256-gcm@openssh.com", "cipher_s2c", "3.5.0", "3.4.1"),
        ("mlkem768x25519-sha256", "kex", "5.1.0", "5.0.1"),
    ],
)
def test_additions_match_the_changelog(algorithm: str, category: str, present_in: str, absent_in: str) -> None:
    assert algorithm in getattr(client_offer(present_in), category)
    assert algorithm not in getattr(client_offer(absent_in), category)


@pytest.mark.parametrize(
    ("algorithm", "category", "after", "removed_in"),
    [
        ("blowfish-cbc", "cipher", "2.10.6", "2.11.0"),
        ("ssh-dss", "host_key", "2.9.5", "4.0.0"),
        ("diffie-hellman-group14-sha1", "kex", "3.5.1", "5.0.0"),
        ("diffie-hellman-group-exchange-sha1", "kex", "2.0.9", "5.0.0"),
        ("diffie-hellman-group1-sha1", "kex", "4.0.0", "5.0.0"),
        ("ssh-rsa", "host_key", "4.0.0", "5.0.0"),
        ("aes128-cbc", "cipher", "2.0.9", None),
        ("hmac-sha1", "mac", "3.5.1", None),
        ("3des-cbc", "cipher_s2c", "4.0.0", None),
    ],
)
def test_first_release_without(algorithm: str, category: str, after: str, removed_in: str | None) -> None:
    assert first_release_without(algorithm, category, after) == removed_in


def test_5_1_0_prefers_mlkem_and_keeps_no_sha1_kex() -> None:
    offer = client_offer("5.1.0")
    assert offer.kex[0] == "mlkem768x25519-sha256"
    assert not [k for k in offer.kex if k.endswith("-sha1")]
    assert "ssh-rsa" not in offer.host_key
    assert "mlkem768x25519-sha256" in supported("5.1.0")["kex"]


def test_supported_is_a_superset_of_the_offer() -> None:
    for release in known_releases():
        offer, implemented = client_offer(release), supported(release)
        assert set(offer.cipher_c2s) <= set(implemented["cipher"]), release
        assert set(offer.mac_c2s) <= set(implemented["mac"]), release
        markers = {"ext-info-c", "kex-strict-c-v00@openssh.com"}
        assert set(offer.kex) - markers <= set(implemented["kex"]), release


def test_post_and_local_builds_map_to_their_release() -> None:
    assert client_offer("3.5.1+deb12") == client_offer("3.5.1")


@pytest.mark.parametrize(
    ("version", "reason"),
    [("9.9.9", "known: 2.0.9 to "), ("1.18.5", "no algorithm data"), ("not-a-version", "not a version number")],
)
def test_unknown_release(version: str, reason: str) -> None:
    with pytest.raises(AuditorError, match=reason):
        client_offer(version)


def test_unknown_category() -> None:
    with pytest.raises(ValueError, match="unknown algorithm category"):
        first_release_without("x", "languages", "2.0.9")
