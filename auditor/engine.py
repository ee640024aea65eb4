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

from auditor.model import DeviceResult, Finding, Report, Skipped
from auditor.progress import Progress
from auditor.settings import Settings


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
    from auditor.commands.audit import device_checks, locked_paramiko
    from auditor.lock_audit import analyze_lock

    analysis = analyze_lock(path, replace(settings, fleet=None), progress)
    lockfile = analysis.lockfile
    paramiko = locked_paramiko(lockfile)
    notes = list(analysis.notes)
    devices: list[DeviceResult] = []
    findings: list[Finding] = list(analysis.findings)
    skipped: list[Skipped] = list(analysis.skipped)
    if inventory is not None or settings.fleet is not None:
        results, device_findings, device_notes, device_skipped = device_checks(
            inventory, paramiko, settings, progress, why=f"the version {lockfile.path.name} pins"
        )
        devices = list(results)
        findings += device_findings
        notes += device_notes
        skipped += device_skipped
    elif command == "audit":
        notes.append("no --devices or --fleet given (nor [tool.sshdrift] devices): lock checks only")
    if settings.vulnerabilities:
        from auditor.checks.vulnerability import vulnerability_findings

        vuln_findings, vuln_skipped = vulnerability_findings(lockfile, settings, devices=devices)
        findings += vuln_findings
        skipped += vuln_skipped
    else:
        skipped.append(Skipped("vulnerability", "turned off (--no-vulnerabilities)"))
    if settings.ssh_config or settings.ansible_cfg:
        # Imported only when asked for: the pre-commit hook's start-up time matters.
        from auditor.checks.ignored_ssh_option import ssh_option_findings

        findings += ssh_option_findings(settings)
    findings.sort(key=lambda f: (-f.severity.rank, f.rule, f.package or "", f.device or ""))
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
