"""What ``whatif`` says about the change it answers, beyond the lock rules on the new resolution.

* Every listed release the change crosses (``rules/releases.toml``), with what it removed, with or
  without devices: rule ``breaking-release``. Without devices a release that removed algorithms keeps
  its own severity (an error for paramiko 5.0.0: nobody has shown the devices cope); with devices
  judged and none incompatible with the new Paramiko it is a note naming how many were judged.
* An extra the project asks for that the new release no longer defines (``scrapli[paramiko]`` on a
  release without that extra): rule ``downgrade``, a warning naming what the extra brought.
* A pre-release is taken only when asked (``--pre``): :func:`refuse_prereleases`.

Removed SSH-stack packages are judged with the other changes (:func:`auditor.checks.drift.change_findings`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.checks.breaking_release import BreakingRelease, crossed
from auditor.device_model import DeviceResult, DeviceStatus
from auditor.errors import ResolverError
from auditor.model import PROJECT, Finding, Lockfile, Severity
from auditor.progress import Progress
from auditor.report_parts import Change
from auditor.sources.environment import extras_in

Pin = tuple[str, str]


def _up(change: Change) -> tuple[Version, Version] | None:
    """``(before, after)`` when ``change`` moves up between two PEP 440 versions, else None."""
    if change.before is None or change.after is None:
        return None
    try:
        before, after = Version(change.before), Version(change.after)
    except InvalidVersion:
        return None
    return (before, after) if after > before else None


def _device_verdict(release: BreakingRelease, devices: Sequence[DeviceResult] | None) -> tuple[Severity, str]:
    """The severity of crossing ``release`` and what the devices say about it ("" without devices)."""
    if devices is None or release.package != "paramiko" or not release.removes_algorithms:
        hint = (
            "; probe your devices with it: add --devices INVENTORY or --fleet REPORT.json"
            if release.removes_algorithms
            else ""
        )
        return release.severity, hint
    broken = [d.device.name for d in devices if d.status is DeviceStatus.INCOMPATIBLE]
    if not broken:
        return Severity.NOTE, f"; none of the {len(devices)} device(s) judged needs what it removed"
    shown = ", ".join(broken[:10]) + (f" and {len(broken) - 10} more" if len(broken) > 10 else "")
    return release.severity, f"; {len(broken)} of {len(devices)} device(s) judged cannot negotiate without it: {shown}"


def crossing_findings(
    changes: Sequence[Change],
    stack: Collection[str],
    *,
    context: str,
    lockfile: Lockfile,
    devices: Sequence[DeviceResult] | None,
) -> list[Finding]:
    """One ``breaking-release`` finding per listed release an SSH-stack package crosses on the way up.

    Args:
        changes: versions that move from the lock to the new resolution.
        stack: normalized names of the SSH stack.
        context: how the new resolution came about (``after whatif paramiko==5.1.0``).
        lockfile: the new resolution presented as the user's lockfile (file and line of each package).
        devices: the device results judged with the new Paramiko, or None when no devices were given.

    Returns:
        Findings, oldest release first per package; severity as in the module docstring.
    """
    out: list[Finding] = []
    for change in changes:
        moved = _up(change)
        if moved is None or change.name not in stack:
            continue
        package = lockfile.packages.get(change.name)
        for release in crossed(change.name, *moved):
            severity, verdict = _device_verdict(release, devices)
            out.append(
                Finding(
                    rule="breaking-release",
                    severity=severity,
                    package=change.name,
                    message=(
                        f"{context}: {change.name} {change.before} -> {change.after} crosses {release.package} "
                        f"{release.version} ({release.date}), which {release.what()}{verdict}; source: {release.source}"
                    ),
                    file=lockfile.path.name,
                    line=package.line if package else None,
                    key=str(release.version),
                )
            )
    return out


def provided_extras(requires: Sequence[str]) -> set[str]:
    """The extras a release defines, read from its requires-dist (``extra == "par4"`` markers)."""
    out: set[str] = set()
    for text in requires:
        try:
            marker = Requirement(text).marker
        except InvalidRequirement:
            continue
        out.update(extras_in(str(marker)) if marker else ())
    return out


def _brought_by(requires: Sequence[str], extra: str) -> list[str]:
    """Normalized names of the requirements ``extra`` enables, sorted."""
    names: set[str] = set()
    for text in requires:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None and extra in extras_in(str(req.marker)):
            names.add(canonicalize_name(req.name))
    return sorted(names)


def asked_extras(lockfile: Lockfile) -> dict[str, set[str]]:
    """Package → the extras the project's own declarations (and whatif's requirements) ask of it."""
    out: dict[str, set[str]] = {}
    for constraint in lockfile.declarations:
        if constraint.by == PROJECT and constraint.extras:
            out.setdefault(constraint.package, set()).update(constraint.extras)
    return out


def extra_pins(old: Lockfile, new: Lockfile) -> list[Pin]:
    """The ``(name, version)`` pairs whose requires-dist :func:`lost_extras` needs.

    For each package the project asks an extra of today that the new resolution still holds and
    moves (or asks with fewer extras): its release in the lock and in the new resolution.
    """
    pins: list[Pin] = []
    now = asked_extras(new)
    for name, extras in sorted(asked_extras(old).items()):
        before, after = old.packages.get(name), new.packages.get(name)
        if before is None or after is None:
            continue
        if before.version != after.version or not extras <= now.get(name, set()):
            pins += list(dict.fromkeys([(name, before.version), (name, after.version)]))
    return pins


def _lost(name: str, extra: str, why: str, old: Lockfile, new: Lockfile, had: Sequence[str], context: str) -> Finding:
    """One lost-extra finding: ``why`` it is lost, and what the extra brought that the new resolution lacks."""
    before, after = old.packages[name], new.packages[name]
    brought = [n for n in _brought_by(had, extra) if n not in new.packages]
    gone = f"; the new resolution no longer holds what it brought: {', '.join(brought)}" if brought else ""
    return Finding(
        rule="downgrade",
        severity=Severity.WARNING,
        package=name,
        message=f"{context}: the project asks for {name}[{extra}] ({before.version} defines the extra), but {why}{gone}",
        file=new.path.name,
        line=after.line,
        fix=f"keep a release that defines it ('{name}[{extra}]<={before.version}'), or move to what replaced the extra",
        key=f"extra:{extra}",
    )


def lost_extras(old: Lockfile, new: Lockfile, requires: Mapping[Pin, Sequence[str]], *, context: str) -> list[Finding]:
    """``downgrade`` warnings for each extra the project asks for today that the new resolution loses.

    An extra is lost when the new release no longer defines it, or when the requirement asked
    replaced the project's own and leaves it out.

    Args:
        old: the lock today (its declarations are what the project asks).
        new: the new resolution presented as the user's lockfile.
        requires: requires-dist of the pins :func:`extra_pins` named (a pin missing here is not judged).
        context: how the new resolution came about.

    Returns:
        One finding per (package, extra) lost, naming the packages the extra brought in that the new
        resolution no longer holds.
    """
    out: list[Finding] = []
    now = asked_extras(new)
    for name, extras in sorted(asked_extras(old).items()):
        before, after = old.packages.get(name), new.packages.get(name)
        if before is None or after is None:
            continue
        had, has = requires.get((name, before.version)), requires.get((name, after.version))
        if had is None or has is None:
            continue
        for extra in sorted(extras & provided_extras(had)):
            if extra not in provided_extras(has):
                why = f"{name} {after.version} no longer defines it"
            elif extra not in now.get(name, set()):
                why = f"the requirement asked on {name} leaves it out"
            else:
                continue
            out.append(_lost(name, extra, why, old, new, had, context))
    return out


def refuse_prereleases(changes: Sequence[Change], *, allowed: bool, asked: str) -> None:
    """Refuse a resolution that takes a pre-release unless ``--pre`` allowed it (PEP 440 pre-releases, dev releases).

    Raises:
        ResolverError: some package moves to a pre-release and ``allowed`` is False (exit 3), naming
            them and the two ways on: ``--pre``, or a requirement that excludes them.
    """
    if allowed:
        return
    taken = []
    for change in changes:
        try:
            if change.after is not None and Version(change.after).is_prerelease:
                taken.append(f"{change.name} {change.after}")
        except InvalidVersion:
            continue
    if taken:
        raise ResolverError(
            f"whatif {asked}: the new resolution takes pre-release(s) {', '.join(taken)}; pass --pre to judge them, "
            "or ask for a final release (for example an upper bound below the pre-release)"
        )


def whatif_findings(
    old: Lockfile,
    new: Lockfile,
    changes: Sequence[Change],
    stack: Collection[str],
    *,
    context: str,
    devices: Sequence[DeviceResult] | None,
    offline: bool,
    progress: Progress,
) -> tuple[list[Finding], list[str]]:
    """The releases the change crosses and the extras it loses, for the ``whatif`` report.

    Args:
        old: the lock today.
        new: the new resolution presented as the user's lockfile.
        changes: versions that move from ``old`` to ``new``.
        stack: normalized names of the SSH stack.
        context: how the new resolution came about (``after whatif paramiko==5.1.0``).
        devices: device results judged with the new Paramiko, or None without devices.
        offline: read requires-dist from the cache only (for the extras).
        progress: told about the requires-dist fetch.

    Returns:
        ``(findings, notes)``: :func:`crossing_findings` and :func:`lost_extras`; a note for each
        release whose requires-dist could not be read (its extras are not judged).

    Raises:
        ResolverError: uv could not fetch any requires-dist (online).
    """
    findings = crossing_findings(changes, stack, context=context, lockfile=new, devices=devices)
    pins = extra_pins(old, new)
    if not pins:
        return findings, []
    # Start-up: the metadata reader (uv) only when an asked extra's package moves.
    from auditor.sources.metadata import requires_dist

    result = requires_dist(pins, offline=offline, progress=progress)
    findings += lost_extras(old, new, result.found, context=context)
    notes = [f"extras of {name} {version} not judged: {why}" for (name, version), why in result.missing.items()]
    return findings, notes
