"""uv environments for a client release and its locked backend pins: what every client's ``environments`` shares.

A client's ``environments`` module settles which release ``installed``/``locked``/``X.Y.Z`` names and what
its environment holds; this module does the rest the same way for all of them:

* :func:`interpreter` accepts ``--python`` as an interpreter or an environment directory;
* :func:`installed_versions` asks a (foreign) interpreter which client and backend it imports;
* :func:`read_lock` and :func:`backend_pins` read the lock's pins, reusing the engine's parsed lockfile;
* :func:`build_environment` makes a cached environment with uv (``uv venv`` + ``uv pip install``) under
  ``$SSHDRIFT_CACHE_DIR/envs/``, in a temporary sibling directory renamed into place only when complete
  with its :data:`MARKER`, so a crash or a concurrent run never leaves a half-made environment;
* :class:`WheelClientEnvironments` is all of a client's ``environments`` when the client is one wheel
  bundling its SSH library (ansible-pylibssh with libssh, ssh2-python with libssh2).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from auditor.errors import AuditorError, ConfigError, LockfileError, ResolverError, UsageError
from auditor.fileio import write_atomic
from auditor.probe.clients.interface import ClientEnvironment
from auditor.sources.cache import cache_dir
from auditor.uv_runner import run_uv

if TYPE_CHECKING:
    from auditor.model import Lockfile
    from auditor.probe.clients.interface import EnvironmentRequest

MARKER = "sshdrift-env.json"
"""File written last into a finished environment: a JSON object naming at least the client release."""


def environment_dir(name: str, version: str, key: str = "") -> Path:
    """``$SSHDRIFT_CACHE_DIR/envs/<name>-<version>`` (``-<key>`` appended when the backend pins give one)."""
    return cache_dir() / "envs" / (f"{name}-{version}-{key}" if key else f"{name}-{version}")


def venv_python(env: Path) -> Path:
    """The interpreter of the virtual environment ``env`` (``env/bin/python`` on POSIX)."""
    if os.name == "nt":  # pragma: no cover - POSIX is what we test
        return env / "Scripts" / "python.exe"
    return env / "bin" / "python"


def interpreter(path: Path) -> Path:
    """Accept an interpreter or an environment directory (``DIR/bin/python``) for ``--python``.

    Raises:
        ConfigError: ``path`` is a directory without ``bin/python``.
    """
    if path.is_dir():
        candidate = venv_python(path)
        if candidate.exists():
            return candidate
        raise ConfigError(f"{path}: is a directory without bin/python; pass --python with an interpreter")
    return path


def pyenv_interpreter(minor: str) -> str:
    """An interpreter for Python ``minor`` (``3.11``): ours, else pyenv's or one on PATH, else ``minor`` for uv."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == minor:
        return sys.executable
    pyenv = Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser() / "versions"
    for candidate in sorted(pyenv.glob(f"{minor}.*/bin/python{minor}"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(f"python{minor}")
    return found if found and "shims" not in found else minor


def python_for(version: str, release: Callable[[str], Mapping[str, Any]]) -> str:
    """The interpreter of the Python ``version``'s offer data was captured with, else the running one.

    ``release(version)["python"]`` (``3.11``) as :func:`pyenv_interpreter` finds it; no data or none
    recorded: :data:`sys.executable`.
    """
    with contextlib.suppress(AuditorError):
        recorded = release(version).get("python")
        if recorded:
            return pyenv_interpreter(str(recorded))
    return sys.executable


def installed_versions(python: Path, script: str, *, client: str, missing: str, next_step: str) -> dict[str, str]:
    """``{distribution: version}`` as ``script`` run by ``python`` prints them (one JSON object, last line).

    Entries whose version is empty or null are left out (a backend the interpreter does not have).

    Args:
        python: the interpreter to ask (any Python 3.7+; it may be another environment's).
        script: Python source printing the JSON object.
        client: the distribution named when nothing is printed (``paramiko``).
        missing: what a failing ``script`` means (``cannot import paramiko``), before its last stderr line.
        next_step: the advice after it (``pass --python with the project's interpreter``).

    Raises:
        ConfigError: ``python`` cannot run (or times out after 60 seconds), ``script`` fails or prints no JSON.
    """
    try:
        result = subprocess.run(
            [str(python), "-c", script],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(
            f"{python}: cannot run this interpreter ({exc}); pass --python PATH of a working one"
        ) from exc
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError(f"{python}: {missing} ({last}); {next_step}")
    try:
        found = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise ConfigError(f"{python}: printed no {client} version; pass --python PATH of a working one") from None
    return {str(k): str(v) for k, v in found.items() if v}


def read_lock(request: EnvironmentRequest, path: Path) -> Lockfile:
    """The lockfile at ``path`` (a file or project directory), read once per run.

    ``request.lockfile`` when the caller parsed it already, else loaded with ``request.python_version``.

    Raises:
        LockfileError: no lockfile, or one that cannot be read (one line naming it).
    """
    if request.lockfile is not None:
        return request.lockfile
    from auditor.sources.lockfiles import load_lockfile

    return load_lockfile(path, python_version=request.python_version)


def backend_pins(lock: Lockfile, packages: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``(distribution, version)`` of each of ``packages`` (normalized names) ``lock`` pins, sorted by name."""
    return tuple(sorted((name, lock.packages[name].version) for name in packages if name in lock.packages))


def is_complete(env: Path, client: str) -> bool:
    """Whether ``env`` is finished: its interpreter exists and its :data:`MARKER` names a ``client`` release."""
    marker = env / MARKER
    if not marker.is_file() or not venv_python(env).exists():
        return False
    with contextlib.suppress(OSError, ValueError, AttributeError):
        return bool(json.loads(marker.read_text(encoding="utf-8")).get(client))
    return False


def read_marker(env: Path) -> dict[str, Any]:
    """The JSON object of ``env``'s :data:`MARKER`, or ``{}`` when it is missing or not a JSON object."""
    with contextlib.suppress(OSError, ValueError):
        found = json.loads((env / MARKER).read_text(encoding="utf-8"))
        if isinstance(found, dict):
            return found
    return {}


def record_in_marker(env: Path, fields: Mapping[str, object]) -> None:
    """Add ``fields`` to the :data:`MARKER` of the finished environment ``env`` (atomically; best effort).

    For what an older sshdrift did not record when it made ``env`` (the backend versions), so the next run
    reads it instead of starting the environment's interpreter. A marker that cannot be read or written
    is left as it is: the caller asks the interpreter again next time.
    """
    marker = read_marker(env)
    if not marker:
        return
    with contextlib.suppress(OSError):
        write_atomic(env / MARKER, json.dumps({**marker, **fields}, sort_keys=True) + "\n")


def build_environment(
    final: Path,
    *,
    base: str,
    requirements: Sequence[str],
    marker: Callable[[Path], Mapping[str, object]],
    complete: Callable[[Path], bool],
    what: str,
    check: str = "the version",
    offline: bool = False,
    binary_only: bool = False,
) -> Path:
    """The interpreter of the environment ``final``, made with uv unless ``complete(final)`` already.

    Args:
        final: the environment's directory (:func:`environment_dir`).
        base: the interpreter (path or ``3.11`` for uv to find) the environment is made from.
        requirements: what ``uv pip install`` installs (``["paramiko==5.1.0", "cryptography==42.0.8"]``).
        marker: given the new environment's interpreter, the JSON object written as its :data:`MARKER`.
        complete: whether an environment directory is finished (its marker read back).
        what: the release for messages (``paramiko 5.1.0``).
        check: what to check when uv fails (``the version``).
        offline: uv from its cache only.
        binary_only: wheels only (``--only-binary :all:``).

    Raises:
        ResolverError: uv failed (no such release, pins it cannot satisfy, the index unreachable,
            ``--offline`` with a cold cache; uv's reason in the message), or the environment could not
            be put in place.
        ConfigError: the new environment cannot import what it installed.
    """
    python = venv_python(final)
    if complete(final):
        return python
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))
    try:
        _install(
            tmp,
            base,
            requirements,
            what=f"{what}: cannot make its environment",
            check=check,
            offline=offline,
            binary_only=binary_only,
        )
        text = json.dumps(dict(marker(venv_python(tmp))), sort_keys=True) + "\n"
        (tmp / MARKER).write_text(text, encoding="utf-8")
        if final.exists() and not complete(final):
            shutil.rmtree(final, ignore_errors=True)
        try:
            tmp.rename(final)
        except OSError:
            if not complete(final):
                raise ResolverError(
                    f"{what}: its environment in {final} is incomplete; remove it and run again"
                ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return python


def _install(
    env: Path, base: str, requirements: Sequence[str], *, what: str, check: str, offline: bool, binary_only: bool
) -> None:
    """``uv venv`` ``env`` from ``base``, then ``uv pip install`` ``requirements`` into it; raises as uv."""
    binary = ["--only-binary", ":all:"] if binary_only else []
    try:
        run_uv(
            ["venv", "--quiet", "--allow-existing", "--no-project", "--python", base, str(env)],
            offline=offline,
            timeout=300,
        )
        run_uv(
            ["pip", "install", "--quiet", *binary, "--python", str(venv_python(env)), *requirements],
            offline=offline,
            timeout=600,
        )
    except ResolverError as exc:
        raise ResolverError(
            f"{what} ({exc.message}); check {check}" + (", or drop --offline" if offline else " and the package index")
        ) from exc


@dataclass(frozen=True)
class WheelClientEnvironments:
    """The environments of a client that is one wheel bundling its SSH library, one per release.

    ``installed`` is the interpreter ``request.python`` (default the running one) and the release it
    imports; ``locked`` the lockfile's pin of :attr:`package`; ``X.Y.Z`` any release with offer data.
    Cached environments hold the release's own wheel (``--only-binary :all:``: building from source would
    link the machine's library instead) under ``$SSHDRIFT_CACHE_DIR/envs/<client>-X.Y.Z``, on the Python
    the offer data was captured with; see :func:`build_environment`.

    Attributes:
        client: the registry name (``libssh``), in messages and the environment's directory name.
        package: the distribution (``ansible-pylibssh``), a key of :attr:`version_script`'s output.
        library: the bundled SSH library (``libssh``), the other key and the backend's name.
        module: what :attr:`version_script` imports (``pylibsshext``), for the message when it cannot.
        version_script: Python source run by a foreign interpreter that prints, as its last line, the JSON
            object ``{package: V, library: V or null}``.
        example: a release named in the message for a malformed one (``1.4.0``).
        name_release: the advice when the lockfile pins no :attr:`package` (``--client libssh=X.Y.Z``).
        release: the offer data of a release (``{"python": "3.11", ...}``); raises AuditorError when unknown.
        library_version: the bundled library's version in a release's offer data, or None; may raise
            AuditorError.
    """

    client: str
    package: str
    library: str
    module: str
    version_script: str
    example: str
    name_release: str
    release: Callable[[str], Mapping[str, Any]]
    library_version: Callable[[str], str | None]

    def resolve(self, request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
        """The release ``request`` names and, with ``verify``, an interpreter that imports it.

        Args:
            request: ``spec`` ``installed``, ``locked`` or an exact release; ``offline`` for uv.
            verify: make (or reuse) the environment; without it only the release is settled.

        Returns:
            A :class:`ClientEnvironment`: ``version`` the :attr:`package` release, ``backend``
            ``((library, V),)`` when known, ``source`` where the choice came from.

        Raises:
            ConfigError: ``installed`` and the interpreter cannot run or has no :attr:`package`.
            LockfileError: ``locked`` and the lockfile pins no :attr:`package`.
            UsageError: a malformed release, or ``locked`` without a project.
            ResolverError: uv could not make the environment.
        """
        if request.spec == "installed":
            python = interpreter(request.python or Path(sys.executable))
            found = self.installed_versions(python)
            backend = self._backend(found.get(self.library))
            return ClientEnvironment(self.client, found[self.package], python, backend, f"installed in {python}")
        if request.spec == "locked":
            version, source = self.locked_version(request)
        else:
            version, source = self._exact(request.spec), f"--client {self.client} {request.spec}"
        known = self._known_library(version)
        if not verify:
            return ClientEnvironment(self.client, version, None, self._backend(known), source)
        python = self.ensure_environment(version, offline=request.offline)
        return ClientEnvironment(self.client, version, python, self._backend(known), source)

    def _known_library(self, version: str) -> str | None:
        with contextlib.suppress(AuditorError):
            return self.library_version(version)
        return None

    def _backend(self, library: str | None) -> tuple[tuple[str, str], ...]:
        return ((self.library, library),) if library else ()

    def _exact(self, spec: str) -> str:
        try:
            Version(spec)
        except InvalidVersion as exc:
            raise UsageError(
                f"{self.client} {spec}: expected installed, locked or an {self.package} release such as {self.example}"
            ) from exc
        return spec

    def locked_version(self, request: EnvironmentRequest) -> tuple[str, str]:
        """The :attr:`package` version the lockfile of ``request.project`` pins, and that lockfile's name.

        Raises:
            UsageError: no project was given.
            LockfileError: the lockfile cannot be read or pins no :attr:`package`.
        """
        if request.project is None:
            raise UsageError(f"{self.client} locked: needs --project PATH (a project directory or its lockfile)")
        lock = read_lock(request, request.project)
        package = lock.packages.get(self.package)
        if package is None:
            raise LockfileError(f"{lock.path}: pins no {self.package}; name a release with {self.name_release}")
        return package.version, lock.path.name

    def installed_versions(self, python: Path) -> dict[str, str]:
        """``{package: V, library: V}`` as ``python`` imports them (``library`` left out when unknown).

        Raises:
            ConfigError: ``python`` cannot run or cannot import :attr:`module`.
        """
        return installed_versions(
            python,
            self.version_script,
            client=self.package,
            missing=f"cannot import {self.module}",
            next_step=f"install {self.package} there or name a release",
        )

    def environment_path(self, version: str) -> Path:
        """Where the cached environment of release ``version`` lives (it may not exist yet)."""
        return environment_dir(self.client, version)

    def python_for(self, version: str) -> str:
        """The Python (``3.11``) whose wheels of ``version`` the offer data was captured with; else ours."""
        return python_for(version, self.release)

    def ensure_environment(self, version: str, *, offline: bool = False) -> Path:
        """The interpreter of the cached environment of release ``version``, made if needed.

        Raises:
            ResolverError: uv failed (no wheel for this Python, no such release, the index unreachable, or
                ``--offline`` with an empty cache); the message carries uv's reason.
        """
        base = self.python_for(version)
        return build_environment(
            self.environment_path(version),
            base=base,
            requirements=[f"{self.package}=={version}"],
            marker=lambda python: {**self.installed_versions(python), "python": base},
            complete=lambda env: is_complete(env, self.package),
            what=f"{self.package} {version}",
            check="the release",
            offline=offline,
            binary_only=True,
        )
