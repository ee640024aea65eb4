"""A fleet snapshot run: read the saved report, predict every device, judge them with the device rules."""

from __future__ import annotations

from pathlib import Path

from auditor.checks.device_rules.devices import device_findings
from auditor.checks.device_rules.fleet import predict_fleet
from auditor.device_model import DeviceResult
from auditor.model import Finding
from auditor.sources.saved_report import load_report


def fleet_results(snapshot: Path, paramiko_version: str) -> tuple[list[DeviceResult], list[Finding], str]:
    """Predict, offline, whether ``paramiko_version`` negotiates with every device of a fleet snapshot.

    Args:
        snapshot: a saved ``probe``/``audit`` JSON report (``--format json --output FILE``).
        paramiko_version: an exact Paramiko release, e.g. ``"4.0.0"``.

    Returns:
        ``(device results, findings, age note)``: one predicted :class:`DeviceResult` per snapshot
        device (``verified`` False), their ``incompatible-device`` / ``legacy-only-device`` findings
        (:func:`auditor.checks.device_rules.fleet.predict_fleet`, :func:`auditor.checks.device_rules.devices.device_findings`),
        and a line saying how old the snapshot is.

    Raises:
        InventoryError: the snapshot is missing or not an sshdrift JSON report (exit 3).
        AuditorError: no algorithm data for ``paramiko_version`` (exit 3).
    """
    report = load_report(snapshot)
    results, note = predict_fleet(report.devices, snapshot, paramiko_version)
    # No handshake happened: host keys are not compared.
    return results, device_findings(results), note
