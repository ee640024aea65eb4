"""``--format github``: GitHub Actions workflow commands that annotate files in a run and a PR.

Follows GitHub's "Workflow commands for GitHub Actions" (``::error file=F,line=L,title=T::MSG``):
the message escapes ``%``, CR and LF; property values also escape ``:`` and ``,``. Errors map
to ``::error``, warnings to ``::warning``, notes to ``::notice``. Devices that could not be
probed and skipped checks become warnings; the summary is the last line.
"""

from __future__ import annotations

from pathlib import Path

from auditor.formats.locations import finding_location, relative_to
from auditor.formats.summary import device_address, summary_line
from auditor.model import DeviceStatus, Finding, Report, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message: ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value: as :func:`escape_data`, plus ``:`` → ``%3A``, ``,`` → ``%2C``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """One workflow command line, e.g. ``::error file=uv.lock,line=3,title=open-ended-range::msg``."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _annotation(report: Report, finding: Finding) -> str:
    location = finding_location(report, finding)
    file = line = None
    if location is not None:
        # Annotations are placed relative to the repository root, the job's working directory.
        file = relative_to(location.path, Path.cwd().absolute()) or str(location.path)
        line = location.line
    subject = finding.device or finding.package
    title = f"{finding.rule}: {subject}" if subject else finding.rule
    message = finding.message + (f"\nFix: {finding.fix}" if finding.fix else "")
    return command(_COMMAND[finding.severity], message, file=file, line=line, title=f"sshdrift {title}")


def render(report: Report, *, color: bool = False) -> str:
    """Return one workflow command per finding, unreachable device and skipped check, then the summary line."""
    lines = [_annotation(report, f) for f in report.findings]
    for result in report.devices:
        if result.status in (DeviceStatus.UNREACHABLE, DeviceStatus.ERROR):
            reason = "; ".join(result.reasons) or result.status.value
            lines.append(
                command(
                    "warning",
                    f"{result.device.name} ({device_address(result)}) was not checked: {reason}",
                    title=f"sshdrift {result.status.value} device: {result.device.name}",
                )
            )
    for skipped in report.skipped:
        lines.append(command("warning", f"{skipped.subject}: {skipped.reason}", title="sshdrift skipped check"))
    lines.append(f"sshdrift {report.command}: {summary_line(report)}")
    return "\n".join(lines) + "\n"
