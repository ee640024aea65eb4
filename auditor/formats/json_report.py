"""``--format json``: the DESIGN.md report, ``schema_version`` 2.

Version 2 adds, per device, ``verdicts``: one object per client judged (``client``, ``version``,
``backend`` versions, ``source``, ``status``, ``negotiated``, ``verified``, ``reasons``). The version-1
device fields (``paramiko``, ``negotiated``, ``verified``, ``reasons``, ``status``) stay for the primary
client (Paramiko) for one release, so existing consumers keep working.
"""

from __future__ import annotations

import json

from auditor.model import Report


def render(report: Report, *, color: bool = False) -> str:
    """Return the report as indented JSON text with a final newline (``color`` is ignored)."""
    return json.dumps(report.to_json(), indent=2) + "\n"
