"""Renderers: one module per output format, each exposing ``render(report) -> str``.

Modules are imported lazily so that start-up pays only for the format in use.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from auditor.choices import Show
from auditor.model import Report
from auditor.settings import OutputFormat

_MODULES = {
    OutputFormat.TABLE: "auditor.formats.table",
    OutputFormat.JSON: "auditor.formats.json_report",
    OutputFormat.SARIF: "auditor.formats.sarif",
    OutputFormat.JUNIT: "auditor.formats.junit",
    OutputFormat.MARKDOWN: "auditor.formats.markdown",
    OutputFormat.GITHUB: "auditor.formats.github",
}


_LISTS_DEVICES = (OutputFormat.TABLE, OutputFormat.MARKDOWN)
"""The formats ``--show`` applies to; the machine formats always hold every device."""


class _Renderer(Protocol):
    def __call__(self, report: Report, *, color: bool = ...) -> str: ...


class _ListingRenderer(Protocol):
    def __call__(self, report: Report, *, color: bool = ..., show: Show = ...) -> str: ...


def render(report: Report, fmt: OutputFormat, *, color: bool = False, show: Show = Show.FAILURES) -> str:
    """Render ``report`` as ``fmt`` text (ends with a newline).

    Args:
        report: the command's report.
        fmt: the output format.
        color: ANSI colour for the table format (a TTY); other formats ignore it.
        show: which devices the table and Markdown list row by row (``--show``); JSON, SARIF,
            JUnit and GitHub annotations ignore it and hold every device.
    """
    module = importlib.import_module(_MODULES[fmt])
    if fmt in _LISTS_DEVICES:
        listing: _ListingRenderer = module.render
        return listing(report, color=color, show=show)
    renderer: _Renderer = module.render
    return renderer(report, color=color)
