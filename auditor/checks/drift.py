"""Rules over version changes between two resolutions: ``resolution-drift`` and ``downgrade``.

``drift`` compares the lock with a fresh resolution, ``whatif`` the lock with the resolution after
an added requirement, ``fix --lock`` the lock before and after a new upper bound. Each gives a list
of :class:`~auditor.report_parts.Change`; these rules judge them with the facts in ``rules/``:

* ``resolution-drift`` (SSH-stack packages that move up): **error** when the move crosses a major
  version or a breaking release listed in ``rules/releases.toml`` (what a rebuild would ship is not
  what was tested, and it removes something); **warning** for any other SSH-stack move, and for a
  crossed release whose own severity is lower (netmiko 4.7.0 only added a cap).
* ``downgrade``: an SSH-stack package that goes down is a **warning**, raised to an **error** when
  it falls below a listed release whose ``below-severity`` says so (e.g. netmiko 4.7.0 → 4.6.0 loses
  the ``paramiko<5.0`` cap 4.7.0 added: the downgrade re-opens the range; 4.8.0 → 4.7.0 regains it);
  any other package that goes down is a **note** (visible, rarely the cause of an outage). An SSH-stack
  package the new resolution no longer holds is a ``downgrade`` **warning** too (a lost extra, a
  pre-release that drops a transport: scrapli without asyncssh).

A ``downgrade``'s fix tells the user how to find which requirement brings the package in, with the
command of the project's own locker (``poetry show --tree --why NAME`` for a poetry.lock), as the
lockfile's format says (:meth:`~auditor.sources.lockfiles.interface.LockfileFormat.dependents_hint`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.checks.breaking_release import crossed
from auditor.model import Finding, Severity
from auditor.sources.lockfiles import format_for_name, format_named
from auditor.sources.ssh_stack import ssh_stack

if TYPE_CHECKING:
    from auditor.report_parts import Change


def _versions(change: Change) -> tuple[Version, Version] | None:
    if change.before is None or change.after is None:
        return None
    try:
        return Version(change.before), Version(change.after)
    except InvalidVersion:
        return None


def _major_severity(name: str) -> Severity:
    """How loud a major-version move of SSH-stack package ``name`` is (error unless its role says less)."""
    entry = ssh_stack().get(name)
    return entry.open_ended_severity if entry is not None else Severity.ERROR


def dependents_hint(package: str, lock_format: str | None, file: str | None) -> str:
    """How to see which requirement brings ``package`` in, with the command of the project's locker.

    Args:
        package: the package as the report spells it.
        lock_format: :attr:`auditor.model.Lockfile.format` of the lock, or None to go by ``file``'s name.
        file: the lockfile's name (``poetry.lock``), or None.

    Returns:
        A clause completing "find which requirement brought it in ...": the format's
        :meth:`~auditor.sources.lockfiles.interface.LockfileFormat.dependents_hint`; when neither the
        format nor a conventional file name is known, one that names no tool.

    Raises:
        KeyError: ``lock_format`` names no registered format (:func:`auditor.sources.lockfiles.format_named`;
            a programming error, as :attr:`auditor.model.Lockfile.format` always comes from the registry).
    """
    fmt = format_named(lock_format) if lock_format else format_for_name(Path(file)) if file else None
    if fmt is None:
        return "with the reverse dependency tree of the tool that wrote the lock"
    return fmt.dependents_hint(package, Path(file).name if file else "the lockfile")


def _removed(change: Change, context: str, file: str | None, before_at: str | None, who: str) -> Finding:
    """``downgrade`` (warning): an SSH-stack package the new resolution no longer holds (a lost extra, a dropped transport).

    ``who`` is :func:`dependents_hint` for the package.
    """
    at = "" if before_at is None else f" at {before_at}"
    return Finding(
        rule="downgrade",
        severity=Severity.WARNING,
        message=f"{change.name}: {change.before}{at} -> (removed): {context} no longer installs it; code that "
        "imports it, or a transport that runs on it, stops working",
        package=change.name,
        file=file,
        fix=f"find which requirement brought it in {who}, and keep that requirement (or its extra)",
    )


def _moved_up(
    change: Change, before: Version, after: Version, context: str, file: str | None, before_at: str | None
) -> Finding:
    """``resolution-drift`` for SSH-stack package ``change`` moving up from ``before`` to ``after``.

    Error when the move crosses a release listed in ``rules/releases.toml`` whose severity is error,
    or a major version of a package whose role makes that an error (``rules/ssh-stack.toml``);
    warning otherwise. The fix (cap below the next major, or try the release with ``whatif``) is
    offered when the move crosses a major or a release that removes algorithms.
    """
    name = canonicalize_name(change.name)
    crossing = crossed(name, before, after)
    major = after.major > before.major
    why = []
    if crossing:
        why.append("crosses " + "; ".join(f"{r.version} ({r.summary})" for r in crossing))
    elif major:
        why.append(f"crosses a major version ({before.major} -> {after.major})")
    # A listed release is as loud as its entry says (a removal is an error, a release that only
    # added a cap is not); a bare major bump is as loud as an open-ended range on that package (a
    # warning for crypto libraries, rules/ssh-stack.toml); any SSH-stack move is at least a warning.
    levels = [Severity.WARNING, *(r.severity for r in crossing)]
    if major:
        levels.append(_major_severity(name))
    severity = max(levels, key=lambda s: s.rank)
    was = f"locked {before}" if before_at is None else f"{before} at {before_at}"
    message = f"{change.name}: {was}, {context} gives {after}"
    if why:
        message += f"; it {why[0]}"
    return Finding(
        rule="resolution-drift",
        severity=severity,
        message=message,
        package=change.name,
        file=file,
        fix=(
            f"keep the locked major with '{change.name}<{before.major + 1}'"
            f"{' (sshdrift fix)' if severity is Severity.ERROR else ''}, or see what "
            f"{after} does to your devices first: sshdrift whatif {change.name}=={after} --devices INV"
        )
        if major or any(r.removes_algorithms for r in crossing)
        else None,
    )


def _moved_down(
    change: Change,
    before: Version,
    after: Version,
    in_stack: bool,
    context: str,
    file: str | None,
    before_at: str | None,
    who: str,
) -> Finding:
    """``downgrade`` for ``change`` moving down from ``before`` to ``after``.

    A note off the SSH stack; a warning on it, raised to the ``below-severity`` of a listed release
    it falls below (``rules/releases.toml``) when that is louder. ``who`` is :func:`dependents_hint`
    for the package.
    """
    lost = crossed(canonicalize_name(change.name), after, before) if in_stack else []
    if lost:
        severity = max((r.below_severity for r in lost), key=lambda s: s.rank)
        severity = severity if severity.rank >= Severity.WARNING.rank else Severity.WARNING
    elif in_stack:
        severity = Severity.WARNING
    else:
        severity = Severity.NOTE
    at = "" if before_at is None else f" at {before_at}"
    message = f"{change.name}: {before}{at} -> {after} ({context} moves it down)"
    if lost:
        message += "; it falls below " + "; ".join(f"{r.version} ({r.summary})" for r in lost)
    return Finding(
        rule="downgrade",
        severity=severity,
        message=message,
        package=change.name,
        file=file,
        fix=f"find who forces it {who} and pin deliberately",
    )


def change_findings(
    changes: Sequence[Change],
    *,
    context: str,
    stack: Collection[str] | None = None,
    file: str | None = None,
    before_at: str | None = None,
    lock_format: str | None = None,
) -> list[Finding]:
    """``resolution-drift`` and ``downgrade`` findings for ``changes`` (severities in the module docstring).

    Args:
        changes: versions that move between the lock (``before``) and a new resolution (``after``).
        context: how the new resolution came about, for the messages, e.g. ``"a fresh resolution
            today"`` or ``"after adding paramiko==5.1.0"``.
        stack: names of the SSH stack (default :func:`auditor.sources.ssh_stack.ssh_stack`).
        file: the lockfile the findings point at, relative to the project.
        before_at: where the older versions come from, when not the lock itself (``origin/main`` for
            ``lock --base``): "paramiko: 4.0.0 at origin/main, this change gives 5.1.0" instead of
            "paramiko: locked 4.0.0, ...".
        lock_format: the lock's format (:attr:`auditor.model.Lockfile.format`): a ``downgrade``'s fix names
            its locker's command (:func:`dependents_hint`); None goes by ``file``'s name.

    Returns:
        Findings in the order of ``changes``.
    """
    stack = set(ssh_stack()) if stack is None else stack
    out: list[Finding] = []
    for change in changes:
        in_stack = canonicalize_name(change.name) in stack
        if change.after is None and change.before is not None and in_stack:
            out.append(_removed(change, context, file, before_at, dependents_hint(change.name, lock_format, file)))
            continue
        versions = _versions(change)
        if versions is None:
            continue
        before, after = versions
        if after > before and in_stack:
            out.append(_moved_up(change, before, after, context, file, before_at))
        elif after < before:
            who = dependents_hint(change.name, lock_format, file)
            out.append(_moved_down(change, before, after, in_stack, context, file, before_at, who))
    return out
