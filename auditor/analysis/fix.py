"""Fix planning: the upper bound for each open-ended SSH-stack range, written where the project's format says.

For each ``open-ended-range`` error of the lock audit, the bound that keeps the locked major (``<5``
for a locked paramiko 4.x; ``--below`` to choose) is written at the lockfile format's cap site
(:meth:`~auditor.sources.lockfiles.interface.LockfileFormat.cap_site`): the same answer the ``lock``
hint gives, so the two cannot disagree. Where the format has no writable site (a pylock.toml or a
pinned requirements file with nothing beside it), the finding stays and a ``Skipped`` entry names the
file that can carry the cap. Files are written atomically (:func:`auditor.fileio.write_atomic`);
with ``dry_run`` nothing is written and the outcome carries the unified diff; ``relock`` re-locks a
project with its format's own command (``uv lock``, ``poetry lock``, the header's ``pip-compile ...``) when
that tool is installed (a uv project with ``dry_run``: in a temporary copy).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.errors import UsageError
from auditor.fileio import write_atomic
from auditor.model import Finding, Lockfile, PackageReport, Severity, Skipped
from auditor.progress import Progress
from auditor.report_parts import Change, Edit
from auditor.resolution import compare, relock_in_place, resolved
from auditor.sources.lockfiles import edit, format_of, load_lockfile
from auditor.sources.lockfiles.interface import Cap, ProjectTexts


@dataclass(frozen=True)
class FixOutcome:
    """What a fix did (or, dry, would do): the edits, what it could not fix, its notes and diff."""

    edits: tuple[Edit, ...]
    unfixed: tuple[Finding, ...]
    """The open-ended-range errors whose cap the format cannot write."""
    skipped: tuple[Skipped, ...]
    """One per unfixed package, naming the file that can carry its cap."""
    notes: tuple[str, ...]
    diff: str
    """Unified diff of every changed file (relative paths), empty when nothing changed."""
    changes: tuple[Change, ...] = ()
    """Versions that moved when re-locking (``relock``)."""


_BELOW_PART = re.compile(
    r"^(?:(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:=\s*<?|<)|<)?\s*(?P<version>[^\s=<>!~,]+)$"
)


def parse_below(text: str | None) -> dict[str, Version]:
    """``--below`` as {normalized package or ``"*"``: version}; the bound written is ``<version``.

    Accepted forms: ``5`` or ``<5`` (every package fixed), ``paramiko=5`` (also ``paramiko<5``) for
    one package, and comma-separated lists ``paramiko=5,netmiko=5``. Package names compare
    normalized (PEP 503); versions are PEP 440.

    Raises:
        UsageError: a part in another form (``paramiko==5``, ``<=5``) or not a version (exit 2).
    """
    if text is None:
        return {}
    out: dict[str, Version] = {}
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        match = _BELOW_PART.match(part)
        try:
            if match is None:
                raise InvalidVersion(part)
            version = Version(match["version"])
        except InvalidVersion:
            raise UsageError(
                f"--below {text!r}: {part!r} is not VERSION, <VERSION or PACKAGE=VERSION; "
                "use e.g. --below 5 or --below paramiko=5"
            ) from None
        out[canonicalize_name(match["name"]) if match["name"] else "*"] = version
    return out


def bound_for(package: PackageReport, below: Mapping[str, Version]) -> str:
    """The upper bound to write: ``--below`` for this package (or for all), else the locked major + 1."""
    chosen = below.get(canonicalize_name(package.name)) or below.get("*")
    if chosen is not None:
        return f"<{chosen}"
    return f"<{Version(package.version).major + 1}"


def cap_targets(findings: Sequence[Finding]) -> list[Finding]:
    """The findings ``fix`` acts on: ``open-ended-range`` errors, the first per package."""
    out: dict[str, Finding] = {}
    for f in findings:
        if f.rule == "open-ended-range" and f.severity is Severity.ERROR:
            out.setdefault(canonicalize_name(f.package or ""), f)
    return list(out.values())


def _admits(bound: str, version: str) -> bool:
    try:
        return SpecifierSet(bound).contains(version, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True


@dataclass
class _Plan:
    """The caps written into memory for one lockfile, before anything reaches the disk."""

    lockfile: Lockfile
    texts: ProjectTexts = field(default_factory=ProjectTexts)
    edits: list[Edit] = field(default_factory=list)
    unfixed: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def cap(self, finding: Finding, package: PackageReport, bound: str) -> None:
        """Write ``package``'s ``bound`` at its format's cap site, or record why it cannot be."""
        fmt = format_of(self.lockfile)
        site = self.lockfile.cap_site or fmt.cap_site(self.lockfile.path)  # the one the lock hint quoted
        if not site.writable:
            self.unfixed.append(finding)
            advice = fmt.cap_advice(site, f"{package.name}{bound}")
            self.skipped.append(Skipped(subject=package.name, reason=f"{self.lockfile.path.name}: {advice}"))
            return
        before = {f: self.texts.text(f) for f in self.texts.changed()}
        try:
            written = fmt.write_cap(self.lockfile.path, self.texts, Cap(package.name, bound, package.effective_range))
        except ValueError as exc:  # the declaring line is a direct URL reference: no bound can join it
            self.unfixed.append(finding)
            self.skipped.append(Skipped(subject=package.name, reason=f"{exc}; add '{package.name}{bound}' by hand"))
            return
        project_dir = self.lockfile.path.parent
        if self.texts.text(written.file) == before.get(written.file, self.texts.original(written.file)):
            # Every place the format reads already carries the bound: the lock is older than the cap.
            self.notes.append(
                f"{package.name}: {site.file} already declares {bound}; nothing to change, "
                f"run '{site.regenerate}' to re-lock"
            )
            return
        rel = written.file.relative_to(project_dir).as_posix()
        self.edits.append(Edit(package.name, package.version, written.bound, rel, written.place))
        if not _admits(written.bound, package.version):
            self.notes.append(
                f"{package.name}: the bound {written.bound} excludes the locked {package.version}; "
                "re-locking will move it"
            )

    def diff(self) -> str:
        """The unified diff of every file the plan changed."""
        project_dir = self.lockfile.path.parent
        return "".join(
            edit.unified_diff(f.relative_to(project_dir).as_posix(), self.texts.original(f), self.texts.text(f))
            for f in self.texts.changed()
        )


def plan_caps(
    lockfile: Lockfile, targets: Sequence[Finding], packages: Mapping[str, PackageReport], bounds: Mapping[str, Version]
) -> _Plan:
    """The caps for ``targets`` (from :func:`cap_targets`), written in memory at the format's cap site.

    ``packages`` maps normalized names to the lock audit's reports (version, effective range).

    Raises:
        UsageError: the declaring file has no place a cap can go (the format's message).
    """
    plan = _Plan(lockfile)
    for finding in targets:
        package = packages.get(canonicalize_name(finding.package or ""))
        if package is not None:
            plan.cap(finding, package, bound_for(package, bounds))
    return plan


def fix_lockfile(
    lockfile: Lockfile,
    findings: Sequence[Finding],
    packages: Sequence[PackageReport],
    *,
    below: str | None,
    dry_run: bool,
    relock: bool,
    offline: bool,
    python_version: str | None,
    progress: Progress,
) -> FixOutcome:
    """Cap every ``open-ended-range`` error of a lock audit where ``lockfile``'s format reads caps.

    Args:
        lockfile: the audited lockfile.
        findings: the lock audit's findings (only open-ended-range errors are acted on).
        packages: the lock audit's package reports (locked version, effective range).
        below: ``--below`` (see :func:`parse_below`); None = keep each locked major.
        dry_run: write nothing; the outcome carries the unified diff.
        relock: re-lock afterwards (a format uv re-locks) and report the versions that move.
        offline: uv may use only its cache when re-locking.
        python_version: target Python for reading the re-locked lock.
        progress: told about re-locking.

    Returns:
        The :class:`FixOutcome`; its notes list each edit (and say when nothing was to fix).

    Raises:
        UsageError: bad ``below``, or a declaring file with no place for a cap. ResolverError:
        re-locking failed. OSError: a file could not be written.
    """
    bounds = parse_below(below)
    targets = cap_targets(findings)
    plan = plan_caps(lockfile, targets, {canonicalize_name(p.name): p for p in packages}, bounds)
    diff = plan.diff()
    verb = "would add" if dry_run else "added"
    notes = [f"{e.file}: {verb} {e.package}{e.bound} in {e.place} (locked {e.locked})" for e in plan.edits]
    notes += plan.notes
    notes += _unmatched_notes(targets, bounds)
    if dry_run and diff:
        notes.append("dry run: nothing was written (the diff is shown above, and in the JSON report's 'diff')")
    elif not dry_run:
        for f in plan.texts.changed():
            write_atomic(f, plan.texts.text(f))
    changes: tuple[Change, ...] = ()
    if relock:
        pyproject = plan.texts.get(lockfile.path.parent / "pyproject.toml")
        changes = _relock(lockfile, dry_run, pyproject, offline, python_version, progress, notes)
    return FixOutcome(tuple(plan.edits), tuple(plan.unfixed), tuple(plan.skipped), tuple(notes), diff, changes)


def _unmatched_notes(targets: Sequence[Finding], bounds: Mapping[str, Version]) -> list[str]:
    """Notes for ``--below`` names that match no target (a typo must not pass for a fix), or for no target."""
    if not targets:
        return ["no open-ended-range errors: nothing to fix"]
    fixed = {canonicalize_name(f.package or "") for f in targets}
    return [
        f"--below {name}={bounds[name]}: {name} has no open-ended-range error here; nothing written for it"
        for name in sorted(set(bounds) - fixed - {"*"})
    ]


def _relock(
    lockfile: Lockfile,
    dry_run: bool,
    pyproject_text: str | None,
    offline: bool,
    python_version: str | None,
    progress: Progress,
    notes: list[str],
) -> tuple[Change, ...]:
    """Re-lock with the format's own command (dry: a uv project in a temporary copy) and note what moved."""
    fmt = format_of(lockfile)
    site = fmt.cap_site(lockfile.path)
    tool = site.regenerate.split()[0]
    if dry_run and fmt.resolver != "uv-lock":
        notes.append(f"--lock with --dry-run re-locks uv projects only (in a temporary copy); run '{site.regenerate}'")
        return ()
    if not dry_run and (not site.writable or (offline and tool != "uv")):
        why = "--offline" if site.writable else f"{lockfile.path.name} says nothing of the command that made it"
        notes.append(f"--lock: not re-locked ({why}); run '{site.regenerate}'")
        return ()
    progress.start("re-locking", None)
    try:
        if dry_run:
            with resolved(lockfile, offline=offline, pyproject_text=pyproject_text) as fresh:
                changes = tuple(compare(lockfile, fresh.lockfile))
            notes.append("--lock with --dry-run: re-locked in a temporary copy; uv.lock was not written")
        elif _relock_export(lockfile, site.regenerate, offline):
            changes = tuple(compare(lockfile, load_lockfile(lockfile.path, python_version=python_version)))
        else:
            notes.append(f"--lock: {tool} is not installed here; run '{site.regenerate}'")
            return ()
    finally:
        progress.stop()
    notes += [f"re-lock: {c.name} {c.before or '(absent)'} -> {c.after or '(removed)'}" for c in changes]
    if not changes:
        notes.append("re-lock: no version changes")
    return changes


def _relock_export(lockfile: Lockfile, command: str, offline: bool) -> bool:
    """:func:`~auditor.resolution.relock_in_place`, leaving no ``uv.lock`` the project did not have.

    ``uv export`` locks before it exports: for a project that keeps only the exported file
    (requirements.txt, pylock.toml), the ``uv.lock`` it writes on the way is removed again, so that
    ``sshdrift lock`` in the directory goes on auditing the file the project ships.

    Returns:
        True when the command ran, False when its tool is not installed.

    Raises:
        ResolverError: the command failed.
    """
    uv_lock = lockfile.path.parent / "uv.lock"
    stray = lockfile.path != uv_lock and command.startswith("uv export") and not uv_lock.exists()
    try:
        return relock_in_place(lockfile.path.parent, command, offline=offline)
    finally:
        if stray:
            uv_lock.unlink(missing_ok=True)
