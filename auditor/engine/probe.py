"""The ``probe`` report: each device's SSH offer read, and whether the chosen Paramiko negotiates with it.

The engine reads the inventory (format detected, or ``--inventory-format``), takes the
``--shard K/N`` slice, gives devices without a ``jump`` the ``ProxyJump`` that ``--ssh-config``
sets for them, and hands them to :func:`auditor.probe.service.probe_devices`. Exit codes come
from :meth:`Report.exit_code`: 1 for an error finding, 4 when only unreachable devices stand
between the run and success.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.analysis.devices import inventory_devices, probe_project_clients
from auditor.analysis.project_clients import project_lockfile
from auditor.analysis.rule_context import probe_findings
from auditor.device_model import DeviceResult, DeviceStatus
from auditor.engine.command_requests import ProbeRequest
from auditor.model import Report
from auditor.probe.service import DISAGREEMENT
from auditor.progress import Progress
from auditor.settings import Settings


def probe_report(request: ProbeRequest, settings: Settings, progress: Progress) -> Report:
    """Probe every device of ``request.inventory`` with the project's SSH clients (or ``--client``/``--paramiko``).

    The clients and releases come from the lockfile of ``--project`` or of the working directory when
    there is one, else ``--python``, else sshdrift's own (:func:`auditor.analysis.devices.probe_project_clients`);
    clients sshdrift cannot judge yet are listed as skipped.

    Args:
        request: its ``inventory``, a file (text, YAML/CSV, Ansible, Nornir, netmiko list).
        settings: all options (``paramiko``, ``verify``, ``timeout``, ``concurrency``, ``shard``,
            ``ssh_config``, ``known_hosts``, ``jump_key``, ``save_kexinit``, ...).
        progress: the CLI's progress display.

    Returns:
        A ``probe`` :class:`Report` with one device result per inventory entry of the slice and the
        device findings.

    Raises:
        InventoryError: the inventory cannot be read or has a bad entry (exit 3).
        ConfigError, ResolverError, UsageError, LockfileError: the Paramiko asked for cannot be found
            or installed, or an ssh_config / known_hosts file is bad.
    """
    devices = inventory_devices(request.inventory, settings)
    results, skipped, client_notes = probe_project_clients(devices, settings, progress, project_lockfile(settings))
    findings = probe_findings(results, settings)
    notes = list(_notes(results, settings)) + client_notes
    disagreeing = [r.device.name for r in results if r.predicted is not None]
    if disagreeing:
        notes.insert(0, f"{DISAGREEMENT} for {', '.join(disagreeing)}: please report it with the JSON report")
    return Report(
        command="probe", devices=tuple(results), findings=tuple(findings), notes=tuple(notes), skipped=tuple(skipped)
    )


def _notes(results: Sequence[DeviceResult], settings: Settings) -> list[str]:
    """One summary line for the human formats."""
    if not results:
        return ["no devices in this slice of the inventory"]
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status.value] = counts.get(result.status.value, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    judged = {f"{v.client} {v.version}": None for r in results for v in r.judged}
    clients = " and ".join(judged) or f"paramiko {settings.paramiko}"
    how = "predicted from data only (--no-verify)" if not settings.verify else "verified by real handshakes"
    line = f"{len(results)} device(s) with {clients}: {summary}; {how}"
    if any(r.status is DeviceStatus.UNREACHABLE for r in results):
        line += "; unreachable devices make the run incomplete (exit 4 unless a finding fails it)"
    return [line]
