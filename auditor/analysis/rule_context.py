"""The rule context of a run: every read and fetch the rules need, done once, before any rule runs.

:func:`build_context` is what the engine calls for ``lock`` and ``audit``; :func:`lock_context` is
the lock rules' context for the lock analysis that ``whatif``, ``fix`` and ``demo`` share. The rules
(:mod:`auditor.checks`) then judge values only (:func:`auditor.checks.registry.run_rules`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.checks.accepted_risk import accepted_risks
from auditor.checks.breaking_release import load_releases
from auditor.checks.constraints import PackageRange
from auditor.checks.context import RuleContext
from auditor.checks.registry import rule_ids
from auditor.checks.vulnerability import RULE as VULNERABILITY
from auditor.checks.vulnerability import selected_packages
from auditor.errors import ConfigError
from auditor.model import Finding, Lockfile, Skipped
from auditor.services.interface import VulnerabilityRecords
from auditor.services.vulnerabilities import service_for
from auditor.settings import Settings

if TYPE_CHECKING:
    from auditor.checks.device_rules.host_keys import HostKeyVerdict, KnownHostsFile
    from auditor.device_model import DeviceResult
    from auditor.report_parts import ChangeSet
    from auditor.sources.project_code import ProjectCode
from auditor.sources.ssh_config import ConfigOption, read_ssh_config


def lock_context(lockfile: Lockfile, ranges: Sequence[PackageRange]) -> RuleContext:
    """A context for the lock rules only: ``lockfile``, its ``ranges`` and ``rules/releases.toml``."""
    return RuleContext(lockfile=lockfile, ranges=tuple(ranges), releases=load_releases())


def build_context(
    settings: Settings,
    *,
    lockfile: Lockfile | None = None,
    ranges: Sequence[PackageRange] = (),
    devices: Sequence[DeviceResult] = (),
    project_dir: Path | None = None,
    changes: ChangeSet | None = None,
    today: dt.date | None = None,
) -> RuleContext:
    """Read and fetch everything the rules need for one run.

    Args:
        settings: ``vulnerabilities``/``vuln_db``/``offline``/``all_packages``/``timeout`` (the vulnerability
            lookup), ``ssh_config``/``ansible_cfg`` (options to lint), ``known_hosts`` (host-key verdicts),
            ``ignore``/``ignore_entries`` (accepted risks).
        lockfile: the parsed lockfile, or None (``probe``).
        ranges: the SSH-stack ranges of ``lockfile``.
        devices: device results (probed or predicted).
        project_dir: the audited project (its ``pyproject.toml`` is named in accepted-risk errors).
        changes: version changes to judge, or None.
        today: the date accepted risks expire against; default today's local date.

    Returns:
        The context; :attr:`RuleContext.skipped` lists what could not be fetched.

    Raises:
        ConfigError: an unreadable ssh_config, ansible.cfg or known_hosts, or a malformed accepted risk (exit 3).
        VulnerabilityServiceError: the vulnerability service or ``--vuln-db`` cannot be read (exit 3).
    """
    accepted = accepted_risks(settings, project_dir, rule_ids())
    records, skipped = (None, []) if lockfile is None else _vulnerabilities(lockfile, settings)
    code = project_code(settings, project_dir)
    # A file the reader could not parse is said, never silently clean.
    skipped += [Skipped(file, f"not read for the code rules: {why}") for file, why in (code.unreadable if code else ())]
    return RuleContext(
        lockfile=lockfile,
        ranges=tuple(ranges),
        releases=load_releases(),
        devices=tuple(devices),
        host_keys=_host_keys(devices, settings),
        vulnerabilities=records,
        ssh_options=_ssh_options(settings),
        changes=changes,
        accepted=accepted,
        today=today or dt.date.today(),
        code=code,
        skipped=tuple(skipped),
    )


def with_devices(context: RuleContext, devices: Sequence[DeviceResult], settings: Settings) -> RuleContext:
    """``context`` with ``devices`` and known_hosts' verdicts on their host keys (``settings.known_hosts``).

    Raises:
        ConfigError: ``--known-hosts`` is missing or unreadable.
    """
    return replace(context, devices=tuple(devices), host_keys=_host_keys(devices, settings))


def project_code(settings: Settings, project_dir: Path | None) -> ProjectCode | None:
    """The project's SSH-stack API uses (:func:`auditor.sources.project_code.read_project_code`), or None.

    Uses ``settings.include``/``settings.exclude`` and ``settings.ansible_cfg`` (its host-key settings).

    Raises:
        ConfigError: ``settings.ansible_cfg`` cannot be read.
    """
    if project_dir is None:
        return None
    # Start-up: the reader (ast, pathspec) is imported only when a project is audited.
    from auditor.sources.project_code import read_project_code

    return read_project_code(project_dir, settings.include, settings.exclude, ansible_cfg=settings.ansible_cfg)


def _vulnerabilities(lockfile: Lockfile, settings: Settings) -> tuple[VulnerabilityRecords | None, list[Skipped]]:
    """The vulnerability records for the selected locked packages, and what could not be checked."""
    if not settings.vulnerabilities:
        return None, [Skipped(VULNERABILITY, "turned off (--no-vulnerabilities)")]
    packages, skipped = selected_packages(lockfile, settings.ssh_stack_extra, all_packages=settings.all_packages)
    if not packages:
        return None, skipped
    service = service_for(settings)
    if service is None:
        reason = "skipped, --offline: no vulnerability data; pass --vuln-db DIR to check offline"
        return None, [*skipped, Skipped(VULNERABILITY, reason)]
    records = service.query(packages)
    return records, [*skipped, *records.skipped]


def _ssh_options(settings: Settings) -> list[ConfigOption]:
    """Every option of ``settings.ssh_config`` files and ``settings.ansible_cfg``, in file order.

    Raises:
        ConfigError: a file is missing or cannot be parsed.
    """
    if not settings.ssh_config and settings.ansible_cfg is None:
        return []
    options: list[ConfigOption] = []
    for path in settings.ssh_config:
        if not Path(path).is_file():
            raise ConfigError(f"{path}: ssh_config not found; check --ssh-config or [tool.sshdrift] ssh-config")
        options += read_ssh_config(Path(path))
    if settings.ansible_cfg is not None:
        # Start-up: the ansible.cfg reader (configparser) loads only for --ansible-cfg.
        from auditor.sources.ansible_cfg import read_ansible_ssh_options

        if not Path(settings.ansible_cfg).is_file():
            raise ConfigError(f"{settings.ansible_cfg}: ansible.cfg not found; check --ansible-cfg")
        options += read_ansible_ssh_options(Path(settings.ansible_cfg))
    return options


def probe_findings(results: Sequence[DeviceResult], settings: Settings) -> list[Finding]:
    """The device rules over a live probe's results, with known_hosts read as :func:`build_context` reads it.

    Args:
        results: the probe's results (:func:`auditor.probe.service.probe_devices`), one client release each.
        settings: ``verify`` and ``known_hosts`` (the file verified host keys are compared with).

    Returns:
        The findings of every rule of :data:`auditor.checks.device_rules.devices.DEVICE_RULES`, in result order.

    Raises:
        ConfigError: ``--known-hosts`` is missing or unreadable.
    """
    from auditor.checks.device_rules.devices import device_findings

    return device_findings(results, known_hosts=_known_hosts(results, settings))


def _host_keys(devices: Sequence[DeviceResult], settings: Settings) -> dict[tuple[str, str, int], HostKeyVerdict]:
    """known_hosts' verdict for every device whose verified handshake saw a host key.

    Raises:
        ConfigError: ``--known-hosts`` is missing or unreadable.
    """
    if not devices:
        return {}
    # Start-up: the host-key verdicts are device-side: a run without devices never loads them.
    from auditor.checks.device_rules.host_keys import host_key_verdicts

    return host_key_verdicts(devices, _known_hosts(devices, settings))


def _known_hosts(devices: Sequence[DeviceResult], settings: Settings) -> KnownHostsFile | None:
    """The ``--known-hosts`` file, loaded only when a verified handshake of ``devices`` saw a host key.

    Raises:
        ConfigError: ``--known-hosts`` is missing or unreadable.
    """
    if not settings.verify or not any(r.host_key_fingerprint is not None for r in devices):
        return None
    # Start-up: known_hosts is read (without Paramiko) only when a handshake saw a host key.
    from auditor.probe.known_hosts import load_known_hosts

    return load_known_hosts(settings.known_hosts)
