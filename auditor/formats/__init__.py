"""Renderers: one module per output format, each exposing ``render(report) -> str``.

Modules are imported lazily so that start-up pays only for the format in use.
"""

from __future__ import annotations

import importlib
from typing import Protocol

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


class _Renderer(Protocol):
    def __call__(self, report: Report, *, color: bool = ...) -> str: ...


def render(report: Report, fmt: OutputFormat, *, color: bool = False) -> str:
    """Render ``report`` as ``fmt`` text (ends with a newline).

    Args:
        report: the command's report.
        fmt: the output format.
        color: ANSI colour for the table format (a TTY); other formats ignore it.
    """
    module = importlib.import_module(_MODULES[fmt])
    renderer: _Renderer = module.render
    return renderer(report, color=color)
