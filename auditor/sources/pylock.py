"""``pylock.toml`` / ``pylock.*.toml`` (PEP 751), parsed and validated by :mod:`packaging.pylock`.

PEP 751 records no specifiers; ``dependencies`` (optional) only reference other entries.
Specifiers come from each locked version's requires-dist (:mod:`auditor.sources.metadata`).
"""

from __future__ import annotations

from pathlib import Path

from packaging.pylock import Pylock, PylockUnsupportedVersionError, PylockValidationError
from packaging.utils import canonicalize_name

from auditor.errors import LockfileError
from auditor.model import LockedPackage, Lockfile
from auditor.sources.environment import Environment, marker_applies
from auditor.sources.tomlfile import entry_lines, parse_toml

REGENERATE = "uv export --format pylock.toml -o pylock.toml"


def parse(path: Path, text: str, env: Environment) -> Lockfile:
    """Parse a PEP 751 lock ``text`` read from ``path``; entries whose ``marker`` fails in ``env`` are left out.

    Raises:
        LockfileError: not TOML, an unsupported ``lock-version``, or an invalid entry (per packaging).
    """
    data = parse_toml(path, text, REGENERATE)
    lines = list(entry_lines(text, "[[packages]]"))
    for index, entry in enumerate(data.get("packages") or ()):
        if isinstance(entry, dict) and "name" in entry and not entry.get("version") and "index" in entry:
            line = lines[index][1] if index < len(lines) else None
            # PEP 751 lets version be omitted only for non-index sources; a registry entry needs one.
            raise LockfileError(
                f"{path}: line {line}: package '{entry['name']}' has no version; regenerate it with '{REGENERATE}'"
            )
    try:
        lock = Pylock.from_dict(data)
    except PylockUnsupportedVersionError as exc:
        raise LockfileError(
            f"{path}: lock-version {data.get('lock-version')!r} is not supported ({exc}); "
            f"regenerate it with '{REGENERATE}'"
        ) from None
    except PylockValidationError as exc:
        raise LockfileError(f"{path}: not a valid pylock file ({exc}); regenerate it with '{REGENERATE}'") from None
    packages: dict[str, LockedPackage] = {}
    for index, package in enumerate(lock.packages):
        line = lines[index][1] if index < len(lines) else None
        if package.marker is not None and not marker_applies(package.marker, env):
            continue
        name = canonicalize_name(package.name)
        if package.version is None:
            source = "git" if package.vcs else "path" if package.directory else "url"
            packages[name] = LockedPackage(name=name, version="", line=line, source=source)
            continue
        deps = tuple(
            canonicalize_name(str(d["name"]))
            for d in (package.dependencies or ())
            if isinstance(d, dict) and "name" in d
        )
        packages[name] = LockedPackage(
            name=name, version=str(package.version), dependencies=deps, line=line, source="registry"
        )
    return Lockfile(path=path, format="pylock", packages=packages)
