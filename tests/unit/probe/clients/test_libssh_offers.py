"""libssh offer data (rules/clients/libssh.json), Ansible's widening settings, and the failure mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.version import Version

from auditor.device_model import DeviceStatus, Offered
from auditor.errors import AuditorError, ConfigError, UsageError
from auditor.probe.clients import EnvironmentRequest, client_for_package, get_client
from auditor.probe.clients.libssh import LibsshClient, offers
from auditor.probe.clients.libssh.verify import classify, failed_category, negotiated_from_log
from auditor.probe.negotiation import IMPLICIT_MAC, predict
from auditor.rules_data import load_toml, rules_dir
from auditor.sources.ansible_cfg import LibsshSettings, read_libssh_settings
from auditor.sources.ssh_config import ConfigOption

STRICT_C = "kex-strict-c-v00@openssh.com"


def test_registered_and_brought_in_by_ansible_pylibssh() -> None:
    assert get_client("libssh").name == "libssh"
    client = client_for_package("ansible_pylibssh")
    assert client is not None and client.name == "libssh"


def test_data_is_dated_sourced_and_complete() -> None:
    document = json.loads((rules_dir() / offers.DATA_FILE).read_text(encoding="utf-8"))
    assert document["generated_by"].startswith("scripts/gen_client_offers.py")
    assert len(document["generated_at"]) == 10 and document["sources"]
    for version, data in document["releases"].items():
        Version(version)
        assert data["client_banner"] == f"SSH-2.0-libssh_{data['libssh']}", version
        assert data["strict_kex"] == (STRICT_C in data["offered"]["kex"]), version
        assert set(data["offered"]["kex"]) - set(offers.MARKERS) <= set(data["supported"]["kex"]), version
        assert set(data["offered"]["host_key"]) <= set(data["supported"]["host_key"]), version


def test_strict_kex_agrees_with_the_libssh_release_that_brought_it() -> None:
    """rules/strict-kex.toml: libssh advertises strict kex since 0.10.6 (0.9.8 too); the captures agree."""
    since = next(c for c in load_toml("strict-kex.toml")["client"] if c["name"] == "libssh")
    for version in offers.known_releases():
        libssh = Version(offers.libssh_version(version) or "0")
        expected = libssh >= Version(since["since"]) or str(libssh) in since.get("also", [])
        assert (STRICT_C in offers.client_offer(version).kex) == expected, version


def test_unknown_release_names_the_known_range() -> None:
    with pytest.raises(AuditorError, match=r"ansible-pylibssh 9\.9\.9: no algorithm data .* 0\.1\.0 to"):
        offers.client_offer("9.9.9")
    assert offers.client_offer("1.4.0+local") == offers.client_offer("1.4.0")


@pytest.mark.parametrize(
    ("setting", "modifiers", "expected"),
    [
        ("+c,x", True, ("a", "b", "c")),
        ("-a", True, ("b",)),
        ("^c,b", True, ("c", "b", "a")),
        ("c,a,x", True, ("c", "a")),
        ("+c", False, ("a", "b")),
        ("x,y", True, ("a", "b")),
        ("", True, ("a", "b")),
    ],
)
def test_edit_list_follows_libssh_options_set(setting: str, modifiers: bool, expected: tuple[str, ...]) -> None:
    assert offers.edit_list(("a", "b"), setting, ("a", "b", "c"), modifiers=modifiers) == expected


def _settings(kex: str | None = None, hostkeys: str | None = None) -> LibsshSettings:
    def option(key: str, value: str | None) -> ConfigOption | None:
        return ConfigOption(Path("ansible.cfg"), 1, key, value) if value else None

    return LibsshSettings(option("key_exchange_algorithms", kex), option("hostkeys", hostkeys))


def test_widened_offer_only_where_the_release_takes_the_option() -> None:
    widened = LibsshClient(_settings("+diffie-hellman-group14-sha1", "+ssh-rsa")).offer("1.4.0")
    default = offers.client_offer("1.4.0")
    assert widened.kex[: len(default.kex) - 2] == default.kex[:-2]
    assert widened.kex[-3:] == ("diffie-hellman-group14-sha1", "ext-info-c", STRICT_C)
    assert widened.host_key[-1] == "ssh-rsa"
    # 1.2.2 has no key_exchange_algorithms and no modifiers: its offer stays the default.
    assert LibsshClient(_settings("+diffie-hellman-group14-sha1")).offer("1.2.2") == offers.client_offer("1.2.2")


def test_prediction_classic_ios_between_releases() -> None:
    ios = Offered(
        kex=("diffie-hellman-group14-sha1",),
        host_key=("ssh-rsa",),
        cipher_c2s=("aes128-ctr",),
        cipher_s2c=("aes128-ctr",),
        mac_c2s=("hmac-sha1",),
        mac_s2c=("hmac-sha1",),
        compression_c2s=("none",),
        compression_s2c=("none",),
    )
    assert predict("1.2.2", ios, "libssh").status is DeviceStatus.COMPATIBLE
    failed = predict("1.4.0", ios, "libssh")
    assert failed.failure is not None and failed.failure.category == "kex"
    assert "libssh 1.4.0 offers" in failed.failure.reason("1.4.0", "libssh")


def _device(kex: str, host_key: str, mac: str) -> Offered:
    return Offered(
        kex=(kex,),
        host_key=(host_key,),
        cipher_c2s=("aes128-ctr",),
        cipher_s2c=("aes128-ctr",),
        mac_c2s=(mac,),
        mac_s2c=(mac,),
        compression_c2s=("none",),
        compression_s2c=("none",),
    )


def test_hint_names_the_ansible_variables_and_ini_keys() -> None:
    client = LibsshClient()
    rsa_only = _device("curve25519-sha256", "ssh-rsa", "hmac-sha2-256")
    hint = client.widening_hint("1.4.0", rsa_only)
    assert hint == 'set ansible_libssh_hostkeys: "+ssh-rsa" (or hostkeys in [libssh_connection] of ansible.cfg)'
    both = client.widening_hint("1.4.0", _device("diffie-hellman-group14-sha1", "ssh-rsa", "hmac-sha2-256"))
    assert both == (
        'set ansible_libssh_key_exchange_algorithms: "+diffie-hellman-group14-sha1" and ansible_libssh_hostkeys: '
        '"+ssh-rsa" (or key_exchange_algorithms / hostkeys in [libssh_connection] of ansible.cfg)'
    )
    # Classic IOS also needs hmac-sha1, which no Ansible option turns on; DSA is gone from libssh 0.12 for good.
    assert client.widening_hint("1.4.0", _device("diffie-hellman-group14-sha1", "ssh-rsa", "hmac-sha1")) is None
    assert client.widening_hint("1.4.0", _device("curve25519-sha256", "ssh-dss", "hmac-sha2-256")) is None
    assert client.widening_hint("1.4.0", _device("curve25519-sha256", "ssh-ed25519", "hmac-sha2-256")) is None


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        ("ssh connect failed: kex error : no match for method kex algos: server [a], client [b]", "kex"),
        (
            "ssh connect failed: kex error : no match for method server host key algo: server [ssh-rsa], client [x]",
            "host_key",
        ),
        (
            "ssh connect failed: kex error : no match for method encryption client->server: server [a], client [b]",
            "cipher_c2s",
        ),
        (
            "ssh connect failed: kex error : no match for method mac algo client->server: server [a], client [b]",
            "mac_c2s",
        ),
        ("ssh connect failed: kex error : no match for method server host key algo", "host_key"),
        ("Failed to find any acceptable way to authenticate", None),
    ],
)
def test_failed_category(reason: str, category: str | None) -> None:
    assert failed_category(reason) == category


@pytest.mark.parametrize(
    ("report", "status"),
    [
        ({"connected": True, "error": "Failed to find any acceptable way to authenticate"}, DeviceStatus.COMPATIBLE),
        (
            {
                "connected": False,
                "error": "ssh connect failed: kex error : no match for method kex algos: server [a], client [b]",
            },
            DeviceStatus.INCOMPATIBLE,
        ),
        ({"connected": False, "error": "ssh connect failed: Connection refused"}, DeviceStatus.UNREACHABLE),
        ({"connected": False, "error": "ssh connect failed: Timeout connecting to 10.0.0.1"}, DeviceStatus.UNREACHABLE),
        ({"connected": False, "error": "ssh connect failed: Signature verification failed"}, DeviceStatus.ERROR),
        (None, DeviceStatus.UNREACHABLE),
    ],
)
def test_classify(report: dict[str, object] | None, status: DeviceStatus) -> None:
    assert classify(report, "", 5.0)[0] is status


def test_negotiated_from_a_libssh_log() -> None:
    """Both log shapes: 0.9's timestamped stderr line and 0.12's Python-logging line."""
    old = "[2026/12/02 03:42:22.692790, 2] ssh_kex_select_methods:  Negotiated curve25519-sha256,ssh-ed25519,aes256-gcm@openssh.com,aes256-gcm@openssh.com,aead-gcm,aead-gcm,none,none,,\n"
    new = "ssh_kex_select_methods: Negotiated diffie-hellman-group14-sha1,ssh-rsa,aes128-ctr,aes128-ctr,hmac-sha1,hmac-sha1,none,none,,\n"
    first = negotiated_from_log(old)
    assert first is not None and (first.kex, first.host_key, first.mac) == (
        "curve25519-sha256",
        "ssh-ed25519",
        IMPLICIT_MAC,
    )
    second = negotiated_from_log(new)
    assert second is not None and (second.cipher, second.mac) == ("aes128-ctr", "hmac-sha1")
    assert negotiated_from_log("nothing negotiated") is None


def test_ansible_cfg_settings_and_variable_precedence(tmp_path: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "ios.yml").write_text(
        'ansible_network_cli_ssh_type: libssh\nansible_libssh_hostkeys: "+ssh-rsa"\n', encoding="utf-8"
    )
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text(
        "[defaults]\nhost_key_checking = False\n\n[libssh_connection]\n"
        "key_exchange_algorithms = +diffie-hellman-group14-sha1\nhostkeys = ssh-ed25519\n",
        encoding="utf-8",
    )
    settings = read_libssh_settings(cfg)
    assert settings.key_exchange_algorithms is not None
    assert (settings.key_exchange_algorithms.line, settings.key_exchange_algorithms.block) == (5, "[libssh_connection]")
    assert settings.value("key_exchange_algorithms") == "+diffie-hellman-group14-sha1"
    assert settings.hostkeys is not None and settings.hostkeys.key == "ansible_libssh_hostkeys"
    assert settings.value("hostkeys") == "+ssh-rsa"
    assert settings.value("publickey_accepted_algorithms") is None


def test_ansible_cfg_that_is_not_ini(tmp_path: Path) -> None:
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("key_exchange_algorithms = x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ansible\.cfg: not a valid ansible\.cfg"):
        read_libssh_settings(cfg)


def test_environment_without_verify_settles_the_release_and_its_libssh() -> None:
    environment = get_client("libssh").environment(EnvironmentRequest("1.4.0"), verify=False)
    assert (environment.client, environment.version, environment.backend) == (
        "libssh",
        "1.4.0",
        (("libssh", "0.12.0"),),
    )
    with pytest.raises(UsageError, match="libssh locked: needs --project"):
        get_client("libssh").environment(EnvironmentRequest("locked"), verify=False)
    with pytest.raises(UsageError, match="expected installed, locked"):
        get_client("libssh").environment(EnvironmentRequest("latest"), verify=False)


def test_incompatible_device_fix_names_the_ansible_setting_first() -> None:
    """A libssh 1.4.0 verdict on an ssh-rsa-only device: the fix leads with Ansible's hostkeys, then the pin."""
    from auditor.checks.device_rules.devices import incompatible_finding
    from auditor.device_model import Device, DeviceResult

    offered = Offered(
        kex=("curve25519-sha256",),
        host_key=("ssh-rsa",),
        cipher_c2s=("aes128-ctr",),
        cipher_s2c=("aes128-ctr",),
        mac_c2s=("hmac-sha2-256",),
        mac_s2c=("hmac-sha2-256",),
        compression_c2s=("none",),
        compression_s2c=("none",),
    )
    result = DeviceResult(
        Device(name="r1", host="10.0.0.1", port=22), DeviceStatus.INCOMPATIBLE, offered=offered, paramiko="1.4.0"
    )
    finding = incompatible_finding(result, client="libssh")
    assert finding.fix is not None
    assert finding.fix.startswith('set ansible_libssh_hostkeys: "+ssh-rsa" (or hostkeys in [libssh_connection]')
    assert "pin ansible-pylibssh<1.3" in finding.fix
    assert " or or " not in finding.fix and not finding.fix.endswith("or")


def test_the_reason_leaves_the_lists_to_the_report() -> None:
    error = "ssh connect failed: kex error : no match for method kex algos: server [a,b], client [c,d]"
    assert classify({"connected": False, "error": error}, "", 5.0) == (
        DeviceStatus.INCOMPATIBLE,
        "ssh connect failed: kex error : no match for method kex algos",
    )
