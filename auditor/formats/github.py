"""``--format github``: GitHub Actions workflow commands that annotate files in a run and a PR.

Follows GitHub's "Workflow commands for GitHub Actions" (``::error file=F,line=L,title=T::MSG``):
the message escapes ``%``, CR and LF; property values also escape ``:`` and ``,``. Errors map
to ``::error``, warnings to ``::warning``, notes to ``::notice``. Devices that could not be
probed become one warning per shared reason, skipped checks warnings; at most
:data:`MAX_ANNOTATIONS`, errors first, the last one a notice counting the rest. Ignored
findings (accepted risks) are not annotated. The summary is the last line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from auditor.formats.locations import Locator, relative_to
from auditor.formats.summary import group_line, not_checked_groups, summary_line
from auditor.model import Finding, Report, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
MAX_ANNOTATIONS = 20
"""Annotations one run emits at most: GitHub shows about ten of each type per step and drops the rest."""


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


def _annotation(locator: Locator, finding: Finding) -> str:
    location = locator.of(finding)
    file = line = None
    if location is not None:
        # Annotations are placed relative to the repository root, the job's working directory.
        file = relative_to(location.path, Path.cwd().absolute()) or str(location.path)
        line = location.line
    subject = finding.device or finding.package
    title = f"{finding.rule}: {subject}" if subject else finding.rule
    message = finding.message + (f"\nFix: {finding.fix}" if finding.fix else "")
    return command(_COMMAND[finding.severity], message, file=file, line=line, title=f"sshdrift {title}")


def _ranked(report: Report) -> list[tuple[Severity, str]]:
    """Every annotation worth showing, errors first, then warnings, then notices.

    Findings that count (ignored ones are accepted risks: counted in the summary line only),
    one warning per reason the devices not judged share, one per skipped check.
    """
    locator = Locator(report)
    ranked = [(f.severity, _annotation(locator, f)) for f in report.findings if f.ignored is None]
    for group in not_checked_groups(report):
        title = f"sshdrift {len(group.devices):,} device{'s' if len(group.devices) != 1 else ''} not judged"
        ranked.append((Severity.WARNING, command("warning", group_line(group), title=title)))
    for skipped in report.skipped:
        text = f"{skipped.subject}: {skipped.reason}"
        ranked.append((Severity.WARNING, command("warning", text, title="sshdrift skipped check")))
    ranked.sort(key=lambda item: -item[0].rank)  # stable: the report's order within a severity
    return ranked


def _rest(left: Sequence[tuple[Severity, str]], command_name: str) -> str:
    counts = Counter(severity for severity, _ in left)
    parts = ", ".join(f"{counts[s]:,} {_COMMAND[s]}{'s' if counts[s] != 1 else ''}" for s in Severity if counts[s])
    return command(
        "notice",
        f"{len(left):,} more results not annotated ({parts}): GitHub shows only the first few annotations of a step; "
        f"the job log's summary line counts them all, and '--format markdown' or '--format json' lists them",
        title=f"sshdrift {command_name}: {len(left):,} more",
    )


def render(report: Report, *, color: bool = False) -> str:
    """Return at most :data:`MAX_ANNOTATIONS` workflow commands, errors first, then the summary line.

    Findings (not ignored), devices not judged (one warning per shared reason) and skipped checks;
    when there are more, the first ``MAX_ANNOTATIONS - 1`` are kept and one notice counts the rest.
    """
    ranked = _ranked(report)
    if len(ranked) > MAX_ANNOTATIONS:
        keep = MAX_ANNOTATIONS - 1
        lines = [text for _, text in ranked[:keep]] + [_rest(ranked[keep:], report.command)]
    else:
        lines = [text for _, text in ranked]
    lines.append(f"sshdrift {report.command}: {summary_line(report)}")
    return "\n".join(lines) + "\n"
