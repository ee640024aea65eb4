"""The device profiles of ``fixtures/devices/`` are well formed and agree with themselves.

The lab outcomes in them are checked against our prediction in ``tests/unit/probe/test_negotiation.py``,
the OpenSSH emulations against captured KEXINIT payloads in ``tests/unit/probe/test_kexinit.py``.
"""

from __future__ import annotations

import pytest

from tests import devices

PROFILES = list(devices.profiles().values())
RELEASES = ("2.4.3", "2.8.1", "2.12.0", "3.5.1", "4.0.0", "5.0.0", "5.1.0")


def test_every_file_is_a_profile() -> None:
    assert len(PROFILES) == len(list(devices.DEVICES.glob("*.toml"))) >= 18
    assert len(EMULATED) >= 13
    assert {"cisco_ios15_classic", "cisco_nxos", "cisco_iosxe_17_12plus", "dropbear_2022_83"} <= set(devices.profiles())


@pytest.mark.parametrize("profile", PROFILES, ids=[p.id for p in PROFILES])
def test_profile_carries_its_sources_and_certainty(profile: devices.DeviceProfile) -> None:
    assert profile.origin in {"vendor", "dropbear-build", "ours"}
    if profile.origin != "ours":
        assert profile.sources and all(url.startswith(("https://", "http://")) for url in profile.sources)
    if profile.offered is not None:
        assert set(profile.certainty) == set(devices.CATEGORIES)
        allowed = {"ours"} if profile.origin == "ours" else {"high", "medium", "guess"}
        assert set(profile.certainty.values()) <= allowed
        assert all(profile.offered[c] for c in devices.CATEGORIES)
    assert set(profile.host_keys) <= set(devices.SERVABLE)


EMULATED = [p for p in PROFILES if p.sshd_config is not None and p.offered is not None]
"""OpenSSH emulations of pinned lists (not Dropbear builds, not OpenSSH's own defaults)."""


@pytest.mark.parametrize("profile", EMULATED, ids=[p.id for p in EMULATED])
def test_openssh_emulation_offers_the_device_lists(profile: devices.DeviceProfile) -> None:
    """The sshd_config lines are the device lists, in order, less only the names OpenSSH 9.2 lacks."""
    assert profile.sshd_config is not None and profile.offered is not None
    config = {line.split(None, 1)[0]: line.split(None, 1)[1] for line in profile.sshd_config}
    keywords = {"kex": "KexAlgorithms", "host_key": "HostKeyAlgorithms", "cipher": "Ciphers", "mac": "MACs"}
    offered_names = {n for c in devices.CATEGORIES for n in profile.offered[c]}
    assert set(profile.not_in_openssh) <= offered_names
    for category, keyword in keywords.items():
        expected = [n for n in profile.offered[category] if n not in profile.not_in_openssh]
        assert config[keyword].split(",") == expected, f"{profile.id} {category}"


@pytest.mark.parametrize("profile", PROFILES, ids=[p.id for p in PROFILES])
def test_outcomes_cover_every_release_and_name_offered_algorithms(profile: devices.DeviceProfile) -> None:
    assert tuple(o.paramiko for o in profile.outcomes) == RELEASES
    server = profile.emulated_offer()
    for outcome in profile.outcomes:
        if outcome.ok:
            assert outcome.kex is not None and outcome.host_key is not None, outcome
            if server is not None:
                assert outcome.kex in server.kex and outcome.host_key in server.host_key, outcome
        else:
            assert outcome.kex is None and outcome.host_key is None, outcome
            assert outcome.failure in devices.CATEGORIES, outcome
