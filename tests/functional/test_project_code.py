"""The CLI on the netops fixture project (fixtures/code/): the project's own code, judged against its real uv locks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.code_projects import netops_project
from tests.functional.projects import sshdrift


def _findings(report: dict[str, Any], rule: str) -> list[tuple[str, int, str]]:
    return [(f["file"], f["line"], f["severity"]) for f in report["findings"] if f["rule"] == rule]


@pytest.mark.parametrize(
    ("paramiko", "removed"),
    [
        ("3.5.1", []),
        ("4.0.0", [("netops/backup.py", 17, "error")]),
        (
            "5.1.0",
            [
                ("netops/backup.py", 11, "error"),
                ("netops/backup.py", 17, "error"),
                ("netops/legacy_switches.py", 15, "error"),
                ("netops/legacy_switches.py", 23, "error"),
            ],
        ),
    ],
)
def test_lock_reports_removed_api_with_file_and_line(tmp_path: Path, paramiko: str, removed: list[Any]) -> None:
    project = netops_project(tmp_path, paramiko)
    # --offline: nothing here needs the index; a cold cache only leaves requires-dist unevaluated (skipped).
    proc = sshdrift("lock", str(project), "--offline", "--no-vulnerabilities", "--format", "json")
    report = json.loads(proc.stdout)
    assert sorted(_findings(report, "removed-api")) == removed
    # The fixture's [tool.sshdrift] exclude = ["tests/**"]: its lab test is not read.
    assert sorted(_findings(report, "host-key-policy")) == [
        ("netops/backup.py", 9, "warning"),
        ("netops/legacy_switches.py", 15, "warning"),
        ("netops/legacy_switches.py", 23, "warning"),
        ("netops/nornir_tasks.py", 14, "warning"),
    ]
    # --fail-on error (the default): removed-api errors fail the run, host-key-policy warnings do not.
    errors = [f for f in report["findings"] if f["severity"] == "error" and not f.get("ignored")]
    assert proc.returncode == (1 if errors else 0)
    if removed:
        assert proc.returncode == 1


def test_sarif_regions_point_at_the_lines(tmp_path: Path) -> None:
    project = netops_project(tmp_path, "5.1.0")
    proc = sshdrift("lock", str(project), "--offline", "--no-vulnerabilities", "--format", "sarif", cwd=project)
    run = json.loads(proc.stdout)["runs"][0]
    located = sorted(
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
        if r["ruleId"] == "removed-api"
    )
    assert located == [
        ("netops/backup.py", 11),
        ("netops/backup.py", 17),
        ("netops/legacy_switches.py", 15),
        ("netops/legacy_switches.py", 23),
    ]
    assert {"removed-api", "host-key-policy"} <= {rule["id"] for rule in run["tool"]["driver"]["rules"]}


def test_include_exclude_from_pyproject(tmp_path: Path) -> None:
    project = netops_project(tmp_path, "5.1.0")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('exclude = ["tests/**"]', 'include = ["netops/backup.py"]'),
        encoding="utf-8",
    )
    proc = sshdrift("lock", str(project), "--offline", "--no-vulnerabilities", "--format", "json")
    report = json.loads(proc.stdout)
    assert {f for f, _, _ in _findings(report, "removed-api") + _findings(report, "host-key-policy")} == {
        "netops/backup.py"
    }


@pytest.mark.network
def test_whatif_names_the_lines_that_would_stop_working(tmp_path: Path) -> None:
    project = netops_project(tmp_path, "3.5.1")
    proc = sshdrift("whatif", "paramiko==5.1.0", "--project", str(project), "--no-vulnerabilities", "--format", "json")
    report = json.loads(proc.stdout)
    assert sorted(_findings(report, "removed-api")) == [
        ("netops/backup.py", 11, "error"),
        ("netops/backup.py", 17, "error"),
        ("netops/legacy_switches.py", 15, "error"),
        ("netops/legacy_switches.py", 23, "error"),
    ]
    stops = [n for n in report["notes"] if "would stop working with paramiko 5.1.0" in n]
    assert [n.split(" ", 1)[0] for n in stops] == [
        "netops/backup.py:11",
        "netops/backup.py:17",
        "netops/legacy_switches.py:15",
        "netops/legacy_switches.py:23",
    ]
    assert proc.returncode == 1


def test_a_file_that_cannot_be_parsed_is_listed_as_skipped(tmp_path: Path) -> None:
    project = netops_project(tmp_path, "5.1.0")
    (project / "netops" / "half_edited.py").write_text("import paramiko\ndef connect(:\n", encoding="utf-8")
    proc = sshdrift("lock", str(project), "--offline", "--no-vulnerabilities", "--format", "json")
    report = json.loads(proc.stdout)
    skipped = [s for s in report["skipped"] if s["subject"] == "netops/half_edited.py"]
    assert len(skipped) == 1 and "not valid Python" in skipped[0]["reason"]
    assert not skipped[0].get("incomplete")
    assert len(_findings(report, "removed-api")) == 4  # the other files are still judged


HARDENING = """\
import paramiko


def connect(host):
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.connect(
        host,
        disabled_algorithms={
            "kex": ["diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"]
        },
    )
    return client
"""


@pytest.mark.parametrize(("paramiko", "cut"), [("4.0.0", ["ios15"]), ("5.1.0", [])])
def test_narrowing_against_a_fleet_snapshot(tmp_path: Path, paramiko: str, cut: list[str]) -> None:
    project = netops_project(tmp_path, paramiko)
    (project / "netops" / "hardening.py").write_text(HARDENING, encoding="utf-8")
    fleet = Path(__file__).resolve().parents[2] / "fixtures" / "fleet" / "ios15-and-modern.json"
    proc = sshdrift(
        "lock", str(project), "--offline", "--no-vulnerabilities", "--fleet", str(fleet), "--format", "json"
    )
    report = json.loads(proc.stdout)
    status = {d["name"]: d["status"] for d in report["devices"]}
    narrowed = [f for f in report["findings"] if f["rule"] == "narrowed-offer"]
    if cut:
        # Predicted compatible with the default offer; the code's disabled_algorithms cut it off.
        assert status["ios15"] == "compatible"
        (finding,) = narrowed
        assert (finding["file"], finding["line"], finding["severity"]) == ("netops/hardening.py", 7, "error")
        assert "ios15: no common kex" in finding["message"] and "modern" not in finding["message"]
    else:
        # paramiko 5.1.0 already cannot reach ios15 (incompatible-device says so); modern keeps curve25519.
        assert status["ios15"] == "incompatible"
        assert narrowed == []
