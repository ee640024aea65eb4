"""``--format table``: the human report, what a user sees first.

Plain columns in the layout of a rich ``SIMPLE_HEAD`` table (title, bold header, one rule, rows
whose long cells wrap), coloured with rich styles only on a terminal, plain text (same layout,
no ANSI codes) when piped or written to a file. Sections appear only when they have rows:
project, SSH stack, findings, devices, devices not judged (grouped by reason), ignored findings,
changes, diff, skipped checks, notes, and a one-line summary.

The rows are laid out here rather than by ``rich.table.Table``: rich measures and wraps every
cell (about 0.6 ms a row), which made a 10,000-device report take seconds; this layout is
linear and pads no line with trailing spaces.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from auditor.choices import DeviceStatus, Show
from auditor.formats.summary import (
    MAX_GROUPS,
    NOT_CHECKED,
    constraint_text,
    device_address,
    device_outcome,
    group_line,
    ignored_findings,
    ignored_reason,
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

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
_STATUS_STYLE = {
    DeviceStatus.COMPATIBLE: "green",
    DeviceStatus.INCOMPATIBLE: "bold red",
    DeviceStatus.UNREACHABLE: "yellow",
    DeviceStatus.ERROR: "magenta",
}
_VERDICT_STYLE = {"fail": "bold red", "incomplete": "bold magenta", "warn": "bold yellow", "ok": "bold green"}
_DEFAULT_WIDTH = 120
_GAP = "   "
_MIN_WIDTH = 8
MAX_IGNORED = 20
"""Ignored findings listed before a count of the rest."""

Span = tuple[str, str]
"""One line of a cell: its text and a rich style (``""`` for none)."""
Cell = Sequence[Span]
Paint = Callable[[str, str], str]


@lru_cache(maxsize=64)
def _ansi(style: str, no_color: bool) -> tuple[str, str]:
    """The escape codes that open and close ``style`` (rich's own rendering of a style).

    With ``no_color`` (the ``NO_COLOR`` convention, no-color.org, which rich's console honours
    the same way) bold and dim stay, colours go.
    """
    from rich.style import Style

    parsed = Style.parse(style)
    marker = "\x00"
    before, _, after = (parsed.without_color if no_color else parsed).render(marker).partition(marker)
    return before, after


def _painter(color: bool) -> Paint:
    if not color:
        return lambda text, style: text
    no_color = bool(os.environ.get("NO_COLOR"))

    def paint(text: str, style: str) -> str:
        if not style or not text:
            return text
        before, after = _ansi(style, no_color)
        return f"{before}{text}{after}"

    return paint


@dataclass(frozen=True)
class _Column:
    header: str
    wrap: bool = False
    """The column that gives up width first when the table is wider than the terminal."""
    max_width: int | None = None


def _fold(text: str, width: int) -> tuple[str, ...]:
    """``text`` cut into lines of at most ``width`` characters, at spaces where it can be."""
    if len(text) <= width:
        return (text.rstrip(),)
    return _wrap(text, width)


@lru_cache(maxsize=4096)
def _wrap(text: str, width: int) -> tuple[str, ...]:
    # Cached: a fleet repeats the same reasons and fixes on thousands of rows.
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    return tuple(line.rstrip() for line in lines) or ("",)


def _widths(columns: Sequence[_Column], rows: Sequence[Sequence[Cell]], width: int) -> list[int]:
    """Each column's width: its widest line (capped), shrunk to fit ``width``.

    Wrapping columns (messages) give up width first, down to two fifths of the line; then the
    others, widest first, down to 20 characters; then all again, down to a few characters.
    """
    widths = [len(c.header) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            for text, _ in cell:
                widths[i] = max(widths[i], len(text))
    widths = [min(w, c.max_width) if c.max_width else w for w, c in zip(widths, columns, strict=True)]
    over = sum(widths) + len(_GAP) * (len(columns) - 1) - width
    wrapping = [i for i, c in enumerate(columns) if c.wrap]
    others = sorted((i for i, c in enumerate(columns) if not c.wrap), key=lambda i: -widths[i])
    steps = ((wrapping, width * 2 // 5), (others, 20), (wrapping, _MIN_WIDTH), (others, _MIN_WIDTH))
    for group, floor in steps:
        for i in group:
            cut = min(max(over, 0), max(0, widths[i] - max(floor, _MIN_WIDTH)))
            widths[i] -= cut
            over -= cut
    return widths


def _line(spans: Sequence[Span], widths: Sequence[int], paint: Paint) -> str:
    """One physical line: cells padded to their column, the last non-empty one not padded."""
    last = len(spans) - 1
    while last >= 0 and not spans[last][0]:
        last -= 1
    parts = [paint(text, style) + " " * (widths[i] - len(text)) for i, (text, style) in enumerate(spans[:last])]
    if last >= 0:
        parts.append(paint(*spans[last]))
    return _GAP.join(parts)


def _grid(title: str, columns: Sequence[_Column], rows: Sequence[Sequence[Cell]], width: int, paint: Paint) -> str:
    """A titled table: bold header, one rule, then each row's cells side by side, long lines wrapped."""
    widths = _widths(columns, rows, width)
    out = [paint(title, "bold")]
    out += _physical([[(c.header, "bold")] for c in columns], widths, paint)
    out.append("─" * (sum(widths) + len(_GAP) * (len(columns) - 1)))
    for row in rows:
        out += _physical(row, widths, paint)
    return "\n".join(out)


def _physical(row: Sequence[Cell], widths: Sequence[int], paint: Paint) -> list[str]:
    """The lines one row takes: each cell's lines folded to its column, side by side."""
    cells = [
        [(part, style) for text, style in cell for part in _fold(text, w)] for cell, w in zip(row, widths, strict=True)
    ]
    return [
        _line([c[n] if n < len(c) else ("", "") for c in cells], widths, paint) for n in range(max(map(len, cells)))
    ]


def _bullets(title: str, lines: Sequence[Span], width: int, paint: Paint) -> str:
    out = [paint(title, "bold")]
    for text, style in lines:
        wrapped = textwrap.wrap(text, width, initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False)
        out += [w[:4] + paint(w[4:], style) for w in wrapped or ["  -"]]
    return "\n".join(out)


def _project(report: Report, paint: Paint) -> str:
    line = paint(f"sshdrift {report.command}", "bold")
    if report.project is not None:
        line += "  " + report.project.path
        if report.project.lockfile:
            line += "  " + paint(report.project.lockfile, "bold")
            if report.project.format:
                line += " " + paint(f"({report.project.format})", "dim")
    return line


def _packages(report: Report, width: int, paint: Paint) -> str:
    columns = (
        _Column("package"),
        _Column("locked"),
        _Column("effective range"),
        _Column("open-ended"),
        _Column("constraints (by: specifier)", wrap=True),
    )
    rows = [
        [
            [(pkg.name, "bold")],
            [(pkg.version, "")],
            [(pkg.effective_range or "any", "")],
            [("yes", "bold red") if pkg.open_ended else ("no", "green")],
            [(constraint_text(c), "") for c in pkg.constraints] or [("-", "")],
        ]
        for pkg in report.packages
    ]
    return _grid("SSH stack", columns, rows, width, paint)


def _finding_row(finding: Finding) -> list[Cell]:
    where = [(subject(finding), "")]
    if finding.file and (finding.package or finding.device):
        where.append((finding.file + (f":{finding.line}" if finding.line else ""), ""))
    message = [(text, "") for text in finding.message.splitlines() or [""]]
    if finding.fix:
        message.append((f"fix: {finding.fix}", "green"))
    return [[(finding.severity.value, _SEVERITY_STYLE[finding.severity])], [(finding.rule, "")], where, message]


def _findings(findings: Sequence[Finding], width: int, paint: Paint) -> str:
    columns = (_Column("severity"), _Column("rule"), _Column("subject", max_width=30), _Column("message / fix", True))
    return _grid("Findings", columns, [_finding_row(f) for f in findings], width, paint)


def _device_row(result: DeviceResult) -> list[Cell]:
    name = [(result.device.name, "bold")]
    name += [(part, "dim") for part in device_address(result).replace(" via ", "\nvia ").splitlines()]
    status = [(result.status.value, _STATUS_STYLE[result.status])]
    if result.verified:
        status.append(("handshake", "green"))
    elif result.status in (DeviceStatus.COMPATIBLE, DeviceStatus.INCOMPATIBLE):
        status.append(("predicted", "dim"))
    if result.predicted is not None and result.predicted is not result.status:
        status.append((f"(data said {result.predicted.value})", "magenta"))
    outcome_style = "" if result.status is DeviceStatus.COMPATIBLE else "red"
    platform = platform_label(result)
    outcome = [(result.banner or "no banner", "dim"), *([(platform, "dim")] if platform else [])]
    outcome.append((device_outcome(result), outcome_style))
    return [name, status, [(result.paramiko or "-", "")], outcome]


def _devices(listed: Sequence[DeviceResult], width: int, paint: Paint) -> str:
    columns = (
        _Column("device"),
        _Column("status"),
        _Column("paramiko"),
        _Column("banner · negotiated (kex / host key / cipher / mac) or reason", wrap=True),
    )
    return _grid("Devices", columns, [_device_row(d) for d in listed], width, paint)


def _not_checked(report: Report, width: int, paint: Paint) -> str | None:
    """Devices that could not be judged, one line per reason: count, first names."""
    groups = not_checked_groups(report)
    if not groups:
        return None
    lines = [(group_line(g), _STATUS_STYLE[g.status]) for g in groups[:MAX_GROUPS]]
    more = more_groups_line(groups)
    if more:
        lines.append((more, ""))
    total = sum(len(g.devices) for g in groups)
    return _bullets(f"Not judged ({total:,} device{'' if total == 1 else 's'})", lines, width, paint)


def _ignored(report: Report, width: int, paint: Paint) -> str | None:
    found = ignored_findings(report)
    if not found:
        return None
    lines = [(f"{f.rule} {subject(f)}: {ignored_reason(f)}", "dim") for f in found[:MAX_IGNORED]]
    if len(found) > MAX_IGNORED:
        lines.append((f"{len(found) - MAX_IGNORED:,} more (--format json lists each)", ""))
    return _bullets("Ignored (accepted risks, not counted)", lines, width, paint)


def _changes(report: Report, width: int, paint: Paint) -> str:
    columns = (_Column("package"), _Column("before"), _Column(""), _Column("after"))
    rows = [
        [
            [(change.name, "bold")],
            [(change.before or "(absent)", "dim" if change.before is None else "")],
            [("->", "")],
            [(change.after or "(removed)", "dim" if change.after is None else "bold")],
        ]
        for change in report.changes
    ]
    return _grid("Changes", columns, rows, width, paint)


def _diff(diff: str, width: int, paint: Paint) -> str:
    """A unified diff (``fix --dry-run``) under its own heading, lines coloured by kind on a terminal."""
    out = [paint("Diff", "bold")]
    for line in diff.rstrip("\n").splitlines():
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        style = "cyan" if line.startswith("@@") else style
        out += [paint(part.rstrip(), style) for part in (line[i : i + width] for i in range(0, len(line) or 1, width))]
    return "\n".join(out)


def _summary(report: Report, width: int, paint: Paint) -> str:
    verdict = summarize(report).verdict
    label = verdict.upper()
    wrapped = textwrap.wrap(f"{label}  {summary_line(report)}", width, break_on_hyphens=False)
    wrapped[0] = paint(label, _VERDICT_STYLE[verdict]) + wrapped[0][len(label) :]
    return "\n".join(wrapped)


def _width() -> int:
    return shutil.get_terminal_size((_DEFAULT_WIDTH, 24)).columns or _DEFAULT_WIDTH


def _device_sections(report: Report, show: Show, width: int, paint: Paint) -> list[str | None]:
    listed = listed_devices(report, show_all=show is Show.ALL)
    sections: list[str | None] = [_devices(listed, width, paint) if listed else None]
    unlisted = unlisted_line(report, listed)
    sections.append(paint(unlisted, "green") if unlisted else None)
    if show is not Show.ALL or any(d.status in NOT_CHECKED for d in report.devices):
        sections.append(_not_checked(report, width, paint))
    return sections


def render(report: Report, *, color: bool = False, show: Show = Show.FAILURES) -> str:
    """Render ``report`` as tables for a terminal.

    Args:
        report: the command's report.
        color: emit ANSI styles (the CLI passes True only when stdout is a TTY).
        show: :attr:`Show.FAILURES` lists incompatible and flagged devices, groups the devices not
            judged by reason and counts compatible ones in one line; :attr:`Show.ALL` lists every device.

    Returns:
        The text, ending with a newline, no line with trailing spaces. Width is the terminal's
        (``COLUMNS`` honoured), else 120.
    """
    width = _width()
    paint = _painter(color)
    findings = sorted_findings(report)
    diff = report.diff
    sections: list[str | None] = [
        _project(report, paint),
        _packages(report, width, paint) if report.packages else None,
        _findings(findings, width, paint) if findings else None,
        *(_device_sections(report, show, width, paint) if report.devices else ()),
        _ignored(report, width, paint),
        _changes(report, width, paint) if report.changes else None,
        _diff(diff, width, paint) if isinstance(diff, str) and diff else None,
    ]
    if report.skipped:
        sections.append(
            _bullets("Skipped", [(f"{s.subject}: {s.reason}", "yellow") for s in report.skipped], width, paint)
        )
    if report.notes:
        sections.append(_bullets("Notes", [(n, "") for n in report.notes], width, paint))
    sections.append(_summary(report, width, paint))
    return "\n\n".join(s for s in sections if s is not None) + "\n"
