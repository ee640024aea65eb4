from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.checks.catalog import RULES
from auditor.formats import render
from auditor.formats.sarif import to_sarif
from auditor.model import Finding, ProjectInfo, Report, Severity
from auditor.settings import OutputFormat
from tests.unit.formats.sample import FINDINGS, empty_report, full_report

SCHEMA = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent: the official SARIF 2.1.0 schema is read in place, never copied")
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: Any, log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


@pytest.mark.parametrize("report", [full_report(), full_report("whatif"), empty_report(), Report(command="probe")])
def test_output_validates_against_official_schema(validator: Any, report: Report) -> None:
    log = json.loads(render(report, OutputFormat.SARIF))
    assert _errors(validator, log) == []


def test_schema_validation_can_fail(validator: Any) -> None:
    log = to_sarif(full_report())
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert _errors(validator, log)


def test_driver_lists_every_rule_with_help_uri() -> None:
    driver = to_sarif(empty_report())["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    assert len(driver["rules"]) == len(RULES) >= 10
    for rule in driver["rules"]:
        assert rule["helpUri"].endswith(f"#rule-{rule['id']}")
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    assert driver["name"] == "sshdrift" and driver["informationUri"].startswith("https://")


def test_results_carry_rule_level_and_locations() -> None:
    run = to_sarif(full_report())["runs"][0]
    results = run["results"]
    assert [r["ruleId"] for r in results] == [f.rule for f in FINDINGS]
    rules = run["tool"]["driver"]["rules"]
    for result, finding in zip(results, FINDINGS, strict=True):
        assert result["level"] == finding.severity.value
        assert rules[result["ruleIndex"]]["id"] == finding.rule
        assert finding.message in result["message"]["text"]
    by_rule = {r["ruleId"]: r for r in results}
    lock = by_rule["open-ended-range"]["locations"][0]["physicalLocation"]
    assert lock == {"artifactLocation": {"uri": "uv.lock", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 40}}
    # A device finding points at the device's inventory entry.
    device = by_rule["incompatible-device"]["locations"][0]["physicalLocation"]
    assert device["artifactLocation"]["uri"] == "inventory.yaml"
    assert device["region"] == {"startLine": 2}
    # A package finding without a file falls back to the lockfile, without a region.
    vuln = by_rule["vulnerability"]["locations"][0]["physicalLocation"]
    assert vuln == {"artifactLocation": {"uri": "uv.lock", "uriBaseId": "%SRCROOT%"}}
    ssh = by_rule["ignored-ssh-option"]["locations"][0]["physicalLocation"]
    assert ssh["artifactLocation"]["uri"] == "ssh_config" and ssh["region"] == {"startLine": 3}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().as_uri() + "/"


def test_file_outside_project_is_absolute_uri(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    cfg = tmp_path / "ssh_config"
    cfg.write_text("Host *\n")
    report = Report(
        command="lock",
        project=ProjectInfo(str(project), "uv.lock", "uv"),
        findings=(Finding("ignored-ssh-option", Severity.WARNING, "x", file=str(cfg), line=1),),
    )
    loc = to_sarif(report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": cfg.as_uri()}


def test_skips_and_unreachable_devices_are_notifications() -> None:
    notes = to_sarif(full_report())["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    texts = [n["message"]["text"] for n in notes]
    assert "vulnerability: skipped, --offline" in texts
    assert "gone (127.0.0.1:2299 via ops@127.0.0.1:2222): connection refused" in texts
    assert any(t.startswith("odd ([::1]:2298): not an SSH server") for t in texts)


def test_project_in_a_subdirectory_is_placed_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code scanning reads a relative URI from the repository root (the job's working directory)."""
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "uv.lock").write_text("")
    monkeypatch.chdir(tmp_path)
    report = Report(
        command="lock",
        project=ProjectInfo("svc", "uv.lock", "uv"),
        findings=(Finding("open-ended-range", Severity.ERROR, "x", package="paramiko", file="uv.lock", line=2),),
    )
    run = to_sarif(report)["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "svc/uv.lock", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 2}}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.absolute().as_uri() + "/"
    # The GitHub annotation names the same file.
    assert render(report, OutputFormat.GITHUB).startswith("::error file=svc/uv.lock,line=2,")


def test_a_line_below_one_gives_no_region(validator: Any) -> None:
    """SARIF 2.1.0 §3.30.5: ``startLine`` is 1-based; a line 0 from a source must not make the log invalid."""
    report = Report(
        command="lock",
        project=ProjectInfo(".", "uv.lock", "uv"),
        findings=(Finding("open-ended-range", Severity.ERROR, "x", package="paramiko", file="uv.lock", line=0),),
    )
    log = to_sarif(report)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "uv.lock", "uriBaseId": "%SRCROOT%"}
    }
    assert _errors(validator, log) == []
