"""Fresh resolutions of a project, made by uv in a temporary copy that is always removed.

``whatif`` (requirements added), ``drift`` (re-resolved today or as of a date) and ``fix --lock``
(re-locked after an edit) all need "what would the resolver pick?" without touching the user's
files. :func:`resolved` copies only what uv needs into a temporary directory, changes the copy,
runs uv there, parses the new lock with our own lockfile reader, and removes the directory on
exit, whatever happens.

Two backends, both uv; the lockfile's format chooses (its ``resolver`` and ``resolution_inputs``,
:mod:`auditor.sources.lockfiles.interface`):

* **uv projects** (``uv.lock``): ``pyproject.toml``, ``uv.lock``, ``uv.toml``,
  ``.python-version``, README files and the workspace members' ``pyproject.toml`` are copied;
  requirements are added to the copy's ``[project] dependencies`` with tomlkit (replacing an
  existing requirement on the same package, whose extras and marker it keeps unless it names its
  own: :func:`merge_requirement`); then ``uv lock`` runs, with ``--upgrade-package``
  for each added requirement, ``--upgrade`` for a fresh resolution and ``--exclude-newer DATE``
  for "as of DATE" (uv compares upload times). uv keeps every other locked version as a
  preference, as a real ``uv lock`` would.
* **Poetry, PDM, pylock, Pipfile and requirements projects**: the project's declarations (extras
  kept) become ``requirements.in`` (constraints and overrides their own files), the locked pins become the
  output file ``requirements.txt`` that ``uv pip compile -o`` reads as preferences, and
  ``uv pip compile`` resolves for the target Python. A pinned requirements file with a
  ``requirements.in`` beside it is compiled from that ``.in``. An added requirement replaces the
  declarations on its package the same way (extras and marker kept). A pinned requirements file
  alone records no declarations: the pins stand in for them, and no extras or marker can be kept.

Limitations: path sources outside the project directory and dynamic project metadata that needs a
build are not copied (uv then fails with its own reason, reported as a :class:`ResolverError`).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from auditor.errors import LockfileError, ResolverError
from auditor.model import Lockfile
from auditor.report_parts import Change, WhatIfRequirement
from auditor.sources.lockfiles import format_of, load_lockfile
from auditor.sources.tomlfile import parse_toml, read_text
from auditor.uv_runner import reason_from_stderr, run_uv

UV_LOCK_TIMEOUT = 600.0
"""Seconds before a ``uv lock`` / ``uv pip compile`` is abandoned."""

_UV_PROJECT_FILES = ("pyproject.toml", "uv.lock", "uv.toml", ".python-version", ".python-versions")
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache"}


@dataclass(frozen=True)
class Resolved:
    """A fresh resolution living in a temporary directory (valid only inside :func:`resolved`).

    ``lock_path`` is the new lockfile (``uv.lock`` or a compiled ``requirements.txt``) that
    :func:`auditor.sources.lockfiles.load_lockfile` and ``analyze_lock`` can read while the
    directory exists; ``lockfile`` is it parsed.
    """

    lock_path: Path
    lockfile: Lockfile
    backend: str
    """``uv-lock`` or ``uv-pip-compile``."""
    requirements: tuple[WhatIfRequirement, ...] = ()
    """The requirements added, each as it went in place of the project's own (:func:`merge_requirement`)."""


def parse_requirement(text: str) -> Requirement:
    """``text`` parsed as a PEP 508 requirement.

    Raises:
        ResolverError: ``text`` is not a valid requirement (the message names it and shows the form).
    """
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise ResolverError(
            f"{text!r}: not a valid requirement ({str(exc).splitlines()[0]}); "
            "write it as NAME[SPECIFIER], e.g. paramiko==5.1.0"
        ) from exc


def requirement_name(text: str) -> str:
    """The normalized package name of a PEP 508 requirement string.

    Raises:
        ResolverError: ``text`` is not a valid requirement (the message names it and shows the form).
    """
    return canonicalize_name(parse_requirement(text).name)


def merge_requirement(asked: str, replaced: Iterable[str], *, declarations_known: bool = True) -> WhatIfRequirement:
    """``asked`` as it goes in place of ``replaced``, the project's own requirements on the same package.

    ``whatif 'netmiko>=4.8'`` asks "what if we required netmiko>=4.8 instead of what we declare": when
    the project declares ``netmiko[par4]==4.8.0``, the question is about ``netmiko[par4]>=4.8`` (the
    extra caps paramiko), not about a project without the extra. So:

    * extras: the ones ``asked`` names; when it names none, the union of the extras of ``replaced``;
    * marker: ``asked``'s; when it has none, the marker of ``replaced`` (their ``or`` when they differ),
      and none when one of them applies everywhere (has no marker) or nothing was replaced.

    The specifier or URL is always ``asked``'s. Composed with :class:`packaging.requirements.Requirement`
    and :class:`packaging.markers.Marker` (PEP 508); a replaced line that is not PEP 508 or names another
    package is ignored.

    Args:
        asked: the PEP 508 requirement the user gave, e.g. ``netmiko>=4.8``.
        replaced: the project's own requirement lines on that package (caps and overrides not included).
        declarations_known: False when the lockfile records pins only (nothing could be read to carry over).

    Returns:
        The :class:`~auditor.report_parts.WhatIfRequirement`; its ``resolved`` is ``asked`` unchanged
        when nothing was carried over, else the composed requirement (packaging's spelling).

    Raises:
        ResolverError: ``asked`` is not a valid requirement.
    """
    req = parse_requirement(asked)
    name = canonicalize_name(req.name)
    lines: list[str] = []
    same: list[Requirement] = []
    for line in replaced:
        try:
            parsed = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(parsed.name) == name:
            lines.append(line)
            same.append(parsed)
    extras: tuple[str, ...] = ()
    if not req.extras:
        extras = tuple(sorted({e for r in same for e in r.extras}))
        req.extras = set(extras)
    marker: str | None = None
    if req.marker is None and same and all(r.marker is not None for r in same):
        markers = list(dict.fromkeys(str(r.marker) for r in same))
        req.marker = Marker(markers[0] if len(markers) == 1 else " or ".join(f"({m})" for m in markers))
        marker = str(req.marker)
    return WhatIfRequirement(
        asked=asked,
        resolved=str(req) if extras or marker else asked,
        replaced=tuple(lines),
        carried_extras=extras,
        carried_marker=marker,
        declarations_known=declarations_known,
    )


def project_files(project_dir: Path) -> list[Path]:
    """The files of a uv project that ``uv lock`` reads, relative to ``project_dir``.

    The root's ``pyproject.toml``, ``uv.lock``, ``uv.toml``, ``.python-version`` and README files,
    and for each workspace member (``[tool.uv.workspace] members`` globs, minus ``exclude``) its
    ``pyproject.toml`` and README files. In-tree path sources (``[tool.uv.sources] x = { path =
    "..." }``) are copied the same way. Returns the paths that exist.

    Raises:
        LockfileError: a ``pyproject.toml`` that cannot be read or is not TOML.
    """
    out: list[Path] = []

    def add_package_dir(rel: Path) -> None:
        base = project_dir / rel
        for name in _UV_PROJECT_FILES:
            if (base / name).is_file():
                out.append(rel / name)
        out.extend(rel / p.name for p in sorted(base.glob("README*")) if p.is_file())

    add_package_dir(Path())
    data = _read_toml(project_dir / "pyproject.toml")
    uv_table = data.get("tool", {}).get("uv", {})
    workspace = uv_table.get("workspace", {}) if isinstance(uv_table, dict) else {}
    members: set[Path] = set()
    excluded: set[Path] = set()
    for pattern in workspace.get("members", []) if isinstance(workspace, dict) else []:
        members.update(p for p in project_dir.glob(str(pattern)) if (p / "pyproject.toml").is_file())
    for pattern in workspace.get("exclude", []) if isinstance(workspace, dict) else []:
        excluded.update(project_dir.glob(str(pattern)))
    sources = uv_table.get("sources", {}) if isinstance(uv_table, dict) else {}
    for source in sources.values() if isinstance(sources, dict) else []:
        entries = source if isinstance(source, list) else [source]
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                candidate = (project_dir / entry["path"]).resolve()
                if candidate.is_relative_to(project_dir.resolve()) and (candidate / "pyproject.toml").is_file():
                    members.add(candidate)
    root = project_dir.resolve()
    for member in sorted(members - excluded):
        rel = member.resolve().relative_to(root)
        if rel != Path() and not _SKIP_DIRS.intersection(rel.parts):
            add_package_dir(rel)
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    fix = "fix the file and run again"
    return parse_toml(path, read_text(path, "uv init", next_step=fix), "uv init", next_step=fix)


def _copy(project_dir: Path, rels: Iterable[Path], target: Path) -> None:
    for rel in rels:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project_dir / rel, dest)


def add_requirements_to_pyproject(text: str, requirements: Sequence[str]) -> tuple[str, tuple[WhatIfRequirement, ...]]:
    """Return pyproject text with ``requirements`` in ``[project] dependencies`` (tomlkit edit), and how each went in.

    A requirement replaces every requirement the project declares on the same (normalized) package,
    caps in ``[tool.uv] constraint-dependencies`` and the groups included
    (:func:`auditor.sources.lockfiles.edit.drop_requirements`), so that ``whatif 'netmiko>=4.8'`` asks
    "what if we required netmiko>=4.8 instead", not "in addition to netmiko==4.4.0" (which would only
    be unsatisfiable). It keeps the extras and marker of the requirements it replaces unless it names
    its own (:func:`merge_requirement`): ``netmiko[par4]==4.8.0`` asked as ``netmiko>=4.8`` goes in as
    ``netmiko[par4]>=4.8``. Other bytes stay as they were.

    Returns:
        The new text, and one :class:`~auditor.report_parts.WhatIfRequirement` per requirement, in order.

    Raises:
        ResolverError: the pyproject has no ``[project]`` table (a uv project always has one) or a
            requirement is invalid.
    """
    import tomlkit

    from auditor.sources.lockfiles.edit import declared_requirements, drop_requirements

    merged = tuple(merge_requirement(r, declared_requirements(text, {requirement_name(r)})) for r in requirements)
    text, _ = drop_requirements(text, {requirement_name(r) for r in requirements})
    doc = tomlkit.parse(text)
    project = doc.get("project")
    if project is None:
        raise ResolverError("pyproject.toml: no [project] table to add requirements to; add one and run again")
    deps = project.get("dependencies")
    if deps is None:
        deps = tomlkit.array()
        project["dependencies"] = deps
    for req in merged:
        deps.append(req.resolved)
    if len(deps) > 1:
        deps.multiline(True)
    return tomlkit.dumps(doc), merged


@contextlib.contextmanager
def temporary_directory(prefix: str = "sshdrift-") -> Iterator[Path]:
    """A fresh temporary directory, removed on exit even after an error or an interrupt."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _uv(args: list[str], *, cwd: Path, offline: bool, where: str) -> None:
    try:
        run_uv(args, cwd=cwd, offline=offline, timeout=UV_LOCK_TIMEOUT)
    except ResolverError as exc:
        # uv's reason names the temporary copy; the user needs their project's name instead.
        reason = exc.message.rstrip(". ")
        raise ResolverError(
            f"{where}: {reason}; check the package names and versions you asked for "
            "(the project's files were not changed)"
        ) from exc


@contextlib.contextmanager
def resolved(
    lockfile: Lockfile,
    *,
    requirements: Sequence[str] = (),
    upgrade: bool = False,
    exclude_newer: str | None = None,
    offline: bool = False,
    python_version: str | None = None,
    pyproject_text: str | None = None,
) -> Iterator[Resolved]:
    """Re-resolve ``lockfile``'s project in a temporary copy and yield the result.

    Args:
        lockfile: the project's current lock (from ``load_lockfile``); its ``path`` and ``format``
            choose what to copy and which backend runs.
        requirements: PEP 508 requirements to add (each replaces the project's own requirement on
            the same package); their packages are upgraded within the new requirement.
        upgrade: ignore every locked version (``--upgrade``): a fresh resolution, as a rebuild
            without the lockfile would do.
        exclude_newer: resolve as of this date (``YYYY-MM-DD`` or RFC 3339), uv's ``--exclude-newer``.
        offline: uv may use only its cache.
        python_version: target Python (``3.12``) for ``uv pip compile``; None = uv's default.
        pyproject_text: for a uv project, the copy's ``pyproject.toml`` text instead of the project's
            (``fix --dry-run --lock``: the edit that was not written).

    Yields:
        :class:`Resolved`, valid until the ``with`` block ends (the directory is then removed).

    Raises:
        ResolverError: uv failed (an unsatisfiable requirement, an unreachable index): one line with
            uv's reason. LockfileError: the new lock cannot be read.
    """
    for req in requirements:
        requirement_name(req)
    project_dir = lockfile.path.parent
    where = str(project_dir)
    with temporary_directory() as tmp:
        if format_of(lockfile).resolver == "uv-lock":
            _copy(project_dir, project_files(project_dir), tmp)
            pyproject = tmp / "pyproject.toml"
            if pyproject_text is not None:
                pyproject.write_text(pyproject_text, encoding="utf-8")
            merged: tuple[WhatIfRequirement, ...] = ()
            if requirements:
                edited, merged = add_requirements_to_pyproject(pyproject.read_text(encoding="utf-8"), requirements)
                pyproject.write_text(edited, encoding="utf-8")
            args = ["lock", "--no-progress", "--quiet"]
            if upgrade:
                args.append("--upgrade")
            for req in requirements:
                args += ["--upgrade-package", requirement_name(req)]
            if exclude_newer:
                args += ["--exclude-newer", exclude_newer]
            _uv(args, cwd=tmp, offline=offline, where=where)
            new_path = tmp / "uv.lock"
            backend = "uv-lock"
        else:
            new_path, merged = _compile(
                lockfile, tmp, requirements, upgrade, exclude_newer, offline, python_version, where
            )
            backend = "uv-pip-compile"
        try:
            new = load_lockfile(new_path, python_version=python_version)
        except LockfileError as exc:
            raise ResolverError(f"{where}: uv's new resolution could not be read ({exc.message})") from exc
        yield Resolved(lock_path=new_path, lockfile=new, backend=backend, requirements=merged)


def pins(lockfile: Lockfile) -> list[str]:
    """``name==version`` for every registry package of ``lockfile``, sorted by name (the preferences file).

    Packages from git, path or URL sources are left out: their version cannot be asked of the index.
    """
    out = []
    for pkg in sorted(lockfile.packages.values(), key=lambda p: p.name):
        if pkg.source in (None, "registry"):
            out.append(f"{pkg.name}=={pkg.version}")
    return out


def _compile(
    lockfile: Lockfile,
    tmp: Path,
    requirements: Sequence[str],
    upgrade: bool,
    exclude_newer: str | None,
    offline: bool,
    python_version: str | None,
    where: str,
) -> tuple[Path, tuple[WhatIfRequirement, ...]]:
    inputs = format_of(lockfile).resolution_inputs(lockfile)
    deps, constraints, overrides = list(inputs.dependencies), inputs.constraints, inputs.overrides
    known = bool(deps)
    if not deps:
        # Nothing declared beyond the pins: a rebuild installs exactly these pins, and a changed
        # requirement moves only what it must (the pins stay preferences below). The pins do not
        # say which extras or markers the project asks, so none can be carried over.
        deps = pins(lockfile) if upgrade or not requirements else [*lockfile.roots] or pins(lockfile)
    names = {requirement_name(r) for r in requirements}
    # An asked requirement replaces the project's own on that package, caps included, and keeps
    # their extras and marker unless it names its own.
    merged = tuple(
        merge_requirement(
            r, deps if known else (), declarations_known=known or requirement_name(r) not in lockfile.packages
        )
        for r in requirements
    )
    deps = [d for d in deps if _safe_name(d) not in names] + [m.resolved for m in merged]
    constraints = tuple(c for c in constraints if _safe_name(c) not in names)
    overrides = tuple(o for o in overrides if _safe_name(o) not in names)
    (tmp / "requirements.in").write_text("\n".join(deps) + "\n", encoding="utf-8")
    out = tmp / "requirements.txt"
    out.write_text("\n".join(pins(lockfile)) + "\n", encoding="utf-8")
    args = ["pip", "compile", "requirements.in", "-o", "requirements.txt", "--no-header", "--quiet"]
    args.append("--no-progress")
    if constraints:
        (tmp / "constraints.txt").write_text("\n".join(constraints) + "\n", encoding="utf-8")
        args += ["-c", "constraints.txt"]
    if overrides:
        (tmp / "overrides.txt").write_text("\n".join(overrides) + "\n", encoding="utf-8")
        args += ["--override", "overrides.txt"]
    if upgrade:
        args.append("--upgrade")
    for name in sorted(names):
        args += ["--upgrade-package", name]
    if exclude_newer:
        args += ["--exclude-newer", exclude_newer]
    if python_version:
        args += ["--python-version", python_version]
    _uv(args, cwd=tmp, offline=offline, where=where)
    return out, merged


def _safe_name(line: str) -> str | None:
    try:
        return canonicalize_name(Requirement(line).name)
    except InvalidRequirement:
        return None


def compare(before: Lockfile, after: Lockfile) -> list[Change]:
    """Every package whose version differs between two resolutions, sorted by name.

    ``before``/``after`` of a :class:`Change` is None for a package that was added or removed.
    Packages at the same version in both are left out, and so is a git/path/URL package whose new
    resolution names no version (``uv pip compile`` writes it as ``name @ url``): unknown is not a change.
    """
    names = sorted(set(before.packages) | set(after.packages))
    out: list[Change] = []
    for name in names:
        b = before.packages.get(name)
        a = after.packages.get(name)
        bv = b.version if b else None
        av = a.version if a else None
        if b is not None and a is not None and not av and a.source not in (None, "registry"):
            continue
        if bv != av:
            out.append(Change(name=name, before=bv, after=av))
    return out


def relock_in_place(project_dir: Path, command: str, *, offline: bool) -> bool:
    """Run a lockfile format's own regenerate ``command`` (``uv lock``, ``poetry lock``, ...) in ``project_dir``.

    This writes the user's lockfile: it is what ``fix --lock`` asks for. ``uv`` commands run with the
    uv sshdrift ships (:func:`auditor.uv_runner.run_uv`, ``--offline`` passed on); any other tool runs
    from ``PATH`` with ``VIRTUAL_ENV`` removed, for at most :data:`UV_LOCK_TIMEOUT` seconds.

    Args:
        project_dir: where the lockfile and its declaring files are.
        command: the command line, e.g. ``pip-compile --generate-hashes requirements.in``.
        offline: uv may use only its cache (other tools are not run offline: the caller says so).

    Returns:
        True when the command ran; False when its tool is not on ``PATH`` (nothing ran).

    Raises:
        ResolverError: the tool exited non-zero (its last stderr line) or ran past the timeout.
    """
    argv = shlex.split(command)
    if argv[0] == "uv":
        run_uv(argv[1:], cwd=project_dir, offline=offline, timeout=UV_LOCK_TIMEOUT)
        return True
    tool = shutil.which(argv[0])
    if tool is None:
        return False
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    try:
        proc = subprocess.run(
            [tool, *argv[1:]],
            cwd=project_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=UV_LOCK_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ResolverError(
            f"{project_dir}: '{command}' gave no answer within {UV_LOCK_TIMEOUT:g} s; run it yourself"
        ) from exc
    if proc.returncode != 0:
        raise ResolverError(
            f"{project_dir}: '{command}' failed ({reason_from_stderr(proc.stderr)}); the cap is written, "
            "fix that and run it again"
        )
    return True
