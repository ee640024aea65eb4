"""The rule context builder: known_hosts verdicts for verified host keys, and what the rules make of them."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from auditor.analysis.rule_context import build_context, with_devices
from auditor.checks.registry import run_rules
from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated
from auditor.probe.sshlib import fingerprint
from auditor.settings import Settings


def _key() -> tuple[str, str]:
    """A fresh ed25519 public key as a known_hosts ``type base64`` pair and its ``SHA256:`` fingerprint."""
    line = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    kind, blob = line.split()[:2]
    return f"{kind} {blob}", fingerprint(base64.b64decode(blob))


def _verified(seen: str) -> DeviceResult:
    return DeviceResult(
        Device("r1", "127.0.0.1", 2201),
        DeviceStatus.COMPATIBLE,
        paramiko="5.1.0",
        negotiated=Negotiated("curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256"),
        verified=True,
        host_key_fingerprint=seen,
    )


def test_a_changed_host_key_is_reported_with_file_and_line(tmp_path: Path) -> None:
    known_key, known_fp = _key()
    _, other_fp = _key()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"# lab\n[127.0.0.1]:2201 {known_key}\n", encoding="utf-8")
    settings = replace(Settings(), known_hosts=known_hosts, vulnerabilities=False)
    context = build_context(settings)

    (finding,) = run_rules(with_devices(context, [_verified(other_fp)], settings))
    assert finding.rule == "host-key-changed" and finding.device == "r1"
    assert (finding.file, finding.line) == (str(known_hosts), 2)
    assert other_fp in finding.message and known_fp in finding.message
    assert run_rules(with_devices(context, [_verified(known_fp)], settings)) == []
    # --no-verify: no handshake, so known_hosts is not read and nothing is compared.
    unverified = replace(settings, verify=False)
    assert with_devices(context, [_verified(other_fp)], unverified).host_keys == {}
