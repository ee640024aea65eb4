"""``pdm.lock`` (``lock_version`` 4.x): packages with their declared PEP 508 dependencies.

PDM writes each package's requires-dist (already filtered to the locked extras) as
``dependencies = ["paramiko>=2.9.5", ...]``; a package locked with extras gets a second entry
carrying ``extras = [...]`` whose dependencies are merged into the package here.
Format reference: PDM's documentation, "Lock file".
"""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from auditor.errors import LockfileError
from auditor.model import Constraint, LockedPackage, Lockfile
from auditor.sources.environment import Environment, marker_applies
from auditor.sources.tomlfile import package_entries, parse_toml

REGENERATE = "pdm lock"


def parse(path: Path, text: str, env: Environment) -> Lockfile:
    """Parse pdm.lock ``text`` read from ``path``.

    Raises:
        LockfileError: not TOML, a ``lock_version`` other than 4.x, a package without version, or a
            dependency that is not a PEP 508 requirement.
    """
    data = parse_toml(path, text, REGENERATE)
    lock_version = str((data.get("metadata") or {}).get("lock_version", ""))
    if not lock_version.startswith("4."):
        raise LockfileError(
            f"{path}: lock_version {lock_version or '(none)'} is not supported (sshdrift reads pdm.lock "
            f"lock_version 4.x); regenerate it with '{REGENERATE}' from PDM 2.8 or later"
        )
    found: dict[str, tuple[str, int | None, list[Constraint]]] = {}
    for entry, name, line in package_entries(path, data, text, REGENERATE):
        version = entry.get("version")
        if not version:
            raise LockfileError(
                f"{path}: line {line}: package '{name}' has no version; regenerate it with '{REGENERATE}'"
            )
        if not marker_applies(entry.get("marker"), env):
            continue
        normalized = canonicalize_name(name)
        constraints: list[Constraint] = []
        for text_req in entry.get("dependencies") or ():
            try:
                req = Requirement(str(text_req))
            except InvalidRequirement as exc:
                raise LockfileError(
                    f"{path}: line {line}: package '{name}' has a bad dependency {text_req!r} ({exc}); "
                    f"regenerate it with '{REGENERATE}'"
                ) from None
            dep = canonicalize_name(req.name)
            if dep == normalized or not marker_applies(req.marker, env):
                continue
            constraints.append(
                Constraint(
                    by=normalized,
                    package=dep,
                    specifier=str(req.specifier),
                    marker=str(req.marker) if req.marker else None,
                    file=path.name,
                    line=line,
                    extras=tuple(sorted(req.extras)),
                )
            )
        previous = found.get(normalized)
        entry_line = line
        if previous is not None:
            # The extras entry merges into the plain one, which keeps its line.
            constraints = previous[2] + constraints
            entry_line = previous[1] if not entry.get("extras") else previous[1] or line
        found[normalized] = (str(version), entry_line, constraints)
    packages = {
        name: LockedPackage(
            name=name,
            version=version,
            dependencies=tuple(dict.fromkeys(c.package for c in constraints)),
            constraints=tuple(constraints),
            line=line,
            source="registry",
        )
        for name, (version, line, constraints) in found.items()
    }
    return Lockfile(path=path, format="pdm", packages=packages)
