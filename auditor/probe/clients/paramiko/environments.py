"""Python environments that hold the Paramiko a verification handshake must run.

``--paramiko`` names the Paramiko to verify with:

* ``installed``: the audited project's own interpreter (``--python PATH``, default the running one);
* ``locked``: the version pinned in the lockfile of ``--project PATH``, installed in a cached environment;
* ``X.Y.Z``: any release, installed in a cached environment.

Cached environments are made with uv (``uv venv`` + ``uv pip install``) under
``$SSHDRIFT_CACHE_DIR/envs/`` (default: platformdirs' user cache directory for ``sshdrift``):
``paramiko-X.Y.Z`` holds a release with the newest backend it allows; when a lockfile pins the judged
release (``locked``, or the release a project's lock brought in), the environment holds exactly the
lock's pins of paramiko's backend (:data:`BACKEND_PACKAGES`) on the lock's Python where it pins one,
under ``paramiko-X.Y.Z-<digest of those pins>``. What Paramiko offers depends on that backend
(5.1.0 offers ML-KEM only with cryptography >= 48.0.0). Each is built in a temporary directory
beside its final place and renamed into place only when complete, so a crash or a concurrent run
never leaves a half-made environment.

Old releases need an era-appropriate environment (``../shared/reference/ssh-stack-facts.md``,
"Building an algorithm table for every Paramiko release"): 2.0-2.3 import
``collections.MutableMapping`` (Python <= 3.9); below 2.5 they need ``cryptography<35``; below
2.10 they need ``six``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from auditor.errors import LockfileError, UsageError
from auditor.probe.clients import environments as shared
from auditor.probe.clients.interface import ClientEnvironment, EnvironmentRequest

if TYPE_CHECKING:
    from auditor.model import Lockfile

MARKER = shared.MARKER
"""File written last into a finished environment: ``{"paramiko": "X.Y.Z", "python": ..., "backend": {...}, "pins": {...}}``."""

CLIENT = "paramiko"
"""The registry name of this client."""

BACKEND_MODULES: tuple[tuple[str, str], ...] = (
    ("cryptography", "cryptography"),
    ("bcrypt", "bcrypt"),
    ("pynacl", "nacl"),
    ("invoke", "invoke"),
    ("gssapi", "gssapi"),
)
"""``(distribution, module)`` of the backends whose versions change what Paramiko offers or loads."""

BACKEND_PACKAGES: tuple[str, ...] = ("bcrypt", "cryptography", "gssapi", "invoke", "pynacl")
"""The lock packages pinned exactly in a verification environment (with paramiko itself), when locked."""

_OLD_PYTHONS = ("3.9", "3.8", "3.7")
"""Interpreters, newest first, for releases that cannot import on Python >= 3.10."""


def era_requirements(paramiko: str) -> list[str]:
    """The requirements to install for Paramiko ``paramiko`` (an exact version), era extras included.

    Source: ssh-stack-facts.md (below 2.5: ``cryptography<35``; below 2.10: ``six``).

    Raises:
        UsageError: ``paramiko`` is not a version.
    """
    version = _parse(paramiko)
    requirements = [f"paramiko=={paramiko}"]
    if version < Version("2.5"):
        requirements.append("cryptography<35")
    if version < Version("2.10"):
        requirements.append("six")
    return requirements


def needs_old_python(paramiko: str) -> bool:
    """Whether Paramiko ``paramiko`` needs Python <= 3.9 (2.0-2.3 import ``collections.MutableMapping``)."""
    return _parse(paramiko) < Version("2.4") and sys.version_info >= (3, 10)


def resolve(request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
    """The Paramiko release ``request`` names and, with ``verify``, the interpreter that imports it.

    Args:
        request: ``spec`` ``installed`` (``request.python`` or the running interpreter), ``locked``
            (the lockfile of ``request.project``) or an exact release such as ``5.1.0``; ``offline`` for uv;
            ``lock``: a lockfile whose pins of paramiko's backend (and Python) to follow when it pins ``spec``.
        verify: make (or reuse) the environment of that release; without it only the version is settled.

    Returns:
        A :class:`ClientEnvironment` with the version, the interpreter (when there is one), the backend
        versions (the lock's pins, else what the interpreter imports, else none: the prediction then
        assumes the newest backend the release allows), the ``source`` of the choice and ``backend_source``.

    Raises:
        ConfigError: ``installed`` and the interpreter cannot run or has no paramiko.
        LockfileError: ``locked`` and the project's lockfile pins no paramiko.
        UsageError: a value that is none of the three forms, or ``locked`` without a project.
        ResolverError: uv could not make the environment (uv's reason in the message).
    """
    if request.spec == "installed":
        python = shared.interpreter(request.python or Path(sys.executable))
        versions = installed_versions(python)
        version = versions.pop("paramiko")
        where = f"installed in {python}"
        return ClientEnvironment(CLIENT, version, python, _backend(versions), where, backend_source=where)
    pins = _pins_for(request)
    if request.spec == "locked":
        version, source = pins.paramiko or "", pins.lock_name
    else:
        version, source = request.spec, f"--paramiko {request.spec}"
        if verify:
            _parse(version)
        if pins.paramiko != version:
            pins = LockPins()
    if not verify:
        # An exact release or a post/local build: the prediction rejects one it has no data for.
        return ClientEnvironment(CLIENT, version, None, pins.backend, source, backend_source=_pins_source(pins))
    python, _ = ensure_environment(version, offline=request.offline, pins=pins)
    backend = environment_backend(environment_path(version, pins), python)
    return ClientEnvironment(CLIENT, version, python, backend, source, backend_source=_installed_source(pins))


def _pins_for(request: EnvironmentRequest) -> LockPins:
    """The lock pins that apply: ``--project``'s lockfile for ``locked``, else ``request.lock`` when given."""
    if request.spec == "locked":
        if request.project is None:
            raise UsageError("--paramiko locked: needs --project PATH (a project directory or its lockfile)")
        pins = pins_of(shared.read_lock(request, request.project))
        if pins.paramiko is None:
            raise LockfileError(
                f"{pins.lock_name}: pins no paramiko; use --paramiko X.Y.Z to choose the release to verify with"
            )
        return pins
    if request.lock is None or request.spec == "installed":
        return LockPins()
    return pins_of(shared.read_lock(request, request.lock))


def _pins_source(pins: LockPins) -> str:
    """``backend_source`` of a prediction-only environment."""
    if pins.backend:
        return f"{pins.lock_name} pins"
    return "none pinned: predicted with the newest backend the release allows (as its offer data was captured)"


def _installed_source(pins: LockPins) -> str:
    """``backend_source`` of a made environment."""
    if pins.backend:
        python = f", Python {pins.python}" if pins.python else ""
        return f"{pins.lock_name} pins (installed exactly{python})"
    return "none pinned: the newest the release allows, installed by uv"


@dataclass(frozen=True)
class LockPins:
    """What a lockfile pins of Paramiko's environment: the client, its backend and the Python."""

    paramiko: str | None = None
    """The locked paramiko version, or None."""
    backend: tuple[tuple[str, str], ...] = ()
    """``(distribution, version)`` of each locked :data:`BACKEND_PACKAGES` member, sorted."""
    python: str | None = None
    """The Python the lock pins (``3.11``), or None when it allows a range."""
    lock_name: str = ""
    """The lockfile's file name, for the report (``uv.lock``)."""

    def key(self) -> str:
        """A short stable digest of the backend pins and Python (the environment cache key), or ``""``."""
        if not self.backend and not self.python:
            return ""
        text = json.dumps({"backend": list(self.backend), "python": self.python}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def lock_pins(path: Path, *, python_version: str | None = None) -> LockPins:
    """The pins of paramiko, :data:`BACKEND_PACKAGES` and Python in the lockfile at ``path`` (or its directory).

    Raises:
        LockfileError: no lockfile, or one that cannot be read (one line naming it).
    """
    from auditor.sources.lockfiles import load_lockfile

    return pins_of(load_lockfile(path, python_version=python_version))


def pins_of(lock: Lockfile) -> LockPins:
    """The pins of paramiko, :data:`BACKEND_PACKAGES` and Python (:func:`lock_python` of its path) in ``lock``."""
    paramiko = lock.packages.get("paramiko")
    backend = shared.backend_pins(lock, BACKEND_PACKAGES)
    return LockPins(
        paramiko=paramiko.version if paramiko else None,
        backend=backend,
        python=lock_python(lock.path),
        lock_name=lock.path.name,
    )


def lock_python(path: Path) -> str | None:
    """The Python version a lockfile pins (``3.11`` or ``3.11.9``), or None when it names a range or none.

    Read from ``requires-python`` (uv.lock, pylock.toml; PEP 751), ``[metadata] python-versions``
    (poetry.lock) or ``_meta.requires.python_version``/``python_full_version`` (Pipfile.lock); only an
    exact ``==X.Y``, ``==X.Y.*`` or ``==X.Y.Z`` (or Pipfile's plain version) counts as a pin.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if path.name == "Pipfile.lock":
        with contextlib.suppress(ValueError, AttributeError):
            requires = json.loads(text).get("_meta", {}).get("requires", {})
            found = requires.get("python_full_version") or requires.get("python_version")
            return str(found) if found and re.fullmatch(r"\d+\.\d+(\.\d+)?", str(found)) else None
        return None
    match = re.search(r'^(?:requires-python|python-versions)\s*=\s*"([^"]*)"', text, re.MULTILINE)
    if match is None:
        return None
    exact = re.fullmatch(r"\s*==\s*(\d+\.\d+(?:\.\d+)?)(?:\.\*)?\s*", match.group(1))
    return exact.group(1) if exact else None


_VERSIONS_SCRIPT = """
import json, sys
import paramiko
out = {"paramiko": paramiko.__version__}
try:
    from importlib.metadata import version
except ImportError:
    version = None
for dist, module in BACKEND:
    try:
        out[dist] = version(dist) if version else __import__(module).__version__
    except Exception:
        pass
sys.stdout.write(json.dumps(out) + "\\n")
"""
"""Run by a foreign interpreter (Python 3.7+): paramiko's version, then each backend's when installed."""


def installed_versions(python: Path) -> dict[str, str]:
    """``{"paramiko": VERSION, "cryptography": ..., "bcrypt": ..., "pynacl": ...}`` as ``python`` imports them.

    Backends that are not installed are left out.

    Raises:
        ConfigError: ``python`` cannot be run, or it has no importable paramiko.
    """
    # Compare without following symlinks: every venv's python links to the same base interpreter.
    if Path(python).absolute() == Path(sys.executable).absolute():
        # Our own interpreter: the distributions' metadata answers without importing paramiko (and
        # cryptography) in a subprocess, which costs a second or more.
        own = _own_versions()
        if own is not None:
            return own
    return shared.installed_versions(
        python,
        _VERSIONS_SCRIPT.replace("BACKEND", repr(BACKEND_MODULES)),
        client=CLIENT,
        missing="cannot import paramiko",
        next_step="pass --python with the project's interpreter, or --paramiko X.Y.Z / --paramiko locked",
    )


def _own_versions() -> dict[str, str] | None:
    """:func:`installed_versions` of the running interpreter from metadata, or None without paramiko."""
    import importlib.metadata

    out: dict[str, str] = {}
    for dist in ("paramiko", *(name for name, _ in BACKEND_MODULES)):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            if dist == "paramiko":
                return None
    return out


def installed_version(python: Path) -> str:
    """``paramiko.__version__`` as ``python`` imports it. Raises :class:`ConfigError` as :func:`installed_versions`."""
    return installed_versions(python)["paramiko"]


def environment_backend(env: Path, python: Path) -> tuple[tuple[str, str], ...]:
    """The backend versions of a cached environment: from its marker, else asked of its interpreter once.

    What the interpreter answers is written into the marker (:func:`shared.record_in_marker`), so an
    environment made by an older sshdrift is asked only on its first use.

    Raises:
        ConfigError: the marker has none and the interpreter cannot tell (a broken environment).
    """
    recorded = shared.read_marker(env).get("backend")
    if isinstance(recorded, dict):
        return _backend(recorded)
    versions = installed_versions(python)
    versions.pop("paramiko", None)
    backend = _backend(versions)
    shared.record_in_marker(env, {"backend": dict(backend)})
    return backend


def _backend(versions: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in versions.items() if k != "paramiko"))


def locked_version(request: EnvironmentRequest) -> tuple[str, str]:
    """The paramiko version pinned by the lockfile of ``request.project``, and that lockfile's name.

    Raises:
        UsageError: no ``--project`` was given.
        LockfileError: the lockfile cannot be read or pins no paramiko.
    """
    pins = _pins_for(replace(request, spec="locked"))
    return pins.paramiko or "", pins.lock_name


def environment_path(paramiko: str, pins: LockPins | None = None) -> Path:
    """Where the cached environment of Paramiko ``paramiko`` with ``pins`` lives (it may not exist yet).

    ``paramiko-X.Y.Z`` without pins (the newest backend), ``paramiko-X.Y.Z-<digest>`` with them
    (:meth:`LockPins.key`: one environment per set of backend pins and Python).
    """
    return shared.environment_dir(CLIENT, paramiko, pins.key() if pins is not None else "")


def pinned_requirements(paramiko: str, pins: LockPins | None = None) -> list[str]:
    """:func:`era_requirements` with each of ``pins``' backend versions pinned exactly instead of its era bound."""
    backend = dict(pins.backend) if pins is not None else {}
    requirements = [r for r in era_requirements(paramiko) if re.split(r"[<>=!~ ]", r)[0] not in backend]
    return requirements + [f"{name}=={version}" for name, version in sorted(backend.items())]


def ensure_environment(paramiko: str, *, offline: bool = False, pins: LockPins | None = None) -> tuple[Path, str]:
    """Return ``(python, paramiko)`` of the cached environment for Paramiko ``paramiko``, making it if needed.

    The environment is built in a temporary sibling directory (``uv venv`` then ``uv pip install`` of
    :func:`pinned_requirements`, with the lock's Python when ``pins`` names one), marked complete with
    :data:`MARKER`, then renamed into place. A concurrent run that finishes first wins; ours is then discarded.

    Raises:
        ResolverError: uv failed (e.g. no such release, the index unreachable, ``--offline`` with an
            empty cache); the message carries uv's reason.
    """
    base = _python_for(paramiko, pins)

    def marker(python: Path) -> dict[str, object]:
        versions = installed_versions(python)
        return {
            "paramiko": versions.pop("paramiko"),
            "python": base,
            "backend": dict(_backend(versions)),
            "pins": dict(pins.backend) if pins else {},
            "lock_python": pins.python if pins else None,
        }

    pinned = "".join(f", {name} {version}" for name, version in (pins.backend if pins else ()))
    python = shared.build_environment(
        environment_path(paramiko, pins),
        base=base,
        requirements=pinned_requirements(paramiko, pins),
        marker=marker,
        complete=lambda env: shared.is_complete(env, CLIENT),
        what=f"paramiko {paramiko}{pinned}",
        offline=offline,
    )
    return python, paramiko


def _python_for(paramiko: str, pins: LockPins | None) -> str:
    """The base interpreter of a new environment: the lock's Python, an old one for 2.0-2.3, else ours."""
    if pins is not None and pins.python:
        return _find_python(pins.python) or pins.python
    return _old_python() if needs_old_python(paramiko) else sys.executable


def _find_python(version: str) -> str | None:
    """An interpreter of Python ``version`` (``3.11`` or ``3.11.7``): ours, pyenv's or on PATH; else None (uv finds one)."""
    minor = ".".join(version.split(".")[:2])
    ours = ".".join(str(part) for part in sys.version_info[:3])
    if ours == version or ours.rsplit(".", 1)[0] == version:
        return sys.executable
    pyenv = Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser() / "versions"
    pattern = f"{version}/bin/python{minor}" if version.count(".") == 2 else f"{minor}.*/bin/python{minor}"
    for candidate in sorted(pyenv.glob(pattern), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(f"python{minor}")
    return found if found and "shims" not in found and version.count(".") == 1 else None


def _old_python() -> str:
    """An interpreter <= 3.9 for releases before Paramiko 2.4.

    Looks in ``$PYENV_ROOT/versions`` (default ``~/.pyenv``) and on ``PATH``; else asks uv for one.
    """
    pyenv = Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser() / "versions"
    for minor in _OLD_PYTHONS:
        for candidate in sorted(pyenv.glob(f"{minor}.*/bin/python{minor}"), reverse=True):
            if os.access(candidate, os.X_OK):
                return str(candidate)
        found = shutil.which(f"python{minor}")
        if found and "shims" not in found:
            return found
    return _OLD_PYTHONS[0]


def _parse(paramiko: str) -> Version:
    try:
        version = Version(paramiko)
    except InvalidVersion as exc:
        raise UsageError(f"--paramiko {paramiko}: expected installed, locked or a release such as 5.1.0") from exc
    if len(version.release) < 3 or str(version) != paramiko:
        raise UsageError(f"--paramiko {paramiko}: give the exact release, such as 5.1.0")
    return version
