"""What a command asks the engine: one frozen request per kind of run.

A command turns its arguments into one of these and hands it to :func:`auditor.engine.run` with
the run's :class:`~auditor.settings.Settings`; options common to many commands stay in the
settings, what only one command takes (its paths, its requirements) is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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


@dataclass(frozen=True)
class ProbeRequest:
    """``sshdrift probe``: the devices of an inventory with the Paramiko ``settings.paramiko`` names."""

    inventory: Path


@dataclass(frozen=True)
class MergeRequest:
    """``sshdrift merge``: saved JSON reports of sharded runs, in the order to join them."""

    reports: tuple[Path, ...]


@dataclass(frozen=True)
class DemoRequest:
    """``sshdrift demo``: the bundled project and the emulated lab; everything else is the demo's own."""


@dataclass(frozen=True)
class FixRequest:
    """``sshdrift fix``: cap every open-ended SSH-stack range where the project's format reads caps."""

    path: Path
    """Project directory or lockfile."""
    below: str | None
    """``--below`` (see :func:`auditor.analysis.fix.parse_below`); None keeps each locked major."""
    dry_run: bool
    """Write nothing; the report carries the unified diff."""
    relock: bool
    """Re-lock a uv project afterwards (``--lock``) and report the versions that move."""


@dataclass(frozen=True)
class DriftRequest:
    """``sshdrift drift``: the lock against a fresh resolution of the same declarations."""

    path: Path
    """Project directory or lockfile."""
    exclude_newer: str | None
    """Resolve as of this date (``YYYY-MM-DD`` or RFC 3339); None = today."""


@dataclass(frozen=True)
class WhatIfRequest:
    """``sshdrift whatif``: a copy of the project re-resolved with requirements added."""

    requirements: tuple[str, ...]
    """PEP 508 requirements, e.g. ``paramiko==5.1.0``."""
    project: Path
    """Project directory or lockfile."""
    inventory: Path | None
    """Devices to probe with the Paramiko of the new resolution, or None."""
    upgrade: bool
    """Re-resolve everything to the newest allowed (``--upgrade``)."""


Request = (
    LockRequest | AuditRequest | ProbeRequest | MergeRequest | DemoRequest | FixRequest | DriftRequest | WhatIfRequest
)
"""Every kind of run the engine builds a report for."""
