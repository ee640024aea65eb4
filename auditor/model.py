"""Values that flow from sources through checks to formats.

All are frozen dataclasses: a result is a value, never an exception. "Could not
check" is a value too (:class:`Skipped`). The JSON report of DESIGN.md
(``schema_version`` 2) is exactly :meth:`Report.to_json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.choices import DeviceStatus
from auditor.choices import FailOn as FailOn  # re-exported: the model speaks of them
from auditor.choices import Severity as Severity
from auditor.errors import ExitCode

if TYPE_CHECKING:
    # Start-up: what only some commands' reports carry is defined apart, so 'lock' never creates those classes.
    from auditor.device_model import DeviceResult
    from auditor.report_parts import BaseComparison, Change, DemoFix, Edit, FreshResolution, LabEntry, WhatIfSummary

SCHEMA_VERSION = 2
"""The JSON report's ``schema_version``: 2 adds each device's ``verdicts`` (one per client judged); the v1
device fields stay, for the primary client, for one release (DESIGN.md "JSON report")."""

READABLE_SCHEMA_VERSIONS = (1, 2)
"""Saved reports sshdrift reads back (``--fleet``, ``merge``): a v1 report's devices have no ``verdicts``."""


# --------------------------------------------------------------------------- lock side


PROJECT = "<project>"
"""The ``by`` of a constraint the audited project declares itself."""


@dataclass(frozen=True)
class Constraint:
    """One declared edge: ``by`` requires ``package`` within ``specifier``.

    ``by`` is a normalized package name, or :data:`PROJECT` for the project's own
    declarations (dependencies, dependency groups, uv constraint/override dependencies).
    """

    by: str
    package: str
    specifier: str
    """PEP 440 specifier set text, ``""`` when the edge is bare (any version)."""
    marker: str | None = None
    """PEP 508 marker text, already known to apply when the constraint is kept."""
    kind: str = "requires-dist"
    """``requires-dist`` | ``dependency`` | ``constraint`` | ``override`` | ``extra:NAME``."""
    file: str | None = None
    """Where it was declared (lockfile or pyproject.toml), relative to the project."""
    line: int | None = None
    extras: tuple[str, ...] = ()
    """Extras the edge requests of ``package`` (``netmiko[par4]`` → ``("par4",)``)."""

    def to_json(self) -> dict[str, Any]:
        """DESIGN shape: ``{"by": ..., "specifier": ...}`` plus the optional marker, kind and extras."""
        out: dict[str, Any] = {"by": self.by, "specifier": self.specifier}
        if self.marker:
            out["marker"] = self.marker
        if self.extras:
            out["extras"] = list(self.extras)
        if self.kind != "requires-dist":
            out["kind"] = self.kind
        return out


@dataclass(frozen=True)
class LockedPackage:
    """One package as a lockfile pins it.

    ``dependencies`` are the normalized names it depends on in this lock (edges without
    specifiers); ``constraints`` are the specifiers it declares on them when the lockfile
    records them (poetry.lock, pdm.lock), else ``None`` (read from requires-dist later).
    """

    name: str
    version: str
    dependencies: tuple[str, ...] = ()
    constraints: tuple[Constraint, ...] | None = None
    line: int | None = None
    """1-based line of the package's entry in the lockfile, when known."""
    source: str | None = None
    """``registry`` | ``git`` | ``path`` | ``url`` | ``editable`` | ``virtual`` or None."""


@dataclass(frozen=True)
class CapSite:
    """Where a project locked in one format declares an upper bound on a package, and who writes it.

    The lockfile's format answers it when the lockfile is loaded
    (:meth:`auditor.sources.lockfiles.interface.LockfileFormat.cap_site`); the ``lock`` hint and
    ``sshdrift fix`` both act on it, so they cannot disagree.
    """

    file: str
    """The file that carries the cap, relative to the lockfile's directory (``pyproject.toml``, ``Pipfile``,
    ``constraints.txt``); for a site sshdrift cannot write, a description (``the project's requirements``)."""
    place: str
    """Where in that file, e.g. ``[tool.uv] constraint-dependencies``."""
    regenerate: str
    """The command that re-locks after the cap is declared, e.g. ``uv lock``."""
    writable: bool
    """Whether ``sshdrift fix`` writes a cap there (the ``lock`` hint offers ``sshdrift fix`` exactly then)."""
    why: str = ""
    """When not writable, or when the lockfile itself cannot carry a cap: one clause saying why."""


@dataclass(frozen=True)
class Lockfile:
    """A parsed lockfile with the project's own declarations.

    ``packages`` maps normalized name → :class:`LockedPackage`. ``declarations`` are the
    project's own constraints (``by`` = :data:`PROJECT`), from the lockfile's manifest or
    the pyproject beside it. ``roots`` are the names the project depends on directly.
    """

    path: Path
    format: str
    """``uv`` | ``poetry`` | ``pdm`` | ``pylock`` | ``pipfile`` | ``requirements``."""
    packages: Mapping[str, LockedPackage]
    declarations: tuple[Constraint, ...] = ()
    roots: tuple[str, ...] = ()
    project_name: str | None = None
    """The project's own name (``[project] name`` or the lock's root package), when known."""
    cap_site: CapSite | None = None
    """Where the project caps a package (set by ``load_lockfile``); None for a lockfile built otherwise."""


@dataclass(frozen=True)
class PackageReport:
    """An SSH-stack package in the report: its pin, every constraint on it, their intersection."""

    name: str
    version: str
    constraints: tuple[Constraint, ...]
    effective_range: str
    """The intersection of every applicable specifier, as a specifier-set string."""
    open_ended: bool
    """True when the effective range admits the next major release above ``version``."""
    path: tuple[str, ...] = ()
    """One dependency path from the project to this package, e.g. ``("netmiko", "paramiko")``."""

    def to_json(self) -> dict[str, Any]:
        """DESIGN shape of one ``packages`` entry."""
        return {
            "name": self.name,
            "version": self.version,
            "constraints": [c.to_json() for c in self.constraints],
            "effective_range": self.effective_range,
            "open_ended": self.open_ended,
            "path": list(self.path),
        }


@dataclass(frozen=True)
class Suppression:
    """An accepted risk that matched a finding: ``[[tool.sshdrift.ignore]]`` or ``--ignore RULE:SUBJECT``.

    A suppressed finding stays in every report but does not count toward the exit code.
    """

    reason: str
    """Why the risk is accepted, as the user wrote it."""
    until: str | None = None
    """``YYYY-MM-DD`` after which the entry stops applying, or None for no end date."""

    def to_json(self) -> dict[str, Any]:
        """DESIGN shape: ``{"reason": ..., "until": "YYYY-MM-DD" | null}``."""
        return {"reason": self.reason, "until": self.until}


@dataclass(frozen=True)
class Finding:
    """One rule result. ``rule`` is a stable id from the README's rule table."""

    rule: str
    severity: Severity
    message: str
    package: str | None = None
    via: tuple[str, ...] = ()
    """The dependents (or the path) through which the problem reaches the project."""
    file: str | None = None
    """The file the finding points at: relative to the project (lockfile, pyproject) or as given
    on the command line (ssh_config, ansible.cfg, known_hosts); None to fall back to the lockfile."""
    line: int | None = None
    """1-based line in ``file``, when known."""
    device: str | None = None
    """The device name, for device rules."""
    fix: str | None = None
    """What to do, in one sentence, when the rule knows."""
    ignored: Suppression | None = None
    """The accepted-risk entry that matched, or None; an ignored finding never counts toward the exit code."""
    key: str | None = None
    """What tells this finding apart from the rule's other findings on the same subject and file: the
    release (``5.0.0``, breaking-release), the advisory id (vulnerability), the option keyword
    (ignored-ssh-option), the dependent whose constraint it is (open-ended-range notes); None when the
    rule gives at most one finding per subject. Part of the SARIF ``partialFingerprints``."""

    def to_json(self) -> dict[str, Any]:
        """DESIGN shape of one ``findings`` entry (extended with ``device``, ``fix`` and ``ignored``)."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "package": self.package,
            "message": self.message,
            "via": list(self.via),
            "file": self.file,
            "line": self.line,
        }
        if self.device is not None:
            out["device"] = self.device
        if self.fix is not None:
            out["fix"] = self.fix
        if self.ignored is not None:
            out["ignored"] = self.ignored.to_json()
        return out


@dataclass(frozen=True)
class Skipped:
    """Something that could not be checked, and why. Never silently "clean"."""

    subject: str
    """What was not checked: a package (``paramiko 4.0.0``), a rule (``vulnerability``) or a device."""
    reason: str
    incomplete: bool = False
    """True when a required check could not be done (an SSH-stack range left unevaluated): the
    run is incomplete (exit 4) unless a finding fails it. Optional extras (the vulnerability
    rule with ``--offline``) are listed without making the run incomplete."""

    def to_json(self) -> dict[str, Any]:
        """``{"subject": ..., "reason": ...}``, plus ``"incomplete": true`` when it makes the run incomplete."""
        out: dict[str, Any] = {"subject": self.subject, "reason": self.reason}
        if self.incomplete:
            out["incomplete"] = True
        return out


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ProjectInfo:
    """The audited project: its directory, lockfile and the lockfile's format."""

    path: str
    lockfile: str | None
    format: str | None

    def to_json(self) -> dict[str, Any]:
        """DESIGN shape of ``project``."""
        return {"path": self.path, "lockfile": self.lockfile, "format": self.format}


LOCKED_PARAMIKO_COMMANDS = frozenset({"lock", "audit", "demo"})
"""Commands whose JSON report names the Paramiko the lock pins (``"paramiko"``, null when none)."""


@dataclass(frozen=True)
class Report:
    """Everything one command found; ``formats`` render it, the CLI turns it into an exit code.

    The engine (:func:`auditor.engine.run`) builds every report; the fields after ``notes`` belong
    to some commands only and become the JSON members of the same names.
    """

    command: str
    project: ProjectInfo | None = None
    packages: tuple[PackageReport, ...] = ()
    findings: tuple[Finding, ...] = ()
    devices: tuple[DeviceResult, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()
    """Free-text lines for the human formats (snapshot age, fix hints)."""
    paramiko: str | None = None
    """The Paramiko version the lock pins (``lock``, ``audit``, ``demo``); None when it pins none."""
    lab: tuple[LabEntry, ...] = ()
    """``demo``: the emulated devices."""
    demo_fix: DemoFix | None = None
    """``demo``: the fix it computed (JSON ``fix``; ``{}`` when every device is reachable or none fits)."""
    edits: tuple[Edit, ...] = ()
    """``fix``: the bounds written (or, with ``--dry-run``, to be written)."""
    diff: str | None = None
    """``fix``: the unified diff of every file it changed (or would change); None for other commands."""
    dry_run: bool | None = None
    """``fix``: whether ``--dry-run`` kept the files as they were; None for other commands."""
    resolution: FreshResolution | None = None
    """``drift``: how the fresh resolution was made."""
    whatif: WhatIfSummary | None = None
    """``whatif``: what was asked and the Paramiko before and after."""
    base: BaseComparison | None = None
    """``lock``/``audit`` with ``--base``: the comparison with the base lock (JSON ``base``)."""

    def exit_code(self, fail_on: FailOn) -> int:
        """The documented exit code for this report (DESIGN.md "Exit codes"; the worst wins).

        1 when a finding reaches ``fail_on``; else 4 (incomplete) when a device could not be judged,
        because it was unreachable or its server broke the protocol (status ``error``), or when an
        SSH-stack package's range could not be evaluated (:attr:`Skipped.incomplete`); else 0.
        """
        if any(fail_on.trips(f.severity) and f.ignored is None for f in self.findings):
            return ExitCode.FINDINGS
        if any(d.status in (DeviceStatus.UNREACHABLE, DeviceStatus.ERROR) for d in self.devices) or any(
            s.incomplete for s in self.skipped
        ):
            return ExitCode.INCOMPLETE
        return ExitCode.CLEAN

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md JSON report, ``schema_version`` 2, with our extensions appended."""
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "sshdrift", "version": __version__},
            "command": self.command,
            "project": self.project.to_json() if self.project else None,
            "packages": [p.to_json() for p in self.packages],
            "findings": [f.to_json() for f in self.findings],
            "devices": [d.to_json() for d in self.devices],
            "skipped": [s.to_json() for s in self.skipped],
        }
        if self.changes:
            out["changes"] = [c.to_json() for c in self.changes]
        if self.notes:
            out["notes"] = list(self.notes)
        out.update(self._command_members())
        return out

    def _command_members(self) -> dict[str, Any]:
        """The JSON members of the fields only some commands fill, in their historic order."""
        out: dict[str, Any] = {}
        if self.command in LOCKED_PARAMIKO_COMMANDS:
            out["paramiko"] = self.paramiko
        if self.command == "demo":
            out["lab"] = [entry.to_json() for entry in self.lab]
            out["fix"] = self.demo_fix.to_json() if self.demo_fix else {}
        if self.command == "fix":
            out.update(edits=[e.to_json() for e in self.edits], diff=self.diff or "", dry_run=bool(self.dry_run))
        if self.resolution is not None:
            out["resolution"] = self.resolution.to_json()
        if self.whatif is not None:
            out["whatif"] = self.whatif.to_json()
        if self.base is not None:
            out["base"] = self.base.to_json()
        return out
