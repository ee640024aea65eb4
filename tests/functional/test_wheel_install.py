"""The built wheel, installed into a fresh uv environment, runs on its own: what a user gets from ``uv tool install``.

Building needs the build backend and installing needs sshdrift's dependencies, both from the package index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from auditor.uv_runner import uv_binary

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "uv"
DEAD_INDEX = "http://index.invalid/simple"
"""Reserved name (RFC 2606): the installed tool's lock run must not need an index."""


def _package_data() -> list[str]:
    """Every file of ``rules/`` (shipped as ``auditor/rules``) and of the demo data, as wheel paths."""
    rules = [
        f"auditor/rules/{p.relative_to(ROOT / 'rules').as_posix()}" for p in (ROOT / "rules").rglob("*") if p.is_file()
    ]
    demo = [p.relative_to(ROOT).as_posix() for p in (ROOT / "auditor" / "demo_data").rglob("*") if p.is_file()]
    return sorted(
        {*rules, *demo, "auditor/rules/requires-dist.json", "auditor/rules/ssh-stack.toml", "auditor/py.typed"}
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "SSHDRIFT_DEBUG")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [uv_binary(), "build", "--wheel", "--out-dir", str(out), str(ROOT)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("sshdrift-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``sshdrift`` script of a fresh environment holding only the wheel and its dependencies."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    uv = uv_binary()
    for args in (
        ["venv", "--quiet", "--python", sys.executable, str(venv)],
        ["pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)],
    ):
        proc = subprocess.run([uv, *args], env=_env(), capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stderr
    return venv / "bin" / "sshdrift"


def test_wheel_carries_the_rules_and_the_demo_data(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        shipped = json.loads(archive.read("auditor/rules/requires-dist.json"))
    missing = [name for name in _package_data() if name not in names]
    assert missing == [], missing
    assert "netmiko" in shipped["packages"] and shipped["date"]
    assert any(n.startswith("auditor/demo_data/") and n.endswith("uv.lock") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "fixtures/", "scripts/"))]


def test_installed_wheel_runs_version_and_lock_offline(installed: Path, tmp_path: Path) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    proc = subprocess.run(
        [str(installed), "--version"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert version in proc.stdout

    # Outside the checkout (its rules/ cannot stand in for the wheel's), no cache, no index.
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    env = _env(
        SSHDRIFT_CACHE_DIR=str(tmp_path / "empty-cache"),
        UV_OFFLINE="1",
        UV_INDEX_URL=DEAD_INDEX,
        UV_DEFAULT_INDEX=DEAD_INDEX,
    )
    proc = subprocess.run(
        [str(installed), "lock", "--offline", "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["tool"]["version"] == version
    assert [s for s in data["skipped"] if s["subject"] != "vulnerability"] == []
    rules = {(f["rule"], f["package"]) for f in data["findings"]}
    assert ("open-ended-range", "paramiko") in rules
