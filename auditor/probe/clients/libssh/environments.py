"""Python environments holding the ansible-pylibssh release (and so the libssh) a verification must run.

The release to judge comes from :class:`~auditor.probe.clients.interface.EnvironmentRequest`:

* ``installed``: the interpreter ``request.python`` (default the running one) and the pylibssh it imports;
* ``locked``: the ``ansible-pylibssh`` pin of the lockfile of ``request.project``;
* ``X.Y.Z``: any release with offer data.

Cached environments are made with uv (``uv venv`` + ``uv pip install --only-binary :all:``: the
release's own wheel, whose bundled libssh is what we judge; building from source would link the
machine's libssh instead), one per release, under ``$SSHDRIFT_CACHE_DIR/envs/libssh-X.Y.Z``, on the
Python the offer data was captured with (releases before 1.1.0 have no wheels for Python 3.11). Each
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
from auditor.probe.clients.libssh import offers

CLIENT = "libssh"
"""The registry name of this client."""

MARKER = shared.MARKER
"""File written last into a finished environment: ``{"ansible-pylibssh": V, "libssh": V, "python": ...}``."""

_VERSION_SCRIPT = (
    "import json, re, pylibsshext as p; full = getattr(p, '__full_version__', '');"
    "m = re.search(r'libssh v?([0-9][0-9.]*[0-9])', full);"
    "print(json.dumps({'ansible-pylibssh': p.__version__, 'libssh': m.group(1) if m else None}))"
)
"""Run by a foreign interpreter: the pylibssh release and the libssh it was built with."""


def resolve(request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
    """The ansible-pylibssh release ``request`` names and, with ``verify``, an interpreter that imports it.

    Args:
        request: ``spec`` ``installed``, ``locked`` or an exact release (``1.4.0``); ``offline`` for uv.
        verify: make (or reuse) the environment; without it only the release is settled.

    Returns:
        A :class:`ClientEnvironment`: ``version`` the pylibssh release, ``backend`` ``(("libssh", V),)``
        when known, ``source`` where the choice came from.

    Raises:
        ConfigError: ``installed`` and the interpreter cannot run or has no pylibssh.
        LockfileError: ``locked`` and the lockfile pins no ansible-pylibssh.
        UsageError: a malformed release, or ``locked`` without a project.
        ResolverError: uv could not make the environment.
    """
    if request.spec == "installed":
        python = shared.interpreter(request.python or Path(sys.executable))
        found = installed_versions(python)
        version = found["ansible-pylibssh"]
        return ClientEnvironment(CLIENT, version, python, _backend(found.get("libssh")), f"installed in {python}")
    if request.spec == "locked":
        version, source = locked_version(request)
    else:
        version, source = _exact(request.spec), f"--client libssh {request.spec}"
    libssh = _known_libssh(version)
    if not verify:
        return ClientEnvironment(CLIENT, version, None, _backend(libssh), source)
    python = ensure_environment(version, offline=request.offline)
    return ClientEnvironment(CLIENT, version, python, _backend(libssh), source)


def _known_libssh(version: str) -> str | None:
    with contextlib.suppress(AuditorError):
        return offers.libssh_version(version)
    return None


def _backend(libssh: str | None) -> tuple[tuple[str, str], ...]:
    return (("libssh", libssh),) if libssh else ()


def _exact(spec: str) -> str:
    try:
        Version(spec)
    except InvalidVersion as exc:
        raise UsageError(
            f"libssh {spec}: expected installed, locked or an ansible-pylibssh release such as 1.4.0"
        ) from exc
    return spec


def locked_version(request: EnvironmentRequest) -> tuple[str, str]:
    """The ansible-pylibssh version the lockfile of ``request.project`` pins, and that lockfile's name.

    Raises:
        UsageError: no project was given.
        LockfileError: the lockfile cannot be read or pins no ansible-pylibssh.
    """
    if request.project is None:
        raise UsageError("libssh locked: needs --project PATH (a project directory or its lockfile)")
    lock = shared.read_lock(request, request.project)
    package = lock.packages.get(offers.PACKAGE)
    if package is None:
        raise LockfileError(f"{lock.path}: pins no {offers.PACKAGE}; name a release with --client libssh=X.Y.Z")
    return package.version, lock.path.name


def installed_versions(python: Path) -> dict[str, str]:
    """``{"ansible-pylibssh": V, "libssh": V}`` as ``python`` imports them (``libssh`` left out when unknown).

    Raises:
        ConfigError: ``python`` cannot run or cannot import pylibsshext.
    """
    return shared.installed_versions(
        python,
        _VERSION_SCRIPT,
        client=offers.PACKAGE,
        missing="cannot import pylibsshext",
        next_step="install ansible-pylibssh there or name a release",
    )


def environment_path(version: str) -> Path:
    """Where the cached environment of ansible-pylibssh ``version`` lives (it may not exist yet)."""
    return shared.environment_dir("libssh", version)


def python_for(version: str) -> str:
    """The Python (``3.11``) whose wheels of ``version`` the offer data was captured with; else ours."""
    return shared.python_for(version, offers.release)


def ensure_environment(version: str, *, offline: bool = False) -> Path:
    """The interpreter of the cached environment of ansible-pylibssh ``version``, made if needed.

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
