"""Regenerate ``fixtures/code/locks/paramiko-<X>/``: the netops fixture project locked by uv with paramiko X.

``fixtures/code/netops/`` is a small project (tutorial-style Paramiko scripts, netmiko with
``disabled_algorithms`` and ``disable_sha2_fix``, a Nornir task). Its ``pyproject.toml`` is written here
once per Paramiko release with ``paramiko==X`` added, locked with ``uv lock`` as of :data:`EXCLUDE_NEWER`,
and every package-index host is rewritten to ``index.invalid`` (``make_lock_fixtures.hide_index_hosts``).
Tests copy ``netops/`` and one ``locks/paramiko-X/`` into a temporary directory.

Usage: ``uv run python scripts/make_code_fixtures.py`` (needs the package index once).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from make_lock_fixtures import hide_index_hosts  # noqa: E402

OUT = ROOT / "fixtures" / "code" / "locks"
RELEASES = ("3.5.1", "4.0.0", "5.1.0")
EXCLUDE_NEWER = "2026-11-01T00:00:00Z"
PYPROJECT = """\
[project]
name = "netops"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
    "netmiko==4.4.0",
    "nornir>=3.4,<4",
    "nornir-netmiko>=1,<2",
    "paramiko=={version}",
]

[tool.sshdrift]
exclude = ["tests/**"]
"""


def lock(version: str) -> None:
    """Write ``OUT/paramiko-<version>/pyproject.toml`` and its ``uv.lock``."""
    target = OUT / f"paramiko-{version}"
    target.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "pyproject.toml").write_text(PYPROJECT.format(version=version), encoding="utf-8")
        cmd = [find_uv_bin(), "lock", "--exclude-newer", EXCLUDE_NEWER, "--python", "3.11"]
        subprocess.run(cmd, cwd=work, check=True, env=env, capture_output=True)
        lock_text = hide_index_hosts((work / "uv.lock").read_text(encoding="utf-8"))
        (target / "pyproject.toml").write_text(PYPROJECT.format(version=version), encoding="utf-8")
        (target / "uv.lock").write_text(lock_text, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


def main() -> int:
    """Lock the fixture project once per release in :data:`RELEASES`."""
    for version in RELEASES:
        lock(version)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
