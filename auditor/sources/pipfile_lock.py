"""``Pipfile.lock`` (pipenv, ``pipfile-spec`` 6): pins with markers, no edges.

The lock records neither edges nor specifiers; both come from each locked version's
requires-dist (:mod:`auditor.sources.metadata`). The ``Pipfile`` beside it gives the project's
own declarations. Format reference: pypa/pipfile's README.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.errors import LockfileError
from auditor.model import PROJECT, Constraint, LockedPackage, Lockfile
from auditor.sources.environment import Environment, marker_applies
from auditor.sources.poetry_lock import poetry_to_pep440
from auditor.sources.tomlfile import line_of, parse_toml, read_text

REGENERATE = "pipenv lock"
SUPPORTED_SPECS = (6,)


def parse(path: Path, text: str, env: Environment) -> Lockfile:
    """Parse Pipfile.lock ``text`` read from ``path`` (``default`` and ``develop`` sections).

    Raises:
        LockfileError: not JSON, an unsupported ``pipfile-spec``, or a package without a ``==`` version.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(
            f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); regenerate it with '{REGENERATE}'"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("_meta"), dict):
        raise LockfileError(f"{path}: no '_meta' object, not a Pipfile.lock; regenerate it with '{REGENERATE}'")
    spec = data["_meta"].get("pipfile-spec")
    if spec not in SUPPORTED_SPECS:
        raise LockfileError(
            f"{path}: pipfile-spec {spec!r} is not supported (sshdrift reads pipfile-spec 6); "
            f"regenerate it with '{REGENERATE}'"
        )
    packages: dict[str, LockedPackage] = {}
    for section in ("default", "develop"):
        for raw_name, entry in (data.get(section) or {}).items():
            line = line_of(text, f'"{raw_name}": {{')
            if not isinstance(entry, dict):
                continue
            if not marker_applies(entry.get("markers"), env):
                continue
            name = canonicalize_name(raw_name)
            version = str(entry.get("version", ""))
            if not version.startswith("=="):
                if any(k in entry for k in ("git", "path", "file", "editable")):
                    packages.setdefault(name, LockedPackage(name=name, version="", line=line, source="url"))
                    continue
                raise LockfileError(
                    f"{path}: line {line}: package '{raw_name}' has no version; regenerate it with '{REGENERATE}'"
                )
            packages.setdefault(name, LockedPackage(name=name, version=version[2:], line=line, source="registry"))
    return Lockfile(path=path, format="pipfile", packages=packages)


def pipfile_declarations(pipfile: Path, env: Environment) -> tuple[list[Constraint], list[str]]:
    """The project's own requirements from ``Pipfile`` ``[packages]`` and ``[dev-packages]``.

    Pipfile versions are PEP 440 (``"==4.4.0"``, ``"*"``); inline tables carry ``version``,
    ``extras`` and ``markers``. Returns the constraints (``by`` = :data:`PROJECT`) and the root names.

    Raises:
        LockfileError: the Pipfile is unreadable, not UTF-8 or not TOML.
    """
    fix = "fix the Pipfile and run again"
    text = read_text(pipfile, REGENERATE, next_step=fix)
    data = parse_toml(pipfile, text, REGENERATE, next_step=fix)
    out: list[Constraint] = []
    for section, kind in (("packages", "dependency"), ("dev-packages", "group:dev")):
        table: dict[str, Any] = data.get(section) or {}
        for raw_name, value in table.items():
            entry = {"version": value} if isinstance(value, str) else value
            if not isinstance(entry, dict):
                continue
            marker = entry.get("markers")
            if not marker_applies(marker, env):
                continue
            version = str(entry.get("version", "*"))
            try:
                specifier = poetry_to_pep440(version) if version.strip() != "*" else ""
            except ValueError:
                specifier = ""
            out.append(
                Constraint(
                    by=PROJECT,
                    package=canonicalize_name(raw_name),
                    specifier=specifier,
                    marker=marker,
                    kind=kind,
                    file=pipfile.name,
                    line=line_of(text, f"{raw_name} ="),
                    extras=tuple(str(e) for e in entry.get("extras", ())),
                )
            )
    return out, [c.package for c in out]
