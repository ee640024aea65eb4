"""``whatif 'netmiko>=4.8'`` keeps the extras and marker of the project's own netmiko requirement (real resolutions).

netmiko 4.8.0 defines the extra ``par4`` (requires-dist ``paramiko<5.0,>=4.0; extra == 'par4'``; its plain
requirement is ``paramiko>=3.5.1``), so a project declaring ``netmiko[par4]==4.8.0`` stays below paramiko 5.
Asking "what if we required netmiko>=4.8" of it is a question about ``netmiko[par4]>=4.8``: dropping the extra
answered for a different project (paramiko 4.0.0 -> 5.1.0 on a fresh resolution, the cap gone from the lock).
The projects are the fixtures of ``fixtures/lock/netmiko-4.8.0-par4`` (one per locker) and projects locked here
by the real uv; every resolution is uv's, against the package index.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from auditor.resolution import resolved
from auditor.sources.lockfiles import load_lockfile
from tests.functional.projects import sshdrift, tree_digest, uv, uv_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.network

PAR4 = Path(__file__).resolve().parents[2] / "fixtures" / "lock" / "netmiko-4.8.0-par4"
LOCKERS = ["uv", "poetry", "pdm", "pipenv", "pip-compile", "uv-pip-compile", "uv-export", "pylock"]


def _whatif(project: Path, *args: str) -> dict[str, Any]:
    proc = sshdrift("whatif", *args, "--project", str(project), "--no-vulnerabilities", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def _paramiko_after(report: dict[str, Any]) -> Version:
    moved = [c["after"] for c in report.get("changes", []) if c["name"] == "paramiko"]
    return Version(moved[0] if moved else report["whatif"]["paramiko"]["before"])


@pytest.mark.parametrize("locker", LOCKERS)
def test_whatif_keeps_the_declared_extra_on_every_locker(locker: str, tmp_path: Path) -> None:
    """A fresh resolution with netmiko>=4.8 keeps par4's cap: paramiko stays below 5 (it went to 5.1.0 before)."""
    project = Path(shutil.copytree(PAR4 / locker, tmp_path / locker))
    before = tree_digest(project)
    report = _whatif(project, "--upgrade", "netmiko>=4.8")
    assert report["whatif"]["paramiko"]["before"] == "4.0.0"
    assert _paramiko_after(report) < Version("5"), report.get("changes")
    (asked,) = report["whatif"]["resolved"]
    assert asked["asked"] == "netmiko>=4.8" and asked["resolved"] == "netmiko[par4]>=4.8"
    assert asked["carried_extras"] == ["par4"] and asked["replaced"] == ["netmiko[par4]==4.8.0"]
    assert any(
        n.startswith("whatif netmiko>=4.8 kept the extras par4 of your 'netmiko[par4]==4.8.0'") for n in report["notes"]
    )
    assert not [f for f in report["findings"] if f["rule"] == "downgrade" and "asks for netmiko[par4]" in f["message"]]
    assert tree_digest(project) == before


def test_whatif_keeps_the_cap_the_extra_carries_in_the_new_uv_lock(tmp_path: Path) -> None:
    """Without --upgrade uv keeps paramiko 4.0.0 either way; the lock rules show the cap was lost or kept."""
    project = Path(shutil.copytree(PAR4 / "uv", tmp_path / "uv"))
    report = _whatif(project, "netmiko>=4.8")
    paramiko = next(p for p in report["packages"] if p["name"] == "paramiko")
    assert paramiko["open_ended"] is False, paramiko  # netmiko[par4] declares paramiko<5.0
    errors = [f for f in report["findings"] if f["severity"] == "error" and f["package"] == "paramiko"]
    assert errors == []
    assert not [f for f in report["findings"] if f["rule"] == "downgrade"]


def test_whatif_the_users_extras_win(tmp_path: Path) -> None:
    """Naming extras asks for those: netmiko[bulk-encrypt] drops par4, and the report says the extra is lost."""
    project = Path(shutil.copytree(PAR4 / "uv", tmp_path / "uv"))
    report = _whatif(project, "--upgrade", "netmiko[bulk-encrypt]>=4.8")
    assert _paramiko_after(report) >= Version("5")
    assert any(c["name"] == "ruamel-yaml" and c["before"] is None for c in report["changes"])
    (asked,) = report["whatif"]["resolved"]
    assert asked["resolved"] == "netmiko[bulk-encrypt]>=4.8" and asked["carried_extras"] == []
    lost = [f for f in report["findings"] if f["rule"] == "downgrade" and "asks for netmiko[par4]" in f["message"]]
    assert len(lost) == 1 and "the requirement asked on netmiko leaves it out" in lost[0]["message"]
    assert not any(" kept " in n for n in report["notes"])


def test_whatif_keeps_the_marker_in_the_uv_resolution(tmp_path: Path) -> None:
    """The replaced requirement's marker and extra reach the new uv.lock (the copy's, read before it is removed)."""
    project = uv_project(
        tmp_path / "netops",
        '[project]\nname = "netops"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["netmiko[par4]==4.8.0 ; sys_platform == \'linux\'", "pyyaml>=6"]\n',
        as_of=None,
    )
    with resolved(load_lockfile(project), requirements=["netmiko>=4.8"], upgrade=True) as new:
        lock = tomllib.loads(new.lock_path.read_text(encoding="utf-8"))
        (root,) = [p for p in lock["package"] if p["name"] == "netops"]
        (netmiko,) = [d for d in root["dependencies"] if d["name"] == "netmiko"]
        assert netmiko.get("extra") == ["par4"]
        assert "sys_platform == 'linux'" in netmiko.get("marker", "")
        (declared,) = [r for r in root["metadata"]["requires-dist"] if r["name"] == "netmiko"]
        assert declared["specifier"] == ">=4.8" and declared.get("extras") == ["par4"]
        (merged,) = new.requirements
        assert merged.carried_marker == 'sys_platform == "linux"'
        assert Version(new.lockfile.packages["paramiko"].version) < Version("5")


def test_whatif_keeps_the_marker_through_uv_pip_compile(tmp_path: Path) -> None:
    """A requirements.in project: the marker carried over is in the declarations the new resolution is judged by."""
    project = tmp_path / "netops"
    project.mkdir()
    (project / "requirements.in").write_text("netmiko[par4]==4.8.0 ; python_version >= '3.10'\n", encoding="utf-8")
    uv("pip", "compile", "requirements.in", "-o", "requirements.txt", "--python-version", "3.11", cwd=project)
    report = _whatif(project / "requirements.txt", "--upgrade", "netmiko>=4.8")
    assert _paramiko_after(report) < Version("5")
    (asked,) = report["whatif"]["resolved"]
    assert asked["resolved"] == 'netmiko[par4]>=4.8; python_version >= "3.10"'
    netmiko = next(p for p in report["packages"] if p["name"] == "netmiko")
    mine = [c for c in netmiko["constraints"] if c["by"] == "<project>"]
    assert mine and all(c.get("marker") == 'python_version >= "3.10"' for c in mine), mine


def test_whatif_says_a_pins_only_lockfile_cannot_carry_extras(tmp_path: Path) -> None:
    """A compiled requirements.txt alone records no declarations: whatif says it could keep no extras."""
    project = tmp_path / "pins"
    project.mkdir()
    shutil.copy(PAR4 / "pip-compile" / "requirements.txt", project / "requirements.txt")
    report = _whatif(project, "netmiko>=4.8")
    (asked,) = report["whatif"]["resolved"]
    assert asked["declarations_known"] is False and asked["resolved"] == "netmiko>=4.8"
    assert any("requirements.txt records pins only" in n and "netmiko[EXTRA]" in n for n in report["notes"])
