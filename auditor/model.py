"""Values that flow from sources through checks to formats.

All are frozen dataclasses: a result is a value, never an exception. "Could not
check" is a value too (:class:`Skipped`). The JSON report of DESIGN.md
(``schema_version`` 2) is exactly :meth:`Report.to_json`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.choices import FailOn as FailOn  # re-exported: the model speaks of them
from auditor.choices import Severity as Severity
from auditor.errors import ExitCode

if TYPE_CHECKING:
    # Start-up: what only some commands' reports carry is defined apart, so 'lock' never creates those classes.
    from auditor.report_parts import BaseComparison, DemoFix, Edit, FreshResolution, LabEntry, WhatIfSummary

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


# --------------------------------------------------------------------------- probe side

CATEGORIES: tuple[str, ...] = (
    "kex",
    "host_key",
    "cipher_c2s",
    "cipher_s2c",
    "mac_c2s",
    "mac_s2c",
    "compression_c2s",
    "compression_s2c",
)
"""The eight algorithm name-lists of SSH_MSG_KEXINIT in wire order (RFC 4253 §7.1), minus languages."""


@dataclass(frozen=True)
class Offered:
    """The algorithm name-lists one side offers, each in preference order."""

    kex: tuple[str, ...] = ()
    host_key: tuple[str, ...] = ()
    cipher_c2s: tuple[str, ...] = ()
    cipher_s2c: tuple[str, ...] = ()
    mac_c2s: tuple[str, ...] = ()
    mac_s2c: tuple[str, ...] = ()
    compression_c2s: tuple[str, ...] = ()
    compression_s2c: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        """DESIGN shape: the eight lists keyed by category."""
        return {c: list(getattr(self, c)) for c in CATEGORIES}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Offered:
        """Inverse of :meth:`to_json`; missing categories are empty. Raises ``TypeError`` on bad shapes."""
        return cls(**{c: tuple(str(x) for x in data.get(c, ())) for c in CATEGORIES})


@dataclass(frozen=True)
class KexInit:
    """A parsed SSH_MSG_KEXINIT (RFC 4253 §7.1)."""

    cookie: bytes
    """The 16 random bytes after the message number."""
    offered: Offered
    languages_c2s: tuple[str, ...]
    languages_s2c: tuple[str, ...]
    first_kex_packet_follows: bool
    """True when the sender guessed the kex and its first kex packet follows (RFC 4253 §7.1)."""
    reserved: int = 0
    """The trailing ``uint32``, 0 by the standard (kept to tell odd servers apart)."""

    @property
    def strict_kex(self) -> bool:
        """Whether the server offers strict kex (Terrapin countermeasure, CVE-2023-48795)."""
        return "kex-strict-s-v00@openssh.com" in self.offered.kex

    @property
    def ext_info(self) -> bool:
        """Whether the server offers RFC 8308 extension negotiation (``ext-info-s``)."""
        return "ext-info-s" in self.offered.kex


@dataclass(frozen=True)
class Negotiated:
    """The algorithms both sides settle on (RFC 4253 §7.1); cipher and MAC client-to-server."""

    kex: str
    host_key: str
    cipher: str
    mac: str
    compression: str = "none"

    def to_json(self) -> dict[str, str]:
        """DESIGN shape: kex, host_key, cipher, mac (and compression)."""
        return {
            "kex": self.kex,
            "host_key": self.host_key,
            "cipher": self.cipher,
            "mac": self.mac,
            "compression": self.compression,
        }


@dataclass(frozen=True)
class Device:
    """One inventory entry: where to connect, and where it was declared."""

    name: str
    host: str
    port: int = 22
    jump: str | None = None
    """``[user@]host[:port]`` of the first gateway (ProxyJump), or None for a direct connection; ``jumps[0]``."""
    file: str | None = None
    """The inventory file that declared the device, as given on the command line."""
    line: int | None = None
    """1-based line of the entry in ``file``, when the format has lines."""
    device_type: str | None = None
    """The platform name (netmiko ``device_type``, Nornir ``platform``, Ansible ``ansible_network_os``), if any."""
    jumps: tuple[str, ...] = ()
    """The whole ProxyJump chain, first hop first, each ``[user@]host[:port]`` (ssh_config(5) ``ProxyJump``: each
    hop is reached through the one before it); empty for a direct connection. Never shortened: a probe that cannot
    open every hop must say so rather than use ``jump`` alone (issue 9 item 4)."""

    def __post_init__(self) -> None:
        """Keep ``jump`` and ``jumps`` one fact: given either, the other follows.

        Raises:
            ValueError: both given and ``jump`` is not the first hop of ``jumps``.
        """
        if self.jump and not self.jumps:
            object.__setattr__(self, "jumps", (self.jump,))
        elif self.jumps and self.jump is None:
            object.__setattr__(self, "jump", self.jumps[0])
        if self.jumps and self.jump != self.jumps[0]:
            raise ValueError(f"{self.name}: jump {self.jump!r} is not the first hop of {self.jumps!r}")


@dataclass(frozen=True)
class Platform:
    """The device platform recognized from its identification string and offered lists (``rules/platforms.toml``)."""

    id: str
    """The platform id in ``rules/platforms.toml`` (``cisco-ios``, ``openssh``)."""
    title: str
    certainty: str
    """``high`` | ``medium`` | ``low``: how sure the recognition is (``rules/platforms.toml`` says when each applies)."""
    evidence: tuple[str, ...]
    """What matched, in words (``identification string Cisco-1.25``, ``inventory device_type cisco_xe``)."""
    source: str
    """A public document that backs the recognition (URL)."""

    def to_json(self) -> dict[str, Any]:
        """``{"id", "title", "certainty", "evidence": [...], "source"}``."""
        return {
            "id": self.id,
            "title": self.title,
            "certainty": self.certainty,
            "evidence": list(self.evidence),
            "source": self.source,
        }


class DeviceStatus(str, enum.Enum):
    """Outcome of probing one device."""

    COMPATIBLE = "compatible"
    INCOMPATIBLE = "incompatible"
    UNREACHABLE = "unreachable"
    ERROR = "error"


@dataclass(frozen=True)
class Verdict:
    """One client's judgement of one device: the JSON report's ``verdicts`` entry (schema_version 2)."""

    client: str
    """The client's registry name (``paramiko``)."""
    version: str | None
    """The client release judged (``5.1.0``)."""
    status: DeviceStatus
    backend: tuple[tuple[str, str], ...] = ()
    """``(package, version)`` of the backend the client ran with (``cryptography``), sorted; empty when unknown."""
    source: str | None = None
    """Where the version came from: ``uv.lock``, ``--paramiko 5.1.0``, ``installed in PATH``, ``fleet snapshot``."""
    backend_source: str | None = None
    """Where ``backend`` came from (``uv.lock``, ``installed in PATH``), or that none was pinned."""
    negotiated: Negotiated | None = None
    verified: bool = False
    """True when a real handshake of this client confirmed (or refuted) the prediction."""
    reasons: tuple[str, ...] = ()
    """This client's one-line reasons for a status other than compatible."""

    @classmethod
    def from_json(cls, data: Any) -> Verdict:
        """The inverse of :meth:`to_json`, for saved reports.

        Raises:
            ValueError: not an object, or a member of the wrong type or value (the message names it).
        """
        if not isinstance(data, dict) or not isinstance(data.get("client"), str):
            raise ValueError("a verdict must be an object with a 'client' string")
        backend = data.get("backend") or {}
        reasons = data.get("reasons") or []
        negotiated = data.get("negotiated")
        if not isinstance(backend, dict) or not isinstance(reasons, list) or not isinstance(negotiated, dict | None):
            raise ValueError(f"verdict of {data['client']}: 'backend', 'reasons' or 'negotiated' has the wrong type")
        try:
            return cls(
                client=data["client"],
                version=str(data["version"]) if data.get("version") is not None else None,
                status=DeviceStatus(data.get("status")),
                backend=tuple(sorted((str(k), str(v)) for k, v in backend.items())),
                source=str(data["source"]) if data.get("source") is not None else None,
                backend_source=str(data["backend_source"]) if data.get("backend_source") is not None else None,
                negotiated=Negotiated(**{k: str(v) for k, v in negotiated.items()}) if negotiated else None,
                verified=bool(data.get("verified", False)),
                reasons=tuple(str(r) for r in reasons),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"verdict of {data['client']}: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        """``{"client", "version", "backend": {package: version}, "backend_source", "source", "status", ...}``.

        The rest: ``"negotiated"``, ``"verified"``, ``"reasons"``.
        """
        return {
            "client": self.client,
            "version": self.version,
            "backend": dict(self.backend),
            "backend_source": self.backend_source,
            "source": self.source,
            "status": self.status.value,
            "negotiated": self.negotiated.to_json() if self.negotiated else None,
            "verified": self.verified,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class GatewayKeyChange:
    """A jump host on a device's ProxyJump chain whose host key is not the one known_hosts holds (same key type)."""

    gateway: str
    """The hop as the chain writes it (``[user@]host[:port]``)."""
    host: str
    port: int
    key_type: str
    """The key type compared (``ssh-ed25519``)."""
    seen: str
    """``SHA256:`` fingerprint of the key the gateway presented."""
    file: str
    """The known_hosts file compared with."""
    known: tuple[str, ...] = ()
    """``SHA256:`` fingerprints known_hosts holds for that gateway and key type."""
    line: int | None = None
    """1-based known_hosts line of the first such key, when known."""


PRIMARY_CLIENT = "paramiko"
"""The client whose verdict the v1 device fields (``paramiko``, ``negotiated``, ``verified``, ``reasons``) carry."""


@dataclass(frozen=True)
class DeviceResult:
    """What the probe learnt about one device; the status and v1 fields are the primary client's verdict."""

    device: Device
    status: DeviceStatus
    banner: str | None = None
    """The server's identification string (RFC 4253 §4.2), without CR LF; kept whenever it was read."""
    offered: Offered | None = None
    paramiko: str | None = None
    """The Paramiko version judged against (``5.1.0``)."""
    negotiated: Negotiated | None = None
    verified: bool = False
    """True when a real Paramiko handshake confirmed (or refuted) the prediction."""
    reasons: tuple[str, ...] = ()
    """One-line reasons for a status other than compatible (e.g. Paramiko's "no acceptable kex algorithm")."""
    host_key_fingerprint: str | None = None
    """``SHA256:...`` of the host key seen in the verified handshake."""
    strict_kex: bool | None = None
    """Whether the server offered ``kex-strict-s-v00@openssh.com`` (Terrapin, CVE-2023-48795); None if not grabbed."""
    predicted: DeviceStatus | None = None
    """What the data predicted, when it differs from a verified status (a bug in our data)."""
    probed_at: str | None = None
    """ISO 8601 UTC time of the grab."""
    platform: Platform | None = None
    """The platform recognized from ``banner`` and ``offered`` (and the inventory's ``device_type``), if any."""
    verdicts: tuple[Verdict, ...] = ()
    """One verdict per client judged; empty means only the primary client's, read from the v1 fields."""
    server_sig_algs: tuple[str, ...] | None = None
    """The server's RFC 8308 ``server-sig-algs`` seen in the verified handshake (``()``: it sent none); None: not read."""
    gateway_key_changed: GatewayKeyChange | None = None
    """A gateway of the device's chain showed another host key than known_hosts' (the device was not reached)."""
    host_keys: tuple[tuple[str, str], ...] = ()
    """``(key type, base64 blob)`` of every host key a verified handshake saw (one per client that negotiated),
    for ``--write-known-hosts``; not in the JSON report."""

    @property
    def judged(self) -> tuple[Verdict, ...]:
        """Every client's verdict: :attr:`verdicts`, or the primary client's made from the v1 fields."""
        if self.verdicts:
            return self.verdicts
        if self.paramiko is None:
            return ()
        primary = Verdict(
            client=PRIMARY_CLIENT,
            version=self.paramiko,
            status=self.status,
            negotiated=self.negotiated,
            verified=self.verified,
            reasons=self.reasons,
        )
        return (primary,)

    def to_json(self) -> dict[str, Any]:
        """DESIGN shape of one ``devices`` entry: v1 fields (primary client), ``verdicts``, fingerprint, time, platform."""
        return {
            "name": self.device.name,
            "host": self.device.host,
            "port": self.device.port,
            "jump": ",".join(self.device.jumps) or None,
            "status": self.status.value,
            "banner": self.banner,
            "offered": self.offered.to_json() if self.offered else None,
            "paramiko": self.paramiko,
            "negotiated": self.negotiated.to_json() if self.negotiated else None,
            "verified": self.verified,
            "reasons": list(self.reasons),
            "verdicts": [verdict.to_json() for verdict in self.judged],
            "host_key_fingerprint": self.host_key_fingerprint,
            "strict_kex": self.strict_kex,
            "predicted": self.predicted.value if self.predicted else None,
            "probed_at": self.probed_at,
            "platform": self.platform.to_json() if self.platform else None,
            "server_sig_algs": list(self.server_sig_algs) if self.server_sig_algs is not None else None,
        }


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


@dataclass(frozen=True)
class Change:
    """A version that moves between two resolutions (``whatif``, ``drift``)."""

    name: str
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        """``{"name", "before", "after"}``; None means added or removed."""
        return {"name": self.name, "before": self.before, "after": self.after}


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
