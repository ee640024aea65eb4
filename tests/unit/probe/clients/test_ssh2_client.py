"""ssh2-python (libssh2) offer data and failure mapping."""

from __future__ import annotations

import json

import pytest
from packaging.version import Version

from auditor.device_model import DeviceStatus, Offered
from auditor.errors import AuditorError
from auditor.probe.clients import EnvironmentRequest, client_for_package, get_client
from auditor.probe.clients.ssh2 import offers
from auditor.probe.clients.ssh2.verify import classify, negotiated_from_report
from auditor.probe.negotiation import IMPLICIT_MAC, predict
from auditor.rules_data import rules_dir


def test_data_is_dated_and_complete() -> None:
    document = json.loads((rules_dir() / offers.DATA_FILE).read_text(encoding="utf-8"))
    assert document["generated_by"].startswith("scripts/gen_client_offers.py ssh2") and document["generated_at"]
    for version, data in document["releases"].items():
        Version(version)
        assert data["client_banner"] == f"SSH-2.0-libssh2_{data['libssh2']}", version
        assert data["strict_kex"] == ("kex-strict-c-v00@openssh.com" in data["offered"]["kex"]), version
    client = client_for_package("ssh2-python")
    assert client is not None and client.name == "ssh2"


def test_unknown_release() -> None:
    with pytest.raises(AuditorError, match=r"ssh2-python 9\.0\.0: no algorithm data"):
        offers.client_offer("9.0.0")


def _server(cipher: str, mac: str) -> Offered:
    return Offered(
        kex=("curve25519-sha256",),
        host_key=("ssh-ed25519",),
        cipher_c2s=(cipher,),
        cipher_s2c=(cipher,),
        mac_c2s=(mac,),
        mac_s2c=(mac,),
        compression_c2s=("none",),
        compression_s2c=("none",),
    )


def test_aes_gcm_without_a_common_mac_but_not_chacha20() -> None:
    """libssh2 1.11.1: AES-GCM is INTEGRATED (no MAC needed), ChaCha20-Poly1305 still wants a common MAC."""
    gcm = predict("1.2.0.post1", _server("aes128-gcm@openssh.com", "umac-128-etm@openssh.com"), "ssh2")
    assert gcm.status is DeviceStatus.COMPATIBLE and gcm.negotiated is not None
    assert gcm.negotiated.mac == IMPLICIT_MAC
    chacha = predict("1.2.0.post1", _server("chacha20-poly1305@openssh.com", "umac-128-etm@openssh.com"), "ssh2")
    assert chacha.failure is not None and chacha.failure.category == "mac_c2s"


@pytest.mark.parametrize(
    ("report", "status"),
    [
        ({"connected": True}, DeviceStatus.COMPATIBLE),
        (
            {"connected": False, "error": "KexFailureError: Unable to exchange encryption keys"},
            DeviceStatus.INCOMPATIBLE,
        ),
        ({"connected": False, "error": "connect: Connection refused"}, DeviceStatus.UNREACHABLE),
        ({"connected": False, "error": "Timeout: Timed out waiting on socket"}, DeviceStatus.UNREACHABLE),
        ({"connected": False, "error": "HostkeySignError: Unable to verify hostkey signature"}, DeviceStatus.ERROR),
        (None, DeviceStatus.UNREACHABLE),
    ],
)
def test_classify(report: dict[str, object] | None, status: DeviceStatus) -> None:
    assert classify(report, 5.0)[0] is status


def test_negotiated_from_session_methods() -> None:
    report = {
        "negotiated": {
            "kex": "curve25519-sha256",
            "host_key": "ssh-ed25519",
            "cipher": "aes128-gcm@openssh.com",
            "mac": "INTEGRATED-AES-GCM",
            "compression": "none",
        }
    }
    negotiated = negotiated_from_report(report)
    assert negotiated is not None and negotiated.mac == IMPLICIT_MAC and negotiated.kex == "curve25519-sha256"
    assert negotiated_from_report({"negotiated": None}) is None


def test_environment_without_verify_names_the_libssh2() -> None:
    environment = get_client("ssh2").environment(EnvironmentRequest("1.2.0.post1"), verify=False)
    assert environment.backend == (("libssh2", "1.11.1"),)
