"""What a rule may look at: :class:`RuleContext`, built once per run by :func:`auditor.analysis.rule_context.build_context`.

The context holds values only: the lockfile, the SSH-stack ranges, the facts of ``rules/``, device
results, the known_hosts verdict for each verified host key, the vulnerability records already
fetched, the parsed ssh_config / ansible.cfg options, version changes between two resolutions and
the accepted risks. Every read of a file, a cache or a service happens in the builder (through
:mod:`auditor.services` and :mod:`auditor.sources`), never in a rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from auditor.model import Change, Lockfile, Skipped

if TYPE_CHECKING:
    from auditor.checks.accepted_risk import AcceptedRisk
    from auditor.checks.breaking_release import BreakingRelease
    from auditor.checks.constraints import PackageRange
    from auditor.device_model import DeviceResult
    from auditor.services.interface import VulnerabilityRecords
    from auditor.sources.project_code import ProjectCode
    from auditor.sources.ssh_config import ConfigOption

_KEY_TYPES = {
    "rsa-sha2-256": "ssh-rsa",
    "rsa-sha2-512": "ssh-rsa",
    "rsa-sha2-256-cert-v01@openssh.com": "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com": "ssh-rsa-cert-v01@openssh.com",
}
"""Host-key algorithm → key type where they differ (RFC 8332: rsa-sha2-* sign with ``ssh-rsa`` keys)."""


def key_type_of(host_key_algorithm: str) -> str:
    """The key type (known_hosts field) behind a negotiated host-key algorithm (RFC 8332 §3)."""
    return _KEY_TYPES.get(host_key_algorithm, host_key_algorithm)


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
    """A loaded known_hosts file (:class:`auditor.probe.known_hosts.KnownHosts` is one)."""

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
    before_at: str | None = None
    """Where the older versions come from when not the lock itself (``origin/main`` for ``lock --base``)."""


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
    code: ProjectCode | None = None
    """The SSH-stack API uses in the project's own Python files (``removed-api``, ``host-key-policy``); None
    when no project was read."""
    skipped: tuple[Skipped, ...] = ()
    """What the builder could not fetch (the vulnerability service skipped a package), for the report."""


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
    out: dict[tuple[str, str, int], HostKeyVerdict] = {}
    for result in devices:
        if result.host_key_fingerprint is None or result.negotiated is None:
            continue
        key_type = key_type_of(result.negotiated.host_key)
        check = known_hosts.check(result.device.host, result.device.port, key_type, result.host_key_fingerprint)
        out[device_key(result)] = HostKeyVerdict(check.status, key_type, str(known_hosts.path), check.known, check.line)
    return out
