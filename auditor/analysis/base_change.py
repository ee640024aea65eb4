"""The PR gate: ``lock --base REF`` / ``audit --base REF`` judge the change a branch makes to the lock.

The lock this change starts from is read at a git revision (the project's files at ``REF``, through
:mod:`auditor.sources.git_ref`, parsed in a temporary directory that is always removed) or from
another lockfile path. Every version that moves becomes a :class:`~auditor.report_parts.Change`; the
change rules judge the SSH stack's (``resolution-drift`` for a move up across a major or a release
listed in ``rules/releases.toml``, an error when that release removed algorithms, naming both
versions and the release; ``downgrade`` for a move down); a patch or minor bump that crosses nothing
listed is not a finding. With devices (``--devices`` or ``--fleet``), each device that negotiates with
the base's Paramiko (predicted from its offered name-lists, RFC 4253 §7.1) and fails with the
Paramiko the lock pins now is named: the change cuts it off.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from auditor.analysis.changes import change_notes
from auditor.checks.breaking_release import crossed
from auditor.device_model import DeviceResult, DeviceStatus
from auditor.errors import AuditorError, LockfileError
from auditor.model import PROJECT, Constraint, Lockfile
from auditor.report_parts import BaseComparison, Change, ChangeSet
from auditor.sources.git_ref import files_at_ref, write_files
from auditor.sources.lockfiles import load_lockfile

CONTEXT = "this change"
"""How the findings name the newer side: "paramiko: 4.0.0 at origin/main, this change gives 5.1.0"."""


@dataclass(frozen=True)
class BaseLock:
    """The lock a change starts from, and the versions the change moves."""

    base: str
    """What ``--base`` was given: a git revision (``origin/main``) or a lockfile path."""
    described: str
    """The base lockfile for messages: ``uv.lock at origin/main`` or the path given."""
    lockfile: Lockfile | None
    """The base lock; None when the revision had no lockfile at that path (a new lockfile)."""
    changes: tuple[Change, ...]
    """Every version that differs from the base to the lock now, sorted by name."""
    change_set: ChangeSet | None
    """The changes for the change rules (:attr:`~auditor.checks.context.RuleContext.changes`); None without a base lock."""
    notes: tuple[str, ...]
    """Summary lines: how many versions move, SSH-stack packages added or removed, declarations changed."""

    @property
    def paramiko(self) -> str | None:
        """The Paramiko the base pins (None: none, or no base lock)."""
        package = self.lockfile.packages.get("paramiko") if self.lockfile is not None else None
        return package.version if package else None

    def comparison(self, paramiko_now: str | None, cut_off: Sequence[str]) -> BaseComparison:
        """The report's ``base`` member, given the Paramiko pinned now and the devices the change cuts off."""
        return BaseComparison(
            base=self.base,
            lockfile=self.described if self.lockfile is not None else None,
            paramiko_before=self.paramiko,
            paramiko_after=paramiko_now,
            cut_off=tuple(cut_off),
        )


def _load_at_ref(head: Lockfile, ref: str, python_version: str | None) -> tuple[Lockfile | None, str]:
    """The lockfile at ``head.path`` as it was at git revision ``ref`` (None when it did not exist then).

    Raises:
        GitRefError: not a git repository, git missing, or an unknown revision.
        LockfileError: the lockfile at ``ref`` cannot be parsed (named as ``uv.lock at REF``).
    """
    project_dir = head.path.resolve().parent
    described = f"{head.path.name} at {ref}"
    files = files_at_ref(project_dir, ref)
    if head.path.name not in files.files:
        return None, described
    with tempfile.TemporaryDirectory(prefix="sshdrift-base-") as tmp:
        write_files(files, Path(tmp))
        try:
            old = load_lockfile(Path(tmp) / head.path.name, python_version=python_version)
        except LockfileError as exc:
            # Name the user's file at the revision, never the temporary copy.
            message = exc.message.replace(str(Path(tmp) / head.path.name), described).replace(tmp, f"{ref}:")
            raise LockfileError(message) from None
    return old, described


def _declared(lockfile: Lockfile, stack: Collection[str]) -> dict[str, set[str]]:
    """SSH-stack name → the project's own declarations on it, as text (``paramiko<5 [constraint]``)."""
    out: dict[str, set[str]] = {}
    for c in lockfile.declarations:
        if c.by == PROJECT and c.package in stack:
            out.setdefault(c.package, set()).add(_declaration_text(c))
    return out


def _declaration_text(constraint: Constraint) -> str:
    kind = "" if constraint.kind == "dependency" else f" [{constraint.kind}]"
    marker = f"; {constraint.marker}" if constraint.marker else ""
    return f"'{constraint.package}{constraint.specifier}{marker}'{kind}"


def _stack_notes(
    old: Lockfile, head: Lockfile, changes: Sequence[Change], stack: Collection[str], base: str
) -> list[str]:
    """SSH-stack packages the change adds or removes, and the project's declarations on the stack it changes."""
    notes = []
    for change in changes:
        if change.name not in stack:
            continue
        if change.before is None:
            notes.append(f"{change.name}: added by this change ({change.after}); it was not locked at {base}")
        elif change.after is None:
            notes.append(f"{change.name}: removed by this change (locked {change.before} at {base})")
    before, after = _declared(old, stack), _declared(head, stack)
    for name in sorted(set(before) | set(after)):
        was, now = before.get(name, set()), after.get(name, set())
        if was != now:
            notes.append(
                f"the project's declarations on {name} changed: {', '.join(sorted(was)) or 'none'} at {base} -> "
                f"{', '.join(sorted(now)) or 'none'} now"
            )
    return notes


def worth_judging(change: Change) -> bool:
    """Whether the change rules judge ``change`` in a PR: a move down or out, or up across a major or a listed release.

    A patch or minor bump that crosses nothing listed is how dependencies are kept fresh: it stays in
    the report's ``changes`` and is not a finding (``drift``, where nobody chose the move, warns on it).
    """
    if change.before is None:
        return False
    if change.after is None:
        return True  # a removed SSH-stack package is a finding (the change rules check the stack)
    try:
        before, after = Version(change.before), Version(change.after)
    except InvalidVersion:
        return False
    return after < before or after.major > before.major or bool(crossed(change.name, before, after))


def read_base(base: str, head: Lockfile, stack: Collection[str], *, python_version: str | None) -> BaseLock:
    """Read the lock ``head`` starts from and list what the change moves.

    Args:
        base: a lockfile or project directory that exists (read as it is), else a git revision of the
            repository holding ``head`` (``origin/main``, a tag, a commit, ``HEAD~1``).
        head: the lock now (the working tree's), as :func:`auditor.sources.lockfiles.load_lockfile` read it.
        stack: normalized names of the SSH stack.
        python_version: the target Python for markers (``Settings.python_version``).

    Returns:
        The :class:`BaseLock`: changes and their :class:`ChangeSet` (findings point at ``head``'s file).

    Raises:
        GitRefError: not a git repository, git missing, or an unknown revision (exit 3).
        LockfileError: the base lockfile cannot be read (exit 3).
    """
    old: Lockfile | None
    if Path(base).exists():
        old = load_lockfile(Path(base), python_version=python_version)
        described = str(old.path)
    else:
        old, described = _load_at_ref(head, base, python_version)
    if old is None:
        note = f"{described}: no such file at that revision; a new lockfile has no change to judge"
        return BaseLock(base, described, None, (), None, (note,))
    # Start-up: the resolution module (uv, temporary projects) only when a base is compared.
    from auditor.resolution import compare

    changes = tuple(compare(old, head))
    notes = [*change_notes(changes, f"Against {described}", stack), *_stack_notes(old, head, changes, stack, base)]
    change_set = ChangeSet(
        changes=tuple(c for c in changes if worth_judging(c)),
        description=CONTEXT,
        stack=frozenset(stack),
        file=head.path.name,
        before_at=base if not Path(base).exists() else described,
    )
    return BaseLock(base, described, old, changes, change_set, tuple(notes))


def cut_off(
    devices: Sequence[DeviceResult], base: BaseLock, paramiko_now: str | None
) -> tuple[tuple[str, ...], list[str]]:
    """The devices this change cuts off: they negotiate with the base's Paramiko and fail with the one pinned now.

    The base side is predicted from each device's offered name-lists (RFC 4253 §7.1, the same
    prediction as a ``--fleet`` snapshot): no second probe.

    Args:
        devices: the run's device results for ``paramiko_now`` (probed or predicted).
        base: the base lock.
        paramiko_now: the Paramiko the lock pins now.

    Returns:
        ``(device names, notes)``: one note per device cut off (its reasons), after a summary line;
        nothing when the Paramiko does not move or there are no devices.
    """
    before = base.paramiko
    if not devices or before is None or paramiko_now is None or before == paramiko_now:
        return (), []
    # Start-up: the prediction (negotiation data) loads only when there are devices to compare.
    from auditor.checks.device_rules.fleet import predicted_result

    names: list[str] = []
    lines: list[str] = []
    for result in devices:
        if result.status is not DeviceStatus.INCOMPATIBLE or result.offered is None:
            continue
        try:
            then = predicted_result(result, before)
        except AuditorError as exc:
            return (), [f"cannot tell which devices this change cuts off: {exc.message}"]
        if then.status is DeviceStatus.COMPATIBLE:
            names.append(result.device.name)
            why = "; ".join(result.reasons) or "negotiation fails"
            lines.append(f"{result.device.name}: negotiates with paramiko {before}, fails with {paramiko_now}: {why}")
    if not names:
        return (), [f"this change moves paramiko {before} -> {paramiko_now} and cuts off none of the devices"]
    head = (
        f"this change cuts off {len(names)} device(s) that negotiate with paramiko {before} at {base.base}: "
        + ", ".join(names)
    )
    return tuple(names), [head, *lines]
