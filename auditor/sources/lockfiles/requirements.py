"""Pinned requirements files: pip-compile, ``uv pip compile`` and ``uv export`` output.

Each requirement line is ``name==version`` (with ``--hash`` options and an optional marker);
``# via`` comments name the dependents, so they give the edges (``# via -r requirements.in`` and
``# via <the project>`` mark roots). ``-r FILE`` includes more pins, ``-c FILE`` adds the project's
constraints; index and install options (``--index-url``, ``--find-links``, ``--hash``...) are ignored.
Format reference: pip's documentation, "Requirements File Format".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from auditor.errors import LockfileError
from auditor.model import PROJECT, Constraint, LockedPackage, Lockfile
from auditor.sources.environment import Environment, marker_applies
from auditor.sources.lockfiles.interface import (
    INSTALLED_DEPENDENTS,
    PYPROJECT,
    UV_CONSTRAINTS,
    Cap,
    CapSite,
    CapWritten,
    LockfileFormat,
    ProjectTexts,
    ResolutionInputs,
    declared_inputs,
)
from auditor.sources.lockfiles.uv import cap_uv_project
from auditor.sources.tomlfile import read_text

REGENERATE = "pip-compile"
_VIA_ONE = re.compile(r"^#\s+via\s+(.+)$")
_VIA_START = re.compile(r"^#\s+via\s*$")
_VIA_ITEM = re.compile(r"^#\s{2,}(\S.*)$")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations; keep comment lines (for ``# via``) as their own lines."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        out.append((start, " ".join(pending).strip()))
        pending = []
    if pending:
        out.append((start, " ".join(pending).strip()))
    return out


def _strip_options(line: str) -> str:
    """Drop ``--hash=...`` and other per-requirement options, and a trailing comment."""
    line = re.sub(r"\s+#.*$", "", line)
    return re.sub(r"\s--?[A-Za-z][\w-]*(=\S+|\s+\S+)?", "", " " + line).strip() if " --" in line else line


@dataclass
class _PinReader:
    """What a pinned requirements file and its ``-r`` / ``-c`` includes add up to, read line by line."""

    env: Environment
    seen: set[Path] = field(default_factory=set)
    packages: dict[str, LockedPackage] = field(default_factory=dict)
    vias: dict[str, list[str]] = field(default_factory=dict)
    declarations: list[Constraint] = field(default_factory=list)
    current: str | None = None
    """The package whose ``# via`` comments follow, if any."""
    in_via: bool = False

    def read(self, path: Path, *, constraints_only: bool) -> None:
        """Read ``path`` (once), following its includes; ``-c`` files give declarations, not pins."""
        if path.resolve() in self.seen:
            return
        self.seen.add(path.resolve())
        self.current, self.in_via = None, False
        for number, line in _logical_lines(read_text(path, REGENERATE)):
            if not line:
                self.current, self.in_via = None, False
            elif line.startswith("#"):
                self._comment(line)
            else:
                self.in_via = False
                self._line(path, number, line, constraints_only=constraints_only)

    def _comment(self, line: str) -> None:
        """Collect the ``# via`` names (one-line or one per following comment line) of the current package."""
        if self.current is None:
            return
        one = _VIA_ONE.match(line)
        if one:
            self.vias.setdefault(self.current, []).append(one.group(1).strip())
            self.in_via = False
        elif _VIA_START.match(line):
            self.in_via = True
        elif self.in_via and (item := _VIA_ITEM.match(line)):
            self.vias.setdefault(self.current, []).append(item.group(1).strip())

    def _line(self, path: Path, number: int, line: str, *, constraints_only: bool) -> None:
        """One non-comment line: an include, an option (ignored) or a requirement."""
        include = _INCLUDE.match(line)
        self.current = None
        if include:
            constraint_file = include.group(1) in ("-c", "--constraint")
            self.read(path.parent / include.group(2), constraints_only=constraints_only or constraint_file)
            self.current = None
            return
        if line.startswith("-"):  # -e, --index-url and every other option: nothing to pin
            return
        if _is_archive_reference(_strip_options(line)):
            if not constraints_only:
                local = _archive_pin(number, _strip_options(line))
                if local is not None:
                    self.current = local.name
                    self.packages.setdefault(local.name, local)
            return
        req = _requirement(path, number, line)
        name = canonicalize_name(req.name)
        if not marker_applies(req.marker, self.env):
            return
        if constraints_only:
            marker = str(req.marker) if req.marker else None
            self.declarations.append(
                Constraint(PROJECT, name, str(req.specifier), marker, "constraint", path.name, number)
            )
            return
        self.current = name
        self.packages.setdefault(name, _pin(path, number, req))


def _is_archive_reference(text: str) -> bool:
    """Whether a requirement line is a bare URL or path (pip's "archive" form), not ``name ...``."""
    url = "://" in text.split(" ;", 1)[0] and " @ " not in text
    return url or text.startswith(("./", "../", "/", "~"))


def _archive_pin(number: int, text: str) -> LockedPackage | None:
    """The package a bare wheel or sdist URL or path names, from its file name; None for a directory.

    File names per the binary and source distribution format specifications
    (``file:///w/pkg-2.0.0-py3-none-any.whl``). ``uv export`` writes a local wheel this way. The package is not from the index (``source`` ``url`` or
    ``path``), so no metadata is looked up for it.
    """
    from urllib.parse import unquote, urlsplit

    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    location = text.split(" ;", 1)[0].strip()
    filename = unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1])
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    source = "url" if "://" in location and not location.startswith("file:") else "path"
    return LockedPackage(name=name, version=str(version), line=number, source=source)


def _requirement(path: Path, number: int, line: str) -> Requirement:
    """The PEP 508 requirement on ``line`` (options and comment stripped).

    Raises:
        LockfileError: the line is not a requirement.
    """
    requirement_text = _strip_options(line)
    try:
        return Requirement(requirement_text)
    except InvalidRequirement as exc:
        raise LockfileError(
            f"{path}: line {number}: {requirement_text!r} is not a requirement ({str(exc).splitlines()[0]}); "
            f"regenerate it with '{REGENERATE}'"
        ) from None


def _pin(path: Path, number: int, req: Requirement) -> LockedPackage:
    """The locked package a pinned requirement gives (a direct URL reference has no version).

    Raises:
        LockfileError: the requirement has no ``==`` pin.
    """
    name = canonicalize_name(req.name)
    if req.url:
        return LockedPackage(name=name, version="", line=number, source="url")
    pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    if not pins:
        raise LockfileError(
            f"{path}: line {number}: package '{req.name}' has no version (no '==' pin); "
            f"pass the compiled file, e.g. the output of '{REGENERATE}'"
        )
    return LockedPackage(name=name, version=pins[0], line=number, source="registry")


def parse(path: Path, text: str, env: Environment) -> Lockfile:
    """Parse a pinned requirements file at ``path`` (``text`` is its content, already checked non-empty).

    Returns:
        A :class:`Lockfile` whose edges come from ``# via`` comments (none when the file has none;
        requires-dist fills them in later). ``-c`` files become declarations of kind ``constraint``.

    Raises:
        LockfileError: a line that is not a requirement, an unpinned requirement, or a missing include.
    """
    del text  # read again by the reader, which also follows -r/-c includes
    reader = _PinReader(env)
    reader.read(path, constraints_only=False)
    packages, vias, declarations = reader.packages, reader.vias, reader.declarations
    dependents: dict[str, list[str]] = {}
    project_markers: set[str] = set()
    for child, parents in vias.items():
        for parent in parents:
            if parent.startswith("-r") or parent.startswith("-c"):
                project_markers.add(child)
                continue
            key = canonicalize_name(parent.split()[0])
            if key in packages:
                dependents.setdefault(key, []).append(child)
            else:
                # `uv export` names the project itself; pip-compile names the input file with -r.
                project_markers.add(child)
    has_edges = bool(vias)
    final = {
        name: LockedPackage(
            name=pkg.name,
            version=pkg.version,
            dependencies=tuple(dict.fromkeys(dependents.get(name, ()))),
            constraints=None,
            line=pkg.line,
            source=pkg.source,
        )
        for name, pkg in packages.items()
    }
    roots = sorted(project_markers) if has_edges else []
    return Lockfile(
        path=path, format=RequirementsTxt.name, packages=final, declarations=tuple(declarations), roots=tuple(roots)
    )


def input_declarations(path: Path, env: Environment, seen: set[Path] | None = None) -> list[Constraint]:
    """The project's own requirements from a ``requirements.in`` (pip-compile's input).

    Requirement lines are kind ``dependency``; ``-r FILE`` includes more of them and ``-c FILE``
    adds each of its lines as kind ``constraint`` (pip's "Constraints Files"), both relative to
    ``path``'s directory. Other options, unparsable lines and includes that do not exist are skipped:
    the compiled file is the source of truth.

    Raises:
        LockfileError: ``path`` cannot be read or is not UTF-8.
    """
    seen = set() if seen is None else seen
    if path.resolve() in seen:
        return []
    seen.add(path.resolve())
    out: list[Constraint] = []
    for number, line in _logical_lines(read_text(path, REGENERATE)):
        include = _INCLUDE.match(line)
        if include and (path.parent / include.group(2)).is_file():
            found = input_declarations(path.parent / include.group(2), env, seen)
            constraint_file = include.group(1) in ("-c", "--constraint")
            out += [replace(c, kind="constraint", extras=()) for c in found] if constraint_file else found
            continue
        if not line or line.startswith(("#", "-")):
            continue
        try:
            req = Requirement(_strip_options(line))
        except InvalidRequirement:
            continue
        if marker_applies(req.marker, env):
            out.append(
                Constraint(
                    PROJECT,
                    canonicalize_name(req.name),
                    str(req.specifier),
                    str(req.marker) if req.marker else None,
                    "dependency",
                    path.name,
                    number,
                    tuple(sorted(req.extras)),
                )
            )
    return out


def _constraint_files(text: str) -> list[str]:
    """The ``-c`` files a requirements input ``text`` names (as written), in order."""
    matches = (_INCLUDE.match(line) for _, line in _logical_lines(text))
    return [m.group(2) for m in matches if m and m.group(1) in ("-c", "--constraint")]


_HEADER_COMMAND = re.compile(r"^#\s+((?:pip-compile|uv pip compile|uv export)\b.*?)\s*$")


def header_command(lock_path: Path, default: str) -> str:
    """The command the generator wrote into the file's header comment (pip-compile's and uv's), else ``default``.

    Only the first lines are read: both tools put the command in the header, as ``#    <command>``.
    ``--frozen`` / ``--locked`` are dropped: after a cap the lock must be resolved again, not reused.
    """
    try:
        with lock_path.open(encoding="utf-8") as f:
            head = [f.readline() for _ in range(12)]
    except (OSError, UnicodeDecodeError):
        return default
    for line in head:
        match = _HEADER_COMMAND.match(line)
        if match:
            return re.sub(r"\s--(frozen|locked)\b", "", match.group(1))
    return default


_PIN_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*\S+", re.MULTILINE)
CONSTRAINTS_TXT = "constraints.txt"


class RequirementsTxt(LockfileFormat):
    """Pinned ``requirements*.txt``: pip-compile / ``uv pip compile`` output, or ``uv export`` output.

    Which file carries a cap depends on what made the pins: with a ``requirements.in`` beside the
    file (same stem), the constraints file it passes with ``-c`` (``constraints.txt``, added when
    missing); with a ``pyproject.toml`` and no ``.in`` (``uv export``), uv's constraints in that
    pyproject, then re-exported. A lone file says nothing of where it comes from: sshdrift writes
    nothing there (a constraints file nothing reads would be a fix that fixes nothing).
    """

    name = "requirements"
    file_patterns = ("requirements*.txt",)
    regenerate = REGENERATE
    # For a file without '# via' comments (pip freeze output): the installed environment's reverse tree.
    dependents_command = INSTALLED_DEPENDENTS

    def sniff(self, path: Path, text: str) -> bool:
        """A ``.txt`` / ``.in`` name, or a ``name==version`` line (the last format asked)."""
        return path.suffix in (".txt", ".in") or bool(_PIN_LINE.search(text))

    def parse(self, path: Path, text: str, env: Environment) -> Lockfile:
        """See :func:`parse`."""
        return parse(path, text, env)

    def dependents_hint(self, package: str, lock_name: str) -> str:
        """The ``# via`` comments under ``package`` in the file itself; without them, :attr:`dependents_command`.

        pip-compile, ``uv pip compile`` and ``uv export`` write under each pin the packages (or ``-r FILE``,
        or the project) that require it.
        """
        return (
            f"from the '# via' comments under {package} in {lock_name} (without them, as in pip freeze "
            f"output: '{self.dependents_command.format(package=package)}' where it is installed)"
        )

    def attach_declarations(self, lockfile: Lockfile, env: Environment) -> Lockfile:
        """The default (pyproject.toml) plus the ``requirements.in`` beside the file, with its ``-r``/``-c`` includes."""
        attached = super().attach_declarations(lockfile, env)
        source_in = lockfile.path.with_suffix(".in")
        if not source_in.is_file():
            return attached
        found_in = input_declarations(source_in, env)
        roots = attached.roots or tuple(c.package for c in found_in if c.kind == "dependency")
        return replace(attached, declarations=(*attached.declarations, *found_in), roots=roots)

    def cap_site(self, lock_path: Path) -> CapSite:
        """The ``-c`` file of the ``.in`` beside the pins, else uv's constraints in pyproject.toml.

        The second is for ``uv export`` output; a lone pinned file has no writable site.
        """
        source_in = lock_path.with_suffix(".in")
        if source_in.is_file():
            try:
                named = _constraint_files(source_in.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                named = []
            file = named[0] if named else CONSTRAINTS_TXT
            compile_ = header_command(lock_path, f"{REGENERATE} {source_in.name}")
            return CapSite(file, f"passed with '-c {file}' from {source_in.name}", compile_, True)
        if (lock_path.parent / PYPROJECT).is_file():
            export = header_command(lock_path, f"uv export -o {lock_path.name}")
            return CapSite(PYPROJECT, UV_CONSTRAINTS, export, True, f"{lock_path.name} cannot carry a cap")
        return CapSite(
            "a constraints file passed with -c (or to requirements.in)",
            "",
            "recompile",
            False,
            f"no requirements.in or pyproject.toml beside {lock_path.name} says what compiles it",
        )

    def cap_advice(self, site: CapSite, requirement: str) -> str:
        """Where the cap goes and the command that recompiles (or re-exports) the pins."""
        if site.file == PYPROJECT:
            return super().cap_advice(site, requirement)
        if site.writable:
            return f"add '{requirement}' to {site.file}, {site.place}, and recompile with '{site.regenerate}'"
        return f"add '{requirement}' to {site.file} and recompile ({site.why})"

    def _write_cap(self, lock_path: Path, site: CapSite, texts: ProjectTexts, cap: Cap) -> CapWritten:
        """Cap the package in the ``-c`` file of the ``.in``, or in the pyproject.toml of ``uv export`` output.

        A missing constraints file is created, and referenced from the ``.in`` with ``-c``.

        Raises:
            ValueError: the constraints file's line on the package is a direct URL reference.
        """
        if site.file == PYPROJECT:
            return cap_uv_project(texts, lock_path.parent / PYPROJECT, cap)
        from auditor.sources.lockfiles import edit  # tomlkit, kept off the `lock` start-up path

        constraints = lock_path.parent / site.file
        texts.set(constraints, edit.add_constraint_line(texts.text(constraints), cap.package, cap.bound))
        source_in = lock_path.with_suffix(".in")
        text = texts.text(source_in)
        if site.file not in _constraint_files(text):
            prefix = "" if not text or text.endswith("\n") else "\n"
            texts.set(source_in, f"{text}{prefix}-c {site.file}\n")
        return CapWritten(constraints, "constraints file", cap.bound)

    def resolution_inputs(self, lockfile: Lockfile) -> ResolutionInputs:
        """The ``.in`` beside the pins as written (extras, markers kept) with the project's constraints.

        Without an ``.in``, the declarations (:func:`declared_inputs`).
        """
        declared = declared_inputs(lockfile)
        source_in = lockfile.path.with_suffix(".in")
        if not source_in.is_file():
            return declared
        lines = [line for _, line in _logical_lines(source_in.read_text(encoding="utf-8"))]
        deps = tuple(_strip_options(line) for line in lines if line and not line.startswith(("#", "-")))
        return replace(declared, dependencies=deps)
