"""The command a ``downgrade`` fix names, run as written with the real locker on the real fixture project.

Each must print who requires paramiko in ``fixtures/lock/netmiko-4.4.0`` (netmiko and scp, both
brought in by ``netmiko==4.4.0``). The tools come from the package index (``uv tool run``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.checks.drift import change_findings
from auditor.report_parts import Change
from auditor.sources.lockfiles import load_lockfile
from auditor.uv_runner import uv_binary
from tests.functional.projects import PDM_TOOL_DATE

pytestmark = pytest.mark.network

LOCKS = Path(__file__).resolve().parents[2] / "fixtures" / "lock" / "netmiko-4.4.0"

# The first word of a command → how to run that tool here.
RUNNERS = {
    "uv": [],
    "poetry": ["tool", "run", "--from", "poetry>=2,<3"],
    "pdm": ["tool", "run", "--exclude-newer", PDM_TOOL_DATE],
    "pipenv": ["tool", "run"],
}


def hinted_command(project: Path) -> list[str]:
    """The command quoted in the ``downgrade`` fix for paramiko, for the lockfile of ``project``."""
    lockfile = load_lockfile(project)
    (finding,) = change_findings(
        [Change("paramiko", "4.0.0", "3.5.1")],
        context="today",
        file=lockfile.path.name,
        lock_format=lockfile.format,
    )
    found = re.search(r"with '([^']+)'", finding.fix or "")
    assert found, finding.fix
    return shlex.split(found.group(1))


def run(command: list[str], cwd: Path) -> str:
    """``command`` through uv (uv itself, or ``uv tool run`` for another tool); its output, failing on error."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(PDM_CHECK_UPDATE="false", POETRY_VIRTUALENVS_IN_PROJECT="true", PIPENV_VENV_IN_PROJECT="1")
    argv = [uv_binary(), *RUNNERS[command[0]], *(command[1:] if command[0] == "uv" else command)]
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 0, f"{shlex.join(command)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


TREE = " │├└─"


def requirers(output: str) -> set[str]:
    """The packages under each ``paramiko`` line of a reverse tree (uv, PDM, pipenv print its requirers there)."""
    names: set[str] = set()
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if not re.match(r"paramiko\b", line.lstrip(TREE)):
            continue
        depth = len(line) - len(line.lstrip(TREE))
        for below in lines[index + 1 :]:
            if len(below) - len(below.lstrip(TREE)) <= depth:
                break
            names.add(re.split(r"[\s=]", below.lstrip(TREE), maxsplit=1)[0].lower())
    return names


@pytest.mark.parametrize("tool", ["uv", "poetry", "pdm", "pylock"])
def test_the_hinted_command_names_who_requires_paramiko(tool: str, tmp_path: Path) -> None:
    project = Path(shutil.copytree(LOCKS / tool, tmp_path / tool))
    if tool == "pylock":
        # The hint runs in the uv project the pylock.toml was exported from: that project has its uv.lock.
        run(["uv", "lock"], project)
    output = run(hinted_command(project), project)
    # Poetry prints each requirer with paramiko under it; uv and PDM print paramiko with its requirers under it.
    top_level = {line.split()[0] for line in output.splitlines() if line[:1].isalnum()}
    shown = top_level if tool == "poetry" else requirers(output)
    assert {"netmiko", "scp"} <= shown, output


def test_pipenv_graph_after_sync_names_who_requires_paramiko(tmp_path: Path) -> None:
    """Pipfile.lock records no dependents: the hint is ``pipenv graph --reverse`` over the synced environment."""
    project = Path(shutil.copytree(LOCKS / "pipenv", tmp_path / "pipenv"))
    # The fixture lock names the placeholder index: without a source of its own, pipenv installs from its default.
    lock = project / "Pipfile.lock"
    data = json.loads(lock.read_text(encoding="utf-8"))
    data["_meta"]["sources"] = [s for s in data["_meta"]["sources"] if "index.invalid" not in s["url"]]
    lock.write_text(json.dumps(data, indent=4) + "\n", encoding="utf-8")
    assert hinted_command(project) == ["pipenv", "graph", "--reverse"]
    run(["pipenv", "sync"], project)
    output = run(hinted_command(project), project)
    # The reverse tree shows paramiko under each package it requires, its requirers under it.
    assert {"netmiko", "scp"} <= requirers(output), output
