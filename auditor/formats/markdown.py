"""``--format markdown``: GitHub-flavoured Markdown for PR comments and ``$GITHUB_STEP_SUMMARY``.

Sections: a heading with the verdict and summary line, the findings table, the devices
table, the SSH stack (in a collapsed ``<details>`` block), changes, skipped checks, notes.
Every cell is escaped (``|``, backticks, HTML brackets, newlines) so that a message can never
break the table or inject markup into a PR comment.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.formats.summary import (
    constraint_text,
    device_address,
    device_outcome,
    sorted_findings,
    subject,
    summarize,
    summary_line,
)
from auditor.model import DeviceStatus, Report, Severity

_SEVERITY_ICON = {Severity.ERROR: ":x:", Severity.WARNING: ":warning:", Severity.NOTE: ":information_source:"}
_STATUS_ICON = {
    DeviceStatus.COMPATIBLE: ":white_check_mark:",
    DeviceStatus.INCOMPATIBLE: ":x:",
    DeviceStatus.UNREACHABLE: ":warning:",
    DeviceStatus.ERROR: ":warning:",
}

_VERDICT = {"fail": ":x: failing", "warn": ":warning: needs attention", "ok": ":white_check_mark: clean"}


def cell(text: str) -> str:
    """Escape ``text`` for one GFM table cell: pipes, backslashes, HTML, backticks and newlines."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("`", "\\`")
        .replace("*", "\\*")
        .replace("_", "\\_")
    )
    return "<br>".join(line.strip() for line in escaped.replace("\r\n", "\n").split("\n")) or " "


def _code(text: str) -> str:
    """Inline code that survives any content (pipes still need escaping inside a table)."""
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render(report: Report, *, color: bool = False) -> str:
    """Return ``report`` as Markdown (final newline); ``color`` is ignored."""
    verdict = _VERDICT[summarize(report).verdict]
    out = [f"### sshdrift {report.command}: {verdict}", "", f"**{cell(summary_line(report))}**", ""]
    if report.project is not None:
        where = f"Project {_code(report.project.path)}"
        if report.project.lockfile:
            where += f", lockfile {_code(report.project.lockfile)}"
            if report.project.format:
                where += f" ({cell(report.project.format)})"
        out += [where, ""]

    if report.findings:
        rows = []
        for f in sorted_findings(report):
            where = cell(subject(f))
            if f.file and (f.package or f.device):
                where += "<br>" + _code(f"{f.file}:{f.line}" if f.line else f.file)
            rows.append(
                [
                    f"{_SEVERITY_ICON[f.severity]} {f.severity.value}",
                    _code(f.rule),
                    where,
                    cell(f.message),
                    cell(f.fix) if f.fix else "",
                ]
            )
        out += ["#### Findings", "", *_table(["Severity", "Rule", "Subject", "Message", "Fix"], rows), ""]

    if report.devices:
        rows = []
        for d in report.devices:
            verified = "handshake" if d.verified else ("predicted" if d.offered or d.negotiated else "")
            rows.append(
                [
                    f"**{cell(d.device.name)}**",
                    _code(device_address(d)),
                    f"{_STATUS_ICON[d.status]} {d.status.value}",
                    cell(d.paramiko or ""),
                    _code(d.banner) if d.banner else "",
                    cell(device_outcome(d)),
                    verified,
                ]
            )
        header = ["Device", "Address", "Status", "Paramiko", "Banner", "Negotiated or reason", "Verified"]
        out += ["#### Devices", "", *_table(header, rows), ""]

    if report.changes:
        rows = [[_code(c.name), cell(c.before or "(absent)"), cell(c.after or "(removed)")] for c in report.changes]
        out += ["#### Changes", "", *_table(["Package", "Before", "After"], rows), ""]

    if report.packages:
        rows = [
            [
                _code(p.name),
                cell(p.version),
                _code(p.effective_range or "any"),
                "**yes**" if p.open_ended else "no",
                "<br>".join(cell(constraint_text(c)) for c in p.constraints) or "",
            ]
            for p in report.packages
        ]
        out += [
            "<details><summary>SSH stack</summary>",
            "",
            *_table(["Package", "Locked", "Effective range", "Open-ended", "Constraints (by: specifier)"], rows),
            "",
            "</details>",
            "",
        ]

    if report.skipped:
        out += ["#### Skipped", ""]
        out += [f"- {cell(x.subject)}: {cell(x.reason)}" for x in report.skipped]
        out.append("")
    diff = report.extra.get("diff")
    if isinstance(diff, str) and diff:
        fence = "````" if "```" in diff else "```"
        out += ["#### Diff", "", f"{fence}diff", *diff.rstrip("\n").splitlines(), fence, ""]
    if report.notes:
        out += ["#### Notes", ""]
        out += [f"- {cell(n)}" for n in report.notes]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
