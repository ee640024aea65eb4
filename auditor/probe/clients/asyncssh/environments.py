"""Python environments that hold the asyncssh release a verification handshake must run.

A release is named as ``installed`` (the interpreter ``--python``, default sshdrift's own, which depends on
asyncssh), ``locked`` (the version the lockfile of ``--project`` pins) or an exact release. When the lock
pins that release, its backend pins (cryptography) are installed exactly too (issue 9 item 2). Exact
releases run in cached uv environments, one per release and set of pins, under ``$SSHDRIFT_CACHE_DIR/envs/``,
built in a temporary sibling directory and renamed into place only when complete (a crash or a
concurrent run never leaves a half-made environment).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from auditor.errors import LockfileError, ResolverError, UsageError
from auditor.probe.clients import environments as shared
from auditor.probe.clients.interface import ClientEnvironment, EnvironmentRequest

if TYPE_CHECKING:
    from auditor.model import Lockfile

CLIENT = "asyncssh"
MARKER = shared.MARKER
"""Written last into a finished environment: ``{"asyncssh": "X.Y.Z", "backend": {"cryptography": ...}}``."""

BACKEND = ("cryptography",)
"""Distributions whose versions change what asyncssh offers (curve448, ML-KEM come from cryptography)."""

_VERSIONS_SCRIPT = """
import json, sys
from importlib.metadata import version
out = {"asyncssh": version("asyncssh")}
for dist in BACKEND:
    try:
        out[dist] = version(dist)
    except Exception:
        pass
sys.stdout.write(json.dumps(out) + "\\n")
"""


def resolve(request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
    """The asyncssh release ``request`` names and, with ``verify``, an interpreter that imports it.

    Raises:
        ConfigError: ``installed`` and the interpreter cannot run or has no asyncssh.
        LockfileError: ``locked`` and the lockfile pins no asyncssh. UsageError: a spec that is none of
            the three forms, or ``locked`` without ``--project``.
        ResolverError: uv could not make the environment (uv's reason in the message).
    """
    if request.spec == "installed":
        python = shared.interpreter(request.python or Path(sys.executable))
        versions = installed_versions(python)
        version = versions.pop(CLIENT)
        return ClientEnvironment(
            CLIENT,
            version,
            python,
            _backend(versions),
            f"installed in {python}",
            backend_source=f"installed in {python}",
        )
    locked: Lockfile | None = None
    if request.spec == "locked":
        locked = _project_lock(request)
        version, source = _locked(locked), locked.path.name
    else:
        version, source = _exact(request.spec), f"asyncssh {request.spec}"
        if request.lock is not None:
            locked = shared.read_lock(request, request.lock)
    pins, lock_name = lock_backend(locked, version) if locked else ((), "")
    pinned_by = f"{lock_name} pins"
    if not verify:
        how = pinned_by if pins else "none pinned: predicted with the offer data's backend"
        return ClientEnvironment(CLIENT, version, None, pins, source, backend_source=how)
    python, backend = ensure_environment(version, offline=request.offline, pins=pins)
    how = f"{pinned_by} (installed exactly)" if pins else "none pinned: the newest the release allows, installed by uv"
    return ClientEnvironment(CLIENT, version, python, backend, source, backend_source=how)


def lock_backend(locked: Lockfile, version: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """``(pins, lockfile name)``: each :data:`BACKEND` member ``locked`` pins when it pins asyncssh ``version``.

    Pins are ``(distribution, version)`` pairs; the name is the lockfile's (``uv.lock``). A lock that pins another asyncssh (a what-if release) or none gives no pins: its backend pins were resolved
    for another release.
    """
    package = locked.packages.get(CLIENT)
    if package is None or package.version != version:
        return (), locked.path.name
    return shared.backend_pins(locked, BACKEND), locked.path.name


def installed_versions(python: Path) -> dict[str, str]:
    """``{"asyncssh": VERSION, "cryptography": VERSION}`` as ``python`` sees them (backends left out when absent).

    Raises:
        ConfigError: ``python`` cannot be run or has no asyncssh.
    """
    return shared.installed_versions(
        python,
        _VERSIONS_SCRIPT.replace("BACKEND", repr(BACKEND)),
        client=CLIENT,
        missing="has no asyncssh",
        next_step="pass --python with the project's interpreter",
    )


def environment_path(version: str, pins: tuple[tuple[str, str], ...] = ()) -> Path:
    """Where the cached environment of asyncssh ``version`` (with ``pins`` of its backend) lives.

    ``asyncssh-X.Y.Z`` without pins (the newest backend the release allows), ``asyncssh-X.Y.Z-<digest>`` with them.
    """
    digest = hashlib.sha256(json.dumps(list(pins)).encode()).hexdigest()[:12] if pins else ""
    return shared.environment_dir(CLIENT, version, digest)


def ensure_environment(
    version: str, *, offline: bool = False, pins: tuple[tuple[str, str], ...] = ()
) -> tuple[Path, tuple[tuple[str, str], ...]]:
    """``(python, backend)`` of the cached environment of asyncssh ``version``, made with uv if needed.

    ``pins`` (``(distribution, version)``, the lock's backend) are installed exactly beside the release.

    Raises:
        ResolverError: uv failed (no such release, pins it cannot satisfy, the index unreachable,
            ``--offline`` with a cold cache).
    """
    final = environment_path(version, pins)
    python = shared.build_environment(
        final,
        base=sys.executable,
        requirements=[f"asyncssh=={version}", *(f"{name}=={pin}" for name, pin in pins)],
        marker=_marker,
        complete=lambda env: _recorded_backend(env, shared.venv_python(env)) is not None,
        what=f"asyncssh {version}",
        offline=offline,
    )
    recorded = _recorded_backend(final, python)
    if recorded is None:
        raise ResolverError(f"asyncssh {version}: its environment in {final} is incomplete; remove it and run again")
    return python, recorded


def _marker(python: Path) -> dict[str, object]:
    """The :data:`MARKER` of a new environment: the asyncssh release and the backend ``python`` imports."""
    versions = installed_versions(python)
    return {CLIENT: versions.pop(CLIENT), "backend": versions}


def _recorded_backend(env: Path, python: Path) -> tuple[tuple[str, str], ...] | None:
    """The backend a finished environment recorded, or None when it is not finished."""
    if not python.exists():
        return None
    with contextlib.suppress(OSError, ValueError, AttributeError):
        marker = json.loads((env / MARKER).read_text(encoding="utf-8"))
        if marker.get(CLIENT):
            return _backend(marker.get("backend") or {})
    return None


def _backend(versions: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in versions.items() if k != CLIENT))


def _project_lock(request: EnvironmentRequest) -> Lockfile:
    """The lockfile of ``request.project`` (for ``locked``). Raises UsageError without one, LockfileError."""
    if request.project is None:
        raise UsageError("asyncssh locked: needs --project PATH (a project directory or its lockfile)")
    return shared.read_lock(request, request.project)


def _locked(lock: Lockfile) -> str:
    """The asyncssh version ``lock`` pins. Raises LockfileError when it pins none."""
    package = lock.packages.get(CLIENT)
    if package is None:
        raise LockfileError(f"{lock.path}: pins no asyncssh; name a release to judge with instead")
    return package.version


def _exact(spec: str) -> str:
    try:
        version = Version(spec)
    except InvalidVersion as exc:
        raise UsageError(f"asyncssh {spec}: expected installed, locked or a release such as 2.24.1") from exc
    if str(version) != spec:
        raise UsageError(f"asyncssh {spec}: give the exact release, such as 2.24.1")
    return spec
