"""Parts of a :class:`~auditor.model.Report` that only some commands fill, and the change set they judge.

Fix edits, the demo's lab and fix, drift's fresh resolution, whatif's question, the ``--base``
comparison, the versions that move between two resolutions (:class:`Change`, and the
:class:`ChangeSet` the change rules read from the rule context). Values like those of :mod:`auditor.model` (frozen dataclasses, each with its JSON shape), kept apart so
that the pre-commit hook's ``lock`` never creates their classes (start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Edit:
    """One upper bound ``sshdrift fix`` wrote (or, with ``--dry-run``, would write)."""

    package: str
    locked: str
    bound: str
    """The specifier added, e.g. ``<5`` (for a PDM override, the whole range)."""
    file: str
    """Relative to the project directory."""
    place: str
    """Where in the file, e.g. ``[tool.uv] constraint-dependencies``."""

    def to_json(self) -> dict[str, str]:
        """``{"package", "locked", "bound", "file", "place"}``."""
        return {
            "package": self.package,
            "locked": self.locked,
            "bound": self.bound,
            "file": self.file,
            "place": self.place,
        }


@dataclass(frozen=True)
class LabEntry:
    """One emulated device of the demo's lab: where it listened and which profile it played."""

    name: str
    host: str
    port: int
    profile: str
    """The profile id, e.g. ``ios15``."""
    banner: str
    """The identification string it sent (RFC 4253 §4.2)."""

    def to_json(self) -> dict[str, Any]:
        """``{"name", "host", "port", "profile", "banner"}``."""
        return {"name": self.name, "host": self.host, "port": self.port, "profile": self.profile, "banner": self.banner}


@dataclass(frozen=True)
class DemoFix:
    """The fix the demo computed for the devices its locked Paramiko cannot reach."""

    command: str
    """The command that writes it, e.g. ``sshdrift fix --below paramiko=4``."""
    bound: str
    """The requirement it adds, e.g. ``paramiko<4``."""
    paramiko_after: str
    """The release ``uv lock`` would then pick."""
    edits: tuple[Edit, ...]
    diff: str
    """The unified diff of that fix, computed on a copy (nothing is written)."""

    def to_json(self) -> dict[str, Any]:
        """``{"command", "bound", "paramiko_after", "edits", "diff"}``."""
        return {
            "command": self.command,
            "bound": self.bound,
            "paramiko_after": self.paramiko_after,
            "edits": [e.to_json() for e in self.edits],
            "diff": self.diff,
        }


@dataclass(frozen=True)
class FreshResolution:
    """How ``drift`` made the fresh resolution it compares the lock with."""

    backend: str
    """``uv-lock`` or ``uv-pip-compile``."""
    exclude_newer: str | None
    """``--exclude-newer`` (``YYYY-MM-DD`` or RFC 3339), or None for today."""

    def to_json(self) -> dict[str, Any]:
        """``{"backend", "exclude_newer"}``."""
        return {"backend": self.backend, "exclude_newer": self.exclude_newer}


@dataclass(frozen=True)
class WhatIfRequirement:
    """One requirement ``whatif`` resolved: as the user wrote it, and as it went in place of the project's own.

    A requirement that names no extras keeps the extras of the project's requirements it replaces, and one
    without a marker keeps their marker (:func:`auditor.resolution.merge_requirement`).
    """

    asked: str
    """As given, e.g. ``netmiko>=4.8``."""
    resolved: str
    """As resolved, e.g. ``netmiko[par4]>=4.8`` (``asked`` itself when nothing was carried over)."""
    replaced: tuple[str, ...] = ()
    """The project's own requirements on the package it replaced, PEP 508, as declared (caps not included)."""
    carried_extras: tuple[str, ...] = ()
    """Extras taken from ``replaced`` (sorted), empty when the requirement named its own or none were declared."""
    carried_marker: str | None = None
    """The marker taken from ``replaced`` (PEP 508), None when the requirement had one or one of them had none."""
    declarations_known: bool = True
    """False when the lockfile holds the package but records pins only (a requirements file without its ``.in``):
    the extras and marker the project asks of it are unknown, so none could be carried over."""

    @property
    def carried(self) -> bool:
        """Whether extras or a marker were carried over from ``replaced``."""
        return bool(self.carried_extras) or self.carried_marker is not None

    def to_json(self) -> dict[str, Any]:
        """``{"asked", "resolved", "replaced", "carried_extras", "carried_marker", "declarations_known"}``."""
        return {
            "asked": self.asked,
            "resolved": self.resolved,
            "replaced": list(self.replaced),
            "carried_extras": list(self.carried_extras),
            "carried_marker": self.carried_marker,
            "declarations_known": self.declarations_known,
        }


@dataclass(frozen=True)
class WhatIfSummary:
    """What ``whatif`` was asked, and the Paramiko it moves from and to."""

    requirements: tuple[str, ...]
    """The PEP 508 requirements added, as given."""
    upgrade: bool
    """``--upgrade``: everything re-resolved to the newest allowed."""
    paramiko_before: str | None
    """The Paramiko the lock pins today (None: none)."""
    paramiko_after: str | None
    """The Paramiko the new resolution would install (None: none)."""
    resolved: tuple[WhatIfRequirement, ...] = ()
    """Each requirement as resolved, with the extras and marker carried over from the project's own."""

    def to_json(self) -> dict[str, Any]:
        """``{"requirements", "resolved", "upgrade", "paramiko": {"before", "after"}}``.

        ``resolved``: one :meth:`WhatIfRequirement.to_json` per requirement, in the order given.
        """
        return {
            "requirements": list(self.requirements),
            "resolved": [r.to_json() for r in self.resolved],
            "upgrade": self.upgrade,
            "paramiko": {"before": self.paramiko_before, "after": self.paramiko_after},
        }


@dataclass(frozen=True)
class BaseComparison:
    """``lock --base`` / ``audit --base``: the lock this change starts from, and what the change does."""

    base: str
    """The git revision (``origin/main``) or lockfile path given to ``--base``."""
    lockfile: str | None
    """The base lockfile, e.g. ``uv.lock at origin/main``; None when the revision had none."""
    paramiko_before: str | None
    """The Paramiko the base pins (None: none)."""
    paramiko_after: str | None
    """The Paramiko the lock pins now (None: none)."""
    cut_off: tuple[str, ...] = ()
    """Names of the devices that negotiate with ``paramiko_before`` and fail with ``paramiko_after``."""

    def to_json(self) -> dict[str, Any]:
        """``{"base", "lockfile", "paramiko": {"before", "after"}, "cut_off": [...]}``."""
        return {
            "base": self.base,
            "lockfile": self.lockfile,
            "paramiko": {"before": self.paramiko_before, "after": self.paramiko_after},
            "cut_off": list(self.cut_off),
        }


@dataclass(frozen=True)
class Change:
    """A version that moves between two resolutions (``whatif``, ``drift``)."""

    name: str
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        """``{"name", "before", "after"}``; None means added or removed."""
        return {"name": self.name, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class ChangeSet:
    """Versions that move between the lock and another resolution (``drift``, ``whatif``, ``fix --lock``)."""

    changes: tuple[Change, ...]
    description: str
    """How the other resolution came about, for the messages (``a fresh resolution today``)."""
    stack: frozenset[str]
    """Normalized names of the SSH stack."""
    file: str | None = None
    """The lockfile the findings point at, relative to the project."""
    on_purpose: frozenset[str] = frozenset()
    """Names the user asked to move (``whatif paramiko==5.1.0``): their downgrades are not reported."""
    before_at: str | None = None
    """Where the older versions come from when not the lock itself (``origin/main`` for ``lock --base``)."""
