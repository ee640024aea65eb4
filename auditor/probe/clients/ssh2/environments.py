"""Python environments holding the ssh2-python release (and so the libssh2) a verification must run.

The release to judge comes from :class:`~auditor.probe.clients.interface.EnvironmentRequest`:

* ``installed``: the interpreter ``request.python`` (default the running one) and the ssh2-python it imports;
* ``locked``: the ``ssh2-python`` pin of the lockfile of ``request.project``;
* ``X.Y.Z``: any release with offer data.

Cached environments are made with uv (``uv venv`` + ``uv pip install --only-binary :all:``: the
release's own wheel, whose bundled libssh2 is what we judge; building from source would link the
machine's libssh2 instead), one per release, under ``$SSHDRIFT_CACHE_DIR/envs/ssh2-X.Y.Z``, on the
Python the offer data was captured with (releases before 1.0.0 have no wheels for Python 3.11). Each
is built in a temporary directory beside its final place and renamed into place when complete.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

from auditor.errors import AuditorError, LockfileError, UsageError
from auditor.probe.clients import environments as shared
from auditor.probe.clients.interface import ClientEnvironment, EnvironmentRequest
from auditor.probe.clients.ssh2 import offers

CLIENT = "ssh2"
"""The registry name of this client."""

MARKER = shared.MARKER
"""File written last into a finished environment: ``{"ssh2-python": V, "libssh2": V, "python": ...}``."""

_VERSION_SCRIPT = (
    "import json, ssh2; from ssh2.utils import version; v = version();"
    "v = v.decode() if isinstance(v, bytes) else str(v);"
    "print(json.dumps({'ssh2-python': ssh2.__version__, 'libssh2': v}))"
)
"""Run by a foreign interpreter: the ssh2-python release and the libssh2 it was built with."""


def resolve(request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
    """The ssh2-python release ``request`` names and, with ``verify``, an interpreter that imports it.

    Args:
        request: ``spec`` ``installed``, ``locked`` or an exact release (``1.2.0.post1``); ``offline`` for uv.
        verify: make (or reuse) the environment; without it only the release is settled.

    Returns:
        A :class:`ClientEnvironment`: ``version`` the ssh2-python release, ``backend`` ``(("libssh2", V),)``
        when known, ``source`` where the choice came from.

    Raises:
        ConfigError: ``installed`` and the interpreter cannot run or has no ssh2-python.
        LockfileError: ``locked`` and the lockfile pins no ssh2-python.
        UsageError: a malformed release, or ``locked`` without a project.
        ResolverError: uv could not make the environment.
    """
    if request.spec == "installed":
        python = shared.interpreter(request.python or Path(sys.executable))
        found = installed_versions(python)
        version = found["ssh2-python"]
        return ClientEnvironment(CLIENT, version, python, _backend(found.get("libssh2")), f"installed in {python}")
    if request.spec == "locked":
        version, source = locked_version(request)
    else:
        version, source = _exact(request.spec), f"--client ssh2 {request.spec}"
    libssh = _known_libssh2(version)
    if not verify:
        return ClientEnvironment(CLIENT, version, None, _backend(libssh), source)
    python = ensure_environment(version, offline=request.offline)
    return ClientEnvironment(CLIENT, version, python, _backend(libssh), source)


def _known_libssh2(version: str) -> str | None:
    with contextlib.suppress(AuditorError):
        return offers.libssh2_version(version)
    return None


def _backend(libssh: str | None) -> tuple[tuple[str, str], ...]:
    return (("libssh2", libssh),) if libssh else ()


def _exact(spec: str) -> str:
    try:
        Version(spec)
    except InvalidVersion as exc:
        raise UsageError(
            f"ssh2 {spec}: expected installed, locked or an ssh2-python release such as 1.2.0.post1"
        ) from exc
    return spec


def locked_version(request: EnvironmentRequest) -> tuple[str, str]:
    """The ssh2-python version the lockfile of ``request.project`` pins, and that lockfile's name.

    Raises:
        UsageError: no project was given.
        LockfileError: the lockfile cannot be read or pins no ssh2-python.
    """
    if request.project is None:
        raise UsageError("ssh2 locked: needs --project PATH (a project directory or its lockfile)")
    lock = shared.read_lock(request, request.project)
    package = lock.packages.get(offers.PACKAGE)
    if package is None:
        raise LockfileError(f"{lock.path}: pins no {offers.PACKAGE}; name a release with --client ssh2")
    return package.version, lock.path.name


def installed_versions(python: Path) -> dict[str, str]:
    """``{"ssh2-python": V, "libssh2": V}`` as ``python`` imports them (``libssh2`` left out when unknown).

    Raises:
        ConfigError: ``python`` cannot run or cannot import ssh2.
    """
    return shared.installed_versions(
        python,
        _VERSION_SCRIPT,
        client=offers.PACKAGE,
        missing="cannot import ssh2",
        next_step="install ssh2-python there or name a release",
    )


def environment_path(version: str) -> Path:
    """Where the cached environment of ssh2-python ``version`` lives (it may not exist yet)."""
    return shared.environment_dir("ssh2", version)


def python_for(version: str) -> str:
    """The Python (``3.11``) whose wheels of ``version`` the offer data was captured with; else ours."""
    return shared.python_for(version, offers.release)


def ensure_environment(version: str, *, offline: bool = False) -> Path:
    """The interpreter of the cached environment of ssh2-python ``version``, made if needed.

    Raises:
        ResolverError: uv failed (no wheel for this Python, no such release, the index unreachable, or
            ``--offline`` with an empty cache); the message carries uv's reason.
    """
    base = python_for(version)
    return shared.build_environment(
        environment_path(version),
        base=base,
        requirements=[f"{offers.PACKAGE}=={version}"],
        marker=lambda python: {**installed_versions(python), "python": base},
        complete=lambda env: shared.is_complete(env, offers.PACKAGE),
        what=f"{offers.PACKAGE} {version}",
        check="the release",
        offline=offline,
        binary_only=True,
    )
