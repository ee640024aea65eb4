"""The incompatible-device fix names the backend the lock must move to when the client's offer depends on it.

Facts carried here: Paramiko 5.1.0 offers ``mlkem768x25519-sha256`` only with cryptography >= 48.0.0
(captured per cryptography release into rules/clients/paramiko.json); 5.0.0 never offers it. The device
is the ``mlkem_only`` profile (a real Paramiko server in the integration tests).
"""

from __future__ import annotations

from auditor.checks.device_rules.devices import device_findings
from auditor.device_model import Device, DeviceResult, DeviceStatus, Verdict
from auditor.probe.clients.backend import backend_needed
from tests import devices

OLD = (("bcrypt", "5.0.0"), ("cryptography", "42.0.8"))


def _incompatible(version: str, backend: tuple[tuple[str, str], ...]) -> DeviceResult:
    offered = devices.profile("mlkem_only").emulated_offer()
    verdict = Verdict("paramiko", version, DeviceStatus.INCOMPATIBLE, backend=backend, verified=True)
    return DeviceResult(
        device=Device("pq1", "192.0.2.7"),
        status=DeviceStatus.INCOMPATIBLE,
        offered=offered,
        paramiko=version,
        verified=True,
        verdicts=(verdict,),
    )


def _fix(result: DeviceResult) -> str:
    (finding,) = [f for f in device_findings([result]) if f.rule == "incompatible-device"]
    assert finding.fix is not None
    return finding.fix


def test_the_locked_release_needs_a_newer_cryptography() -> None:
    fix = _fix(_incompatible("5.1.0", OLD))
    assert fix.startswith("upgrade cryptography to >=48.0.0 (paramiko 5.1.0 offers what the device needs only")
    assert "the lock has 42.0.8" in fix


def test_a_later_release_is_named_with_the_backend_it_needs() -> None:
    fix = _fix(_incompatible("5.0.0", OLD))
    assert "upgrade to paramiko>=5.1.0 with cryptography>=48.0.0" in fix
    assert "upgrade cryptography" not in fix  # 5.0.0 has no ML-KEM with any cryptography


def test_without_a_known_backend_nothing_is_said_of_it() -> None:
    fix = _fix(_incompatible("5.0.0", ()))
    assert "upgrade to paramiko>=5.1.0 (" in fix and "cryptography" not in fix
    offered = devices.profile("mlkem_only").emulated_offer()
    assert offered is not None
    assert backend_needed("paramiko", "5.1.0", offered, (("cryptography", "48.0.0"),)) is None
