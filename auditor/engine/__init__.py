"""The engine: one entry point from a command's request to the :class:`~auditor.model.Report`.

Every command goes the same way: settings → :func:`run` → a ``Report`` → render → exit code. The
engine builds every report (one module per kind of run), orders the findings one way for all of
them, and never prints or exits; progress goes through the caller's
:class:`~auditor.progress.Progress`.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from auditor.checks.registry import sort_key
from auditor.engine.project import project_report
from auditor.engine.requests import AuditRequest, LockRequest, Request
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings

if TYPE_CHECKING:
    from auditor.engine.command_requests import (
        DemoRequest,
        DriftRequest,
        FixRequest,
        MergeRequest,
        ProbeRequest,
        WhatIfRequest,
    )

__all__ = [
    "AuditRequest",
    "DemoRequest",
    "DriftRequest",
    "FixRequest",
    "LockRequest",
    "MergeRequest",
    "ProbeRequest",
    "Request",
    "WhatIfRequest",
    "run",
]


def run(request: Request, settings: Settings, progress: Progress) -> Report:
    """Build the report ``request`` asks for.

    Args:
        request: what the command asks (its paths, inventory, requirements); see
            :mod:`auditor.engine.requests`.
        settings: every option of the run.
        progress: told about long phases (metadata, resolution, probing).

    Returns:
        The report, findings in the rules' report order (:func:`auditor.checks.registry.sort_key`;
        stable: equal keys keep the order the rules gave); a merge keeps the order of the reports it joins.

    Raises:
        AuditorError: every error a run can meet, each subclass with its documented exit code
            (bad input 3, usage 2, incomplete services 3); anything else is a bug.
    """
    if isinstance(request, (LockRequest, AuditRequest)):
        report = project_report(request, settings, progress)
    else:
        from auditor.engine.command_requests import MergeRequest  # Start-up: as in _build.

        report = _build(request, settings, progress)
        if isinstance(request, MergeRequest):
            return report  # each shard's findings are in this order already; the join keeps the shards' order
    return replace(report, findings=tuple(sorted(report.findings, key=sort_key)))


_COMMAND_REQUESTS = frozenset(
    {"DemoRequest", "DriftRequest", "FixRequest", "MergeRequest", "ProbeRequest", "WhatIfRequest"}
)


def __getattr__(name: str) -> Any:
    """The other commands' requests (``engine.FixRequest``), imported on first use (PEP 562; start-up of ``lock``)."""
    if name in _COMMAND_REQUESTS:
        return getattr(importlib.import_module("auditor.engine.command_requests"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _build(request: Request, settings: Settings, progress: Progress) -> Report:
    # Start-up: each kind of run imports only its own stack, so 'lock' (the pre-commit hook)
    # never loads the lab, uv's resolution, the saved-report reader or the other requests.
    from auditor.engine.command_requests import (
        DemoRequest,
        DriftRequest,
        FixRequest,
        MergeRequest,
        ProbeRequest,
        WhatIfRequest,
    )

    if isinstance(request, (FixRequest, DriftRequest, WhatIfRequest)):
        return _build_resolution(request, settings, progress)
    if isinstance(request, ProbeRequest):
        from auditor.engine.probe import probe_report

        return probe_report(request, settings, progress)
    if isinstance(request, MergeRequest):
        from auditor.engine.merge import merge_report

        return merge_report(request)
    if isinstance(request, DemoRequest):
        from auditor.engine.demo import demo_report

        return demo_report(settings, progress)
    return project_report(request, settings, progress)


def _build_resolution(
    request: FixRequest | DriftRequest | WhatIfRequest, settings: Settings, progress: Progress
) -> Report:
    # Start-up: as in _build.
    from auditor.engine.command_requests import DriftRequest, FixRequest

    if isinstance(request, FixRequest):
        from auditor.engine.fix import fix_report

        return fix_report(request, settings, progress)
    if isinstance(request, DriftRequest):
        from auditor.engine.drift import drift_report

        return drift_report(request, settings, progress)
    from auditor.engine.whatif import whatif_report

    return whatif_report(request, settings, progress)
