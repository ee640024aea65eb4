"""The system OpenSSH client: ``ssh -V``/``ssh -G`` of the real binary, the debug-output mapping, host-key order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from auditor.device_model import DeviceStatus
from auditor.errors import AuditorError, ConfigError
from auditor.probe.clients import EnvironmentRequest, get_client
from auditor.probe.clients.openssh import OpenSSHClient, offers
from auditor.probe.clients.openssh.verify import classify, failed_category, negotiated_from_debug
from auditor.probe.negotiation import IMPLICIT_MAC
from auditor.rules_data import rules_dir

needs_ssh = pytest.mark.skipif(shutil.which("ssh") is None, reason="no OpenSSH client on PATH")


@needs_ssh
def test_installed_release_from_ssh_v() -> None:
    client = get_client("openssh")
    environment = client.environment(EnvironmentRequest("installed"), verify=True)
    assert environment.client == "openssh" and environment.python == Path(shutil.which("ssh") or "")
    assert environment.version[0].isdigit() and environment.source.startswith("ssh -V of ")
    assert environment.version in client.known_releases()


@needs_ssh
def test_ssh_config_lines_change_the_offer(tmp_path: Path) -> None:
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host cisco-*\n    KexAlgorithms +diffie-hellman-group14-sha1\n    HostKeyAlgorithms +ssh-rsa\n",
        encoding="utf-8",
    )
    client = OpenSSHClient(config=config)
    version = client.installed_version()
    inside = client.offer_for_host(version, "cisco-r1", 22)
    outside = client.offer_for_host(version, "juniper-r1", 22)
    assert "diffie-hellman-group14-sha1" in inside.kex and "ssh-rsa" in inside.host_key
    assert "diffie-hellman-group14-sha1" not in outside.kex
    # ssh -G never prints the pseudo-algorithms; the captured KEXINIT supplies them, last.
    assert inside.kex[-1] in offers.MARKERS and "ext-info-c" in inside.kex


@needs_ssh
def test_a_broken_ssh_config_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "ssh_config"
    config.write_text("KexAlgorithms nothing-real\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ssh_config: ssh -G .* failed"):
        OpenSSHClient(config=config).offer_for_host(OpenSSHClient().installed_version(), "r1", 22)


def test_a_binary_that_is_not_openssh(tmp_path: Path) -> None:
    fake = tmp_path / "ssh"
    fake.write_text("#!/bin/sh\necho 'PuTTY Release 0.81' >&2\n", encoding="utf-8")
    fake.chmod(0o755)
    with pytest.raises(ConfigError, match="not an OpenSSH version; pass --ssh-binary"):
        OpenSSHClient(fake).environment(EnvironmentRequest("installed"), verify=False)


def test_recorded_release_data() -> None:
    document = json.loads((rules_dir() / offers.DATA_FILE).read_text(encoding="utf-8"))
    assert document["generated_by"].startswith("scripts/gen_client_offers.py") and document["generated_at"]
    for version, data in document["releases"].items():
        assert data["ssh_v"].startswith(f"OpenSSH_{version}")
        assert data["strict_kex"] == ("kex-strict-c-v00@openssh.com" in data["offered"]["kex"])
        assert [n for n in data["offered"]["kex"] if n not in offers.MARKERS] == data["ssh_g"]["kexalgorithms"].split(
            ","
        )
    with pytest.raises(AuditorError, match=r"openssh 1\.0: no captured offer"):
        offers.recorded_offer("1.0")


def test_host_keys_of_known_types_go_first() -> None:
    default = ("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256")
    assert offers.order_host_keys(default, ["ssh-rsa"]) == (
        "rsa-sha2-512",
        "rsa-sha2-256",
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
    )
    assert offers.order_host_keys(default, []) == default
    assert offers.key_type("rsa-sha2-256-cert-v01@openssh.com") == "ssh-rsa"


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Unable to negotiate with 10.0.0.1 port 22: no matching key exchange method found. Their offer: x", "kex"),
        (
            "Unable to negotiate with 10.0.0.1 port 22: no matching host key type found. Their offer: ssh-rsa",
            "host_key",
        ),
        ("Unable to negotiate with 10.0.0.1 port 22: no matching cipher found. Their offer: aes128-cbc", "cipher_c2s"),
        ("Unable to negotiate with 10.0.0.1 port 22: no matching MAC found. Their offer: hmac-md5", "mac_c2s"),
        ("ssh: connect to host 10.0.0.1 port 22: Connection refused", None),
    ],
)
def test_failed_category(line: str, category: str | None) -> None:
    assert failed_category(line) == category


@pytest.mark.parametrize(
    ("stderr", "code", "status"),
    [
        ("debug1: SSH2_MSG_NEWKEYS received\nroot@r1: Permission denied (publickey).\n", 255, DeviceStatus.COMPATIBLE),
        (
            "Unable to negotiate with r1 port 22: no matching host key type found. Their offer: ssh-rsa\n",
            255,
            DeviceStatus.INCOMPATIBLE,
        ),
        ("ssh: connect to host r1 port 22: Connection refused\n", 255, DeviceStatus.UNREACHABLE),
        ("kex_exchange_identification: Connection closed by remote host\n", 255, DeviceStatus.UNREACHABLE),
        (
            "@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\nHost key verification failed.\n",
            255,
            DeviceStatus.ERROR,
        ),
        ("", None, DeviceStatus.UNREACHABLE),
    ],
)
def test_classify(stderr: str, code: int | None, status: DeviceStatus) -> None:
    assert classify(stderr, code, 5.0)[0] is status


def test_negotiated_from_debug() -> None:
    stderr = (
        "debug1: kex: algorithm: curve25519-sha256\n"
        "debug1: kex: host key algorithm: ssh-ed25519\n"
        "debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none\n"
        "debug1: kex: client->server cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none\n"
    )
    negotiated = negotiated_from_debug(stderr)
    assert negotiated is not None
    assert (negotiated.kex, negotiated.host_key, negotiated.mac) == ("curve25519-sha256", "ssh-ed25519", IMPLICIT_MAC)
    assert negotiated_from_debug("debug1: kex: algorithm: (no match)\n") is None
