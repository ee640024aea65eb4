"""Add an upper bound to a package where a project declares its requirements, keeping every other byte.

Pure text-in, text-out functions over ``pyproject.toml``, ``Pipfile`` and constraints files, used by
``sshdrift fix``. TOML is edited with tomlkit, which keeps comments, key order, whitespace and
each string's quoting; an edited requirement string keeps its quote style (``'...'`` stays literal).
Where each tool lets a project cap a package:

* a requirement the project declares (``[project] dependencies``, ``[project.optional-dependencies]``,
  ``[dependency-groups]``): the bound joins that requirement's specifier set (PEP 508, PEP 735);
* a transitive package in a uv project: ``[tool.uv] constraint-dependencies`` (uv's constraints:
  they limit versions without making the package a dependency);
* Poetry: ``[tool.poetry.dependencies]`` (Poetry syntax; ``,`` joins constraints). Poetry has no
  constraints-only table (python-poetry/poetry#7051), so a transitive package is added as a direct
  dependency carrying only the bound: it is installed anyway, the bound is what matters;
* PDM: ``[tool.pdm.resolution.overrides]``, which *replaces* every other constraint on the package,
  so the value written is the whole effective range plus the bound (``>=2.9.5,<5``), not the bound
  alone;
* pipenv: the ``Pipfile``'s ``[packages]`` (PEP 440 specifiers; ``,`` joins them). Like Poetry, a
  transitive package is added as a dependency carrying only the bound;
* requirements projects: a constraints file (pip's and uv's ``-c``), one requirement a line.

Which of these a project uses is its lockfile format's answer (:mod:`auditor.sources.lockfiles`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping, Sequence

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from tomlkit.items import AoT, Array, InlineTable, String, StringType, Table

_MARKER_SPLIT = re.compile(r"\s*;")


def bounded_requirement(requirement: str, bound: str) -> str:
    """``requirement`` with ``bound`` (e.g. ``<5``) joined to its specifier set, marker kept.

    ``"paramiko>=2.9.5 ; python_version >= '3.8'"`` + ``<5`` gives
    ``"paramiko>=2.9.5,<5 ; python_version >= '3.8'"``; a bare ``"paramiko"`` gives
    ``"paramiko<5"``. Only the specifier part changes; spacing elsewhere stays (PEP 508).

    Raises:
        ValueError: ``requirement`` is not PEP 508 or is a direct URL reference (no specifier to bound).
    """
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement as exc:
        raise ValueError(f"not a PEP 508 requirement: {requirement!r}") from exc
    if parsed.url:
        raise ValueError(f"{requirement!r} is a direct reference; it cannot take a version bound")
    if _has_bound(str(parsed.specifier), bound):
        return requirement
    match = _MARKER_SPLIT.search(requirement)
    head, tail = (requirement[: match.start()], requirement[match.start() :]) if match else (requirement, "")
    stripped = head.rstrip()
    trailing = head[len(stripped) :]
    if stripped.endswith(")") and "(" in stripped:
        # Old-style "name (>=1.0)": the bound goes inside the parentheses.
        inner = stripped[stripped.rindex("(") + 1 : -1].strip()
        joined = f"{inner},{bound}" if inner else bound
        return f"{stripped[: stripped.rindex('(')]}({joined}){trailing}{tail}"
    if parsed.specifier:
        return f"{stripped},{bound}{trailing}{tail}"
    return f"{stripped}{bound}{trailing}{tail}"


def _has_bound(specifiers: str, bound: str) -> bool:
    """Whether ``bound`` (``<5``) is already one of the comma-separated ``specifiers``: a second fix adds nothing."""
    wanted = bound.replace(" ", "")
    return any(part.replace(" ", "") == wanted for part in specifiers.split(","))


def _requirement_name(text: str) -> str | None:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        return None


def _same_style(original: String, value: str) -> String:
    literal = original.type in (StringType.SLL, StringType.MLL)
    if literal and "'" in value:
        literal = False
    return tomlkit.string(value, literal=literal)


def _requirement_arrays(doc: tomlkit.TOMLDocument) -> Iterator[tuple[str, Array]]:
    """Every PEP 508 requirement array a project declares: label and array."""
    project = doc.get("project")
    if isinstance(project, (Table, dict)):
        deps = project.get("dependencies")
        if isinstance(deps, Array):
            yield "[project] dependencies", deps
        optional = project.get("optional-dependencies")
        if isinstance(optional, (Table, dict)):
            for extra, arr in optional.items():
                if isinstance(arr, Array):
                    yield f"[project.optional-dependencies] {extra}", arr
    groups = doc.get("dependency-groups")
    if isinstance(groups, (Table, dict)):
        for group, arr in groups.items():
            if isinstance(arr, Array):
                yield f"[dependency-groups] {group}", arr


def _uv_requirement_arrays(doc: tomlkit.TOMLDocument) -> Iterator[tuple[str, Array]]:
    """``[tool.uv]`` constraint-dependencies and override-dependencies, when present."""
    tool = doc.get("tool")
    uv = tool.get("uv") if isinstance(tool, (Table, dict)) else None
    if isinstance(uv, (Table, dict)):
        for key in ("constraint-dependencies", "override-dependencies"):
            arr = uv.get(key)
            if isinstance(arr, Array):
                yield f"[tool.uv] {key}", arr


def drop_requirements(text: str, packages: Collection[str]) -> tuple[str, list[str]]:
    """Remove every requirement on ``packages`` from the PEP 508 arrays a project declares.

    The arrays: ``[project]`` dependencies and optional dependencies, ``[dependency-groups]``, and uv's
    constraint and override dependencies. ``whatif`` asks "what if we required X instead": the project's
    own requirements on X, caps included, give way to the one asked for.

    Args:
        text: ``pyproject.toml`` text.
        packages: normalized names (PEP 503).

    Returns:
        The new text (``text`` itself when nothing named them) and the labels of the arrays changed.
    """
    doc = tomlkit.parse(text)
    changed: list[str] = []
    for label, arr in [*_requirement_arrays(doc), *_uv_requirement_arrays(doc)]:
        kept = [item for item in arr if not (isinstance(item, String) and _requirement_name(str(item)) in packages)]
        if len(kept) == len(arr):
            continue
        arr.clear()
        for item in kept:
            arr.append(item)
        changed.append(label)
    return (tomlkit.dumps(doc), changed) if changed else (text, [])


def declared_requirements(text: str, packages: Collection[str]) -> list[str]:
    """The PEP 508 requirements on ``packages`` a project declares, in file order, as written.

    The arrays: ``[project]`` dependencies and optional dependencies and ``[dependency-groups]`` (PEP 621,
    PEP 735); uv's constraint and override dependencies are caps, not requirements, and are left out.
    ``whatif`` carries their extras and marker over to the requirement that replaces them
    (:func:`auditor.resolution.merge_requirement`).

    Args:
        text: ``pyproject.toml`` text.
        packages: normalized names (PEP 503).

    Returns:
        The requirement strings (empty when nothing names them, or the text is not TOML).
    """
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError:
        return []
    return [
        str(item)
        for _, arr in _requirement_arrays(doc)
        for item in arr
        if isinstance(item, String) and _requirement_name(str(item)) in packages
    ]


def bound_declared(text: str, package: str, bound: str) -> tuple[str, list[str]]:
    """Join ``bound`` to every requirement on ``package`` the project declares (PEP 621 / PEP 735).

    Args:
        text: ``pyproject.toml`` text.
        package: the package name (any spelling; compared normalized, PEP 503).
        bound: a specifier such as ``<5``.

    Returns:
        The new text (equal to ``text`` when nothing names the package) and the labels of the
        places edited, e.g. ``["[project] dependencies"]``.
    """
    doc = tomlkit.parse(text)
    name = canonicalize_name(package)
    edited: list[str] = []
    for label, arr in _requirement_arrays(doc):
        for index, item in enumerate(list(arr)):
            if not isinstance(item, String) or _requirement_name(str(item)) != name:
                continue
            try:
                capped = bounded_requirement(str(item), bound)
            except ValueError:
                continue
            if capped == str(item):
                continue
            arr[index] = _same_style(item, capped)
            if label not in edited:
                edited.append(label)
    return (tomlkit.dumps(doc), edited) if edited else (text, [])


def _declared_markers(text: str, package: str) -> list[bool]:
    """For each PEP 621 / PEP 735 requirement on ``package`` in ``text``: whether it carries a marker."""
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError:
        return []
    name = canonicalize_name(package)
    out: list[bool] = []
    for _, arr in _requirement_arrays(doc):
        for item in arr:
            if not isinstance(item, String):
                continue
            try:
                req = Requirement(str(item))
            except InvalidRequirement:
                continue
            if canonicalize_name(req.name) == name:
                out.append(req.marker is not None)
    return out


def declared_for_every_environment(text: str, package: str) -> bool:
    """Whether a requirement on ``package`` in ``text`` (a ``pyproject.toml``) applies whatever the environment.

    True when one of the PEP 621 / PEP 735 requirements on the package carries no marker. When every
    one is marker-guarded (``paramiko>=3.4; sys_platform == 'win32'``), a bound joined to them leaves
    the other environments open, so the cap must also go where it holds everywhere (uv's constraints).
    An unparsable file answers False.
    """
    return not all(_declared_markers(text, package))  # all([]) is True: nothing declared


def bound_declared_everywhere(text: str, package: str, bound: str) -> tuple[str, list[str]]:
    """:func:`bound_declared`, and when every requirement on ``package`` is marker-guarded, one without a marker.

    For the formats without a constraints table that reads PEP 508 (Poetry 2 and PDM read ``[project]``):
    ``paramiko>=3.4; sys_platform == 'win32'`` capped alone would leave Linux open, so
    ``"<package><bound>"`` is appended to ``[project] dependencies`` too (both tools merge the two).
    With no requirement on the package at all, nothing is added (the format caps it its own way).

    Returns:
        The new text and the labels of the places edited (empty when nothing changed).
    """
    new, labels = bound_declared(text, package, bound)
    markers = _declared_markers(new, package)
    if markers and all(markers):
        try:
            new = append_project_dependency(new, f"{package}{bound}")
        except ValueError:  # declared in dependency groups only, no [project] table
            return new, labels
        labels.append("[project] dependencies (added without a marker: the others hold on their platforms only)")
    return new, labels


def add_uv_constraint(text: str, package: str, bound: str) -> str:
    """Cap ``package`` in ``[tool.uv] constraint-dependencies`` (created when missing).

    An existing constraint on the package gets ``bound`` joined to it; else ``"<package><bound>"``
    is appended. A missing ``[tool.uv]`` table is added at the end of the file, so nothing above moves.
    Source: uv's settings reference, ``constraint-dependencies`` (PEP 508 strings).

    Returns:
        The new ``pyproject.toml`` text.

    Raises:
        ValueError: an existing constraint on the package is a direct URL reference.
    """
    doc = tomlkit.parse(text)
    name = canonicalize_name(package)
    tool = doc.get("tool")
    uv = tool.get("uv") if isinstance(tool, (Table, dict)) else None
    if not isinstance(uv, (Table, dict)):
        suffix = "" if text.endswith("\n") or not text else "\n"
        sep = "\n" if text.strip() else ""
        return f'{text}{suffix}{sep}[tool.uv]\nconstraint-dependencies = ["{package}{bound}"]\n'
    constraints = uv.get("constraint-dependencies")
    if not isinstance(constraints, Array):
        uv["constraint-dependencies"] = [f"{package}{bound}"]
        return tomlkit.dumps(doc)
    for index, item in enumerate(list(constraints)):
        if isinstance(item, String) and _requirement_name(str(item)) == name:
            constraints[index] = _same_style(item, bounded_requirement(str(item), bound))
            return tomlkit.dumps(doc)
    constraints.append(f"{package}{bound}")
    return tomlkit.dumps(doc)


def append_project_dependency(text: str, requirement: str) -> str:
    """``requirement`` appended to ``[project] dependencies`` (PEP 621; the array is created when missing).

    For a Poetry 2 project that declares only ``[project]``: Poetry has no constraints-only table,
    so a transitive package is capped by declaring it (see the module docstring).

    Returns:
        The new ``pyproject.toml`` text.

    Raises:
        ValueError: the file has neither ``[tool.poetry.dependencies]`` nor ``[project]``.
    """
    doc = tomlkit.parse(text)
    project = doc.get("project")
    if not isinstance(project, (Table, dict)):
        raise ValueError("neither [tool.poetry.dependencies] nor [project] to add a bound to")
    deps = project.get("dependencies")
    if isinstance(deps, Array):
        deps.append(requirement)
    else:
        project["dependencies"] = [requirement]
    return tomlkit.dumps(doc)


def _poetry_join(constraint: str, bound: str) -> str:
    constraint = constraint.strip()
    if _has_bound(constraint, bound):
        return constraint
    return bound if constraint in ("", "*") else f"{constraint},{bound}"


def bound_poetry(text: str, package: str, bound: str) -> tuple[str, bool]:
    """Cap ``package`` in ``[tool.poetry.dependencies]`` (Poetry constraint syntax, ``,`` = and).

    An existing entry (a string, an inline table's ``version``, or each table of a multiple-constraints
    list) gets ``bound`` joined; ``"*"`` becomes the bound. A missing entry is added as
    ``package = "<bound>"`` (Poetry has no constraints-only table; see the module docstring).

    Returns:
        The new text, and True when an existing entry was edited (False when one was added).

    Raises:
        ValueError: the file has no ``[tool.poetry.dependencies]`` table.
    """
    doc = tomlkit.parse(text)
    tool = doc.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, (Table, dict)) else None
    deps = poetry.get("dependencies") if isinstance(poetry, (Table, dict)) else None
    if not isinstance(deps, (Table, dict)):
        raise ValueError("no [tool.poetry.dependencies] table")
    name = canonicalize_name(package)
    for key in list(deps.keys()):
        if canonicalize_name(str(key)) != name:
            continue
        value = deps[key]
        entries = list(value) if isinstance(value, Array) else [value]
        for entry in entries:
            if isinstance(entry, (InlineTable, Table)):
                version = entry.get("version", "*")
                entry["version"] = _poetry_join(str(version), bound)
        if isinstance(value, String):
            deps[key] = _same_style(value, _poetry_join(str(value), bound))
        return tomlkit.dumps(doc), True
    deps[package] = bound
    return tomlkit.dumps(doc), False


def bound_pipfile(text: str, package: str, bound: str) -> tuple[str, list[str]]:
    """Cap ``package`` in a ``Pipfile``: every ``[packages]`` / ``[dev-packages]`` entry on it, else a new one.

    An entry's version (a string, or an inline table's ``version``) gets ``bound`` joined with ``,``;
    ``"*"`` becomes the bound. Without an entry, ``package = "<bound>"`` is added to ``[packages]``
    (created when missing). Format: pypa/pipfile (versions are PEP 440 specifier sets).

    Returns:
        The new text and the places edited (``["[packages]"]``, or ``["[packages] (added as a dependency)"]``).
    """
    doc = tomlkit.parse(text)
    name = canonicalize_name(package)
    edited: list[str] = []
    for section in ("packages", "dev-packages"):
        table = doc.get(section)
        if not isinstance(table, (Table, dict)):
            continue
        for key in list(table.keys()):
            if canonicalize_name(str(key)) != name:
                continue
            value = table[key]
            if isinstance(value, (InlineTable, Table)):
                value["version"] = _poetry_join(str(value.get("version", "*")), bound)
            elif isinstance(value, String):
                table[key] = _same_style(value, _poetry_join(str(value), bound))
            else:
                continue
            edited.append(f"[{section}]")
    if edited:
        return tomlkit.dumps(doc), edited
    packages = doc.get("packages")
    if isinstance(packages, (Table, dict)):
        packages[package] = bound
        return tomlkit.dumps(doc), ["[packages] (added as a dependency)"]
    suffix = "" if text.endswith("\n") or not text else "\n"
    return f'{text}{suffix}\n[packages]\n{package} = "{bound}"\n', ["[packages] (added as a dependency)"]


def set_pdm_override(text: str, package: str, specifier: str) -> str:
    """Set ``[tool.pdm.resolution.overrides] <package> = "<specifier>"`` (table created when missing).

    PDM applies an override instead of every other constraint on the package, so ``specifier``
    must be the whole range to allow (the effective range plus the new bound). Source: PDM's
    "Override the resolved package versions" (``[tool.pdm.resolution.overrides]``).

    Returns:
        The new ``pyproject.toml`` text; an existing override on the package (any spelling) is replaced.
    """
    doc = tomlkit.parse(text)
    tool = doc.get("tool")
    pdm = tool.get("pdm") if isinstance(tool, (Table, dict)) else None
    resolution = pdm.get("resolution") if isinstance(pdm, (Table, dict)) else None
    overrides = resolution.get("overrides") if isinstance(resolution, (Table, dict)) else None
    if not isinstance(overrides, (Table, dict)):
        if isinstance(resolution, (Table, dict)):
            resolution["overrides"] = {package: specifier}
            return tomlkit.dumps(doc)
        suffix = "" if text.endswith("\n") or not text else "\n"
        return f'{text}{suffix}\n[tool.pdm.resolution.overrides]\n{package} = "{specifier}"\n'
    name = canonicalize_name(package)
    for key in list(overrides.keys()):
        if canonicalize_name(str(key)) == name:
            overrides[key] = specifier
            return tomlkit.dumps(doc)
    overrides[package] = specifier
    return tomlkit.dumps(doc)


def add_constraint_line(text: str, package: str, bound: str) -> str:
    """A constraints file (pip/uv ``-c``) with ``package`` capped: every line on it, or one appended.

    Every line on the package gets the bound, whatever its marker; when each of them is
    marker-guarded, an unconditional ``<package><bound>`` line is appended too (the other
    environments stay open otherwise). A line already carrying the bound is left as it is. Comments,
    hashes, line ends (LF or CR LF) and other lines stay as they are. Format: pip's
    "Constraints Files" (requirements-file syntax, one PEP 508 requirement a line).

    Returns:
        The new file text, ending with a line end when a line was appended.

    Raises:
        ValueError: the package's line is a direct URL reference (no specifier to bound).
    """
    name = canonicalize_name(package)
    lines = text.splitlines(keepends=True)
    everywhere = False
    for index, line in enumerate(lines):
        body = line.split("#", 1)[0].strip()
        if not body or body.startswith("-") or _requirement_name(body) != name:
            continue
        end = line[len(line.rstrip("\r\n")) :]
        comment = line[line.index("#") :].rstrip("\r\n") if "#" in line else ""
        new_body = bounded_requirement(body, bound)
        if new_body != body:
            lines[index] = f"{new_body}  {comment}{end}" if comment else f"{new_body}{end}"
        everywhere = everywhere or Requirement(body).marker is None
    if everywhere:
        return "".join(lines)
    text = "".join(lines)
    prefix = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{prefix}{package}{bound}\n"


def unified_diff(name: str, before: str, after: str) -> str:
    """A unified diff of one file (``a/NAME`` → ``b/NAME``), empty when nothing changed."""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
    )


def _ignore_tables(entries: Sequence[Mapping[str, str]]) -> AoT:
    tables = tomlkit.aot()
    for index, entry in enumerate(entries, 1):
        table = tomlkit.table()
        for key, value in entry.items():
            table.add(key, value)
        if index == len(entries):
            table.add(tomlkit.nl())  # a blank line before whatever table follows
        tables.append(table)
    return tables


def ignore_entries_toml(entries: Sequence[Mapping[str, str]]) -> str:
    """``entries`` as ``[[tool.sshdrift.ignore]]`` tables (TOML 1.0 text), as :func:`add_ignore_entries` writes them."""
    if not entries:
        return ""
    doc = tomlkit.document()
    tool, sshdrift = tomlkit.table(is_super_table=True), tomlkit.table(is_super_table=True)
    sshdrift.add("ignore", _ignore_tables(entries))
    tool.add("sshdrift", sshdrift)
    doc.add("tool", tool)
    return tomlkit.dumps(doc)


def add_ignore_entries(text: str, entries: Sequence[Mapping[str, str]]) -> str:
    """A pyproject.toml with ``entries`` appended to ``[[tool.sshdrift.ignore]]`` (the tables created when absent).

    Comments, key order and the other tables stay as they are (tomlkit).

    Raises:
        ValueError: ``text`` is not TOML, or ``tool``, ``tool.sshdrift`` or ``tool.sshdrift.ignore`` is not a table
            (array of tables).
    """
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ValueError(f"not valid TOML ({exc})") from exc
    tool = doc.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        doc.add("tool", tool)
    sshdrift = tool.get("sshdrift") if isinstance(tool, Table) else None
    if isinstance(tool, Table) and sshdrift is None:
        sshdrift = tomlkit.table(is_super_table=True)
        tool.add("sshdrift", sshdrift)
    if not isinstance(sshdrift, Table):
        raise ValueError("[tool] or [tool.sshdrift] is not a table")
    existing = sshdrift.get("ignore")
    if existing is None:
        sshdrift.add("ignore", _ignore_tables(entries))
    elif isinstance(existing, AoT):
        for table in _ignore_tables(entries):
            existing.append(table)
    else:
        raise ValueError("[tool.sshdrift] ignore is not an array of tables ([[tool.sshdrift.ignore]])")
    return tomlkit.dumps(doc)
