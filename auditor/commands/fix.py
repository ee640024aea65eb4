"""``sshdrift fix``: write the missing upper bounds where the project declares its requirements.

For each ``open-ended-range`` error of the lock audit, the bound that keeps the locked major
(``<5`` for a locked paramiko 4.x; ``--below`` to choose) goes where the project's tool reads it
(see :mod:`auditor.pyproject_edit` for each tool's place and why):

======================  ===========================================  ==========================================
format                  package the project declares                 transitive package
======================  ===========================================  ==========================================
uv                      that requirement, in ``[project]`` /          ``[tool.uv] constraint-dependencies``
                        optional dependencies / ``[dependency-groups]``
Poetry                  ``[project] dependencies`` or                 ``[tool.poetry.dependencies]`` (added as a
                        ``[tool.poetry.dependencies]``                dependency: Poetry has no constraints table)
PDM                     that requirement (PEP 621)                    ``[tool.pdm.resolution.overrides]`` (whole
                                                                      effective range plus the bound)
requirements            ``constraints.txt`` beside the lock, referenced from ``requirements.in`` when there is one
======================  ===========================================  ==========================================

Files are written atomically (:func:`auditor.fileio.write_atomic`); ``--dry-run`` writes nothing
and returns the unified diff (``extra["diff"]`` and the notes); ``--lock`` re-locks a uv project
with ``uv lock`` (with ``--dry-run``: in a temporary copy) and reports the versions that move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.errors import UsageError
from auditor.model import Change, Finding, Lockfile, PackageReport, Report, Severity, Skipped
from auditor.progress import Progress
from auditor.settings import Settings


@dataclass(frozen=True)
class Edit:
    """One bound written (or, with ``--dry-run``, to be written)."""

    package: str
    locked: str
    bound: str
    """The specifier added, e.g. ``<5``."""
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


def bound_for(package: PackageReport, below: dict[str, Version]) -> str:
    """The upper bound to write: ``--below`` for this package (or for all), else the locked major + 1."""
    chosen = below.get(canonicalize_name(package.name)) or below.get("*")
    if chosen is not None:
        return f"<{chosen}"
    return f"<{Version(package.version).major + 1}"


def _pdm_range(package: PackageReport, bound: str) -> str:
    effective = package.effective_range.strip()
    return f"{effective},{bound}" if effective else bound


def run_fix(
    path: Path, below: str | None, dry_run: bool, relock: bool, settings: Settings, progress: Progress
) -> Report:
    """Add an upper bound for every ``open-ended-range`` error of the lock audit.

    Args:
        path: the project directory or its lockfile.
        below: ``--below`` (see :func:`parse_below`); None = keep each locked major.
        dry_run: write nothing; the report carries the unified diff.
        relock: re-lock a uv project afterwards (``uv lock``) and report the versions that move.
        settings: passed to the lock audit (``offline``, ``python_version``, ...).
        progress: passed to the lock audit and told about re-locking.

    Returns:
        A report whose notes list each edit (and the diff with ``--dry-run``), ``changes`` after
        ``--lock``, ``extra["edits"]`` and ``extra["diff"]``; findings are the open-ended ranges
        that could not be fixed in this project's format.

    Raises:
        LockfileError: the project cannot be read. ResolverError: ``--lock`` failed. UsageError: bad
        ``--below``.
    """
    from auditor import pyproject_edit as edit
    from auditor.checks.constraints import project_info
    from auditor.commands.lock import analyze_lock
    from auditor.fileio import write_atomic

    bounds = parse_below(below)
    analysis = analyze_lock(path, settings, progress)
    lockfile = analysis.lockfile
    project_dir = lockfile.path.parent
    fmt = lockfile.format
    reports = {canonicalize_name(p.name): p for p in analysis.packages}
    targets = [f for f in analysis.findings if f.rule == "open-ended-range" and f.severity is Severity.ERROR]

    original: dict[Path, str] = {}
    current: dict[Path, str] = {}

    def text_of(file: Path) -> str:
        if file not in current:
            # Bytes decoded, not read_text: universal newlines would rewrite every CRLF line on write.
            original[file] = file.read_bytes().decode("utf-8") if file.exists() else ""
            current[file] = original[file]
        return current[file]

    edits: list[Edit] = []
    unfixed: list[Finding] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    pyproject = project_dir / "pyproject.toml"
    seen: set[str] = set()
    for finding in targets:
        name = canonicalize_name(finding.package or "")
        package = reports.get(name)
        if package is None or name in seen:
            continue
        seen.add(name)
        bound = bound_for(package, bounds)
        place: str | None = None
        file: Path | None = None
        if fmt in ("uv", "poetry", "pdm") and pyproject.is_file():
            file = pyproject
            text = text_of(file)
            new, labels = edit.bound_declared(text, package.name, bound)
            if labels:
                place = ", ".join(labels)
            elif fmt == "uv":
                new, place = edit.add_uv_constraint(text, package.name, bound), "[tool.uv] constraint-dependencies"
            elif fmt == "poetry":
                try:
                    new, existed = edit.bound_poetry(text, package.name, bound)
                    place = "[tool.poetry.dependencies]" + ("" if existed else " (added as a dependency)")
                except ValueError:
                    # A Poetry 2 project declaring only PEP 621 [project] dependencies.
                    try:
                        new = edit.append_project_dependency(text, f"{package.name}{bound}")
                    except ValueError as exc:
                        raise UsageError(f"{file}: {exc}; declare the project's dependencies, then run again") from None
                    place = "[project] dependencies (added; Poetry has no constraints table)"
            else:
                spec = _pdm_range(package, bound)
                new, place = edit.set_pdm_override(text, package.name, spec), "[tool.pdm.resolution.overrides]"
                bound = spec
            current[file] = new
        elif fmt == "requirements":
            file = project_dir / "constraints.txt"
            current[file] = edit.add_constraint_line(text_of(file), package.name, bound)
            place = "constraints file"
            source_in = lockfile.path.with_suffix(".in")
            if source_in.is_file():
                text = text_of(source_in)
                if not any(
                    line.strip() in ("-c constraints.txt", "--constraint constraints.txt") for line in text.splitlines()
                ):
                    prefix = "" if not text or text.endswith("\n") else "\n"
                    current[source_in] = f"{text}{prefix}-c constraints.txt\n"
        if place is None or file is None:
            unfixed.append(finding)
            skipped.append(
                Skipped(
                    subject=package.name,
                    reason=f"{lockfile.path.name}: sshdrift fix cannot edit {fmt} declarations; add '{package.name}{bound}' by hand",
                )
            )
            continue
        edits.append(Edit(package.name, package.version, bound, file.relative_to(project_dir).as_posix(), place))
        if not _admits(bound, package.version):
            notes.append(
                f"{package.name}: the bound {bound} excludes the locked {package.version}; re-locking will move it"
            )

    changed = [f for f in current if current[f] != original[f]]
    diff = "".join(edit.unified_diff(f.relative_to(project_dir).as_posix(), original[f], current[f]) for f in changed)
    verb = "would add" if dry_run else "added"
    notes[:0] = [f"{e.file}: {verb} {e.package}{e.bound} in {e.place} (locked {e.locked})" for e in edits]
    if not targets:
        notes.append("no open-ended-range errors: nothing to fix")
    for unmatched in sorted(set(bounds) - seen - {"*"}):
        # A typo in --below must not pass for a fix: say that the name matched nothing.
        notes.append(
            f"--below {unmatched}={bounds[unmatched]}: {unmatched} has no open-ended-range error here; "
            "nothing written for it"
        )
    if dry_run and diff:
        notes.append("dry run: nothing was written (the diff is shown above, and in the JSON report's 'diff')")
    elif not dry_run:
        for f in changed:
            write_atomic(f, current[f])

    changes: tuple[Change, ...] = ()
    if relock:
        changes = _relock(lockfile, dry_run, current.get(pyproject), settings, progress, notes)

    return Report(
        command="fix",
        project=project_info(lockfile),
        findings=tuple(unfixed),
        skipped=tuple(skipped),
        changes=changes,
        notes=tuple(notes),
        extra={"edits": [e.to_json() for e in edits], "diff": diff, "dry_run": dry_run},
    )


def _admits(bound: str, version: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(bound).contains(version, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True


def _relock(
    lockfile: Lockfile,
    dry_run: bool,
    pyproject_text: str | None,
    settings: Settings,
    progress: Progress,
    notes: list[str],
) -> tuple[Change, ...]:
    from auditor.resolution import compare, resolved
    from auditor.sources.lockfile import load_lockfile
    from auditor.uv_runner import run_uv

    if lockfile.format != "uv":
        notes.append(
            f"--lock re-locks uv projects only; re-lock this {lockfile.format} project with its own tool "
            "(poetry lock, pdm lock, uv pip compile)"
        )
        return ()
    progress.start("re-locking", None)
    try:
        if dry_run:
            with resolved(lockfile, offline=settings.offline, pyproject_text=pyproject_text) as fresh:
                changes = tuple(compare(lockfile, fresh.lockfile))
            notes.append("--lock with --dry-run: re-locked in a temporary copy; uv.lock was not written")
        else:
            run_uv(["lock", "--no-progress", "--quiet"], cwd=lockfile.path.parent, offline=settings.offline)
            after = load_lockfile(lockfile.path, python_version=settings.python_version)
            changes = tuple(compare(lockfile, after))
    finally:
        progress.stop()
    for c in changes:
        notes.append(f"re-lock: {c.name} {c.before or '(absent)'} -> {c.after or '(removed)'}")
    if not changes:
        notes.append("re-lock: no version changes")
    return changes
