"""Rule ``breaking-release``: a known breaking release (``rules/releases.toml``) the lock could cross.

The release's own severity (``rules/releases.toml``; error unless it says otherwise) when the
effective range admits a listed release above the locked version: "a rebuild may pull paramiko 5.0.0
(2026-05-09), which removed diffie-hellman-group14-sha1, ...". A release that only changed a declared
constraint says how loud reaching it is: netmiko 4.7.0, which added the ``paramiko<5.0`` cap and
removed nothing, is a note; netmiko 4.8.0, which dropped that cap again, a warning. Warning when the
lock already sits past a release that removed algorithms while the range's floor is below it:
nothing declared says the project chose it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.checks.constraints import PackageRange, specifier_set
from auditor.checks.context import RuleContext
from auditor.checks.fix_hints import cap_hint
from auditor.checks.interface import CatalogEntry, Rule
from auditor.checks.open_ended import describe_edge
from auditor.model import PROJECT, Finding, Lockfile, Severity
from auditor.rules_data import load_toml

RULE = "breaking-release"
_REMOVED = (
    ("removed_kex", "kex"),
    ("removed_host_key", "host-key"),
    ("removed_cipher", "cipher"),
    ("removed_mac", "MAC"),
)


@dataclass(frozen=True)
class BreakingRelease:
    """One entry of ``rules/releases.toml``."""

    package: str
    """Normalized name (PEP 503)."""
    version: Version
    date: str
    """Release date, ISO 8601 (``2026-05-09``)."""
    summary: str
    """One line, used as the finding text when the release removed no algorithm."""
    removed: tuple[tuple[str, tuple[str, ...]], ...]
    """(category, algorithm names) pairs, e.g. ``("kex", ("diffie-hellman-group14-sha1", ...))``."""
    other: tuple[str, ...]
    """Other breaking changes, one phrase each (``GSSAPI authentication and key exchange removed``)."""
    source: str
    """The changelog or release page the entry was taken from (an ``https://`` URL)."""
    severity: Severity
    """Severity of "a rebuild may pull this release" or "a change crosses it" (``error`` unless the entry
    says otherwise: a note for a release that only added a cap)."""
    below_severity: Severity = Severity.ERROR
    """Severity of a downgrade below this release (``below-severity``; error unless the entry says
    otherwise: falling below netmiko 4.7.0 loses its cap, falling below 4.8.0 regains it, a note)."""

    @property
    def removes_algorithms(self) -> bool:
        """Whether the release removed algorithms (as opposed to changing a declared constraint)."""
        return any(names for _, names in self.removed)

    def what(self) -> str:
        """``removed diffie-hellman-group1-sha1, ... (kex), ssh-rsa (host-key); GSSAPI ...`` or the summary."""
        if not self.removes_algorithms:
            return self.summary
        parts = [f"{', '.join(names)} ({category})" for category, names in self.removed if names]
        extra = f"; also {'; '.join(self.other)}" if self.other else ""
        return f"removed {', '.join(parts)}{extra}"


@functools.cache
def load_releases() -> tuple[BreakingRelease, ...]:
    """Every entry of ``rules/releases.toml``, sorted by package and version (read once per process)."""
    out = []
    for entry in load_toml("releases.toml").get("release", ()):
        out.append(
            BreakingRelease(
                package=canonicalize_name(entry["package"]),
                version=Version(entry["version"]),
                date=str(entry.get("date", "")),
                summary=str(entry.get("summary", "")),
                removed=tuple((label, tuple(entry.get(key, ()))) for key, label in _REMOVED),
                other=tuple(entry.get("other", ())),
                source=str(entry.get("source", "")),
                severity=Severity(entry.get("severity", "error")),
                below_severity=Severity(entry.get("below-severity", "error")),
            )
        )
    return tuple(sorted(out, key=lambda r: (r.package, r.version)))


def crossed(package: str, low: Version, high: Version) -> list[BreakingRelease]:
    """Listed releases of ``package`` in ``(low, high]``, oldest first: what moving from ``low`` up to ``high`` crosses.

    Includes constraint-only releases (netmiko 4.7.0 added the ``paramiko<5.0`` cap), so a
    downgrade below one is seen to lose it; each release says how loud crossing it is
    (:attr:`BreakingRelease.severity` upward, :attr:`BreakingRelease.below_severity` downward).
    """
    name = canonicalize_name(package)
    return [r for r in load_releases() if r.package == name and low < r.version <= high]


def _floor_reaches(item: PackageRange, release: Version) -> bool:
    """Whether some lower bound of the effective range is at or above ``release``."""
    for spec in item.effective:
        if spec.operator in (">=", ">", "==", "===", "~=") and "*" not in spec.version:
            try:
                if Version(spec.version) >= release:
                    return True
            except InvalidVersion:
                continue
    return False


def check(
    ranges: Iterable[PackageRange], lockfile: Lockfile, releases: Sequence[BreakingRelease] | None = None
) -> list[Finding]:
    """Findings of rule ``breaking-release`` for the effective ranges of ``lockfile``.

    Args:
        ranges: the SSH-stack packages' effective ranges (:func:`auditor.checks.constraints.compute_ranges`).
        lockfile: the parsed lockfile (its name and cap site go into the findings).
        releases: the breaking releases to judge against; None reads ``rules/releases.toml``.

    Returns:
        One finding per (package, release): a release above the lock that the range admits
        (:func:`_ahead_finding`), or a release the lock already crossed without a declaration
        choosing it (:func:`_crossed_finding`).
    """
    releases = load_releases() if releases is None else releases
    versions = {name: pkg.version for name, pkg in lockfile.packages.items()}
    findings: list[Finding] = []
    for item in ranges:
        locked = Version(item.version)
        for release in (r for r in releases if r.package == item.name):
            if release.version > locked and item.effective.contains(release.version, prereleases=False):
                findings.append(_ahead_finding(item, release, lockfile, versions))
            elif release.version <= locked and release.removes_algorithms and not _floor_reaches(item, release.version):
                findings.append(_crossed_finding(item, release, lockfile))
    return findings


def _via(item: PackageRange) -> tuple[str, ...]:
    """The dependents through which ``item`` reaches the project (the project itself left out)."""
    return tuple(c for c in item.dependents if c != PROJECT)


def _label(item: PackageRange, release: BreakingRelease) -> str:
    """``paramiko 5.0.0 (2026-05-09)``."""
    return f"{item.name} {release.version} ({release.date})"


def _cap(item: PackageRange, release: BreakingRelease) -> str:
    """The cap that keeps ``release`` out: below its major for an X.0.0 release, else below the release itself."""
    if release.version.release[1:] in ((), (0,), (0, 0)):
        return f"{item.name}<{release.version.major}"
    return f"{item.name}<{release.version}"


def _ahead_finding(
    item: PackageRange, release: BreakingRelease, lockfile: Lockfile, versions: dict[str, str]
) -> Finding:
    """A rebuild may pull ``release``: the effective range admits it above the locked version.

    The severity is the release's own (``rules/releases.toml``); the message names every constraint
    that admits the release; the fix is the format's cap hint when the release removes algorithms.
    """
    allowing = [c for c in item.constraints if specifier_set(c.specifier).contains(release.version)]
    edges = "; ".join(describe_edge(c, versions) for c in allowing)
    return Finding(
        rule=RULE,
        severity=release.severity,
        package=item.name,
        message=(
            f"a rebuild may pull {_label(item, release)}, which {release.what()}: {item.name} {item.version} is "
            f"locked and the effective range '{item.effective or 'any version'}' admits {release.version} "
            f"({edges or 'nothing constrains it'}); source: {release.source}"
        ),
        via=_via(item),
        file=lockfile.path.name,
        line=item.line,
        fix=cap_hint(lockfile, _cap(item, release)) if release.removes_algorithms else None,
        key=str(release.version),
    )


def _crossed_finding(item: PackageRange, release: BreakingRelease, lockfile: Lockfile) -> Finding:
    """The lock already sits at or past ``release`` while no declaration chose it (a warning)."""
    return Finding(
        rule=RULE,
        severity=Severity.WARNING,
        package=item.name,
        message=(
            f"the lock already has {item.name} {item.version}, at or past {_label(item, release)}, which "
            f"{release.what()}; the effective range '{item.effective or 'any version'}' still starts below "
            f"{release.version}, so no declaration says the project chose this: devices that need "
            f"those algorithms fail; check them with 'sshdrift audit --devices INVENTORY'"
        ),
        via=_via(item),
        file=lockfile.path.name,
        line=item.line,
        fix=f"declare '{item.name}>={release.version}' once every device negotiates without them, "
        f"or '{item.name}<{release.version}' if some cannot",
        key=str(release.version),
    )


class BreakingReleaseRule(Rule):
    """``breaking-release``: a listed breaking release the lock or a rebuild crosses."""

    order = 20
    entry = CatalogEntry(
        id=RULE,
        name="BreakingRelease",
        short="The lock, or a rebuild within the allowed range, crosses a known breaking release.",
        full=(
            "A release between the locked version and the newest the range allows removes algorithms a "
            "client needs to negotiate (for example paramiko 5.0.0 removed every SHA-1 kex and ssh-rsa host "
            "keys). Probe your devices with that release before upgrading (sshdrift whatif)."
        ),
        example="paramiko 5.0.0 removes diffie-hellman-group14-sha1 and ssh-rsa; the range >=2.9.5 allows it",
        default_severity="error",
        severity_policy=(
            "per release (rules/releases.toml: paramiko 4.0.0 and 5.0.0 are errors; netmiko 4.7.0, which only "
            "added the paramiko<5.0 cap, a note; netmiko 4.8.0, which dropped it, a warning); a warning when "
            "the lock already sits past a release that removed algorithms but no declaration chose it"
        ),
    )

    def ran(self, context: RuleContext) -> bool:
        """True when there is a lockfile."""
        return context.lockfile is not None

    def find(self, context: RuleContext) -> list[Finding]:
        """Findings for ``context.ranges`` against ``context.releases`` (none without a lockfile)."""
        if context.lockfile is None:
            return []
        return check(context.ranges, context.lockfile, context.releases)
