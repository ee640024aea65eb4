"""Folding grab + prediction + handshake into a DeviceResult, and the device rules, on real values.

The offered lists are classic IOS 15's (device-profiles.md, ``cisco_ios15_classic``) and a modern
OpenSSH's; predictions come from the real data in ``rules/clients/paramiko.json``.
"""

from __future__ import annotations

from auditor.checks.device_rules.devices import device_findings, upper_bound
from auditor.device_model import Device, DeviceStatus, KexInit, Negotiated, Offered
from auditor.probe.negotiation import predict
from auditor.probe.results import Grabbed, HandshakeOutcome, ProtocolFailure, Unreachable
from auditor.probe.service import DISAGREEMENT, fold

IOS15 = Offered(
    kex=("diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"),
    host_key=("ssh-rsa",),
    cipher_c2s=("aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "3des-cbc", "aes192-cbc", "aes256-cbc"),
    cipher_s2c=("aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "3des-cbc", "aes192-cbc", "aes256-cbc"),
    mac_c2s=("hmac-sha1", "hmac-sha1-96"),
    mac_s2c=("hmac-sha1", "hmac-sha1-96"),
    compression_c2s=("none",),
    compression_s2c=("none",),
)
MODERN = Offered(
    kex=("curve25519-sha256", "curve25519-sha256@libssh.org", "kex-strict-s-v00@openssh.com"),
    host_key=("ssh-ed25519", "rsa-sha2-512"),
    cipher_c2s=("aes128-ctr",),
    cipher_s2c=("aes128-ctr",),
    mac_c2s=("hmac-sha2-256",),
    mac_s2c=("hmac-sha2-256",),
    compression_c2s=("none",),
    compression_s2c=("none",),
)
R1 = Device("r1", "192.0.2.1", 22)


def _grabbed(offered: Offered, device: Device = R1) -> Grabbed:
    kexinit = KexInit(
        cookie=bytes(16), offered=offered, languages_c2s=(), languages_s2c=(), first_kex_packet_follows=False
    )
    return Grabbed(device, "SSH-2.0-Cisco-1.25", kexinit, b"\x14", 0.01, "2026-11-20T10:00:00Z")


def test_incompatible_verified_and_agreeing() -> None:
    prediction = predict("5.1.0", IOS15)
    outcome = HandshakeOutcome(
        R1, DeviceStatus.INCOMPATIBLE, "5.1.0", reason="Incompatible ssh peer (no acceptable kex algorithm)"
    )
    result = fold(_grabbed(IOS15), prediction, outcome, "5.1.0", verify=True)
    assert result.status is DeviceStatus.INCOMPATIBLE and result.verified and result.predicted is None
    assert result.reasons[0].startswith(
        "no acceptable kex algorithm: server offers diffie-hellman-group-exchange-sha1, diffie-hellman-group14-sha1"
    )
    assert "verified by a real paramiko 5.1.0 handshake" in result.reasons[1]
    (finding,) = device_findings([result])
    assert finding.rule == "incompatible-device" and finding.severity.value == "error"
    assert finding.fix is not None and finding.fix.startswith("pin paramiko<5 ")


def test_disagreement_is_loud() -> None:
    prediction = predict("5.1.0", IOS15)  # data says: incompatible
    real = Negotiated("diffie-hellman-group14-sha1", "ssh-rsa", "aes128-ctr", "hmac-sha1")
    outcome = HandshakeOutcome(R1, DeviceStatus.COMPATIBLE, "5.1.0", negotiated=real, host_key_fingerprint="SHA256:x")
    result = fold(_grabbed(IOS15), prediction, outcome, "5.1.0", verify=True)
    assert result.status is DeviceStatus.COMPATIBLE  # reality wins
    assert result.predicted is DeviceStatus.INCOMPATIBLE
    assert result.reasons[0].startswith(DISAGREEMENT)


def test_compatible_with_different_negotiated_algorithms_is_a_disagreement_too() -> None:
    prediction = predict("5.1.0", MODERN)
    assert prediction.negotiated is not None
    wrong = Negotiated(
        prediction.negotiated.kex, "rsa-sha2-512", prediction.negotiated.cipher, prediction.negotiated.mac
    )
    outcome = HandshakeOutcome(R1, DeviceStatus.COMPATIBLE, "5.1.0", negotiated=wrong)
    result = fold(_grabbed(MODERN), prediction, outcome, "5.1.0", verify=True)
    assert prediction.negotiated.host_key == "ssh-ed25519"  # paramiko 5.1.0 prefers ed25519
    assert result.predicted is DeviceStatus.COMPATIBLE and "host_key" in result.reasons[0]


def test_unverified_results_say_so() -> None:
    prediction = predict("4.0.0", IOS15)
    missing = fold(_grabbed(IOS15), prediction, None, "4.0.0", verify=True)
    assert missing.status is DeviceStatus.COMPATIBLE and not missing.verified
    assert any(r.startswith("not verified") for r in missing.reasons)
    skipped = fold(_grabbed(IOS15), prediction, None, "4.0.0", verify=False)
    assert skipped.reasons == () and not skipped.verified


def test_handshake_could_not_reach_a_grabbed_device() -> None:
    prediction = predict("5.1.0", MODERN)
    outcome = HandshakeOutcome(R1, DeviceStatus.UNREACHABLE, "5.1.0", reason="Connection reset by peer")
    result = fold(_grabbed(MODERN), prediction, outcome, "5.1.0", verify=True)
    assert result.status is DeviceStatus.UNREACHABLE and not result.verified
    assert "Connection reset by peer" in result.reasons[0] and "predicted from data: compatible" in result.reasons[1]


def test_grab_failures_become_results() -> None:
    gone = fold(Unreachable(R1, "connection refused", "t"), None, None, "5.1.0", verify=True)
    assert gone.status is DeviceStatus.UNREACHABLE and gone.reasons == ("connection refused",)
    broken = fold(ProtocolFailure(R1, "not SSH: HTTP/1.1 400", "HTTP/1.1 400", "t"), None, None, "5.1.0", verify=True)
    assert broken.status is DeviceStatus.ERROR and broken.banner == "HTTP/1.1 400"


def test_legacy_only_device_names_the_release_that_removes_its_algorithms() -> None:
    prediction = predict("4.0.0", IOS15)
    assert prediction.negotiated is not None
    outcome = HandshakeOutcome(R1, DeviceStatus.COMPATIBLE, "4.0.0", negotiated=prediction.negotiated)
    result = fold(_grabbed(IOS15), prediction, outcome, "4.0.0", verify=True)
    findings = device_findings([result])
    rules = {f.rule: f for f in findings}
    assert set(rules) == {"legacy-only-device"}
    assert "paramiko 5.0.0" in rules["legacy-only-device"].message
    assert rules["legacy-only-device"].fix is not None and "paramiko<5 " in rules["legacy-only-device"].fix


def test_modern_device_has_no_findings() -> None:
    prediction = predict("5.1.0", MODERN)
    assert prediction.negotiated is not None
    outcome = HandshakeOutcome(R1, DeviceStatus.COMPATIBLE, "5.1.0", negotiated=prediction.negotiated)
    assert device_findings([fold(_grabbed(MODERN), prediction, outcome, "5.1.0", verify=True)]) == []


def test_upper_bound() -> None:
    from packaging.version import Version

    assert upper_bound(Version("5.0.0")) == "5"
    assert upper_bound(Version("2.9.0")) == "2.9"
    assert upper_bound(Version("2.9.5")) == "2.9.5"


# --------------------------------------------------------------------------- verdicts (JSON schema_version 2)


def test_the_verdict_names_client_release_backend_and_source() -> None:
    from auditor.probe.clients import ClientEnvironment

    environment = ClientEnvironment(
        "paramiko", "5.1.0", None, (("cryptography", "42.0.8"),), "uv.lock", backend_source="uv.lock pins"
    )
    outcome = HandshakeOutcome(
        R1, DeviceStatus.INCOMPATIBLE, "5.1.0", reason="Incompatible ssh peer (no acceptable kex algorithm)"
    )
    result = fold(_grabbed(IOS15), predict("5.1.0", IOS15), outcome, "5.1.0", verify=True, environment=environment)
    (verdict,) = result.verdicts
    assert (verdict.client, verdict.version, verdict.source) == ("paramiko", "5.1.0", "uv.lock")
    assert verdict.backend == (("cryptography", "42.0.8"),)
    # The v1 fields are the primary client's verdict, unchanged.
    assert (verdict.status, verdict.verified, verdict.reasons) == (result.status, result.verified, result.reasons)
    data = result.to_json()
    assert data["verdicts"] == [
        {
            "client": "paramiko",
            "version": "5.1.0",
            "backend": {"cryptography": "42.0.8"},
            "backend_source": "uv.lock pins",
            "source": "uv.lock",
            "status": "incompatible",
            "negotiated": None,
            "verified": True,
            "reasons": list(result.reasons),
        }
    ]
    assert data["paramiko"] == "5.1.0" and data["status"] == "incompatible" and data["reasons"] == list(result.reasons)


def test_unreachable_and_error_devices_carry_a_verdict_and_the_banner_read() -> None:
    lost = fold(
        Unreachable(R1, "timeout after 5 s", "2026-11-20T10:00:00Z", banner="SSH-2.0-X"),
        None,
        None,
        "5.1.0",
        verify=True,
    )
    assert lost.banner == "SSH-2.0-X" and lost.to_json()["banner"] == "SSH-2.0-X"
    assert [v.status for v in lost.verdicts] == [DeviceStatus.UNREACHABLE]
    broken = fold(
        ProtocolFailure(R1, "truncated packet", "SSH-2.0-Y", "2026-11-20T10:00:00Z"), None, None, "5.1.0", verify=True
    )
    assert broken.to_json()["banner"] == "SSH-2.0-Y"
    assert [(v.client, v.status) for v in broken.verdicts] == [("paramiko", DeviceStatus.ERROR)]


def test_a_saved_v2_report_reads_back_with_its_verdicts_and_a_v1_report_without() -> None:
    from auditor.model import Report
    from auditor.probe.clients import ClientEnvironment
    from auditor.sources.saved_report import parse_report

    environment = ClientEnvironment(
        "paramiko", "3.5.1", None, (("bcrypt", "4.2.0"), ("cryptography", "44.0.0")), "uv.lock"
    )
    prediction = predict("3.5.1", MODERN)
    outcome = HandshakeOutcome(R1, DeviceStatus.COMPATIBLE, "3.5.1", negotiated=prediction.negotiated)
    result = fold(_grabbed(MODERN), prediction, outcome, "3.5.1", verify=True, environment=environment)
    saved = Report(command="probe", devices=(result,)).to_json()
    assert saved["schema_version"] == 2
    (again,) = parse_report(saved).devices
    assert again.verdicts == result.verdicts
    v1 = {**saved, "schema_version": 1, "devices": [{k: v for k, v in saved["devices"][0].items() if k != "verdicts"}]}
    (old,) = parse_report(v1).devices
    assert old.verdicts == () and [v.to_json()["source"] for v in old.judged] == [None]
    assert old.judged[0].negotiated == result.negotiated
