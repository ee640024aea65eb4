"""Pinned requirements files: pip-compile, ``uv pip compile`` and ``uv export`` output.

Each requirement line is ``name==version`` (with ``--hash`` options and an optional marker);
``# via`` comments name the dependents, so they give the edges (``# via -r requirements.in`` and
``# via <the project>`` mark roots). ``-r FILE`` includes more pins, ``-c FILE`` adds the project's
constraints; index and install options (``--index-url``, ``--find-links``, ``--hash``...) are ignored.
Format reference: pip's documentation, "Requirements File Format".
"""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from auditor.errors import LockfileError
from auditor.model import PROJECT, Constraint, LockedPackage, Lockfile
from auditor.sources.environment import Environment, marker_applies
from auditor.sources.tomlfile import read_text

REGENERATE = "pip-compile"
_OPTION_WITH_VALUE = re.compile(
    r"^(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--no-binary|--only-binary|"
    r"--use-feature|--config-settings|-C|--global-option|--pre|--prefer-binary|--no-index|--require-hashes)\b"
)
_VIA_ONE = re.compile(r"^#\s+via\s+(.+)$")
_VIA_START = re.compile(r"^#\s+via\s*$")
_VIA_ITEM = re.compile(r"^#\s{2,}(\S.*)$")


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


def _read(
    path: Path,
    env: Environment,
    seen: set[Path],
    packages: dict[str, LockedPackage],
    vias: dict[str, list[str]],
    declarations: list[Constraint],
    roots: list[str],
    *,
    constraints_only: bool,
) -> None:
    if path.resolve() in seen:
        return
    seen.add(path.resolve())
    text = read_text(path, REGENERATE)
    current: str | None = None
    in_via = False
    for number, line in _logical_lines(text):
        if not line:
            current, in_via = None, False
            continue
        if line.startswith("#"):
            if current is None:
                continue
            one = _VIA_ONE.match(line)
            if one:
                vias.setdefault(current, []).append(one.group(1).strip())
                in_via = False
            elif _VIA_START.match(line):
                in_via = True
            elif in_via and (item := _VIA_ITEM.match(line)):
                vias.setdefault(current, []).append(item.group(1).strip())
            continue
        in_via = False
        include = re.match(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
        if include:
            target = path.parent / include.group(2)
            _read(
                target,
                env,
                seen,
                packages,
                vias,
                declarations,
                roots,
                constraints_only=constraints_only or include.group(1) in ("-c", "--constraint"),
            )
            current = None
            continue
        if line.startswith("-e ") or line.startswith("--editable"):
            current = None
            continue
        if _OPTION_WITH_VALUE.match(line) or line.startswith("-"):
            current = None
            continue
        requirement_text = _strip_options(line)
        try:
            req = Requirement(requirement_text)
        except InvalidRequirement as exc:
            raise LockfileError(
                f"{path}: line {number}: {requirement_text!r} is not a requirement ({exc}); "
                f"regenerate it with '{REGENERATE}'"
            ) from None
        name = canonicalize_name(req.name)
        current = name
        if not marker_applies(req.marker, env):
            current = None
            continue
        if constraints_only:
            declarations.append(
                Constraint(
                    PROJECT,
                    name,
                    str(req.specifier),
                    str(req.marker) if req.marker else None,
                    "constraint",
                    path.name,
                    number,
                )
            )
            current = None
            continue
        pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        if req.url:
            packages.setdefault(name, LockedPackage(name=name, version="", line=number, source="url"))
            continue
        if not pins:
            raise LockfileError(
                f"{path}: line {number}: package '{req.name}' has no version (no '==' pin); "
                f"pass the compiled file, e.g. the output of '{REGENERATE}'"
            )
        packages.setdefault(name, LockedPackage(name=name, version=pins[0], line=number, source="registry"))


def parse(path: Path, text: str, env: Environment) -> Lockfile:
    """Parse a pinned requirements file at ``path`` (``text`` is its content, already checked non-empty).

    Returns:
        A :class:`Lockfile` whose edges come from ``# via`` comments (none when the file has none;
        requires-dist fills them in later). ``-c`` files become declarations of kind ``constraint``.

    Raises:
        LockfileError: a line that is not a requirement, an unpinned requirement, or a missing include.
    """
    del text  # read again by _read, which also follows -r/-c includes
    packages: dict[str, LockedPackage] = {}
    vias: dict[str, list[str]] = {}
    declarations: list[Constraint] = []
    roots: list[str] = []
    _read(path, env, set(), packages, vias, declarations, roots, constraints_only=False)
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
        path=path, format="requirements", packages=final, declarations=tuple(declarations), roots=tuple(roots)
    )


def input_declarations(path: Path, env: Environment) -> list[Constraint]:
    """The project's own requirements from a ``requirements.in`` (pip-compile's input), kind ``dependency``.

    Options, includes and unparsable lines are skipped: the compiled file is the source of truth.
    """
    out: list[Constraint] = []
    for number, line in _logical_lines(read_text(path, REGENERATE)):
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
