"""The fix loop with every locker: lock, ``sshdrift fix --lock`` with the tool's own command, ``lock`` clean.

One small project per format, made and locked by the real tool in a temp dir (uv; Poetry, PDM,
pip-tools' pip-compile and pipenv at pinned releases through ``uv tool run``; ``uv export`` output as
requirements.txt and as pylock.toml). Each declares netmiko 4.4.0 only, whose ``paramiko>=2.9.5`` is
open-ended: today's resolution locks paramiko 5.x. ``sshdrift fix --below 5 --lock`` must write the
cap where that tool reads it and re-lock with it (the tools are on ``PATH`` as small shims that run
the pinned release through ``uv tool run``), after which ``lock`` reports no open-ended error on
paramiko, the lock holds paramiko 4.x, and a second ``fix`` changes nothing and says so.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from auditor.uv_runner import uv_binary
from tests.functional.projects import tree_digest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.network

# The lockers, pinned: (the package uv runs the tool from, extra `uv tool run` options).
TOOLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "poetry": ("poetry==2.5.1", ()),
    # PDM's own dependencies as of that day: later httpx/unearth/hishel releases broke it.
    "pdm": ("pdm==2.26.6", ("--exclude-newer", "2026-03-01")),
    "pipenv": ("pipenv==2026.10.3", ()),
    "pip-compile": ("pip-tools==7.6.2", ()),
}

PROJECT = """\
[project]
name = "netops"
version = "0.1.0"
requires-python = ">=3.10,<4"
dependencies = [{dependencies}]
"""
NETMIKO = '"netmiko==4.4.0"'


@pytest.fixture(scope="module")
def shims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of executables named as the lockers, each running the pinned release through ``uv tool run``."""
    bin_dir = tmp_path_factory.mktemp("lockers")
    for name, (spec, options) in TOOLS.items():
        shim = bin_dir / name
        argv = " ".join([uv_binary(), "tool", "run", *options, "--from", spec, name])
        shim.write_text(f'#!/bin/sh\nexec {argv} "$@"\n', encoding="utf-8")
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir


def _env(shims: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    path = env.get("PATH", "") if shims is None else f"{shims}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        PATH=path,
        CI="1",
        COLUMNS="250",
        PIP_CONFIG_FILE=os.devnull,  # this machine's pip mirrors stay out of the locks
        PDM_CHECK_UPDATE="false",
        PDM_PYTHON=sys.executable,
        POETRY_VIRTUALENVS_IN_PROJECT="true",
        PIPENV_VENV_IN_PROJECT="1",
        PIPENV_IGNORE_VIRTUALENVS="1",
        PIPENV_YES="1",
        PIPENV_NOSPIN="1",
        PIPENV_VERBOSITY="-1",
        UV_PYTHON=sys.executable,
    )
    return env


def run(argv: list[str], cwd: Path, shims: Path | None) -> subprocess.CompletedProcess[str]:
    """Run a locker (through the shims) or uv in ``cwd``; the test fails with its output on error."""
    proc = subprocess.run(argv, cwd=cwd, env=_env(shims), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def sshdrift(project: Path, *args: str, shims: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, with the lockers on ``PATH`` when ``shims`` is given."""
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=project,
        env=_env(shims),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# What each tool writes, and how its lock says which paramiko it holds (read here, not by sshdrift).


def _uv_lock_version(path: Path) -> list[str]:
    return [p["version"] for p in tomllib.loads(path.read_text(encoding="utf-8"))["package"] if p["name"] == "paramiko"]


def _pylock_version(path: Path) -> list[str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [p["version"] for p in data["packages"] if p["name"] == "paramiko"]


def _pipfile_version(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [str(data[s]["paramiko"]["version"]).lstrip("=") for s in ("default", "develop") if "paramiko" in data[s]]


def _pins_version(path: Path) -> list[str]:
    return re.findall(r"^paramiko==(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)


@dataclass(frozen=True)
class Locker:
    """One format's round trip: how to make the project and its lock, and what the fix must write."""

    make: Callable[..., None]
    """(project directory, shims directory[, the PEP 621 dependencies array's items]) -> None."""
    lockfile: str
    cap_file: str
    locked: Callable[[Path], list[str]]


def _make_uv(root: Path, shims: Path, dependencies: str = NETMIKO) -> None:
    (root / "pyproject.toml").write_text(PROJECT.format(dependencies=dependencies), encoding="utf-8")
    run([uv_binary(), "lock"], root, None)


def _make_uv_export(root: Path, shims: Path) -> None:
    _make_uv(root, shims)
    run([uv_binary(), "export", "--frozen", "--no-header", "-o", "requirements.txt"], root, None)
    (root / "uv.lock").unlink()  # the project ships only the export


def _make_pylock(root: Path, shims: Path) -> None:
    _make_uv(root, shims)
    run([uv_binary(), "export", "--frozen", "--format", "pylock.toml", "-o", "pylock.toml"], root, None)
    (root / "uv.lock").unlink()


def _make_poetry(root: Path, shims: Path, dependencies: str = NETMIKO) -> None:
    text = PROJECT.format(dependencies=dependencies) + "\n[tool.poetry]\npackage-mode = false\n"
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    run(["poetry", "lock", "--no-interaction"], root, shims)


def _make_pdm(root: Path, shims: Path, dependencies: str = NETMIKO) -> None:
    text = PROJECT.format(dependencies=dependencies) + "\n[tool.pdm]\ndistribution = false\n"
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    run(["pdm", "lock"], root, shims)


def _make_pip_compile(root: Path, shims: Path) -> None:
    (root / "requirements.in").write_text("netmiko==4.4.0\n", encoding="utf-8")
    run(
        ["pip-compile", "--no-emit-index-url", "--strip-extras", "-o", "requirements.txt", "requirements.in"],
        root,
        shims,
    )


def _make_pipenv(root: Path, shims: Path) -> None:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    pipfile = f'[packages]\nnetmiko = "==4.4.0"\n\n[requires]\npython_version = "{python}"\n'
    (root / "Pipfile").write_text(pipfile, encoding="utf-8")
    run(["pipenv", "lock", "--python", sys.executable], root, shims)


LOCKERS = {
    "uv": Locker(_make_uv, "uv.lock", "pyproject.toml", _uv_lock_version),
    "uv-export": Locker(_make_uv_export, "requirements.txt", "pyproject.toml", _pins_version),
    "pylock": Locker(_make_pylock, "pylock.toml", "pyproject.toml", _pylock_version),
    "poetry": Locker(_make_poetry, "poetry.lock", "pyproject.toml", _uv_lock_version),
    "pdm": Locker(_make_pdm, "pdm.lock", "pyproject.toml", _uv_lock_version),
    "pip-compile": Locker(_make_pip_compile, "requirements.txt", "constraints.txt", _pins_version),
    "pipenv": Locker(_make_pipenv, "Pipfile.lock", "Pipfile", _pipfile_version),
}


def paramiko_findings(project: Path, lockfile: str) -> tuple[list[dict[str, Any]], list[str]]:
    """``sshdrift lock``'s error findings on paramiko and the paramiko versions it read."""
    proc = sshdrift(project, "lock", lockfile, "--no-vulnerabilities", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    errors = [f for f in report["findings"] if f["package"] == "paramiko" and f["severity"] == "error"]
    return errors, [p["version"] for p in report["packages"] if p["name"] == "paramiko"]


@pytest.mark.parametrize("name", list(LOCKERS))
def test_fix_lock_closes_the_loop(name: str, shims: Path, tmp_path: Path) -> None:
    locker = LOCKERS[name]
    project = tmp_path / name
    project.mkdir()
    locker.make(project, shims)
    lock = project / locker.lockfile
    [before] = locker.locked(lock)
    assert Version(before).major >= 5, f"{name} locked paramiko {before}: the test needs today's open range"

    errors, _ = paramiko_findings(project, locker.lockfile)
    open_ended = [f for f in errors if f["rule"] == "open-ended-range"]
    assert open_ended, errors
    # The lock hint names the file the fix writes (for pylock.toml and uv export output: the pyproject).
    assert all(locker.cap_file in f["fix"] for f in open_ended), open_ended

    proc = sshdrift(project, "fix", locker.lockfile, "--below", "paramiko=5", "--lock", "--format", "json", shims=shims)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    edits = [e for e in report["edits"] if e["package"] == "paramiko"]
    assert [e["file"] for e in edits] == [locker.cap_file], report["edits"]
    assert "<5" in edits[0]["bound"]
    moved = [c for c in report["changes"] if c["name"] == "paramiko"]
    assert moved and moved[0]["before"] == before, report["notes"]

    [after] = locker.locked(lock)
    assert Version(after).major == 4, f"{name}: re-locked paramiko {after}"
    assert sorted(p.name for p in project.iterdir() if p.name == "uv.lock") == (["uv.lock"] if name == "uv" else [])
    errors, versions = paramiko_findings(project, locker.lockfile)
    assert versions == [after]
    assert [f for f in errors if f["rule"] == "open-ended-range"] == [], errors

    files = tree_digest(project)
    again = sshdrift(project, "fix", locker.lockfile, "--below", "paramiko=5")
    assert again.returncode == 0, again.stderr
    assert "nothing to fix" in again.stdout, again.stdout
    assert tree_digest(project) == files


def _uv_marker_project(root: Path, *declared: str) -> Path:
    root.mkdir()
    dependencies = ", ".join([NETMIKO, *(json.dumps(d) for d in declared)])
    (root / "pyproject.toml").write_text(PROJECT.format(dependencies=dependencies), encoding="utf-8")
    run([uv_binary(), "lock"], root, None)
    return root


def _declared(project: Path) -> tuple[list[str], list[str]]:
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    constraints = data.get("tool", {}).get("uv", {}).get("constraint-dependencies", [])
    return [d for d in data["project"]["dependencies"] if d.startswith("paramiko")], constraints


def test_a_cap_goes_on_every_line_declaring_the_package(tmp_path: Path) -> None:
    """Declared twice, once per platform: both lines take the bound, and uv's constraints cover macOS."""
    project = _uv_marker_project(
        tmp_path / "twice", "paramiko>=3.4; sys_platform == 'win32'", "paramiko>=3.5; sys_platform == 'linux'"
    )
    proc = sshdrift(project, "fix", "--below", "paramiko=5", "--lock", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    lines, constraints = _declared(project)
    assert lines == ["paramiko>=3.4,<5; sys_platform == 'win32'", "paramiko>=3.5,<5; sys_platform == 'linux'"]
    assert constraints == ["paramiko<5"]
    errors, versions = paramiko_findings(project, "uv.lock")
    assert errors == [] or all(f["rule"] != "open-ended-range" for f in errors)
    assert [Version(v).major for v in versions] == [4]
    again = sshdrift(project, "fix", "--below", "paramiko=5")
    assert again.returncode == 0 and "nothing to fix" in again.stdout, again.stdout


MARKED = "paramiko>=3.4; sys_platform == 'win32'"
CAPPED = "paramiko>=3.4,<5; sys_platform == 'win32'"


@pytest.mark.parametrize(
    ("name", "declared"),
    [
        ("uv", ([CAPPED], ["paramiko<5"])),  # uv's constraints hold everywhere
        ("poetry", ([CAPPED, "paramiko<5"], [])),  # no constraints table: an unmarked requirement
        ("pdm", ([CAPPED, "paramiko<5"], [])),  # an override would drop the win32 floor: the same
    ],
)
def test_a_marker_guarded_line_gets_the_cap_and_the_other_platforms_too(
    name: str, declared: tuple[list[str], list[str]], shims: Path, tmp_path: Path
) -> None:
    """Declared for win32 only while netmiko brings paramiko everywhere: the line and an unmarked cap take it."""
    project = tmp_path / name
    project.mkdir()
    LOCKERS[name].make(project, shims, f"{NETMIKO}, {json.dumps(MARKED)}")
    proc = sshdrift(project, "fix", "--below", "paramiko=5", "--lock", "--format", "json", shims=shims)
    assert proc.returncode == 0, proc.stderr
    assert _declared(project) == declared
    errors, versions = paramiko_findings(project, LOCKERS[name].lockfile)
    assert [f for f in errors if f["rule"] == "open-ended-range"] == []
    assert [Version(v).major for v in versions] == [4]
    files = tree_digest(project)
    again = sshdrift(project, "fix", "--below", "paramiko=5")
    assert again.returncode == 0 and "nothing to fix" in again.stdout, again.stdout
    assert tree_digest(project) == files


def test_constraints_file_lines_behind_markers_all_take_the_cap(shims: Path, tmp_path: Path) -> None:
    """pip-compile: each marker-guarded constraint line takes the bound, and an unmarked line covers the rest."""
    project = tmp_path / "pc"
    project.mkdir()
    (project / "requirements.in").write_text("netmiko==4.4.0\n-c constraints.txt\n", encoding="utf-8")
    (project / "constraints.txt").write_text(
        "paramiko>=3.4 ; sys_platform == 'win32'  # the Windows jump host\nparamiko>=3.5 ; sys_platform == 'darwin'\n",
        encoding="utf-8",
    )
    run(["pip-compile", "--no-emit-index-url", "-o", "requirements.txt", "requirements.in"], project, shims)
    proc = sshdrift(
        project, "fix", "requirements.txt", "--below", "paramiko=5", "--lock", "--format", "json", shims=shims
    )
    assert proc.returncode == 0, proc.stderr
    assert (project / "constraints.txt").read_text(encoding="utf-8") == (
        "paramiko>=3.4,<5 ; sys_platform == 'win32'  # the Windows jump host\n"
        "paramiko>=3.5,<5 ; sys_platform == 'darwin'\n"
        "paramiko<5\n"
    )
    assert [Version(v).major for v in _pins_version(project / "requirements.txt")] == [4]
    errors, _ = paramiko_findings(project, "requirements.txt")
    assert [f for f in errors if f["rule"] == "open-ended-range"] == []


@pytest.mark.parametrize(("name", "command"), [("pip-compile", "pip-compile")])  # its command is the longest
def test_fix_lock_without_the_tool_prints_the_command_on_one_line(
    name: str, command: str, shims: Path, tmp_path: Path
) -> None:
    """The tool is not on ``PATH``: the cap is written, the lock is not, and one line says what to run."""
    project = tmp_path / name
    project.mkdir()
    LOCKERS[name].make(project, shims)
    lock = (project / LOCKERS[name].lockfile).read_bytes()
    env = {**_env(None), "PATH": str(Path(sys.executable).parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "fix", LOCKERS[name].lockfile, "--below", "5", "--lock"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    said = [line for line in proc.stdout.splitlines() if "not installed" in line]
    assert len(said) == 1, proc.stdout
    assert re.search(rf"--lock: {re.escape(name)} is not installed here; run '{re.escape(command)}[^']*'$", said[0])
    assert (project / LOCKERS[name].lockfile).read_bytes() == lock
