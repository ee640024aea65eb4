"""The requests of the commands other than ``lock`` and ``audit`` (see :mod:`auditor.engine.requests`).

Apart so that the pre-commit hook's ``lock`` never creates their classes (start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DemoRequest", "DriftRequest", "FixRequest", "MergeRequest", "ProbeRequest", "WhatIfRequest"]


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
    pre: bool = False
    """``--pre``: a resolution may take pre-releases (refused otherwise)."""
