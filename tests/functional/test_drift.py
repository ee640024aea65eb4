"""``sshdrift drift`` on real projects: the lock against a fresh resolution, files untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from tests.functional.projects import (
    AS_OF_PARAMIKO_4,
    requirements_project,
    sshdrift,
    tree_digest,
    uv_project,
)

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def locked_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """netmiko 4.4.0, locked by uv when paramiko 4.0.0 was current."""
    return uv_project(tmp_path_factory.mktemp("drift") / "netops")


@pytest.fixture
def project(locked_2025: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(locked_2025, tmp_path / "netops"))


def change(report: dict[str, object], name: str) -> dict[str, str | None]:
    changes = report.get("changes", [])
    assert isinstance(changes, list)
    matches = [c for c in changes if c["name"] == name]
    assert len(matches) == 1, changes
    found: dict[str, str | None] = matches[0]
    return found


def test_drift_today_crosses_paramiko_5(project: Path) -> None:
    before = tree_digest(project)
    proc = sshdrift("drift", str(project), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    paramiko = change(report, "paramiko")
    assert paramiko["before"] == "4.0.0"
    assert paramiko["after"] is not None
    assert Version(paramiko["after"]).major == 5
    drift = [f for f in report["findings"] if f["rule"] == "resolution-drift" and f["package"] == "paramiko"]
    assert len(drift) == 1
    assert drift[0]["severity"] == "error"
    assert "5.0.0" in drift[0]["message"]
    assert "diffie-hellman" in drift[0]["message"] or "SHA-1" in drift[0]["message"]
    # netmiko is pinned ==4.4.0: it must not move.
    assert all(c["name"] != "netmiko" for c in report["changes"])
    assert tree_digest(project) == before


def test_drift_as_of_the_lock_date_is_clean(project: Path) -> None:
    before = tree_digest(project)
    proc = sshdrift("drift", str(project), "--exclude-newer", AS_OF_PARAMIKO_4, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [c for c in report.get("changes", []) if c["name"] == "paramiko"] == []
    assert report["findings"] == []
    assert tree_digest(project) == before


def test_drift_as_of_a_past_rebuild(project: Path) -> None:
    # The rebuild of 2026-05-10 pulled paramiko 5.0.0 (released 2026-05-09).
    proc = sshdrift("drift", str(project), "--exclude-newer", "2026-05-10", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert change(json.loads(proc.stdout), "paramiko") == {"name": "paramiko", "before": "4.0.0", "after": "5.0.0"}


def test_drift_requirements_project_with_requirements_in(tmp_path: Path) -> None:
    project = requirements_project(tmp_path / "reqs")
    before = tree_digest(project)
    proc = sshdrift("drift", str(project / "requirements.txt"), "--python-version", "3.11", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    paramiko = change(json.loads(proc.stdout), "paramiko")
    assert paramiko["before"] == "4.0.0"
    assert Version(str(paramiko["after"])).major >= 5
    assert tree_digest(project) == before


def test_drift_bad_date_is_one_line_exit_3(project: Path) -> None:
    proc = sshdrift("drift", str(project), "--exclude-newer", "not-a-date")
    assert proc.returncode == 3
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert str(project) in proc.stderr
    assert "Traceback" not in proc.stderr


LOCKS = Path(__file__).resolve().parents[2] / "fixtures" / "lock"


@pytest.mark.parametrize("tool", ["poetry", "pdm", "pipenv", "pip-compile"])
def test_drift_keeps_the_extra_that_caps_paramiko(tool: str) -> None:
    """``netmiko[par4]`` caps paramiko below 5 through its extra: a fresh resolution must keep the extra."""
    project = LOCKS / "netmiko-4.8.0-par4" / tool
    before = tree_digest(project)
    proc = sshdrift("drift", str(project), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [c for c in report["changes"] if c["name"] == "paramiko"] == []
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    assert tree_digest(project) == before


def test_drift_reads_the_constraints_file_of_requirements_in(tmp_path: Path) -> None:
    """``-c constraints.txt`` in requirements.in is what pip-compile reads: drift resolves with it too."""
    project = requirements_project(tmp_path / "reqs")
    (project / "constraints.txt").write_text("paramiko<5\n", encoding="utf-8")
    with (project / "requirements.in").open("a", encoding="utf-8") as f:
        f.write("-c constraints.txt\n")
    proc = sshdrift("drift", str(project / "requirements.txt"), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    paramiko = [c for c in report["changes"] if c["name"] == "paramiko"]
    assert all(Version(c["after"]).major < 5 for c in paramiko if c["after"]), paramiko


def test_drift_on_a_poetry_path_dependency_resolves_it_from_its_path(tmp_path: Path) -> None:
    """A Poetry path dependency is never looked up on the index: drift resolves it from where it lives."""
    from tests.functional.projects import POETRY_PYPROJECT, poetry_lock

    lib = tmp_path / "devinv"
    (lib / "devinv").mkdir(parents=True)
    (lib / "devinv" / "__init__.py").write_text("", encoding="utf-8")
    (lib / "pyproject.toml").write_text(
        '[project]\nname = "devinv"\nversion = "2.0.0"\n\n'
        '[build-system]\nrequires = ["poetry-core>=2"]\nbuild-backend = "poetry.core.masonry.api"\n',
        encoding="utf-8",
    )
    app = tmp_path / "app"
    app.mkdir()
    pyproject = POETRY_PYPROJECT.replace(
        'netmiko = "4.4.0"  # pinned by ops\n', 'netmiko = "4.4.0"  # pinned by ops\ndevinv = {path = "../devinv"}\n'
    )
    (app / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    poetry_lock(app)
    proc = sshdrift("drift", str(app), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert [c for c in report["changes"] if c["name"] == "devinv"] == []
