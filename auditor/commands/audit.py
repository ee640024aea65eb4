"""``sshdrift audit``: the lock checks plus the probe with exactly the Paramiko the lock resolves.

One run, one report, one exit code (the worst wins: findings at ``--fail-on`` give 1, else an
unreachable device gives 4; :meth:`auditor.model.Report.exit_code`). The devices are probed with
the version the lockfile pins, in a uv-made environment holding exactly ``paramiko==<locked>``
(:func:`auditor.probe.environments.interpreter_for`), not with whatever Paramiko sshdrift itself
runs. With ``--fleet FILE`` (a saved probe report) the same question is answered offline from
the snapshot's name-lists (:mod:`auditor.checks.fleet`), with a note on the snapshot's age.
"""

from __future__ import annotations

from pathlib import Path

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
            (ProxyJump), ... for the probe, as :func:`auditor.commands.probe.inventory_devices` uses them.
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
        from auditor.checks.fleet import fleet_results

        results, findings, note = fleet_results(settings.fleet, paramiko)
        return results, findings, [note, f"predicted for paramiko {paramiko} ({why})"], []
    assert inventory is not None
    from auditor.commands.probe import inventory_devices
    from auditor.probe.service import probe_devices

    # The same slice (--shard) and ProxyJump (--ssh-config) as `sshdrift probe`, so sharded audits merge.
    results, findings = probe_devices(inventory_devices(inventory, settings), settings, progress, paramiko=paramiko)
    how = (
        "verified by real handshakes in a uv-made environment of that release"
        if settings.verify
        else "predicted only (--no-verify)"
    )
    return list(results), list(findings), [f"probed with paramiko {paramiko} ({why}); {how}"], []


def run_audit(path: Path, inventory: Path | None, settings: Settings, progress: Progress) -> Report:
    """Audit the lock and the devices together.

    Args:
        path: the project directory or its lockfile.
        inventory: the devices to probe (``--devices`` or ``[tool.sshdrift] devices``), or None.
        settings: every option; ``fleet`` switches to offline prediction.
        progress: told about metadata fetching and probing.

    Returns:
        One :class:`Report`: the lock audit's packages, findings and skipped entries, plus the
        device results and device findings for the locked Paramiko.

    Raises:
        LockfileError, InventoryError: bad input (exit 3). UsageError: both ``--devices`` and ``--fleet``.
        ResolverError: uv could not make the environment of the locked Paramiko.
    """
    if inventory is not None and settings.fleet is not None:
        raise UsageError("give either --devices INVENTORY (probe live) or --fleet SNAPSHOT (predict offline), not both")
    from auditor.engine import project_report

    return project_report("audit", path, settings, progress, inventory=inventory)
