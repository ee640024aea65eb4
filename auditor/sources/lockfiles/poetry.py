"""``poetry.lock`` (``lock-version`` 2.x) and Poetry's version-constraint syntax.

Poetry records each locked package's declared dependencies with their constraints in
``[package.dependencies]`` (``paramiko = ">=2.9.5"``, or an inline table with ``version``,
``markers``, ``extras``, ``optional``, or a list of such tables), so no metadata fetch is needed.
Constraint syntax: Poetry's documentation, "Dependency specification" (caret ``^``, tilde ``~``,
wildcard ``*``, ``||`` unions); converted here to PEP 440 specifier sets.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from auditor.errors import LockfileError, UsageError
from auditor.model import Constraint, LockedPackage, Lockfile
from auditor.sources.environment import Environment, extras_in, marker_applies
from auditor.sources.lockfiles.interface import (
    PYPROJECT,
    Cap,
    CapSite,
    CapWritten,
    LockfileFormat,
    ProjectTexts,
    ResolutionInputs,
    declared_inputs,
)
from auditor.sources.tomlfile import package_entries, parse_toml

REGENERATE = "poetry lock"
_OPERATOR = re.compile(r"^(===|==|!=|<=|>=|~=|<|>|\^|~)?\s*(.+)$")


def _release(text: str) -> list[int]:
    return [int(p) for p in re.findall(r"\d+", text.split("-", maxsplit=1)[0].split("+", maxsplit=1)[0])[:3]] or [0]


def _caret(version: str) -> str:
    parts = _release(version)
    # ^ allows changes that do not modify the left-most non-zero component.
    for index, value in enumerate(parts):
        if value != 0 or index == len(parts) - 1:
            upper = [*parts[:index], value + 1]
            break
    return f">={version},<{'.'.join(map(str, upper))}"


def _tilde(version: str) -> str:
    parts = _release(version)
    upper = [parts[0] + 1] if len(parts) == 1 else [parts[0], parts[1] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def poetry_to_pep440(constraint: str) -> str:
    """Convert one Poetry version constraint to a PEP 440 specifier-set string.

    ``"^1.2"`` → ``">=1.2,<2"``, ``"~1.2.3"`` → ``">=1.2.3,<1.3"``, ``"*"`` → ``""``, ``"1.2.3"`` →
    ``"==1.2.3"``, ``">=1, <2"`` → ``">=1,<2"``. A ``||`` union has no specifier-set equivalent: every
    alternative counts, so the result is the smallest range that holds them all (the lowest lower
    bound, the highest upper bound, none when an alternative has none): ``"^1.0 || ^2.0"`` →
    ``">=1.0,<3"``, and ``">=1 || ^2.0"`` stays open-ended.

    Raises:
        ValueError: an alternative is not a valid PEP 440 specifier set.
    """
    alternatives = [_alternative(text.strip(), constraint) for text in constraint.split("||")]
    return alternatives[0] if len(alternatives) == 1 else _hull(alternatives)


def _alternative(text: str, constraint: str) -> str:
    """One ``||``-free Poetry constraint as a PEP 440 specifier set (see :func:`poetry_to_pep440`)."""
    if text in ("", "*"):
        return ""
    specs: list[str] = []
    for raw in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", text):
        piece = raw.strip()
        if not piece or piece == "*":
            continue
        match = _OPERATOR.match(piece)
        if match is None:  # pragma: no cover - the pattern matches any non-empty text
            raise ValueError(constraint)
        operator, version = match.group(1), match.group(2).strip()
        if operator == "^":
            specs.append(_caret(version))
        elif operator == "~":
            specs.append(_tilde(version))
        elif operator is None:
            specs.append(f"=={version}")
        else:
            specs.append(f"{operator}{version}")
    try:
        return str(SpecifierSet(",".join(specs)))
    except InvalidSpecifier as exc:
        raise ValueError(f"{constraint!r} is not a Poetry constraint sshdrift can read") from exc


_Bound = tuple[Version, bool]
"""A version and whether it is included."""


def _next(version: Version, position: int) -> Version:
    """The release after ``version`` at ``position`` of its release tuple (``~=`` and ``==X.*`` upper bounds)."""
    release = list(version.release[: position + 1]) or [0]
    release[-1] += 1
    return Version(".".join(map(str, release)))


def _bounds(specifier: str) -> tuple[_Bound | None, _Bound | None]:
    """The lower and upper bound of a specifier set (``!=`` ignored; None = unbounded on that side)."""
    lows: list[_Bound] = []
    highs: list[_Bound] = []
    for spec in SpecifierSet(specifier):
        op, text = spec.operator, spec.version
        if text.endswith(".*"):
            base = Version(text[:-2])
            lows.append((base, True))
            highs.append((_next(base, len(base.release) - 1), False))
        elif op in ("==", "==="):
            lows.append((Version(text), True))
            highs.append((Version(text), True))
        elif op in (">=", ">", "~="):
            lows.append((Version(text), op != ">"))
            if op == "~=":
                highs.append((_next(Version(text), max(len(Version(text).release) - 2, 0)), False))
        elif op in ("<", "<="):
            highs.append((Version(text), op == "<="))
    low = max(lows, key=lambda b: (b[0], not b[1])) if lows else None
    high = min(highs, key=lambda b: (b[0], b[1])) if highs else None
    return low, high


def _hull(alternatives: list[str]) -> str:
    """The smallest specifier set holding every alternative (a superset of their union)."""
    bounds = [_bounds(a) for a in alternatives]
    lows = [low for low, _ in bounds]
    highs = [high for _, high in bounds]
    parts: list[str] = []
    if all(low is not None for low in lows):
        version, inclusive = min((b for b in lows if b is not None), key=lambda b: (b[0], not b[1]))
        parts.append(f"{'>=' if inclusive else '>'}{version}")
    if all(high is not None for high in highs):
        version, inclusive = max((b for b in highs if b is not None), key=lambda b: (b[0], b[1]))
        parts.append(f"{'<=' if inclusive else '<'}{version}")
    return str(SpecifierSet(",".join(parts)))


def _marker_of(table: dict[str, Any]) -> str | None:
    marker = table.get("markers")
    return str(marker) if marker else None


def dependency_constraints(
    by: str, deps: Any, extras_of: dict[str, str], env: Environment, *, file: str | None = None, line: int | None = None
) -> list[Constraint]:
    """Constraints from a Poetry dependency table (``[package.dependencies]`` or ``[tool.poetry.dependencies]``).

    Args:
        by: the declaring package (normalized) or :data:`auditor.model.PROJECT`.
        deps: name → constraint string | table | list of tables.
        extras_of: optional dependency name → the extra that enables it (``[package.extras]``).
        env: target environment; entries whose markers do not hold are left out.
        file: where the table is (lockfile or pyproject name), for the constraints' ``file``.
        line: the table's 1-based line, when known.

    Raises:
        ValueError: a constraint string Poetry itself would reject.
    """
    out: list[Constraint] = []
    if not isinstance(deps, dict):
        return out
    for name, spec in deps.items():
        if canonicalize_name(name) == "python":
            continue
        tables = spec if isinstance(spec, list) else [spec]
        for item in tables:
            table = {"version": item} if isinstance(item, str) else item
            if not isinstance(table, dict):
                continue
            marker = _marker_of(table)
            in_marker = extras_in(marker)
            # An extra's edge is kept with its marker: whether the extra is requested is known only later.
            if not marker_applies(marker, env, in_marker):
                continue
            optional = bool(table.get("optional"))
            extra = in_marker[0] if in_marker else extras_of.get(canonicalize_name(name), "?")
            kind = f"extra:{extra}" if optional or in_marker else "requires-dist"
            out.append(
                Constraint(
                    by=by,
                    package=canonicalize_name(name),
                    specifier=poetry_to_pep440(str(table.get("version", "*"))),
                    marker=marker,
                    kind=kind,
                    file=file,
                    line=line,
                    extras=tuple(str(e) for e in table.get("extras", ())),
                )
            )
    return out


def _extras_index(extras: Any) -> dict[str, str]:
    """``[package.extras]`` (extra → ``["name (spec)", ...]``) inverted to name → extra."""
    index: dict[str, str] = {}
    for extra, entries in (extras or {}).items():
        for entry in entries or ():
            name = re.split(r"[\s(\[<>=!~;]", str(entry).strip(), maxsplit=1)[0]
            index.setdefault(canonicalize_name(name), str(extra))
    return index


def parse(path: Path, text: str, env: Environment) -> Lockfile:
    """Parse poetry.lock ``text`` read from ``path``.

    Returns:
        A :class:`Lockfile` whose packages carry their declared constraints (``constraints`` set).

    Raises:
        LockfileError: not TOML, a ``lock-version`` other than 2.x, a package without version, or a
            constraint Poetry could not have written.
    """
    data = parse_toml(path, text, REGENERATE)
    lock_version = str((data.get("metadata") or {}).get("lock-version", ""))
    if not lock_version.startswith("2."):
        raise LockfileError(
            f"{path}: lock-version {lock_version or '(none)'} is not supported (sshdrift reads poetry.lock "
            f"lock-version 2.x); regenerate it with '{REGENERATE}' from Poetry 1.5 or later"
        )
    packages: dict[str, LockedPackage] = {}
    for entry, name, line in package_entries(path, data, text, REGENERATE):
        version = entry.get("version")
        if not version:
            raise LockfileError(
                f"{path}: line {line}: package '{name}' has no version; regenerate it with '{REGENERATE}'"
            )
        normalized = canonicalize_name(name)
        try:
            constraints = dependency_constraints(
                normalized,
                entry.get("dependencies"),
                _extras_index(entry.get("extras")),
                env,
                file=path.name,
                line=line,
            )
        except ValueError as exc:
            raise LockfileError(
                f"{path}: line {line}: package '{name}': {exc}; regenerate it with '{REGENERATE}'"
            ) from None
        source = entry.get("source") or {}
        packages[normalized] = LockedPackage(
            name=normalized,
            version=str(version),
            dependencies=tuple(dict.fromkeys(c.package for c in constraints)),
            constraints=tuple(constraints),
            line=line,
            source={"legacy": "registry"}.get(str(source.get("type")), source.get("type")) if source else "registry",
        )
    return Lockfile(path=path, format=PoetryLock.name, packages=packages)


_POETRY_DEPENDENCIES = "[tool.poetry.dependencies]"


def _direct_reference(project_dir: Path, spec: Any) -> str | None:
    """The direct reference of a Poetry git/path/url dependency table; None for a registry dependency.

    ``git+URL@REV``, ``file:///...`` or the URL (PEP 440 direct references), from Poetry's "git dependencies" (``git`` with ``rev`` / ``tag`` / ``branch`` and ``subdirectory``),
    "path dependencies" (relative to the project) and "url dependencies"; PEP 440 direct references.
    """
    tables = spec if isinstance(spec, list) else [spec]
    for table in tables:
        if not isinstance(table, dict):
            continue
        if isinstance(table.get("git"), str):
            ref = next((str(table[k]) for k in ("rev", "tag", "branch") if table.get(k)), None)
            sub = f"#subdirectory={table['subdirectory']}" if table.get("subdirectory") else ""
            return f"git+{table['git']}{'@' + ref if ref else ''}{sub}"
        if isinstance(table.get("path"), str):
            return (project_dir / str(table["path"])).resolve().as_uri()
        if isinstance(table.get("url"), str):
            return str(table["url"])
    return None


def direct_references(pyproject: Path) -> dict[str, str]:
    """Normalized name → direct reference, for every git/path/url dependency of a Poetry ``pyproject``.

    Read from ``[tool.poetry.dependencies]`` and each group's dependencies; PEP 621 requirements that
    already are direct references (``name @ url``) are kept as they are written. An unreadable file gives
    none (its declarations were read, and reported, before).
    """
    from auditor.sources.tomlfile import read_text

    try:
        data = parse_toml(pyproject, read_text(pyproject, REGENERATE), REGENERATE)
    except LockfileError:
        return {}
    out: dict[str, str] = {}
    for entry in (data.get("project") or {}).get("dependencies") or ():
        try:
            req = Requirement(str(entry))
        except InvalidRequirement:
            continue
        if req.url:
            out[canonicalize_name(req.name)] = req.url
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies") or {}]
    tables += [(group or {}).get("dependencies") or {} for group in (poetry.get("group") or {}).values()]
    for table in tables:
        for name, spec in table.items():
            reference = _direct_reference(pyproject.parent, spec)
            if reference is not None:
                out[canonicalize_name(name)] = reference
    return out


class PoetryLock(LockfileFormat):
    """``poetry.lock``: records every package's declared constraints; caps go in pyproject.toml."""

    name = "poetry"
    file_patterns = ("poetry.lock",)
    regenerate = REGENERATE
    # Each package that requires it, with its specifier (one level up; 'poetry show --why NAME'
    # without --tree is refused for a single package). Reads poetry.lock, installs nothing.
    dependents_command = "poetry show --tree --why {package}"

    def sniff(self, path: Path, text: str) -> bool:
        """Poetry's header, or a ``lock-version`` key without PEP 751's ``[[packages]]`` tables."""
        if "@generated by Poetry" in text:
            return True
        return bool(re.search(r"^lock-version\s*=", text, re.MULTILINE)) and "[[packages]]" not in text

    def parse(self, path: Path, text: str, env: Environment) -> Lockfile:
        """See :func:`parse`."""
        return parse(path, text, env)

    def resolution_inputs(self, lockfile: Lockfile) -> ResolutionInputs:
        """The declarations, git/path/url dependencies as direct references (never looked up on the index)."""
        inputs = declared_inputs(lockfile)
        references = direct_references(lockfile.path.parent / PYPROJECT)
        if not references:
            return inputs
        return replace(inputs, dependencies=tuple(_with_reference(line, references) for line in inputs.dependencies))

    def cap_site(self, lock_path: Path) -> CapSite:
        """``[tool.poetry.dependencies]`` of the pyproject.toml beside the lock, re-locked with ``poetry lock``.

        Poetry has no constraints-only table (python-poetry/poetry#7051): a transitive package is capped
        by declaring it with only the bound; it is installed anyway, the bound is what matters.
        """
        return CapSite(PYPROJECT, _POETRY_DEPENDENCIES, REGENERATE, (lock_path.parent / PYPROJECT).is_file())

    def cap_advice(self, site: CapSite, requirement: str) -> str:
        """``declare 'paramiko<5' in [tool.poetry.dependencies] of pyproject.toml and run 'poetry lock'``."""
        # Poetry has no constraints table: a transitive package is capped by declaring it (what 'fix' writes).
        return f"declare '{requirement}' in {site.place} of {site.file} and run '{site.regenerate}'"

    def _write_cap(self, lock_path: Path, site: CapSite, texts: ProjectTexts, cap: Cap) -> CapWritten:
        """Join the bound to the package's PEP 621 requirements, else to its Poetry entry, else declare it.

        In that order: each ``[project]`` requirement on the package; its ``[tool.poetry.dependencies]``
        entry (added when missing); for a Poetry 2 project with only ``[project]``, a new line in
        ``[project] dependencies``.

        Raises:
            UsageError: the pyproject has neither ``[tool.poetry.dependencies]`` nor ``[project]``.
        """
        from auditor.sources.lockfiles import edit  # tomlkit, kept off the `lock` start-up path

        pyproject = lock_path.parent / PYPROJECT
        text = texts.text(pyproject)
        new, labels = edit.bound_declared_everywhere(text, cap.package, cap.bound)
        place = ", ".join(labels)
        if not labels:
            try:
                new, existed = edit.bound_poetry(text, cap.package, cap.bound)
                place = _POETRY_DEPENDENCIES + ("" if existed else " (added as a dependency)")
            except ValueError:
                try:
                    new = edit.append_project_dependency(text, f"{cap.package}{cap.bound}")
                except ValueError as exc:
                    raise UsageError(
                        f"{pyproject}: {exc}; declare the project's dependencies, then run again"
                    ) from None
                place = "[project] dependencies (added; Poetry has no constraints table)"
        texts.set(pyproject, new)
        return CapWritten(pyproject, place, cap.bound)


def _with_reference(line: str, references: dict[str, str]) -> str:
    """``line`` (``name[extras]specifier ; marker``) as ``name[extras] @ reference ; marker`` when it has one."""
    try:
        req = Requirement(line)
    except InvalidRequirement:
        return line
    reference = references.get(canonicalize_name(req.name))
    if reference is None or req.url:
        return line
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras} @ {reference}" + (f" ; {req.marker}" if req.marker else "")
