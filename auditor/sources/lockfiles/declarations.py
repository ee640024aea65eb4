"""The project's own declarations in ``pyproject.toml``.

Read: ``[project] dependencies`` and ``optional-dependencies`` (PEP 621), ``[dependency-groups]``
(PEP 735), ``[tool.poetry.dependencies]`` and Poetry groups (Poetry syntax converted to PEP 440),
``[tool.uv] constraint-dependencies`` / ``override-dependencies`` / ``dev-dependencies``,
``[tool.pdm] dev-dependencies`` and ``[tool.pdm.resolution.overrides]``. Every declaration becomes a
:class:`Constraint` with ``by`` = :data:`PROJECT`, ``file`` = ``pyproject.toml`` and the line it is
written on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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

_Reader = Callable[[Iterable[Any], str], list[Constraint]]
"""Reads a list of PEP 508 strings as constraints of one kind (``dependency``, ``group:dev``, ...)."""


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


def _standard_declarations(data: dict[str, Any], read: _Reader) -> list[Constraint]:
    """``[project] dependencies`` and ``optional-dependencies`` (PEP 621), ``[dependency-groups]`` (PEP 735)."""
    project = data.get("project") or {}
    out = read(project.get("dependencies") or (), "dependency")
    for extra, entries in (project.get("optional-dependencies") or {}).items():
        out += read(entries or (), f"extra:{extra}")
    for group, entries in (data.get("dependency-groups") or {}).items():
        out += read(entries or (), f"group:{group}")
    return out


def _uv_declarations(uv: dict[str, Any], read: _Reader) -> list[Constraint]:
    """``[tool.uv]`` ``dev-dependencies`` (kind ``group:dev``), ``constraint-`` and ``override-dependencies``."""
    return (
        read(uv.get("dev-dependencies") or (), "group:dev")
        + read(uv.get("constraint-dependencies") or (), "constraint")
        + read(uv.get("override-dependencies") or (), "override")
    )


def _pdm_declarations(pdm: dict[str, Any], read: _Reader, text: str, file: str) -> list[Constraint]:
    """``[tool.pdm] dev-dependencies`` (kind ``group:NAME``) and ``[tool.pdm.resolution.overrides]``."""
    out: list[Constraint] = []
    for group, entries in (pdm.get("dev-dependencies") or {}).items():
        out += read(entries or (), f"group:{group}")
    return out + _pdm_overrides(pdm, text, file)


def _poetry_declarations(
    poetry: dict[str, Any], text: str, file: str, env: Environment, pyproject: Path
) -> list[Constraint]:
    """``[tool.poetry.dependencies]`` (kind ``dependency``) and each group's (``group:NAME``), as PEP 440.

    Raises:
        LockfileError: a Poetry constraint cannot be converted.
    """
    tables: list[tuple[str, Any]] = [("dependency", poetry.get("dependencies"))]
    for group, table in (poetry.get("group") or {}).items():
        tables.append((f"group:{group}", (table or {}).get("dependencies")))
    out: list[Constraint] = []
    for kind, table in tables:
        try:
            converted = dependency_constraints(PROJECT, table, {}, env, file=file)
        except ValueError as exc:
            raise LockfileError(f"{pyproject}: [tool.poetry] {exc}; fix the constraint") from None
        for c in converted:
            line = line_of(text, f"{c.package} =") or line_of(text, f'"{c.package}"')
            out.append(Constraint(PROJECT, c.package, c.specifier, c.marker, kind, file, line, c.extras))
    return out


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

    def read(entries: Iterable[Any], kind: str) -> list[Constraint]:
        return _pep508(entries, kind, text, file, env, pyproject)

    tool = data.get("tool") or {}
    poetry = tool.get("poetry") or {}
    out = (
        _standard_declarations(data, read)
        + _uv_declarations(tool.get("uv") or {}, read)
        + _pdm_declarations(tool.get("pdm") or {}, read, text, file)
        + _poetry_declarations(poetry, text, file, env, pyproject)
    )
    roots = tuple(dict.fromkeys(c.package for c in out if c.kind not in ("constraint", "override")))
    name = (data.get("project") or {}).get("name") or poetry.get("name")
    return Declarations(tuple(out), roots, canonicalize_name(name) if isinstance(name, str) else None)
