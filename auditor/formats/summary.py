"""Counts and wording shared by every human-facing format (table, Markdown, JUnit, GitHub).

One place decides how a report is summed up in one line, so the terminal, a PR comment
and a CI log never disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from auditor.model import PROJECT, Constraint, DeviceResult, DeviceStatus, Finding, Report, Severity


@dataclass(frozen=True)
class Summary:
    """How many findings of each severity and devices of each status a report holds."""

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

    @property
    def verdict(self) -> str:
        """The one verdict every human-facing format shows: ``fail``, ``warn`` or ``ok``.

        ``fail``: an error finding or an incompatible device; ``warn``: warnings, devices not
        judged (unreachable, protocol error) or skipped checks; ``ok``: nothing of the sort.
        """
        if self.errors or self.incompatible:
            return "fail"
        if self.warnings or self.unreachable or self.failed or self.skipped:
            return "warn"
        return "ok"


def summarize(report: Report) -> Summary:
    """Count ``report``'s findings by severity and devices by status."""
    sev = Counter(f.severity for f in report.findings)
    status = Counter(d.status for d in report.devices)
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
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(report: Report) -> str:
    """One line such as ``2 errors, 1 warning; 4 devices: 1 incompatible, 1 unreachable; 1 check skipped``."""
    s = summarize(report)
    parts = [f"{_plural(s.errors, 'error')}, {_plural(s.warnings, 'warning')}"]
    if s.notes:
        parts[0] += f", {_plural(s.notes, 'note')}"
    if s.devices:
        states = [f"{s.compatible} compatible"]
        if s.incompatible:
            states.append(f"{s.incompatible} incompatible")
        if s.unreachable:
            states.append(f"{s.unreachable} unreachable")
        if s.failed:
            states.append(f"{s.failed} protocol error{'' if s.failed == 1 else 's'}")
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
    if result.device.jump:
        text += f" via {result.device.jump}"
    return text


def device_outcome(result: DeviceResult) -> str:
    """The negotiated algorithms (``kex / host key / cipher / mac``) or the reasons it failed."""
    if result.negotiated is not None and result.status is DeviceStatus.COMPATIBLE:
        n = result.negotiated
        return f"{n.kex} / {n.host_key} / {n.cipher} / {n.mac}"
    return "; ".join(result.reasons) or "-"


def sorted_findings(report: Report) -> list[Finding]:
    """Findings worst first, then by rule and subject (stable for equal keys)."""
    return sorted(report.findings, key=lambda f: (-f.severity.rank, f.rule, subject(f)))
