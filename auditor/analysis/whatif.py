"""Whatif: the project re-resolved with requirements added, presented as the user's own lockfile.

The project is copied to a temporary directory (always removed), the requirements are added there
(each replaces the project's own requirements on the same package, caps included: the report says
which were set aside; a requirement that names no extras or marker keeps those of the requirements it
replaces, and the report says what it kept) and the copy is re-resolved the
way its lockfile format says (:mod:`auditor.resolution`). The new resolution is then presented as
the user's lockfile: its path, its format and each package's line in it, so the findings made on it
name the user's files and give that format's advice, never the temporary copy's
``requirements.txt:NN`` and pip-compile's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from auditor.model import PROJECT, Constraint, Lockfile
from auditor.progress import Progress
from auditor.report_parts import Change, WhatIfRequirement
from auditor.resolution import compare, requirement_name, resolved


@dataclass(frozen=True)
class WhatIf:
    """A new resolution of the project with the requirements asked for."""

    lockfile: Lockfile
    """The new resolution, presented as the user's lockfile (:func:`as_project_lock`)."""
    changes: tuple[Change, ...]
    """Every version that differs from the lock, sorted by name."""
    context: str
    """How the new resolution came about, for messages: ``after whatif paramiko==5.1.0``."""
    asked: frozenset[str]
    """Normalized names of the packages the requirements name (they move on purpose)."""
    backend: str
    """``uv-lock`` or ``uv-pip-compile``."""
    lifted: tuple[Constraint, ...] = ()
    """The project's own declarations on the asked packages, caps included, set aside for the question."""
    requirements: tuple[WhatIfRequirement, ...] = ()
    """Each requirement as resolved: the extras and marker it kept of the project's own."""
    lockfile_name: str = ""
    """The user's lockfile name (``requirements.txt``), for the note when it records no declarations."""

    def lifted_notes(self) -> list[str]:
        """``["whatif set aside your own requirements on paramiko ...: paramiko<5 (constraint, pyproject.toml:12)"]``.

        Empty when the project declared nothing on the asked packages.
        """
        if not self.lifted:
            return []
        names = ", ".join(sorted({c.package for c in self.lifted}))
        each = "; ".join(
            f"{c.package}{c.specifier or ' (any version)'} ({c.kind}, {c.file or '?'}{f':{c.line}' if c.line else ''})"
            for c in self.lifted
        )
        return [f"whatif set aside your own requirements on {names} for this question: {each}"]

    def carried_notes(self) -> list[str]:
        """What each requirement kept of the project's own, and where nothing could be read to keep.

        ``["whatif netmiko>=4.8 kept the extras par4 of your 'netmiko[par4]==4.8.0': resolved as 'netmiko[par4]>=4.8' ..."]``;
        for a lockfile that holds the package but records pins only (no declarations), a note that the
        extras and marker the project asks of it are unknown. Empty when nothing was carried over or missed.
        """
        out: list[str] = []
        for req in self.requirements:
            name = requirement_name(req.asked)
            if req.carried:
                kept = [f"the extras {', '.join(req.carried_extras)}"] if req.carried_extras else []
                kept += [f"the marker '{req.carried_marker}'"] if req.carried_marker else []
                yours = ", ".join(f"'{Requirement(r)}'" for r in req.replaced)
                out.append(
                    f"whatif {req.asked} kept {' and '.join(kept)} of your {yours}: resolved as '{req.resolved}' "
                    "(name extras or a marker in the requirement to ask for others)"
                )
            elif not req.declarations_known:
                out.append(
                    f"whatif {req.asked}: {self.lockfile_name or 'the lockfile'} records pins only (no file beside "
                    f"it declares the project's requirements), not the extras or marker your project asks of {name}, "
                    f"so none were kept; name them in the requirement (e.g. {name}[EXTRA]) if you use any"
                )
        return out


def _asked(requirement: str) -> Constraint:
    req = Requirement(requirement)
    return Constraint(
        PROJECT,
        canonicalize_name(req.name),
        str(req.specifier),
        str(req.marker) if req.marker else None,
        "dependency",
        None,
        None,
        tuple(sorted(req.extras)),
    )


def as_project_lock(new: Lockfile, lockfile: Lockfile, requirements: Sequence[str]) -> Lockfile:
    """``new`` (parsed from the temporary copy) presented as ``lockfile``, the user's.

    Path, format, project name and cap site become the user's; each package keeps the line where the user's
    lock has it (None for a package the lock does not hold); the declarations are the user's, with
    ``requirements`` (as resolved: extras and marker carried over) in place of the user's own on those packages.

    Raises:
        ResolverError: a requirement is not PEP 508 (checked before resolving, so not in practice).
    """
    asked = {requirement_name(r) for r in requirements}
    packages = {
        name: replace(pkg, line=lockfile.packages[name].line if name in lockfile.packages else None)
        for name, pkg in new.packages.items()
    }
    declared = tuple(c for c in lockfile.declarations if c.package not in asked)
    return replace(
        new,
        path=lockfile.path,
        format=lockfile.format,
        packages=packages,
        declarations=(*declared, *(_asked(r) for r in requirements)),
        project_name=lockfile.project_name,
        cap_site=lockfile.cap_site,
    )


def resolve_whatif(
    lockfile: Lockfile,
    requirements: Sequence[str],
    *,
    upgrade: bool,
    offline: bool,
    python_version: str | None,
    progress: Progress,
) -> WhatIf:
    """Re-resolve ``lockfile``'s project with ``requirements`` added (and everything upgraded with ``upgrade``).

    Raises:
        ResolverError: an invalid or unsatisfiable requirement, or uv failed (uv's reason, one line).
        LockfileError: the new lock cannot be read.
    """
    what = " ".join(requirements) + (" --upgrade" if upgrade else "")
    progress.start("resolving", None)
    try:
        with resolved(
            lockfile, requirements=requirements, upgrade=upgrade, offline=offline, python_version=python_version
        ) as new:
            changes = tuple(compare(lockfile, new.lockfile))
            merged = new.requirements
            presented = as_project_lock(new.lockfile, lockfile, [m.resolved for m in merged])
            backend = new.backend
    finally:
        progress.stop()
    asked = frozenset(requirement_name(r) for r in requirements)
    return WhatIf(
        lockfile=presented,
        changes=changes,
        context=f"after whatif {what.strip()}",
        asked=asked,
        backend=backend,
        lifted=tuple(c for c in lockfile.declarations if c.by == PROJECT and c.package in asked),
        requirements=merged,
        lockfile_name=lockfile.path.name,
    )
