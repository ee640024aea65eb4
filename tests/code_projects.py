"""The netops fixture project (fixtures/code/) assembled with one of its uv-made lockfiles."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "code"
RELEASES = ("3.5.1", "4.0.0", "5.1.0")
"""The Paramiko releases fixtures/code/locks/ holds a lock for."""


def netops_project(tmp: Path, paramiko: str) -> Path:
    """Copy ``fixtures/code/netops`` and ``locks/paramiko-<paramiko>/`` into ``tmp/netops``; return it.

    The copy is outside any git work tree, so the reader honours ``netops/.gitignore`` itself.
    """
    project = tmp / "netops"
    shutil.copytree(FIXTURES / "netops", project)
    for item in (FIXTURES / "locks" / f"paramiko-{paramiko}").iterdir():
        shutil.copy(item, project / item.name)
    return project
