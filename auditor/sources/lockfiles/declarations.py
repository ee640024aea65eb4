"""The project's own declarations in ``pyproject.toml``.

Read: ``[project] dependencies`` and ``optional-dependencies`` (PEP 621), ``[dependency-groups]``
(PEP 735), ``[tool.poetry.dependencies]`` and Poetry groups (Poetry syntax converted to PEP 440),
``[tool.uv] constraint-dependencies`` / ``override-dependencies`` / ``dev-dependencies``,
``[tool.pdm] dev-dependencies`` and ``[tool.pdm.resolution.overrides]``. Every declaration becomes a
:class:`Constraint` with ``by`` = :data:`PROJECT`, ``file`` = ``pyproject.toml`` and the line it is
written on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from auditor.errors import LockfileError
from auditor.model import PROJECT, Constraint
from auditor.sources.environment import Environment, marker_applies
from auditor.sources.lockfiles.poetry import dependency_constraints
from auditor.sources.tomlfile import line_of, parse_toml, read_text

_FIX = "fix the file and run again"


@dataclass(frozen=True)
class Declarations:
    """What a pyproject declares: constraints on packages, the direct dependencies, the project name."""

    constraints: tuple[Constraint, ...]
    """Every declaration, ``by`` = :data:`~auditor.model.PROJECT`, markers already evaluated."""
    roots: tuple[str, ...]
    """Normalized names the project depends on directly (constraints and overrides excluded)."""
    name: str | None
    """``[project] name`` or ``[tool.poetry] name``, normalized (PEP 503), when present."""


def _pep508(
    entries: Iterable[Any], kind: str, text: str, file: str, env: Environment, pyproject: Path
) -> list[Constraint]:
    out: list[Constraint] = []
    for entry in entries:
        if not isinstance(entry, str):
            continue  # {include-group = "..."} is resolved through the group it names
        try:
            req = Requirement(entry)
        except InvalidRequirement as exc:
            line = line_of(text, entry)
            where = f"line {line}: " if line else ""
            raise LockfileError(f"{pyproject}: {where}{entry!r} is not a PEP 508 requirement ({exc}); fix it") from None
        # Markers naming the project's own extras hold when that extra is installed: keep them.
        if not marker_applies(req.marker, env, _extras(kind)):
            continue
        out.append(
            Constraint(
                by=PROJECT,
                package=canonicalize_name(req.name),
                specifier=str(req.specifier),
                marker=str(req.marker) if req.marker else None,
                kind=kind,
                file=file,
                line=line_of(text, f'"{entry}"') or line_of(text, entry),
                extras=tuple(sorted(req.extras)),
            )
        )
    return out


def _pdm_overrides(pdm: Any, text: str, file: str) -> list[Constraint]:
    """``[tool.pdm.resolution.overrides]`` (name = specifier set) as kind ``override``.

    PDM applies an override instead of every other constraint on the package (PDM's "Override the
    resolved package versions"); a value that is not a specifier set (a URL) is left out.
    """
    overrides = (pdm.get("resolution") or {}).get("overrides") if isinstance(pdm, dict) else None
    out: list[Constraint] = []
    for name, value in (overrides or {}).items():
        try:
            specifier = str(SpecifierSet(str(value)))
        except InvalidSpecifier:
            continue
        line = line_of(text, f"{name} =") or line_of(text, f'"{name}"')
        out.append(Constraint(PROJECT, canonicalize_name(name), specifier, None, "override", file, line))
    return out


def _extras(kind: str) -> tuple[str, ...]:
    return (kind.split(":", 1)[1],) if kind.startswith("extra:") else ()


def read_declarations(pyproject: Path, env: Environment) -> Declarations:
    """Read every dependency declaration of ``pyproject`` for the target environment ``env``.

    Kinds: ``dependency`` ([project] dependencies, Poetry main dependencies), ``extra:NAME``,
    ``group:NAME`` (dependency groups, Poetry groups, uv/PDM dev dependencies), ``constraint``
    and ``override`` (``[tool.uv]``). Roots are the packages of the non-constraint kinds.

    Raises:
        LockfileError: the file is not TOML or holds a requirement that is not PEP 508.
    """
    text = read_text(pyproject, "uv init", next_step=_FIX)
    data = parse_toml(pyproject, text, "uv init", next_step=_FIX)
    file = pyproject.name
    out: list[Constraint] = []
    project = data.get("project") or {}
    out += _pep508(project.get("dependencies") or (), "dependency", text, file, env, pyproject)
    for extra, entries in (project.get("optional-dependencies") or {}).items():
        out += _pep508(entries or (), f"extra:{extra}", text, file, env, pyproject)
    for group, entries in (data.get("dependency-groups") or {}).items():
        out += _pep508(entries or (), f"group:{group}", text, file, env, pyproject)
    tool = data.get("tool") or {}
    uv = tool.get("uv") or {}
    out += _pep508(uv.get("dev-dependencies") or (), "group:dev", text, file, env, pyproject)
    out += _pep508(uv.get("constraint-dependencies") or (), "constraint", text, file, env, pyproject)
    out += _pep508(uv.get("override-dependencies") or (), "override", text, file, env, pyproject)
    for group, entries in ((tool.get("pdm") or {}).get("dev-dependencies") or {}).items():
        out += _pep508(entries or (), f"group:{group}", text, file, env, pyproject)
    out += _pdm_overrides(tool.get("pdm") or {}, text, file)
    poetry = tool.get("poetry") or {}
    poetry_tables: list[tuple[str, Any]] = [("dependency", poetry.get("dependencies"))]
    for group, table in (poetry.get("group") or {}).items():
        poetry_tables.append((f"group:{group}", (table or {}).get("dependencies")))
    for kind, table in poetry_tables:
        try:
            for constraint in dependency_constraints(PROJECT, table, {}, env, file=file):
                line = line_of(text, f"{constraint.package} =") or line_of(text, f'"{constraint.package}"')
                out.append(
                    Constraint(
                        PROJECT,
                        constraint.package,
                        constraint.specifier,
                        constraint.marker,
                        kind,
                        file,
                        line,
                        constraint.extras,
                    )
                )
        except ValueError as exc:
            raise LockfileError(f"{pyproject}: [tool.poetry] {exc}; fix the constraint") from None
    roots = tuple(dict.fromkeys(c.package for c in out if c.kind not in ("constraint", "override")))
    name = project.get("name") or poetry.get("name")
    return Declarations(tuple(out), roots, canonicalize_name(name) if isinstance(name, str) else None)
