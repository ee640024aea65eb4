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
from typing import TYPE_CHECKING

from auditor.model import Lockfile, Skipped

if TYPE_CHECKING:
    from auditor.checks.accepted_risk import AcceptedRisk
    from auditor.checks.breaking_release import BreakingRelease
    from auditor.checks.constraints import PackageRange
    from auditor.checks.device_rules.host_keys import HostKeyVerdict
    from auditor.device_model import DeviceResult
    from auditor.report_parts import ChangeSet
    from auditor.services.interface import VulnerabilityRecords
    from auditor.sources.project_code import ProjectCode
    from auditor.sources.ssh_config import ConfigOption


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
    """:func:`~auditor.checks.device_rules.host_keys.device_key` → known_hosts' verdict, for every device whose handshake saw a host key."""
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
