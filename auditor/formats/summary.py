"""Counts and wording shared by every human-facing format (table, Markdown, JUnit, GitHub).

One place decides how a report is summed up in one line, so the terminal, a PR comment
and a CI log never disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.choices import DeviceStatus
from auditor.model import PROJECT, Constraint, Finding, Report, Severity

if TYPE_CHECKING:
    from auditor.device_model import DeviceResult


@dataclass(frozen=True)
class Summary:
    """How many findings of each severity and devices of each status a report holds.

    Ignored findings (accepted risks, :attr:`Finding.ignored`) are counted apart: they never
    make the verdict worse.
    """

    errors: int
    warnings: int
    notes: int
    devices: int
    compatible: int
    incompatible: int
    unreachable: int
    failed: int
    """Devices whose probe ended in a protocol error (status ``error``)."""
    skipped: int
    ignored: int = 0
    """Findings an accepted-risk entry matched."""
    accepted_incompatible: int = 0
    """Incompatible devices whose ``incompatible-device`` finding is ignored."""
    incomplete: int = 0
    """Skipped checks that leave the run incomplete (:attr:`Skipped.incomplete`)."""

    @property
    def verdict(self) -> str:
        """The one verdict every human-facing format shows: ``fail``, ``incomplete``, ``warn`` or ``ok``.

        ``fail``: an error finding or an incompatible device (neither accepted as a risk);
        ``incomplete``: a device could not be judged (unreachable, protocol error) or a required
        check could not run, the cases that exit 4; ``warn``: warnings or optional checks
        skipped; ``ok``: nothing of the sort.
        """
        if self.errors or self.incompatible > self.accepted_incompatible:
            return "fail"
        if self.unreachable or self.failed or self.incomplete:
            return "incomplete"
        if self.warnings or self.skipped:
            return "warn"
        return "ok"


def summarize(report: Report) -> Summary:
    """Count ``report``'s findings by severity (ignored ones apart) and devices by status."""
    live = [f for f in report.findings if f.ignored is None]
    sev = Counter(f.severity for f in live)
    status = Counter(d.status for d in report.devices)
    accepted = {f.device for f in report.findings if f.ignored is not None and f.rule == "incompatible-device"}
    return Summary(
        errors=sev[Severity.ERROR],
        warnings=sev[Severity.WARNING],
        notes=sev[Severity.NOTE],
        devices=len(report.devices),
        compatible=status[DeviceStatus.COMPATIBLE],
        incompatible=status[DeviceStatus.INCOMPATIBLE],
        unreachable=status[DeviceStatus.UNREACHABLE],
        failed=status[DeviceStatus.ERROR],
        skipped=len(report.skipped),
        ignored=len(report.findings) - len(live),
        accepted_incompatible=sum(
            1 for d in report.devices if d.status is DeviceStatus.INCOMPATIBLE and d.device.name in accepted
        ),
        incomplete=sum(1 for s in report.skipped if s.incomplete),
    )


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_line(report: Report) -> str:
    """One line such as ``2 errors, 1 warning (3 ignored); 4 devices: 1 incompatible, 1 unreachable; 1 check skipped``."""
    s = summarize(report)
    parts = [f"{_plural(s.errors, 'error')}, {_plural(s.warnings, 'warning')}"]
    if s.notes:
        parts[0] += f", {_plural(s.notes, 'note')}"
    if s.ignored:
        parts[0] += f" ({s.ignored:,} ignored)"
    if s.devices:
        states = [f"{s.compatible:,} compatible"]
        if s.incompatible:
            states.append(f"{s.incompatible:,} incompatible")
        if s.unreachable:
            states.append(f"{s.unreachable:,} unreachable")
        if s.failed:
            states.append(_plural(s.failed, "protocol error"))
        parts.append(f"{_plural(s.devices, 'device')}: {', '.join(states)}")
    if s.skipped:
        parts.append(f"{_plural(s.skipped, 'check')} skipped")
    return "; ".join(parts)


def subject(finding: Finding) -> str:
    """What a finding is about: ``device``, ``package``, ``file:line`` or ``-``."""
    if finding.device:
        return finding.device
    if finding.package:
        return finding.package
    if finding.file:
        return f"{finding.file}:{finding.line}" if finding.line else finding.file
    return "-"


def constraint_text(constraint: Constraint) -> str:
    """``by: specifier`` with ``project`` for the project's own declarations and ``any`` for a bare edge."""
    by = "project" if constraint.by == PROJECT else constraint.by
    spec = constraint.specifier or "any"
    marker = f" ; {constraint.marker}" if constraint.marker else ""
    return f"{by}: {spec}{marker}"


def device_address(result: DeviceResult) -> str:
    """``host:port`` (with ``via jump`` when reached through a gateway); IPv6 hosts in brackets."""
    host = result.device.host
    text = f"[{host}]:{result.device.port}" if ":" in host else f"{host}:{result.device.port}"
    if result.device.jumps:
        text += f" via {','.join(result.device.jumps)}"
    return text


def platform_label(result: DeviceResult) -> str | None:
    """``Cisco IOS-XE 17.x (medium certainty)`` for a device whose platform was recognized, else None."""
    if result.platform is None:
        return None
    return f"{result.platform.title} ({result.platform.certainty} certainty)"


def device_outcome(result: DeviceResult) -> str:
    """The negotiated algorithms (``kex / host key / cipher / mac``) or the reasons it failed."""
    if result.negotiated is not None and result.status is DeviceStatus.COMPATIBLE:
        n = result.negotiated
        return f"{n.kex} / {n.host_key} / {n.cipher} / {n.mac}"
    return "; ".join(result.reasons) or "-"


def sorted_findings(report: Report) -> list[Finding]:
    """The findings that count (not ignored), worst first, then by rule and subject (stable for equal keys)."""
    return sorted(
        (f for f in report.findings if f.ignored is None), key=lambda f: (-f.severity.rank, f.rule, subject(f))
    )


def ignored_findings(report: Report) -> list[Finding]:
    """The findings an accepted-risk entry matched, by rule and subject."""
    return sorted((f for f in report.findings if f.ignored is not None), key=lambda f: (f.rule, subject(f)))


def ignored_reason(finding: Finding) -> str:
    """``reason`` or ``reason (until YYYY-MM-DD)`` of an ignored finding; ``""`` when it is not ignored."""
    if finding.ignored is None:
        return ""
    until = f" (until {finding.ignored.until})" if finding.ignored.until else ""
    return finding.ignored.reason + until


@dataclass(frozen=True)
class DeviceGroup:
    """Devices that could not be judged for the same reason: one line in a report, however big the fleet."""

    status: DeviceStatus
    """:attr:`DeviceStatus.UNREACHABLE` or :attr:`DeviceStatus.ERROR`."""
    reason: str
    devices: tuple[DeviceResult, ...]


NOT_CHECKED = (DeviceStatus.UNREACHABLE, DeviceStatus.ERROR)
"""Statuses of devices that could not be judged (the run is incomplete, exit 4)."""
MAX_GROUPS = 10
"""Reason groups of devices not judged that a human format lists before counting the rest."""


def not_checked_groups(report: Report) -> list[DeviceGroup]:
    """Unreachable and protocol-error devices grouped by status and reason text.

    Unreachable groups come first, then protocol errors; within each, the largest group first
    (ties by reason). Devices keep their inventory order inside a group.
    """
    groups: dict[tuple[DeviceStatus, str], list[DeviceResult]] = {}
    for result in report.devices:
        if result.status in NOT_CHECKED:
            groups.setdefault((result.status, device_outcome(result)), []).append(result)
    order = {status: i for i, status in enumerate(NOT_CHECKED)}
    keys = sorted(groups, key=lambda k: (order[k[0]], -len(groups[k]), k[1]))
    return [DeviceGroup(status, reason, tuple(groups[status, reason])) for status, reason in keys]


def first_names(devices: Sequence[DeviceResult], limit: int = 5) -> str:
    """``r1 (10.0.0.1:22), r2 (10.0.0.2:22) and 1,198 more``: the first ``limit`` devices, then a count."""
    shown = ", ".join(f"{d.device.name} ({device_address(d)})" for d in devices[:limit])
    rest = len(devices) - limit
    return f"{shown} and {rest:,} more" if rest > 0 else shown


def group_line(group: DeviceGroup) -> str:
    """``1,150 devices unreachable: connection refused: r1 (...), ... and 1,145 more``."""
    what = "unreachable" if group.status is DeviceStatus.UNREACHABLE else "protocol error"
    count = f"{len(group.devices):,} device{'' if len(group.devices) == 1 else 's'}"
    return f"{count} {what}: {group.reason}: {first_names(group.devices)}"


def listed_devices(report: Report, *, show_all: bool) -> list[DeviceResult]:
    """The devices a human format lists row by row.

    Every device with ``show_all``; else the failures: incompatible devices and devices with a
    finding that counts (legacy-only, host key changed). Devices not judged are grouped instead
    (:func:`not_checked_groups`), compatible ones counted (:func:`unlisted_line`).
    """
    if show_all:
        return list(report.devices)
    flagged = {f.device for f in report.findings if f.device is not None and f.ignored is None}
    return [
        d
        for d in report.devices
        if d.status is DeviceStatus.INCOMPATIBLE or (d.status not in NOT_CHECKED and d.device.name in flagged)
    ]


def unlisted_line(report: Report, listed: Sequence[DeviceResult]) -> str | None:
    """``9,000 compatible devices not listed (--show all lists them)``, or None when none is left out."""
    shown = {id(d) for d in listed}
    hidden = sum(1 for d in report.devices if id(d) not in shown and d.status not in NOT_CHECKED)
    if not hidden:
        return None
    return f"{hidden:,} compatible device{'' if hidden == 1 else 's'} not listed (--show all lists them)"


def more_groups_line(groups: Sequence[DeviceGroup]) -> str | None:
    """``120 more devices for 14 other reasons (--format json lists each)`` past :data:`MAX_GROUPS`, or None."""
    if len(groups) <= MAX_GROUPS:
        return None
    rest = sum(len(g.devices) for g in groups[MAX_GROUPS:])
    return f"{rest:,} more devices for {len(groups) - MAX_GROUPS:,} other reasons (--format json lists each)"
