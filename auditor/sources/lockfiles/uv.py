"""``uv.lock`` (lock ``version = 1``): packages, edges, the project's requires-dist and ``[manifest]``.

uv records edges without specifiers for registry packages (``{ name = "paramiko" }``); the
specifiers come from each locked version's requires-dist (:mod:`auditor.sources.metadata`).
It does record ``[package.metadata] requires-dist`` for the project and local sources, and the
user's ``constraint-dependencies`` / ``override-dependencies`` in ``[manifest]``.
Format reference: uv's documentation, "Lockfile" (``docs.astral.sh/uv/concepts/resolution``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor.errors import LockfileError
from auditor.model import PROJECT, Constraint, LockedPackage, Lockfile
from auditor.sources.environment import Environment, extras_in, marker_applies
from auditor.sources.lockfiles.interface import (
    PYPROJECT,
    UV_CONSTRAINTS,
    Cap,
    CapSite,
    CapWritten,
    LockfileFormat,
    ProjectTexts,
)
from auditor.sources.tomlfile import package_entries, parse_toml

REGENERATE = "uv lock"
SUPPORTED_VERSIONS = (1,)
_LOCAL_SOURCES = ("virtual", "editable", "directory", "path")


def _source_kind(source: Any) -> str | None:
    if not isinstance(source, dict):
        return None
    for kind in ("registry", "git", "url", "path", "directory", "editable", "virtual"):
        if kind in source:
            return "path" if kind == "directory" else kind
    return None


def _is_project(source: Any) -> bool:
    return isinstance(source, dict) and any(source.get(k) == "." for k in ("virtual", "editable"))


def _dep_names(entries: Any, env: Environment) -> list[tuple[str, tuple[str, ...]]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    for dep in entries or ():
        if isinstance(dep, dict) and isinstance(dep.get("name"), str) and marker_applies(dep.get("marker"), env):
            out.append((dep["name"], tuple(dep.get("extra", ()))))
    return out


def _metadata_constraints(
    by: str, metadata: Any, path: Path, line: int | None, env: Environment
) -> tuple[list[Constraint], list[str]]:
    """Constraints from ``[package.metadata] requires-dist`` / ``requires-dev`` of a local package."""
    constraints: list[Constraint] = []
    roots: list[str] = []
    if not isinstance(metadata, dict):
        return constraints, roots
    groups: list[tuple[str, Any]] = [("dependency", metadata.get("requires-dist", ()))]
    for group, entries in (metadata.get("requires-dev") or {}).items():
        groups.append((f"group:{group}", entries))
    for kind, entries in groups:
        for entry in entries or ():
            if not isinstance(entry, dict) or "name" not in entry:
                continue
            marker = entry.get("marker")
            if not marker_applies(marker, env, extras_in(marker)):
                continue
            constraints.append(
                Constraint(
                    by=by,
                    package=str(entry["name"]),
                    specifier=str(entry.get("specifier", "")),
                    marker=marker,
                    kind=kind,
                    file=path.name,
                    line=line,
                    extras=tuple(str(e) for e in entry.get("extras", ())),
                )
            )
            roots.append(str(entry["name"]))
    return constraints, roots


def _without_artifacts(text: str) -> str | None:
    """``text`` with the ``sdist`` / ``wheels`` entries blanked (line numbers kept), or None if unsure.

    Those file lists are most of a uv.lock's bytes and sshdrift never reads them; blanking them
    before :mod:`tomllib` parses the file keeps ``sshdrift lock`` quick on large locks. uv writes
    them as a one-line ``sdist = {...}`` and a ``wheels = [`` ... ``]`` block; anything else (a
    block that never closes, hand-edited layout) returns None and the whole file is parsed.
    """
    lines = text.split("\n")
    inside = False
    for index, line in enumerate(lines):
        if inside:
            inside = line != "]"
            lines[index] = ""
        elif line.startswith("sdist = {") and line.endswith("}"):
            lines[index] = ""
        elif line == "wheels = [":
            inside = True
            lines[index] = ""
        elif line.startswith("wheels = [") and line.endswith("]"):
            lines[index] = ""
    return None if inside else "\n".join(lines)


def _load(path: Path, text: str) -> dict[str, Any]:
    """The TOML of a uv.lock, artifact lists skipped when that is safe; its ``version`` checked."""
    slim = _without_artifacts(text)
    try:
        data = parse_toml(path, slim if slim is not None else text, REGENERATE)
    except LockfileError:
        data = parse_toml(path, text, REGENERATE)  # the error, with its line, as in the real file
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise LockfileError(
            f"{path}: lock version {version!r} is not supported (sshdrift reads uv.lock version "
            f"{', '.join(map(str, SUPPORTED_VERSIONS))}); upgrade sshdrift, or regenerate it with a uv that writes version 1"
        )
    return data


def _edges(entry: dict[str, Any], env: Environment, is_project: bool) -> tuple[str, ...]:
    """The names a package entry depends on in ``env``: dependencies, every extra's, and the project's groups."""
    deps = _dep_names(entry.get("dependencies"), env)
    for extra_deps in (entry.get("optional-dependencies") or {}).values():
        deps.extend(_dep_names(extra_deps, env))
    if is_project:
        for group_deps in (entry.get("dev-dependencies") or {}).values():
            deps.extend(_dep_names(group_deps, env))
    return tuple(dict.fromkeys(d for d, _ in deps))


@dataclass
class _Reading:
    """What the ``[[package]]`` tables of one uv.lock add up to, as they are read in order."""

    path: Path
    env: Environment
    packages: dict[str, LockedPackage] = field(default_factory=dict)
    declarations: list[Constraint] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
    project_name: str | None = None

    def add(self, entry: dict[str, Any], name: str, line: int | None) -> None:
        """Read one ``[[package]]`` table (``name`` at ``line``) into the packages and the project's declarations."""
        source = entry.get("source")
        kind = _source_kind(source)
        version = entry.get("version")
        if version is None and kind not in _LOCAL_SOURCES:
            raise LockfileError(
                f"{self.path}: line {line}: package '{name}' has no version; regenerate it with '{REGENERATE}'"
            )
        markers = entry.get("resolution-markers")
        if name in self.packages and markers and not any(marker_applies(m, self.env) for m in markers):
            # uv forks the resolution by markers; keep the entry meant for the target environment.
            return
        is_project = _is_project(source)
        if is_project:
            self.project_name = self.project_name or name
        local = None
        if kind in _LOCAL_SOURCES or kind == "git":
            consts, local_roots = _metadata_constraints(name, entry.get("metadata"), self.path, line, self.env)
            if is_project:
                self.declarations.extend(replace(c, by=PROJECT) for c in consts)
                self.roots.extend(local_roots)
            elif kind in _LOCAL_SOURCES:
                local = tuple(replace(c, kind="requires-dist") for c in consts)
        self.packages[name] = LockedPackage(
            name=name,
            version=str(version or ""),
            dependencies=_edges(entry, self.env, is_project),
            constraints=local,
            line=line,
            source="virtual" if is_project else kind,
        )


def _manifest_declarations(path: Path, manifest: Any) -> list[Constraint]:
    """The user's ``constraint-dependencies`` / ``override-dependencies`` as uv recorded them in ``[manifest]``."""
    out: list[Constraint] = []
    if not isinstance(manifest, dict):
        return out
    for key, kind in (("constraints", "constraint"), ("overrides", "override")):
        for entry in manifest.get(key) or ():
            if isinstance(entry, dict) and "name" in entry:
                out.append(
                    Constraint(
                        PROJECT,
                        str(entry["name"]),
                        str(entry.get("specifier", "")),
                        entry.get("marker"),
                        kind,
                        path.name,
                        None,
                    )
                )
    return out


def parse(path: Path, text: str, env: Environment) -> Lockfile:
    """Parse uv.lock ``text`` read from ``path`` for the target environment ``env``.

    Returns:
        A :class:`Lockfile` whose packages carry edges (``constraints`` None: uv does not record
        registry packages' specifiers); the project's own requires-dist and the manifest's
        constraints/overrides are its ``declarations``.

    Raises:
        LockfileError: not TOML, an unsupported lock ``version``, or a package without name or version.
    """
    data = _load(path, text)
    reading = _Reading(path, env)
    for entry, name, line in package_entries(path, data, text, REGENERATE):
        reading.add(entry, name, line)
    reading.declarations.extend(_manifest_declarations(path, data.get("manifest")))
    if reading.project_name is not None:
        reading.packages.pop(reading.project_name, None)
    return Lockfile(
        path=path,
        format=UvLock.name,
        packages=reading.packages,
        declarations=tuple(reading.declarations),
        roots=tuple(dict.fromkeys(reading.roots)),
        project_name=reading.project_name,
    )


_VERSION_LINE = re.compile(r"^version\s*=\s*\d+", re.MULTILINE)
_LOCK_VERSION_LINE = re.compile(r"^lock[-_]version\s*=", re.MULTILINE)


def _is_member(root: Path, member: Path) -> bool:
    """Whether ``member`` matches the workspace globs of ``root``'s pyproject.toml (an unreadable one: no)."""
    try:
        data = parse_toml(root / PYPROJECT, (root / PYPROJECT).read_text(encoding="utf-8"), REGENERATE)
    except (LockfileError, OSError, UnicodeDecodeError):
        return False
    workspace = ((data.get("tool") or {}).get("uv") or {}).get("workspace") or {}
    if not isinstance(workspace, dict):
        return False

    def matches(key: str) -> bool:
        return any(member in {p.resolve() for p in root.glob(str(g))} for g in workspace.get(key) or ())

    return matches("members") and not matches("exclude")


def cap_uv_project(texts: ProjectTexts, pyproject: Path, cap: Cap) -> CapWritten:
    """Cap ``cap.package`` in a uv project's ``pyproject``: its requirements, else uv's constraints.

    Each requirement declaring the package gets the bound, whatever its marker; without one that holds
    in every environment (none, or each behind a marker), ``[tool.uv] constraint-dependencies`` gets it
    too (uv's constraints limit versions without adding a dependency). Source: uv's settings reference,
    ``constraint-dependencies``. Shared by every format a uv project exports (uv.lock, pylock.toml,
    ``uv export`` requirements files).
    """
    from auditor.sources.lockfiles import edit  # tomlkit, kept off the `lock` start-up path

    text = texts.text(pyproject)
    new, labels = edit.bound_declared(text, cap.package, cap.bound)
    if not edit.declared_for_every_environment(new, cap.package):  # none, or each behind a marker
        new, labels = edit.add_uv_constraint(new, cap.package, cap.bound), [*labels, UV_CONSTRAINTS]
    texts.set(pyproject, new)
    return CapWritten(pyproject, ", ".join(labels), cap.bound)


class UvLock(LockfileFormat):
    """``uv.lock``: uv's own lock, re-resolved with ``uv lock`` in a copy of the project."""

    name = "uv"
    file_patterns = ("uv.lock",)
    regenerate = REGENERATE
    records_project_requirements = True
    resolver = "uv-lock"
    # --frozen: show the lock as it is, as sshdrift read it; without it uv tree re-locks a stale
    # uv.lock first (and writes it).
    dependents_command = "uv tree --frozen --invert --package {package}"

    def find_above(self, directory: Path) -> Path | None:
        """The ``uv.lock`` of the uv workspace that ``directory`` is a member of, else None.

        Membership: the ``[tool.uv.workspace] members`` globs of a parent's pyproject.toml, minus
        ``exclude`` (uv keeps one lock per workspace, at its root).
        """
        member = directory.resolve()
        for root in member.parents:
            if (root / "uv.lock").is_file() and (root / PYPROJECT).is_file():
                return root / "uv.lock" if _is_member(root, member) else None
        return None

    def sniff(self, path: Path, text: str) -> bool:
        """A top-level integer ``version`` and ``[[package]]`` tables, without Poetry's or PDM's lock version."""
        return bool(_VERSION_LINE.search(text)) and "[[package]]" in text and not _LOCK_VERSION_LINE.search(text)

    def parse(self, path: Path, text: str, env: Environment) -> Lockfile:
        """See :func:`parse`."""
        return parse(path, text, env)

    def cap_site(self, lock_path: Path) -> CapSite:
        """``[tool.uv] constraint-dependencies`` in the pyproject.toml beside the lock, re-locked with ``uv lock``.

        (A requirement that declares the package takes the bound instead: :func:`cap_uv_project`.)
        """
        return CapSite(PYPROJECT, UV_CONSTRAINTS, REGENERATE, (lock_path.parent / PYPROJECT).is_file(), "")

    def _write_cap(self, lock_path: Path, site: CapSite, texts: ProjectTexts, cap: Cap) -> CapWritten:
        """See :func:`cap_uv_project`."""
        return cap_uv_project(texts, lock_path.parent / PYPROJECT, cap)
