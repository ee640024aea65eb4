"""Severity that fits what happened (issue 10 item 5), through the real CLI on the real Poetry fixture.

netmiko 4.7.0 only added the ``paramiko<5.0`` cap: reaching it is a note, not a ``breaking-release``
error. scp has been 0.x for over a decade: an open range on it is a note by the policy in
``rules/ssh-stack.toml``, quoted in the finding, and ``[tool.sshdrift.open-ended]`` overrides it.
The Poetry lock records every declared constraint, so the runs need no network and no cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "poetry"


def _project(tmp_path: Path, *, netmiko: str = "netmiko==4.4.0", table: str = "") -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert '"netmiko==4.4.0"' in text  # the fixture's own declaration, replaced below
    pyproject.write_text(text.replace('"netmiko==4.4.0"', f'"{netmiko}"') + table, encoding="utf-8")
    return project


def _lock(project: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SSHDRIFT_DEBUG", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor",
            "lock",
            str(project),
            "--offline",
            "--no-vulnerabilities",
            "--format",
            "json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _findings(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert "Traceback" not in proc.stderr, proc.stderr
    found: list[dict[str, Any]] = json.loads(proc.stdout)["findings"]
    return found


def _one(findings: list[dict[str, Any]], rule: str, package: str, key: str = "") -> dict[str, Any]:
    hits = [f for f in findings if f["rule"] == rule and f["package"] == package and key in f["message"]]
    assert len(hits) == 1, (rule, package, key, [f["message"] for f in findings])
    return hits[0]


def test_scp_open_range_is_a_note_that_quotes_its_policy(tmp_path: Path) -> None:
    proc = _lock(_project(tmp_path), tmp_path)
    findings = _findings(proc)
    scp = _one(findings, "open-ended-range", "scp")
    assert scp["severity"] == "note"
    assert "admits scp 1 and later" in scp["message"]
    assert "a note by policy: scp has published only 0.x releases" in scp["message"]
    # paramiko's own open range stays the error it was: the policy is scp's alone.
    assert _one(findings, "open-ended-range", "paramiko")["severity"] == "error"
    assert proc.returncode == 1


def test_a_rebuild_that_reaches_netmiko_4_7_0_is_a_note_and_4_8_0_a_warning(tmp_path: Path) -> None:
    findings = _findings(_lock(_project(tmp_path, netmiko="netmiko>=4.4.0"), tmp_path))
    added_cap = _one(findings, "breaking-release", "netmiko", "netmiko 4.7.0")
    assert added_cap["severity"] == "note"
    assert "declares paramiko<5.0,>=3.5.0" in added_cap["message"]
    dropped_cap = _one(findings, "breaking-release", "netmiko", "netmiko 4.8.0")
    assert dropped_cap["severity"] == "warning"
    assert not [
        f
        for f in findings
        if f["rule"] == "breaking-release" and f["package"] == "netmiko" and f["severity"] == "error"
    ]


@pytest.mark.parametrize(
    ("table", "package", "severity"),
    [
        ('\n[tool.sshdrift.open-ended]\nscp = "error"\n', "scp", "error"),
        ('\n[tool.sshdrift.open-ended]\nCryptography = "note"\n', "cryptography", "note"),
    ],
)
def test_the_project_overrides_the_policy(tmp_path: Path, table: str, package: str, severity: str) -> None:
    finding = _one(_findings(_lock(_project(tmp_path, table=table), tmp_path)), "open-ended-range", package)
    assert finding["severity"] == severity
    assert "by policy: set in [tool.sshdrift.open-ended]" in finding["message"]


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('\n[tool.sshdrift.open-ended]\nscp = "fatal"\n', "scp = 'fatal': expected one of error, warning, note"),
        ('\n[tool.sshdrift]\nopen-ended = "note"\n', "expected a table of package"),
    ],
)
def test_a_bad_override_is_bad_input(tmp_path: Path, table: str, says: str) -> None:
    project = _project(tmp_path, table=table)
    proc = _lock(project, tmp_path)
    assert proc.returncode == 3
    message = proc.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert str(project / "pyproject.toml") in message and says in message


@pytest.mark.network
def test_netmiko_4_7_0_changed_only_its_paramiko_requirement(tmp_path: Path) -> None:
    """The fact behind the note: 4.7.0's requires-dist is 4.6.0's with the paramiko line capped (read from the wheels)."""

    def requires(version: str) -> set[str]:
        proc = subprocess.run(
            [
                "uv",
                "run",
                "--no-project",
                "--quiet",
                "--with",
                f"netmiko=={version}",
                "python",
                "-c",
                "import importlib.metadata as m, json; print(json.dumps(m.requires('netmiko')))",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        from packaging.requirements import Requirement

        return {str(Requirement(r)) for r in json.loads(proc.stdout.strip().splitlines()[-1])}

    before, after = requires("4.6.0"), requires("4.7.0")
    assert before - after == {"paramiko>=2.9.5"}
    assert after - before == {"paramiko<5.0,>=3.5.0"}
