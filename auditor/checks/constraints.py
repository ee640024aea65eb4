"""Effective ranges: every constraint that applies to each SSH-stack package, intersected.

For each SSH-stack package in the lock, the applicable constraints are the project's own
declarations on it, each dependent's requires-dist entry whose marker holds in the target
environment (extras included when some applicable edge requests them), and uv's constraint and
override dependencies (an override replaces every other constraint, as in uv). Their intersection,
a :class:`packaging.specifiers.SpecifierSet`, is the effective range: the versions a rebuild may
pick. :func:`analyze` computes them; the rule modules turn them into findings.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.model import PROJECT, Constraint, Finding, Lockfile, PackageReport, ProjectInfo, Skipped
from auditor.sources.environment import Environment, extras_in, marker_applies
from auditor.sources.ssh_stack import StackPackage


@dataclass(frozen=True)
class PackageRange:
    """An SSH-stack package's effective range and the edges it was computed from."""

    name: str
    version: str
    """The locked version (PEP 440)."""
    stack: StackPackage
    """Its entry in the SSH stack (role, and the severity of an open-ended range on it)."""
    constraints: tuple[Constraint, ...]
    """Every applicable constraint on the package (the project's and its dependents')."""
    effective: SpecifierSet
    """The intersection of ``constraints`` (of the overrides alone when there are any); empty = any version."""
    overridden: bool
    """True when an override dependency replaced the other constraints."""
    path: tuple[str, ...]
    """A shortest dependency path from the project, ending with this package."""
    line: int | None
    """1-based line of the package's entry in the lockfile, when known."""

    @property
    def dependents(self) -> tuple[str, ...]:
        """Names of the packages (or :data:`PROJECT`) that declare a constraint on this one."""
        return tuple(dict.fromkeys(c.by for c in self.constraints))

    def report(self) -> PackageReport:
        """The JSON-facing :class:`PackageReport`."""
        return PackageReport(
            name=self.name,
            version=self.version,
            constraints=self.constraints,
            effective_range=str(self.effective),
            open_ended=admits_next_major(self.effective, self.version),
            path=self.path,
        )


@dataclass(frozen=True)
class LockAnalysis:
    """Everything ``sshdrift lock`` learns from one lockfile; ``audit``, ``whatif`` and ``demo`` reuse it."""

    lockfile: Lockfile
    project: ProjectInfo
    ranges: tuple[PackageRange, ...]
    packages: tuple[PackageReport, ...]
    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...]
    notes: tuple[str, ...] = ()


def next_major(version: str) -> Version:
    """The first release of the next major series above ``version`` (``4.0.0`` → ``5``).

    Raises:
        packaging.version.InvalidVersion: ``version`` is not PEP 440 (callers skip such packages first).
    """
    return Version(str(Version(version).major + 1))


def admits_next_major(specifier: SpecifierSet, version: str) -> bool:
    """Whether ``specifier`` lets a resolver pick a release of the major series above ``version``.

    Membership is tested with packaging for the next major's first releases and a far-future
    release, so ``!=5.0.0`` style exclusions do not hide an open range.
    """
    try:
        major = Version(version).major + 1
    except InvalidVersion:
        return True
    probes = (f"{major}", f"{major}.0.1", f"{major}.1", f"{major + 1}", "99999")
    return any(specifier.contains(Version(p), prereleases=False) for p in probes)


def specifier_set(text: str) -> SpecifierSet:
    """``text`` as a :class:`SpecifierSet`; an unparsable one (a locker's typo) counts as "any version"."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return SpecifierSet()


def intersect(constraints: Iterable[Constraint]) -> SpecifierSet:
    """The intersection of the constraints' specifier sets (packaging's ``&``)."""
    result = SpecifierSet()
    for constraint in constraints:
        result &= specifier_set(constraint.specifier)
    return result


_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def constraints_from_requires_dist(
    by: str, requires: Sequence[str], *, file: str | None, only: Collection[str] | None = None
) -> list[Constraint]:
    """Turn requires-dist strings of package ``by`` into constraints (markers kept for later evaluation).

    An entry conditional on one of ``by``'s extras gets kind ``extra:NAME``; unparsable entries are skipped.
    With ``only`` (normalized names), entries on other packages are skipped before they are parsed: a
    lock audit needs the edges into the SSH stack and its ancestors, and PEP 508 parsing is most of its time.
    """
    out: list[Constraint] = []
    for text in requires:
        if only is not None:
            head = _REQUIREMENT_NAME.match(text)
            if head is not None and canonicalize_name(head.group(1)) not in only:
                continue
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        marker = str(req.marker) if req.marker else None
        extras = extras_in(marker)
        out.append(
            Constraint(
                by=by,
                package=canonicalize_name(req.name),
                specifier=str(req.specifier),
                marker=marker,
                kind=f"extra:{extras[0]}" if extras else "requires-dist",
                file=file,
                extras=tuple(sorted(req.extras)),
            )
        )
    return out


def _applies(constraint: Constraint, env: Environment, requested: Mapping[str, set[str]]) -> bool:
    if constraint.by == PROJECT:
        return True  # the lock resolves all of the project's extras and groups together
    extras = requested.get(constraint.by, set())
    if constraint.kind.startswith("extra:") and constraint.marker is None:
        return constraint.kind.split(":", 1)[1] in extras
    return marker_applies(constraint.marker, env, extras)


def requested_extras(
    declarations: Iterable[Constraint], edges: Mapping[str, Sequence[Constraint]], env: Environment
) -> dict[str, set[str]]:
    """Extras requested of each package by applicable edges, to a fixed point (extras enable more edges)."""
    requested: dict[str, set[str]] = {}
    for constraint in declarations:
        if constraint.extras:
            requested.setdefault(constraint.package, set()).update(constraint.extras)
    changed = True
    while changed:
        changed = False
        for constraints in edges.values():
            for constraint in constraints:
                if not constraint.extras or not _applies(constraint, env, requested):
                    continue
                have = requested.setdefault(constraint.package, set())
                if not set(constraint.extras) <= have:
                    have.update(constraint.extras)
                    changed = True
    return requested


def shortest_path(roots: Sequence[str], children: Mapping[str, Iterable[str]], target: str) -> tuple[str, ...]:
    """A shortest path from any root to ``target`` over ``children`` edges (breadth-first); ``()`` if none."""
    queue: deque[tuple[str, ...]] = deque((r,) for r in roots)
    seen = set(roots)
    while queue:
        path = queue.popleft()
        if path[-1] == target:
            return path
        for child in children.get(path[-1], ()):
            if child not in seen:
                seen.add(child)
                queue.append((*path, child))
    return ()


def ancestors(targets: Iterable[str], children: Mapping[str, Iterable[str]]) -> set[str]:
    """Every package from which some target can be reached (targets included)."""
    parents = _parents(children)
    out = set(targets)
    queue = deque(out)
    while queue:
        for parent in parents.get(queue.popleft(), ()):
            if parent not in out:
                out.add(parent)
                queue.append(parent)
    return out


def project_info(lockfile: Lockfile) -> ProjectInfo:
    """The report's ``project`` member for ``lockfile``."""
    return ProjectInfo(path=str(lockfile.path.parent), lockfile=lockfile.path.name, format=lockfile.format)


def _applicable_edges(
    lockfile: Lockfile,
    edges: Mapping[str, Sequence[Constraint]],
    env: Environment,
) -> tuple[dict[str, list[Constraint]], dict[str, list[str]]]:
    """The constraints that apply to each locked package, and the dependency graph they imply.

    Args:
        lockfile: the parsed lock, with declarations.
        edges: dependent name → the constraints it declares.
        env: the target environment for markers (PEP 508).

    Returns:
        ``(on, children)``: package name → its applicable constraints (the dependents' whose marker
        holds, then the project's declarations); parent name → child names (the lock's recorded
        dependencies plus every applicable edge).
    """
    requested = requested_extras(lockfile.declarations, edges, env)
    on: dict[str, list[Constraint]] = {}
    children: dict[str, list[str]] = {name: list(pkg.dependencies) for name, pkg in lockfile.packages.items()}
    for by, constraints in edges.items():
        if by not in lockfile.packages:
            continue
        for constraint in constraints:
            if constraint.package in lockfile.packages and _applies(constraint, env, requested):
                on.setdefault(constraint.package, []).append(constraint)
                if constraint.package not in children.setdefault(by, []):
                    children[by].append(constraint.package)
    for constraint in lockfile.declarations:
        on.setdefault(constraint.package, []).append(constraint)
    return on, children


def _parents(children: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Invert a parent → children graph: child name → the names of its parents."""
    parents: dict[str, set[str]] = {}
    for parent, kids in children.items():
        for kid in kids:
            parents.setdefault(kid, set()).add(parent)
    return parents


def _project_roots(lockfile: Lockfile) -> list[str]:
    """Where dependency paths start: the lock's roots, else the project's direct declarations."""
    return list(lockfile.roots) or [
        c.package for c in lockfile.declarations if c.kind not in ("constraint", "override")
    ]


def _unrankable(name: str, version: str, source: str | None) -> Skipped | None:
    """A :class:`Skipped` when the locked ``version`` cannot be ranked (empty or not PEP 440), else ``None``."""
    if not version:
        return Skipped(name, f"{source or 'non-registry'} source without a version; not evaluated")
    try:
        Version(version)
    except InvalidVersion:
        # The rules compare versions (PEP 440); a legacy or hand-edited one cannot be ranked.
        return Skipped(name, f"version {version!r} is not a PEP 440 version; not evaluated")
    return None


def _blind_skip(
    name: str, blind: Sequence[str], unknown: Mapping[str, str], lockfile: Lockfile, edges_unknown: bool
) -> Skipped:
    """The :class:`Skipped` for a package left open while the requires-dist of ``blind`` dependents is unknown.

    The dependents are grouped by why their requires-dist is unknown (usually one reason for all),
    naming at most three per reason.
    """
    by_reason: dict[str, list[str]] = {}
    for parent in blind:
        by_reason.setdefault(unknown[parent], []).append(f"{parent} {lockfile.packages[parent].version}")
    causes = "; ".join(
        f"{', '.join(who[:3])}{f' and {len(who) - 3} more' if len(who) > 3 else ''}: {why}"
        for why, who in by_reason.items()
    )
    whose = "the locked packages (this lockfile records no edges)" if edges_unknown else "its dependents"
    return Skipped(name, f"range not evaluated: the requires-dist of {whose} is unknown ({causes})", True)


def compute_ranges(
    lockfile: Lockfile,
    stack: Mapping[str, StackPackage],
    edges: Mapping[str, Sequence[Constraint]],
    unknown: Mapping[str, str],
    env: Environment,
) -> tuple[list[PackageRange], list[Skipped]]:
    """Effective range of every SSH-stack package in ``lockfile``.

    Args:
        lockfile: the parsed lock, with declarations.
        stack: the SSH stack.
        edges: dependent name → the constraints it declares (from the lock or from requires-dist).
        unknown: dependent name → why its constraints are unknown (offline without a cache entry).
        env: the target environment for markers.

    Returns:
        The ranges, and a :class:`Skipped` for each package that cannot be evaluated: its known
        constraints leave it open but a dependent's constraints are unknown, so a cap may be missed.
    """
    on, children = _applicable_edges(lockfile, edges, env)
    parents = _parents(children)
    edges_unknown = not any(children.values())
    roots = _project_roots(lockfile)
    ranges: list[PackageRange] = []
    skipped: list[Skipped] = []
    for name in sorted(lockfile.packages):
        if name not in stack:
            continue
        package = lockfile.packages[name]
        unrankable = _unrankable(name, package.version, package.source)
        if unrankable is not None:
            skipped.append(unrankable)
            continue
        constraints = on.get(name, [])
        overrides = [c for c in constraints if c.kind == "override"]
        effective = intersect(overrides or constraints)
        blind = sorted(p for p in (unknown if edges_unknown else parents.get(name, ())) if p in unknown and p != name)
        if blind and not overrides and admits_next_major(effective, package.version):
            skipped.append(_blind_skip(name, blind, unknown, lockfile, edges_unknown))
            continue
        ranges.append(
            PackageRange(
                name=name,
                version=package.version,
                stack=stack[name],
                constraints=tuple(constraints),
                effective=effective,
                overridden=bool(overrides),
                path=shortest_path(roots, children, name) or (name,),
                line=package.line,
            )
        )
    return ranges, skipped
