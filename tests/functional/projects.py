"""Real projects for the functional tests, locked by the real tools (uv, Poetry, PDM) in temp dirs.

Every function writes a small project and runs the tool that owns its lockfile, so the lockfiles
the tests read are exactly what users have. All of them need the package index (tests using them
are marked ``network``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from auditor.uv_runner import uv_binary

PDM_TOOL_DATE = "2026-03-01"
"""The newest PDM whose own dependencies still work together (later hishel releases broke it)."""

AS_OF_PARAMIKO_4 = "2025-09-01"
"""A date when paramiko 4.0.0 was the newest release (2025-08-03; 5.0.0 came 2026-05-09)."""

UV_PYPROJECT = """\
# Provisioning backend: talks to the routers through netmiko.
[project]
name = "netops"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
    "netmiko==4.4.0",  # the driver the playbooks were written for
]

[tool.ruff]
line-length = 100  # unrelated table that must stay as it is
"""


def uv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the uv sshdrift uses, failing the test with uv's output on error."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(PDM_CHECK_UPDATE="false", POETRY_VIRTUALENVS_IN_PROJECT="true", PDM_PYTHON=sys.executable)
    proc = subprocess.run(
        [uv_binary(), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert proc.returncode == 0, f"uv {' '.join(args)} failed:\n{proc.stderr}"
    return proc


def sshdrift(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would (``python -m auditor``), capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        env={**os.environ, "CI": "1"},
    )


def uv_project(root: Path, pyproject: str = UV_PYPROJECT, *, as_of: str | None = AS_OF_PARAMIKO_4) -> Path:
    """A uv project locked by ``uv lock`` (as of ``as_of``, uv's ``--exclude-newer``)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    uv("lock", *(["--exclude-newer", as_of] if as_of else []), cwd=root)
    return root


def requirements_project(root: Path, *, as_of: str = AS_OF_PARAMIKO_4) -> Path:
    """A pip-tools style project: ``requirements.in`` compiled by ``uv pip compile`` as of ``as_of``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.in").write_text("netmiko==4.4.0\n", encoding="utf-8")
    uv(
        "pip",
        "compile",
        "requirements.in",
        "-o",
        "requirements.txt",
        "--exclude-newer",
        as_of,
        "--python-version",
        "3.11",
        cwd=root,
    )
    return root


POETRY_PYPROJECT = """\
[tool.poetry]
name = "netops"
version = "0.1.0"
description = "provisioning backend"
authors = ["ops <ops@example.invalid>"]
package-mode = false

[tool.poetry.dependencies]
python = ">=3.10,<4"
netmiko = "4.4.0"  # pinned by ops
"""


def poetry_project(root: Path) -> Path:
    """A Poetry project locked by the real Poetry (``uvx poetry lock``)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(POETRY_PYPROJECT, encoding="utf-8")
    poetry_lock(root)
    return root


PDM_PYPROJECT = """\
[project]
name = "netops"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["netmiko==4.4.0"]

[tool.pdm]
distribution = false
"""


def pdm_project(root: Path) -> Path:
    """A PDM project locked by the real PDM (``uvx pdm lock``)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PDM_PYPROJECT, encoding="utf-8")
    pdm_lock(root)
    return root


def poetry_lock(root: Path) -> None:
    """``poetry lock`` with the real Poetry."""
    uv("tool", "run", "--from", "poetry>=2,<3", "poetry", "lock", "--no-interaction", cwd=root)


def pdm_lock(root: Path) -> None:
    """``pdm lock`` with the real PDM (a release whose dependencies work together)."""
    uv("tool", "run", "--exclude-newer", PDM_TOOL_DATE, "pdm", "lock", cwd=root)


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (relative path → digest): proof nothing was written."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
