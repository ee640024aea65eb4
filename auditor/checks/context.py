"""What a rule may look at: :class:`RuleContext`, built once per run by :func:`build_context`.

The context holds values only: the lockfile, the SSH-stack ranges, the facts of ``rules/``, device
results, the known_hosts verdict for each verified host key, the vulnerability records already
fetched, the parsed ssh_config / ansible.cfg options, version changes between two resolutions and
the accepted risks. Every read of a file, a cache or a service happens in :func:`build_context`
(through :mod:`auditor.services` and :mod:`auditor.sources`), never in a rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from auditor.model import Change, DeviceResult, Lockfile, Skipped

if TYPE_CHECKING:
    from auditor.checks.accepted_risk import AcceptedRisk
    from auditor.checks.breaking_release import BreakingRelease
    from auditor.checks.constraints import PackageRange
    from auditor.services.interface import VulnerabilityRecords
    from auditor.settings import Settings
    from auditor.sources.ssh_config import ConfigOption


class HostKeyCheckLike(Protocol):
    """What a known_hosts lookup answers (status ``match`` | ``changed`` | ``unknown``, known fingerprints, line)."""

    @property
    def status(self) -> str:
        """``match`` | ``changed`` | ``unknown``."""

    @property
    def known(self) -> tuple[str, ...]:
        """``SHA256:`` fingerprints of the known keys of that type."""

    @property
    def line(self) -> int | None:
        """1-based line of the first known key of that type, when known."""


class KnownHostsFile(Protocol):
    """A loaded known_hosts file (:class:`auditor.probe.paramiko_glue.KnownHosts` is one)."""

    path: Path

    def check(self, host: str, port: int, key_type: str, seen: str) -> HostKeyCheckLike:
        """known_hosts' verdict on key ``seen`` (``SHA256:`` fingerprint) of type ``key_type`` for ``host``:``port``."""
        ...


@dataclass(frozen=True)
class HostKeyVerdict:
    """known_hosts' verdict on the host key one verified handshake saw."""

    status: str
    """``match`` | ``changed`` (known keys of that type, none equal) | ``unknown`` (no key of that type)."""
    key_type: str
    """The key type compared (``ssh-rsa`` for an ``rsa-sha2-512`` handshake, RFC 8332)."""
    file: str
    """The known_hosts file, as given or found (``~/.ssh/known_hosts``)."""
    known: tuple[str, ...] = ()
    """``SHA256:`` fingerprints of the known keys of that type."""
    line: int | None = None
    """1-based line of the first known key of that type, when known."""


@dataclass(frozen=True)
class ChangeSet:
    """Versions that move between the lock and another resolution (``drift``, ``whatif``, ``fix --lock``)."""

    changes: tuple[Change, ...]
    description: str
    """How the other resolution came about, for the messages (``a fresh resolution today``)."""
    stack: frozenset[str]
    """Normalized names of the SSH stack."""
    file: str | None = None
    """The lockfile the findings point at, relative to the project."""
    on_purpose: frozenset[str] = frozenset()
    """Names the user asked to move (``whatif paramiko==5.1.0``): their downgrades are not reported."""


def device_key(result: DeviceResult) -> tuple[str, str, int]:
    """``(name, host, port)``: how :attr:`RuleContext.host_keys` is keyed."""
    return (result.device.name, result.device.host, result.device.port)


@dataclass(frozen=True)
class RuleContext:
    """Everything the rules of one run may look at; every member is a value, none reads anything."""

    lockfile: Lockfile | None = None
    ranges: Sequence[PackageRange] = ()
    """Effective range of each SSH-stack package (:func:`auditor.checks.constraints.compute_ranges`)."""
    releases: Sequence[BreakingRelease] = ()
    """``rules/releases.toml``, oldest first per package."""
    devices: Sequence[DeviceResult] = ()
    """Probe results or predictions, one Paramiko version each."""
    host_keys: Mapping[tuple[str, str, int], HostKeyVerdict] = field(default_factory=dict)
    """:func:`device_key` → known_hosts' verdict, for every device whose handshake saw a host key."""
    vulnerabilities: VulnerabilityRecords | None = None
    """Advisories per checked package; None when the vulnerability rule does not run."""
    ssh_options: Sequence[ConfigOption] = ()
    """Options read from ``--ssh-config`` files and ``--ansible-cfg``."""
    changes: ChangeSet | None = None
    accepted: Sequence[AcceptedRisk] = ()
    """Accepted risks (``[[tool.sshdrift.ignore]]``, ``--ignore``)."""
    today: dt.date = field(default_factory=dt.date.today)
    """The date accepted risks expire against (local date)."""
    skipped: tuple[Skipped, ...] = ()
    """What the builder could not fetch (the vulnerability service skipped a package), for the report."""


def lock_context(lockfile: Lockfile, ranges: Sequence[PackageRange]) -> RuleContext:
    """A context for the lock rules only: ``lockfile``, its ``ranges`` and ``rules/releases.toml``."""
    from auditor.checks.breaking_release import load_releases

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
    from auditor.checks.accepted_risk import accepted_risks
    from auditor.checks.breaking_release import load_releases

    accepted = accepted_risks(settings, project_dir)
    records, skipped = (None, []) if lockfile is None else _vulnerabilities(lockfile, settings)
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
        skipped=tuple(skipped),
    )


def _vulnerabilities(lockfile: Lockfile, settings: Settings) -> tuple[VulnerabilityRecords | None, list[Skipped]]:
    """The vulnerability records for the selected locked packages, and what could not be checked."""
    from auditor.checks.vulnerability import RULE, selected_packages
    from auditor.services.vulnerabilities import service_for

    if not settings.vulnerabilities:
        return None, [Skipped(RULE, "turned off (--no-vulnerabilities)")]
    packages, skipped = selected_packages(lockfile, settings.ssh_stack_extra, all_packages=settings.all_packages)
    if not packages:
        return None, skipped
    service = service_for(settings)
    if service is None:
        reason = "skipped, --offline: no vulnerability data; pass --vuln-db DIR to check offline"
        return None, [*skipped, Skipped(RULE, reason)]
    records = service.query(packages)
    return records, [*skipped, *records.skipped]


def _ssh_options(settings: Settings) -> list[ConfigOption]:
    """Every option of ``settings.ssh_config`` files and ``settings.ansible_cfg``, in file order.

    Raises:
        ConfigError: a file is missing or cannot be parsed.
    """
    if not settings.ssh_config and settings.ansible_cfg is None:
        return []
    from auditor.errors import ConfigError
    from auditor.sources.ansible_cfg import read_ansible_ssh_options
    from auditor.sources.ssh_config import read_ssh_config

    options: list[ConfigOption] = []
    for path in settings.ssh_config:
        if not Path(path).is_file():
            raise ConfigError(f"{path}: ssh_config not found; check --ssh-config or [tool.sshdrift] ssh-config")
        options += read_ssh_config(Path(path))
    if settings.ansible_cfg is not None:
        if not Path(settings.ansible_cfg).is_file():
            raise ConfigError(f"{settings.ansible_cfg}: ansible.cfg not found; check --ansible-cfg")
        options += read_ansible_ssh_options(Path(settings.ansible_cfg))
    return options


def _host_keys(devices: Sequence[DeviceResult], settings: Settings) -> dict[tuple[str, str, int], HostKeyVerdict]:
    """known_hosts' verdict for every device whose verified handshake saw a host key.

    Raises:
        ConfigError: ``--known-hosts`` is missing or unreadable.
    """
    if not settings.verify or not any(r.host_key_fingerprint is not None for r in devices):
        return {}
    from auditor.probe.paramiko_glue import load_known_hosts

    return host_key_verdicts(devices, load_known_hosts(settings.known_hosts))


def host_key_verdicts(
    devices: Sequence[DeviceResult], known_hosts: KnownHostsFile | None
) -> dict[tuple[str, str, int], HostKeyVerdict]:
    """:func:`device_key` → ``known_hosts``' verdict for each device whose handshake saw a host key.

    Args:
        devices: device results; those without a fingerprint or negotiated host-key algorithm are left out.
        known_hosts: a loaded known_hosts file (``check(host, port, key_type, fingerprint)``), or None for none.
    """
    if known_hosts is None:
        return {}
    from auditor.checks.devices import key_type_of

    out: dict[tuple[str, str, int], HostKeyVerdict] = {}
    for result in devices:
        if result.host_key_fingerprint is None or result.negotiated is None:
            continue
        key_type = key_type_of(result.negotiated.host_key)
        check = known_hosts.check(result.device.host, result.device.port, key_type, result.host_key_fingerprint)
        out[device_key(result)] = HostKeyVerdict(check.status, key_type, str(known_hosts.path), check.known, check.line)
    return out
