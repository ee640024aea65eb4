"""Running the ``uv`` binary: the one resolver/installer backend of sshdrift.

Which uv runs: the one named by the environment variable ``UV`` when it is set (the user's own
uv; ``uv run`` also sets it for the processes it starts), else the binary the ``uv`` Python
package ships (:func:`uv.find_uv_bin`). Every call captures uv's output; a failure becomes one
:class:`~auditor.errors.ResolverError` line carrying uv's own reason, never a traceback.

Usage::

    from auditor.uv_runner import run_uv
    run_uv(["venv", "--quiet", str(target)])
    result = run_uv(["lock", "--upgrade"], cwd=tmp, offline=settings.offline, timeout=300)
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from auditor.errors import ResolverError

_NOISE = re.compile(r"^\s*(?:hint:|help:|warning:|Using |Resolved |Prepared |Installed |Audited |Creating |Activate )")
_PREFIX = re.compile(r"^\s*(?:error:|cause:|caused by:|×|╰─▶|\|)\s*", re.IGNORECASE)


def uv_binary() -> str:
    """Path of the uv executable to run (``$UV`` if set, else the ``uv`` package's binary).

    Raises:
        ResolverError: no uv can be found.
    """
    configured = os.environ.get("UV")
    if configured:
        return configured
    try:
        from uv import find_uv_bin
    except ImportError as exc:  # pragma: no cover - uv is a dependency
        raise ResolverError("uv: the 'uv' package is not installed; install sshdrift with its dependencies") from exc
    try:
        return str(find_uv_bin())
    except FileNotFoundError as exc:  # pragma: no cover - broken installation
        raise ResolverError(f"uv: {exc}; reinstall the 'uv' package or set UV=/path/to/uv") from exc


def reason_from_stderr(stderr: str) -> str:
    """Return uv's most meaningful stderr line: the last ``error:``/``cause:``/``×``/``╰─▶`` line, else the last other one.

    uv prints a chain (``error: No solution found ...`` then ``cause: Because ...``, or ``×`` /
    ``╰─▶`` in older releases); the last link is the root cause a user can act on. Returns
    ``"no output"`` for empty stderr.
    """
    lines: list[str] = []
    for line in stderr.splitlines():
        if not line.strip():
            continue
        if lines and line[:1].isspace() and not _PREFIX.match(line) and _PREFIX.match(lines[-1]):
            # uv wraps one cause over indented continuation lines ("And because ..."): keep it whole.
            lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
        else:
            lines.append(line.rstrip())
    marked = [line for line in lines if _PREFIX.match(line) and _PREFIX.sub("", line).strip()]
    for candidate in reversed(marked or lines):
        if not _NOISE.match(candidate):
            return _PREFIX.sub("", candidate).strip()
    return lines[-1].strip() if lines else "no output"


def run_uv(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    offline: bool = False,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``uv ARGS`` and return the completed process (stdout and stderr as text).

    Args:
        args: uv's arguments, e.g. ``["pip", "install", "--python", py, "paramiko==5.1.0"]``.
        cwd: working directory (default: the current one).
        offline: append ``--offline`` (uv then uses only its cache).
        timeout: seconds before uv is killed (None: no limit).
        env: extra environment variables for uv (merged over ours). ``VIRTUAL_ENV`` is always
            removed so that uv never targets the environment sshdrift itself runs in by accident.

    Returns:
        The :class:`subprocess.CompletedProcess`; ``returncode`` is 0.

    Raises:
        ResolverError: uv exited non-zero (the message is ``uv ARGS[0]: <uv's reason>``), could not be
            started, or ran longer than ``timeout``.
    """
    command = [uv_binary(), *args]
    if offline:
        command.append("--offline")
    child_env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    child_env.setdefault("UV_NO_PROGRESS", "1")
    if env:
        child_env.update(env)
    label = f"uv {args[0]}" if args else "uv"
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=child_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ResolverError(f"{label}: cannot run {command[0]} ({exc.strerror}); set UV=/path/to/uv") from exc
    except subprocess.TimeoutExpired as exc:
        raise ResolverError(f"{label}: no answer within {timeout:g} s; retry, or check the package index") from exc
    if result.returncode != 0:
        raise ResolverError(f"{label}: {reason_from_stderr(result.stderr)}")
    return result
