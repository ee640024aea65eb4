"""The engine: run every check that applies to a project and build one :class:`Report`.

``lock`` and ``audit`` differ only in the devices they look at: ``lock`` predicts against a
``--fleet`` snapshot when one is given; ``audit`` also probes a live inventory with exactly the
Paramiko the lock pins. Both add the rules that read the same inputs: ``vulnerability``
(pip-audit's service, or OSV records from ``--vuln-db``) and ``ignored-ssh-option``
(``--ssh-config``, ``--ansible-cfg``). The engine never prints and never exits.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.analysis.fleet import fleet_results
from auditor.analysis.lock import analyze_lock
from auditor.analysis.rule_context import build_context, with_devices
from auditor.checks.registry import run_rules
from auditor.errors import UsageError
from auditor.model import DeviceResult, Finding, Lockfile, Report, Skipped
from auditor.progress import Progress
from auditor.settings import Settings


def locked_paramiko(lockfile: Lockfile) -> str | None:
    """The Paramiko version ``lockfile`` pins, or None when the project does not lock Paramiko."""
    package = lockfile.packages.get("paramiko")
    return package.version if package else None


def device_checks(
    inventory: Path | None,
    paramiko: str | None,
    settings: Settings,
    progress: Progress,
    *,
    why: str,
) -> tuple[list[DeviceResult], list[Finding], list[str], list[Skipped]]:
    """Probe ``inventory`` (or predict against ``settings.fleet``) for one Paramiko release.

    Args:
        inventory: the inventory to probe live, or None.
        paramiko: the exact Paramiko release to verify with; None when the resolution has none.
        settings: ``fleet``, ``verify``, ``timeout``, ``inventory_format``, ``shard``, ``ssh_config``
            (ProxyJump), ... for the probe, as :func:`auditor.analysis.devices.inventory_devices` uses them.
        progress: the probe's progress callback.
        why: how the version was chosen, for the note (``"the version uv.lock pins"``).

    Returns:
        ``(device results, findings, notes, skipped)``.

    Raises:
        UsageError: both an inventory and ``--fleet``. InventoryError: a bad inventory or snapshot.
        ResolverError: uv could not make the Paramiko environment.
    """
    if inventory is not None and settings.fleet is not None:
        raise UsageError("give either --devices INVENTORY (probe live) or --fleet SNAPSHOT (predict offline), not both")
    if inventory is None and settings.fleet is None:
        return [], [], ["no --devices or --fleet given: lock checks only"], []
    if paramiko is None:
        subject = str(inventory or settings.fleet)
        return [], [], [], [Skipped(subject, "the resolution holds no paramiko, so there is nothing to negotiate with")]
    if settings.fleet is not None:
        results, findings, note = fleet_results(settings.fleet, paramiko)
        return results, findings, [note, f"predicted for paramiko {paramiko} ({why})"], []
    assert inventory is not None
    # Start-up: the probe stack is imported only when devices are probed, never on the lock path.
    from auditor.analysis.devices import inventory_devices
    from auditor.probe.service import probe_devices

    # The same slice (--shard) and ProxyJump (--ssh-config) as `sshdrift probe`, so sharded audits merge.
    results, findings = probe_devices(inventory_devices(inventory, settings), settings, progress, paramiko=paramiko)
    how = (
        "verified by real handshakes in a uv-made environment of that release"
        if settings.verify
        else "predicted only (--no-verify)"
    )
    return list(results), list(findings), [f"probed with paramiko {paramiko} ({why}); {how}"], []


def project_report(
    command: str,
    path: Path,
    settings: Settings,
    progress: Progress,
    *,
    inventory: Path | None = None,
) -> Report:
    """Audit the project at ``path`` and, when given, its devices; one report for ``command``.

    Args:
        command: ``"lock"`` or ``"audit"`` (the report's ``command``).
        path: project directory or lockfile.
        settings: every option; ``fleet`` predicts offline against a saved probe report,
            ``vulnerabilities``/``vuln_db``/``offline`` drive the vulnerability rule,
            ``ssh_config``/``ansible_cfg`` the ignored-ssh-option rule.
        progress: told about metadata fetching and probing.
        inventory: devices to probe live with the locked Paramiko (``audit --devices``), or None.

    Returns:
        The report: SSH-stack packages, findings sorted by severity (error first), device results,
        skipped checks and notes.

    Raises:
        LockfileError, InventoryError, ConfigError: bad input (exit 3).
        UsageError: both an inventory and ``--fleet``.
        ResolverError: uv could not fetch metadata or make the Paramiko environment.
        VulnerabilityServiceError: the online vulnerability service cannot be reached.
    """
    analysis = analyze_lock(path, replace(settings, fleet=None), progress)
    lockfile = analysis.lockfile
    paramiko = locked_paramiko(lockfile)
    notes = list(analysis.notes)
    devices: list[DeviceResult] = []
    skipped: list[Skipped] = list(analysis.skipped)
    # Everything else the rules need is read and fetched before the (slow) devices: a bad entry fails fast.
    context = build_context(settings, lockfile=lockfile, ranges=analysis.ranges, project_dir=lockfile.path.parent)
    if inventory is not None or settings.fleet is not None:
        # Device findings come from the device rules below, over these results.
        results, _, device_notes, device_skipped = device_checks(
            inventory, paramiko, settings, progress, why=f"the version {lockfile.path.name} pins"
        )
        devices = list(results)
        notes += device_notes
        skipped += device_skipped
    elif command == "audit":
        notes.append("no --devices or --fleet given (nor [tool.sshdrift] devices): lock checks only")
    findings = run_rules(with_devices(context, devices, settings))
    skipped += context.skipped
    return Report(
        command=command,
        project=analysis.project,
        packages=analysis.packages,
        findings=tuple(findings),
        devices=tuple(devices),
        skipped=tuple(skipped),
        notes=tuple(notes),
        extra={"paramiko": paramiko},
    )
