"""``--format json``: the DESIGN.md report, ``schema_version`` 1."""

from __future__ import annotations

import json

from auditor.model import Report


def render(report: Report, *, color: bool = False) -> str:
    """Return the report as indented JSON text with a final newline (``color`` is ignored)."""
    return json.dumps(report.to_json(), indent=2) + "\n"
