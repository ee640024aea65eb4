"""What a command asks the engine: one frozen request per kind of run.

A command turns its arguments into one of these and hands it to :func:`auditor.engine.run` with
the run's :class:`~auditor.settings.Settings`; options common to many commands stay in the
settings, what only one command takes (its paths, its requirements) is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from auditor.engine.command_requests import (
        DemoRequest,
        DriftRequest,
        FixRequest,
        MergeRequest,
        ProbeRequest,
        WhatIfRequest,
    )


@dataclass(frozen=True)
class LockRequest:
    """``sshdrift lock``: the lock rules on one project (and ``--fleet`` predictions)."""

    path: Path
    """Project directory or lockfile."""
    base: str | None = None
    """``--base``: a git revision or lockfile path whose lock the change is judged against (None: no base)."""


@dataclass(frozen=True)
class AuditRequest:
    """``sshdrift audit``: the lock rules plus the devices probed with the Paramiko the lock pins."""

    path: Path
    """Project directory or lockfile."""
    inventory: Path | None
    """Devices to probe live, or None (``--fleet`` or lock checks only)."""
    base: str | None = None
    """``--base``: a git revision or lockfile path whose lock the change is judged against (None: no base)."""


Request: TypeAlias = (
    "LockRequest | AuditRequest | ProbeRequest | MergeRequest | DemoRequest | FixRequest | DriftRequest | WhatIfRequest"
)
"""Every kind of run the engine builds a report for (a type only: the other commands' requests are in
:mod:`auditor.engine.command_requests`, which ``lock`` never imports)."""
