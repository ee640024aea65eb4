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


@dataclass(frozen=True)
class AuditRequest:
    """``sshdrift audit``: the lock rules plus the devices probed with the Paramiko the lock pins."""

    path: Path
    """Project directory or lockfile."""
    inventory: Path | None
    """Devices to probe live, or None (``--fleet`` or lock checks only)."""


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


Request = LockRequest | AuditRequest | ProbeRequest | MergeRequest | DemoRequest
"""Every kind of run the engine builds a report for."""
