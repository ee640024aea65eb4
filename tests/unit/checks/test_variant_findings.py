"""Two ways the project's code configures one client: two verdicts, two findings with fingerprints of their own."""

from __future__ import annotations

from dataclasses import replace

from auditor.checks.device_rules.devices import device_findings
from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated, Verdict
from auditor.formats.sarif import fingerprint
from auditor.probe.clients import get_client


def test_each_code_variant_of_a_client_has_its_own_finding_and_fingerprint() -> None:
    asyncssh = get_client("asyncssh")
    # A device offering only CBC ciphers: asyncssh 2.24.1 reaches it neither by default nor with a kex-only widening.
    offered = replace(asyncssh.offer("2.24.1"), cipher_c2s=("aes128-cbc",), cipher_s2c=("aes128-cbc",))
    verdicts = (
        Verdict("asyncssh", "2.24.1", DeviceStatus.INCOMPATIBLE, source="uv.lock", reasons=("no cipher",)),
        Verdict(
            "asyncssh",
            "2.24.1",
            DeviceStatus.INCOMPATIBLE,
            source="uv.lock; with the project's code's kex_algs='curve25519-sha256' at app.py:4",
            reasons=("no cipher",),
            variant="kex_algs='curve25519-sha256'",
        ),
    )
    result = DeviceResult(Device("procurve", "10.0.0.1"), DeviceStatus.INCOMPATIBLE, offered=offered, verdicts=verdicts)
    found = [f for f in device_findings([result]) if f.rule == "incompatible-device"]
    assert [f.key for f in found] == ["asyncssh", "asyncssh kex_algs='curve25519-sha256'"]
    assert "with kex_algs='curve25519-sha256' cannot negotiate: no cipher" in found[1].message
    assert (found[1].fix or "").startswith("the project's code passes kex_algs='curve25519-sha256' to asyncssh")
    assert len({fingerprint(f, None) for f in found}) == 2
    # A saved report keeps the variant (fleet snapshots, merge).
    assert Verdict.from_json(verdicts[1].to_json()) == verdicts[1]
    assert "variant" not in verdicts[0].to_json()


def test_terrapin_findings_of_two_variants_do_not_collide() -> None:
    offered = get_client("asyncssh").offer("2.24.1")
    # A server without strict kex (no kex-strict-s marker), reached with chacha20-poly1305: exposed to Terrapin.
    offered = replace(offered, kex=tuple(k for k in offered.kex if "kex-strict" not in k and k != "ext-info-c"))
    negotiated = Negotiated(
        kex="curve25519-sha256",
        host_key="ssh-ed25519",
        cipher="chacha20-poly1305@openssh.com",
        mac="",
        compression="none",
    )
    default = Verdict("asyncssh", "2.24.1", DeviceStatus.COMPATIBLE, source="uv.lock", negotiated=negotiated)
    widened = replace(default, variant="kex_algs='+diffie-hellman-group14-sha1'")
    result = DeviceResult(
        Device("r1", "10.0.0.1"), DeviceStatus.COMPATIBLE, offered=offered, verdicts=(default, widened)
    )
    found = [f for f in device_findings([result]) if f.rule == "terrapin-exposed"]
    assert [f.key for f in found] == ["asyncssh", "asyncssh kex_algs='+diffie-hellman-group14-sha1'"]
    assert len({fingerprint(f, None) for f in found}) == 2
    assert "with kex_algs='+diffie-hellman-group14-sha1' negotiates" in found[1].message
