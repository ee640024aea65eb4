"""A fleet snapshot run: read the saved report, predict every device, judge them with the device rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.checks.device_rules.devices import device_findings
from auditor.checks.device_rules.fleet import age_note
from auditor.device_model import PRIMARY_CLIENT, DeviceResult
from auditor.model import Finding, Skipped
from auditor.probe.service import Judge, judge_snapshot
from auditor.progress import NullProgress, Progress
from auditor.settings import Settings
from auditor.sources.saved_report import load_report

if TYPE_CHECKING:
    from auditor.probe.code_options import ClientCodeOptions


def fleet_results(snapshot: Path, paramiko_version: str) -> tuple[list[DeviceResult], list[Finding], str]:
    """Predict, offline, whether ``paramiko_version`` negotiates with every device of a fleet snapshot.

    :func:`fleet_client_results` for Paramiko alone (no lockfile names the clients).

    Args:
        snapshot: a saved ``probe``/``audit`` JSON report (``--format json --output FILE``).
        paramiko_version: an exact Paramiko release, e.g. ``"4.0.0"``.

    Returns:
        ``(device results, findings, age note)``: one predicted :class:`DeviceResult` per snapshot
        device (``verified`` False), their ``incompatible-device`` / ``legacy-only-device`` findings
        (:func:`auditor.checks.device_rules.devices.device_findings`), and a line saying how old the snapshot is.

    Raises:
        InventoryError: the snapshot is missing or not an sshdrift JSON report (exit 3).
        AuditorError: no algorithm data for ``paramiko_version`` (exit 3).
    """
    judge = Judge(PRIMARY_CLIENT, paramiko_version, f"paramiko {paramiko_version}")
    results, findings, note, _ = fleet_client_results(snapshot, Settings(), NullProgress(), (judge,))
    return results, findings, note


def fleet_client_results(
    snapshot: Path,
    settings: Settings,
    progress: Progress,
    judges: Sequence[Judge],
    code_options: Mapping[str, ClientCodeOptions] | None = None,
) -> tuple[list[DeviceResult], list[Finding], str, list[Skipped]]:
    """Predict, offline, every device of a fleet snapshot for each client the project runs.

    As :func:`fleet_results`, for several clients at once (:func:`auditor.probe.service.judge_snapshot`): each
    device gets one verdict per client in ``judges``, its status the worst of them.

    Args:
        snapshot: a saved ``probe``/``audit`` JSON report.
        settings: what settles each client's release (``python``, ``offline``, ``ssh_config``, ...).
        progress: the run's progress.
        judges: the clients and releases (:func:`auditor.analysis.project_clients.select_clients`).
        code_options: the algorithm keywords of the project's code, by client
            (:func:`auditor.probe.service.code_variants`).

    Returns:
        ``(device results, findings, age note, skipped)``: a :class:`Skipped` per client whose release this
        machine cannot settle (its devices are predicted with the other clients).

    Raises:
        InventoryError: the snapshot is missing or not an sshdrift JSON report (exit 3).
        AuditorError: no offer data for a release (exit 3).
    """
    report = load_report(snapshot)
    results, not_settled = judge_snapshot(report.devices, settings, progress, judges, code_options)
    note = age_note(snapshot, list(report.devices))
    if not report.devices:
        note += "; it holds no devices"
    skipped = [Skipped(client, f"not predicted: {why}") for client, why in not_settled]
    return results, device_findings(results), note, skipped
