"""``--format table``: the human report, what a user sees first.

Rich tables, coloured only on a terminal; plain text (same layout, no ANSI codes) when
piped or written to a file. Sections appear only when they have rows: project, SSH stack,
findings, devices, changes, skipped checks, notes, and a one-line summary.
"""

from __future__ import annotations

import shutil
from io import StringIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

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

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
_STATUS_STYLE = {
    DeviceStatus.COMPATIBLE: "green",
    DeviceStatus.INCOMPATIBLE: "bold red",
    DeviceStatus.UNREACHABLE: "yellow",
    DeviceStatus.ERROR: "magenta",
}
_DEFAULT_WIDTH = 120


def _table(title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        header_style="bold",
        expand=False,
    )


def _project(report: Report) -> Text:
    line = Text()
    line.append(f"sshdrift {report.command}", style="bold")
    if report.project is not None:
        line.append("  ")
        line.append(report.project.path)
        if report.project.lockfile:
            line.append("  ")
            line.append(report.project.lockfile, style="bold")
            if report.project.format:
                line.append(f" ({report.project.format})", style="dim")
    return line


def _packages(report: Report) -> Table:
    table = _table("SSH stack")
    table.add_column("package", no_wrap=True)
    table.add_column("locked", no_wrap=True)
    table.add_column("effective range")
    table.add_column("open-ended", no_wrap=True)
    table.add_column("constraints (by: specifier)")
    for pkg in report.packages:
        table.add_row(
            Text(pkg.name, style="bold"),
            Text(pkg.version),
            Text(pkg.effective_range or "any"),
            Text("yes", style="bold red") if pkg.open_ended else Text("no", style="green"),
            Text("\n".join(constraint_text(c) for c in pkg.constraints) or "-"),
        )
    return table


def _findings(report: Report) -> Table:
    table = _table("Findings")
    table.add_column("severity", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("subject", max_width=30, overflow="fold")
    table.add_column("message / fix", ratio=1, overflow="fold")
    for finding in sorted_findings(report):
        where = subject(finding)
        if finding.file and (finding.package or finding.device):
            where += f"\n{finding.file}" + (f":{finding.line}" if finding.line else "")
        message = Text(finding.message)
        if finding.fix:
            message.append("\nfix: ", style="bold green")
            message.append(finding.fix, style="green")
        table.add_row(
            Text(finding.severity.value, style=_SEVERITY_STYLE[finding.severity]),
            Text(finding.rule),
            Text(where),
            message,
        )
    return table


def _devices(report: Report) -> Table:
    table = _table("Devices")
    table.add_column("device", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("paramiko", no_wrap=True)
    table.add_column("banner · negotiated (kex / host key / cipher / mac) or reason", ratio=1, overflow="fold")
    for result in report.devices:
        name = Text(result.device.name, style="bold")
        name.append("\n" + device_address(result).replace(" via ", "\nvia "), style="dim")
        status = Text(result.status.value, style=_STATUS_STYLE[result.status])
        if result.verified:
            status.append("\nhandshake", style="green")
        elif result.status in (DeviceStatus.COMPATIBLE, DeviceStatus.INCOMPATIBLE):
            status.append("\npredicted", style="dim")
        if result.predicted is not None and result.predicted is not result.status:
            status.append(f"\n(data said {result.predicted.value})", style="magenta")
        outcome = Text(result.banner or "no banner", style="dim")
        outcome.append("\n")
        outcome.append(device_outcome(result), style="red" if result.status is not DeviceStatus.COMPATIBLE else "")
        table.add_row(name, status, Text(result.paramiko or "-"), outcome)
    return table


def _changes(report: Report) -> Table:
    table = _table("Changes")
    table.add_column("package", no_wrap=True)
    table.add_column("before", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("after", no_wrap=True)
    for change in report.changes:
        table.add_row(
            Text(change.name, style="bold"),
            Text(change.before or "(absent)", style="dim" if change.before is None else ""),
            Text("->"),
            Text(change.after or "(removed)", style="dim" if change.after is None else "bold"),
        )
    return table


def _bullets(title: str, lines: list[str], style: str) -> Text:
    text = Text(title, style="bold")
    for line in lines:
        text.append("\n  - ")
        text.append(line, style=style)
    return text


_VERDICT_STYLE = {"fail": "bold red", "warn": "bold yellow", "ok": "bold green"}


def _summary(report: Report) -> Text:
    verdict = summarize(report).verdict
    line = Text()
    line.append(verdict.upper(), style=_VERDICT_STYLE[verdict])
    line.append("  ")
    line.append(summary_line(report))
    return line


def _width() -> int:
    return shutil.get_terminal_size((_DEFAULT_WIDTH, 24)).columns or _DEFAULT_WIDTH


def _diff(diff: str) -> RenderableType:
    """A unified diff (``fix --dry-run``) under its own heading, lines coloured by kind on a terminal."""
    text = Text()
    for line in diff.rstrip("\n").splitlines():
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else ""
        )
        text.append(line + "\n", style=style)
    return Group(Text("Diff", style="bold"), text)


def render(report: Report, *, color: bool = False) -> str:
    """Render ``report`` as tables for a terminal.

    Args:
        report: the command's report.
        color: emit ANSI styles (the CLI passes True only when stdout is a TTY).

    Returns:
        The text, ending with a newline. Width is the terminal's (``COLUMNS`` honoured), else 120.
    """
    parts: list[RenderableType] = [_project(report)]
    if report.packages:
        parts.append(_packages(report))
    if report.findings:
        parts.append(_findings(report))
    if report.devices:
        parts.append(_devices(report))
    if report.changes:
        parts.append(_changes(report))
    diff = report.extra.get("diff")
    if isinstance(diff, str) and diff:
        parts.append(_diff(diff))
    if report.skipped:
        parts.append(_bullets("Skipped", [f"{s.subject}: {s.reason}" for s in report.skipped], "yellow"))
    if report.notes:
        parts.append(_bullets("Notes", list(report.notes), ""))
    parts.append(_summary(report))
    buffer = StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        width=_width(),
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        legacy_windows=False,
    )
    console.print(Group(*_spaced(parts)))
    return buffer.getvalue()


def _spaced(parts: list[RenderableType]) -> list[RenderableType]:
    """Put one blank line between sections."""
    out: list[RenderableType] = []
    for i, part in enumerate(parts):
        if i:
            out.append(Text(""))
        out.append(part)
    return out
