"""``--format markdown``: GitHub-flavoured Markdown for PR comments and ``$GITHUB_STEP_SUMMARY``.

Sections: a heading with the verdict and summary line, the findings table, the devices table
(failures, or every device with ``--show all``), devices not judged grouped by reason, ignored
findings, changes, the SSH stack (in a collapsed ``<details>`` block), skipped checks, diff,
notes. Every cell is escaped (``|``, backticks, HTML brackets, newlines) so that a message can
never break the table or inject markup into a PR comment.

The whole text stays under :data:`LIMIT` characters, what a GitHub comment (and a step summary)
holds: when the rows do not fit, each section that loses rows ends with a line that says how
many and where to get them (``--format json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.choices import DeviceStatus, Show
from auditor.formats.summary import (
    MAX_GROUPS,
    constraint_text,
    device_address,
    device_outcome,
    group_line,
    ignored_findings,
    listed_devices,
    more_groups_line,
    not_checked_groups,
    platform_label,
    sorted_findings,
    subject,
    summarize,
    summary_line,
    unlisted_line,
)
from auditor.model import Finding, Report, Severity

if TYPE_CHECKING:
    from auditor.device_model import DeviceResult

LIMIT = 65_536
"""Characters a GitHub issue or PR comment body holds; the rendered text is always shorter."""
_RESERVE = 2_048
"""Room kept under :data:`LIMIT` for the lines that say what was cut (at most one a section)."""

_SEVERITY_ICON = {Severity.ERROR: ":x:", Severity.WARNING: ":warning:", Severity.NOTE: ":information_source:"}
_STATUS_ICON = {
    DeviceStatus.COMPATIBLE: ":white_check_mark:",
    DeviceStatus.INCOMPATIBLE: ":x:",
    DeviceStatus.UNREACHABLE: ":warning:",
    DeviceStatus.ERROR: ":warning:",
}

_VERDICT = {
    "fail": ":x: failing",
    "incomplete": ":grey_question: incomplete",
    "warn": ":warning: needs attention",
    "ok": ":white_check_mark: clean",
}


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


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(names: Sequence[str]) -> list[str]:
    return [_row(names), "|" + "|".join("---" for _ in names) + "|"]


@dataclass
class _Section:
    """A heading, an optional table header, rows that may be cut, and closing lines."""

    title: list[str]
    rows: list[str]
    noun: str
    """What a row is, for the line that counts the rows cut (``findings``, ``devices``)."""
    header: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    close: list[str] = field(default_factory=list)
    """Lines right after the rows kept (a code fence's end), before the line counting the rows cut."""

    def fixed(self) -> int:
        return sum(len(line) + 1 for line in (*self.title, *self.header, *self.close, *self.tail, ""))

    def take(self, start: int, budget: int) -> tuple[int, int]:
        """How many rows from ``start`` fit in ``budget`` characters, and the characters they use."""
        used = 0
        end = start
        while end < len(self.rows) and used + len(self.rows[end]) + 1 <= budget:
            used += len(self.rows[end]) + 1
            end += 1
        return end - start, used

    def lines(self, kept: int) -> list[str]:
        """The section's lines with its first ``kept`` rows, and a line counting the rows cut."""
        if kept == len(self.rows):
            return [*self.title, *self.header, *self.rows, *self.close, "", *self.tail]
        cut = len(self.rows) - kept
        note = (
            f"_{cut:,} more {self.noun} not shown: a GitHub comment holds {LIMIT:,} characters; "
            "`--format json` or `--format sarif` has every one._"
        )
        body = [*self.header, *self.rows[:kept], *self.close, ""] if kept else []
        return [*self.title, *body, note, "", *self.tail]


def _allocate(sections: Sequence[_Section], budget: int) -> list[int]:
    """Rows each section keeps within ``budget`` characters.

    First every section gets an equal share (so a long findings table cannot push the devices
    out), then what is left goes to the sections still cut, in order.
    """
    kept = [0] * len(sections)
    pending = [i for i, s in enumerate(sections) if s.rows]
    if pending:
        share = budget // len(pending)
        for i in pending:
            kept[i], used = sections[i].take(0, share)
            budget -= used
    for i in pending:
        more, used = sections[i].take(kept[i], budget)
        kept[i] += more
        budget -= used
    return kept


def _findings(report: Report) -> _Section | None:
    findings = sorted_findings(report)
    if not findings:
        return None
    rows = []
    for f in findings:
        where = cell(subject(f))
        if f.file and (f.package or f.device):
            where += "<br>" + _code(f"{f.file}:{f.line}" if f.line else f.file)
        severity = f"{_SEVERITY_ICON[f.severity]} {f.severity.value}"
        rows.append(_row([severity, _code(f.rule), where, cell(f.message), cell(f.fix) if f.fix else ""]))
    header = _header(["Severity", "Rule", "Subject", "Message", "Fix"])
    return _Section(["#### Findings", ""], rows, "findings", header)


def _device_row(d: DeviceResult) -> str:
    verified = "handshake" if d.verified else ("predicted" if d.offered or d.negotiated else "")
    return _row(
        [
            f"**{cell(d.device.name)}**",
            _code(device_address(d)),
            f"{_STATUS_ICON[d.status]} {d.status.value}",
            cell(d.paramiko or ""),
            "<br>".join(filter(None, [_code(d.banner) if d.banner else "", cell(platform_label(d) or "")])),
            cell(device_outcome(d)),
            verified,
        ]
    )


def _devices(report: Report, show: Show) -> list[_Section]:
    listed = listed_devices(report, show_all=show is Show.ALL)
    unlisted = unlisted_line(report, listed)
    tail = [f":white_check_mark: {cell(unlisted)}", ""] if unlisted else []
    header = _header(["Device", "Address", "Status", "Paramiko", "Banner", "Negotiated or reason", "Verified"])
    sections = []
    if listed or unlisted:
        rows = [_device_row(d) for d in listed]
        sections.append(_Section(["#### Devices", ""], rows, "devices", header if rows else [], tail))
    groups = not_checked_groups(report)
    if groups:
        total = sum(len(g.devices) for g in groups)
        rows = [f"- {_STATUS_ICON[g.status]} {cell(group_line(g))}" for g in groups[:MAX_GROUPS]]
        more = more_groups_line(groups)
        title = [f"#### Not judged ({total:,} device{'' if total == 1 else 's'})", ""]
        sections.append(_Section(title, rows, "reasons", tail=[f"- {cell(more)}", ""] if more else []))
    return sections


def _ignored(report: Report) -> _Section | None:
    found = ignored_findings(report)
    if not found:
        return None
    rows = [_ignored_row(f) for f in found]
    header = _header(["Rule", "Subject", "Reason", "Until"])
    return _Section(["#### Ignored (accepted risks, not counted)", ""], rows, "ignored findings", header)


def _ignored_row(f: Finding) -> str:
    assert f.ignored is not None
    return _row(
        [_code(f.rule), cell(subject(f)), cell(f.ignored.reason), cell(f.ignored.until) if f.ignored.until else ""]
    )


def _changes(report: Report) -> _Section | None:
    if not report.changes:
        return None
    rows = [_row([_code(c.name), cell(c.before or "(absent)"), cell(c.after or "(removed)")]) for c in report.changes]
    return _Section(["#### Changes", ""], rows, "changes", _header(["Package", "Before", "After"]))


def _packages(report: Report) -> _Section | None:
    if not report.packages:
        return None
    rows = [
        _row(
            [
                _code(p.name),
                cell(p.version),
                _code(p.effective_range or "any"),
                "**yes**" if p.open_ended else "no",
                "<br>".join(cell(constraint_text(c)) for c in p.constraints) or "",
            ]
        )
        for p in report.packages
    ]
    header = _header(["Package", "Locked", "Effective range", "Open-ended", "Constraints (by: specifier)"])
    return _Section(["<details><summary>SSH stack</summary>", ""], rows, "packages", header, ["</details>", ""])


def _bullets(title: str, items: Sequence[str], noun: str) -> _Section | None:
    if not items:
        return None
    return _Section([f"#### {title}", ""], [f"- {cell(x)}" for x in items], noun)


def _diff(report: Report) -> _Section | None:
    diff = report.diff
    if not isinstance(diff, str) or not diff:
        return None
    fence = "````" if "```" in diff else "```"
    # The fence opens with the rows and closes right after the last one kept, before any note.
    lines = diff.rstrip("\n").splitlines()
    return _Section(["#### Diff", ""], lines, "diff lines", header=[f"{fence}diff"], close=[fence])


def _heading(report: Report) -> list[str]:
    verdict = _VERDICT[summarize(report).verdict]
    out = [f"### sshdrift {report.command}: {verdict}", "", f"**{cell(summary_line(report))}**", ""]
    if report.project is not None:
        where = f"Project {_code(report.project.path)}"
        if report.project.lockfile:
            where += f", lockfile {_code(report.project.lockfile)}"
            if report.project.format:
                where += f" ({cell(report.project.format)})"
        out += [where, ""]
    return out


def render(report: Report, *, color: bool = False, show: Show = Show.FAILURES) -> str:
    """Return ``report`` as Markdown (final newline), shorter than :data:`LIMIT` characters.

    Args:
        report: the command's report.
        color: ignored.
        show: :attr:`Show.FAILURES` lists incompatible and flagged devices, groups the devices not
            judged by reason and counts compatible ones; :attr:`Show.ALL` lists every device.
    """
    sections = [
        _findings(report),
        *(_devices(report, show) if report.devices else ()),
        _ignored(report),
        _changes(report),
        _packages(report),
        _bullets("Skipped", [f"{x.subject}: {x.reason}" for x in report.skipped], "skipped checks"),
        _diff(report),
        _bullets("Notes", list(report.notes), "notes"),
    ]
    present = [s for s in sections if s is not None]
    out = _heading(report)
    budget = LIMIT - _RESERVE - sum(len(line) + 1 for line in out) - sum(s.fixed() for s in present)
    for section, kept in zip(present, _allocate(present, budget), strict=True):
        out += section.lines(kept)
    # One blank line between blocks (a section without rows would otherwise leave two).
    lines = [line for i, line in enumerate(out) if line or (i and out[i - 1])]
    return "\n".join(lines).rstrip("\n") + "\n"
