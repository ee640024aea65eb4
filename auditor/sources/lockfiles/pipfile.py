"""``Pipfile.lock`` (pipenv, ``pipfile-spec`` 6): pins with markers, no edges.

The lock records neither edges nor specifiers; both come from each locked version's
requires-dist (:mod:`auditor.sources.metadata`). The ``Pipfile`` beside it gives the project's
own declarations. Format reference: pypa/pipfile's README.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.errors import LockfileError
from auditor.model import PROJECT, Constraint, LockedPackage, Lockfile
from auditor.sources.environment import Environment, marker_applies
from auditor.sources.lockfiles.interface import Cap, CapSite, CapWritten, LockfileFormat, ProjectTexts
from auditor.sources.lockfiles.poetry import poetry_to_pep440
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
    return Lockfile(path=path, format=PipfileLock.name, packages=packages)


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


PIPFILE = "Pipfile"


class PipfileLock(LockfileFormat):
    """``Pipfile.lock`` (pipenv): pins only; the project's requirements and caps live in the ``Pipfile``."""

    name = "pipfile"
    file_patterns = ("Pipfile.lock",)
    regenerate = REGENERATE
    # Pipfile.lock records no dependents and 'pipenv graph' reads the installed environment only (before
    # 'pipenv sync' it lists pip and setuptools); it has no package filter.
    dependents_command = "pipenv graph --reverse"

    def sniff(self, path: Path, text: str) -> bool:
        """A JSON object with pipenv's ``_meta`` key."""
        if not text.lstrip().startswith("{"):
            return False
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return False
        return isinstance(data, dict) and "_meta" in data

    def parse(self, path: Path, text: str, env: Environment) -> Lockfile:
        """See :func:`parse`."""
        return parse(path, text, env)

    def dependents_hint(self, package: str, lock_name: str) -> str:
        """``with 'pipenv graph --reverse'`` after ``pipenv sync``, and where ``package``'s dependents are in it."""
        del lock_name
        return (
            f"with '{self.dependents_command}' after 'pipenv sync' (it shows the installed environment; "
            f"the lines under {package} name who requires it)"
        )

    def attach_declarations(self, lockfile: Lockfile, env: Environment) -> Lockfile:
        """The ``Pipfile`` beside the lock (:func:`pipfile_declarations`), else the default (pyproject.toml)."""
        pipfile = lockfile.path.parent / PIPFILE
        if not pipfile.is_file():
            return super().attach_declarations(lockfile, env)
        found, found_roots = pipfile_declarations(pipfile, env)
        return replace(lockfile, declarations=tuple(found), roots=lockfile.roots or tuple(found_roots))

    def cap_site(self, lock_path: Path) -> CapSite:
        """``[packages]`` in the ``Pipfile`` beside the lock, re-locked with ``pipenv lock``.

        pipenv has no constraints-only table in the Pipfile: a transitive package is capped by
        declaring it with only the bound (it is installed anyway; the bound is what matters).
        """
        return CapSite(PIPFILE, "[packages]", REGENERATE, (lock_path.parent / PIPFILE).is_file())

    def cap_advice(self, site: CapSite, requirement: str) -> str:
        """``add paramiko = "<5" to [packages] in Pipfile and run 'pipenv lock'``."""
        name, _, spec = requirement.partition("<")
        return f"add {name} = \"<{spec}\" to {site.place} in {site.file} and run '{site.regenerate}'"

    def _write_cap(self, lock_path: Path, site: CapSite, texts: ProjectTexts, cap: Cap) -> CapWritten:
        """Join the bound to the package's ``[packages]`` / ``[dev-packages]`` entries, else add it to ``[packages]``."""
        from auditor.sources.lockfiles import edit  # tomlkit, kept off the `lock` start-up path

        pipfile = lock_path.parent / PIPFILE
        new, places = edit.bound_pipfile(texts.text(pipfile), cap.package, cap.bound)
        texts.set(pipfile, new)
        return CapWritten(pipfile, ", ".join(places), cap.bound)
