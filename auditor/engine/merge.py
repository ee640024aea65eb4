"""The ``merge`` report: the JSON reports of sharded runs (``--shard K/N``) joined into one.

A CI matrix splits a large inventory into N deterministic slices; each job saves its JSON report,
and a final job merges them: devices are concatenated in the order given (a device that appears in
two reports, same name, host, port and Paramiko, is kept once), findings and skipped entries are
deduplicated, and packages and project come from the first report (every shard audits the same
lock). The merged report's exit code is then computed as for a single run.
"""

from __future__ import annotations

import json

from auditor.device_model import DeviceResult
from auditor.engine.command_requests import MergeRequest
from auditor.model import Finding, Report, Skipped
from auditor.sources.saved_report import load_report


def _device_key(result: DeviceResult) -> tuple[str, str, int, str | None]:
    return (result.device.name, result.device.host, result.device.port, result.paramiko)


def merge_report(request: MergeRequest) -> Report:
    """Join saved JSON reports into one.

    Args:
        request: its ``reports``, paths of ``--format json`` reports (at least one), in the order
            to concatenate their devices.

    Returns:
        The merged :class:`Report` (command of the first report; a note says how many were joined).

    Raises:
        InventoryError: a file is missing or not an sshdrift JSON report (one line naming it; exit 3).
    """
    loaded = [load_report(path) for path in request.reports]
    first = loaded[0]
    devices: list[DeviceResult] = []
    seen_devices: set[tuple[str, str, int, str | None]] = set()
    findings: list[Finding] = []
    seen_findings: set[str] = set()
    skipped: list[Skipped] = []
    notes: list[str] = []
    for report in loaded:
        for device in report.devices:
            key = _device_key(device)
            if key not in seen_devices:
                seen_devices.add(key)
                devices.append(device)
        for finding in report.findings:
            fkey = json.dumps(finding.to_json(), sort_keys=True)
            if fkey not in seen_findings:
                seen_findings.add(fkey)
                findings.append(finding)
        for skip in report.skipped:
            if skip not in skipped:
                skipped.append(skip)
        for note in report.notes:
            if note not in notes:
                notes.append(note)
    notes.append(f"merged {len(loaded)} report(s): {len(devices)} device(s), {len(findings)} finding(s)")
    return Report(
        command=first.command,
        project=first.project,
        packages=first.packages,
        findings=tuple(findings),
        devices=tuple(devices),
        skipped=tuple(skipped),
        changes=first.changes,
        notes=tuple(notes),
    )
