"""The ``lock`` and ``audit`` reports: every check that applies to a project, in one :class:`Report`.

``lock`` and ``audit`` differ only in the devices they look at: ``lock`` predicts against a
``--fleet`` snapshot when one is given; ``audit`` also probes a live inventory with exactly the
Paramiko the lock pins. Both add the rules that read the same inputs: ``vulnerability``
(pip-audit's service, or OSV records from ``--vuln-db``) and ``ignored-ssh-option``
(``--ssh-config``, ``--ansible-cfg``). The engine never prints and never exits.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from auditor.analysis.lock import analyze_lock, locked_paramiko
from auditor.analysis.rule_context import build_context, with_devices
from auditor.checks.registry import run_rules
from auditor.engine.requests import AuditRequest, LockRequest
from auditor.model import Report, Skipped
from auditor.progress import Progress
from auditor.settings import Settings, one_device_source
from auditor.sources.ssh_stack import ssh_stack

if TYPE_CHECKING:
    from auditor.device_model import DeviceResult


def project_report(request: LockRequest | AuditRequest, settings: Settings, progress: Progress) -> Report:
    """Audit the project at ``request.path`` and, when given, its devices; one report.

    Args:
        request: :class:`LockRequest` (report ``command`` ``lock``) or :class:`AuditRequest`
            (``audit``; its ``inventory`` is probed live with the locked Paramiko).
        settings: every option; ``fleet`` predicts offline against a saved probe report,
            ``vulnerabilities``/``vuln_db``/``offline`` drive the vulnerability rule,
            ``ssh_config``/``ansible_cfg`` the ignored-ssh-option rule.
        progress: told about metadata fetching and probing.

    With ``request.base`` (``--base``), the lock is also compared with the lock it starts from
    (:mod:`auditor.analysis.base_change`): the report's ``changes``, the change rules' findings on
    them, and the devices the change cuts off (``base``).

    Returns:
        The report: SSH-stack packages, findings, device results, skipped checks, notes and the
        locked Paramiko version.

    Raises:
        LockfileError, InventoryError, ConfigError: bad input (exit 3).
        UsageError: both an inventory and ``--fleet``.
        GitRefError: ``request.base`` is a git revision but the project is in no git repository, or
            the revision is unknown (exit 3).
        ResolverError: uv could not fetch metadata or make the Paramiko environment.
        VulnerabilityServiceError: the online vulnerability service cannot be reached.
    """
    inventory = request.inventory if isinstance(request, AuditRequest) else None
    command = "audit" if isinstance(request, AuditRequest) else "lock"
    one_device_source(inventory, settings.fleet)  # before the lock analysis: a usage error comes first
    analysis = analyze_lock(request.path, replace(settings, fleet=None), progress)
    lockfile = analysis.lockfile
    paramiko = locked_paramiko(lockfile)
    notes = list(analysis.notes)
    devices: list[DeviceResult] = []
    skipped: list[Skipped] = list(analysis.skipped)
    # --base: the lock this change starts from; the change rules judge what moves.
    base = None
    if request.base is not None:
        # Start-up: --base (git, the base lock, the change rules' inputs) loads only when given.
        from auditor.analysis.base_change import read_base

        stack = ssh_stack(settings.ssh_stack_extra, settings.open_ended)
        base = read_base(request.base, lockfile, stack, python_version=settings.python_version)
        notes += base.notes
    # Everything else the rules need is read and fetched before the (slow) devices: a bad entry fails fast.
    context = build_context(
        settings,
        lockfile=lockfile,
        ranges=analysis.ranges,
        project_dir=lockfile.path.parent,
        changes=base.change_set if base is not None else None,
    )
    if inventory is not None or settings.fleet is not None:
        # Start-up: the pre-commit hook's 'lock' has no devices; inventories and fleet snapshots load only here.
        from auditor.analysis.devices import device_checks

        # Device findings come from the device rules below, over these results.
        from auditor.probe.code_options import all_code_options
        from auditor.probe.narrowing import code_narrowings

        results, _, device_notes, device_skipped = device_checks(
            inventory,
            paramiko,
            settings,
            progress,
            why=f"the version {lockfile.path.name} pins",
            lockfile=lockfile,
            narrowings=code_narrowings(context.code),
            code_options=all_code_options(context.code),
        )
        devices = list(results)
        notes += device_notes
        skipped += device_skipped
    elif command == "audit":
        notes.append("no --devices or --fleet given (nor [tool.sshdrift] devices): lock checks only")
    findings = run_rules(with_devices(context, devices, settings))
    skipped += context.skipped
    cut: tuple[str, ...] = ()
    if base is not None:
        from auditor.analysis.base_change import cut_off  # Start-up: as read_base above.

        cut, cut_notes = cut_off(devices, base, paramiko)
        notes += cut_notes
    return Report(
        command=command,
        project=analysis.project,
        packages=analysis.packages,
        findings=tuple(findings),
        devices=tuple(devices),
        skipped=tuple(skipped),
        changes=base.changes if base is not None else (),
        notes=tuple(notes),
        paramiko=paramiko,
        base=base.comparison(paramiko, cut) if base is not None else None,
    )
