"""The SARIF output: a SARIF 2.1.0 log (checked through the sarif-pydantic model), rules, results, locations.

sarif-pydantic is the maintained SARIF 2.1.0 model on the package index (pydantic models; sarif-om,
its alternative, has had no release since 2019 and validates nothing). The official JSON schema
check stays as an extra that runs when the shared reference directory is beside the repository.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pydantic
import pytest
from pydantic import BaseModel
from sarif_pydantic import sarif as sarif_model  # type: ignore[import-untyped]

from auditor.checks.catalog import RULES
from auditor.formats import render
from auditor.formats.sarif import to_sarif
from auditor.model import Finding, ProjectInfo, Report, Severity, Suppression
from auditor.settings import OutputFormat
from tests.unit.formats.sample import FINDINGS, empty_report, full_report

SCHEMA = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "sarif-schema-2.1.0.json"
"""The official SARIF 2.1.0 JSON schema, when the shared reference directory is beside the repository (an extra check)."""

REPORTS = [full_report(), full_report("whatif"), empty_report(), Report(command="probe"), Report(command="lock")]

# sarif-pydantic 0.6.2 (module sarif_pydantic.sarif) models SARIF 2.1.0 with extra properties allowed. Our check forbids any
# property the model does not know, except these two it lacks, which we validate with its classes.
_MISSING_IN_MODEL: dict[tuple[type[BaseModel], str], type[BaseModel]] = {
    (sarif_model.Invocation, "toolExecutionNotifications"): sarif_model.Notification,  # §3.20.21
    (sarif_model.Result, "suppressions"): sarif_model.Suppression,  # §3.27.23
}
# Enumerations the model keeps as plain strings (SARIF 2.1.0 §3.35.3, §3.35.4).
_ENUMS: dict[tuple[type[BaseModel], str], frozenset[str]] = {
    (sarif_model.Suppression, "kind"): frozenset({"inSource", "external"}),
    (sarif_model.Suppression, "status"): frozenset({"accepted", "underReview", "rejected"}),
}


def _model_problems(node: object, path: str) -> list[str]:
    """Unknown properties, bad enum values and 0-based lines under a parsed sarif-pydantic ``node``."""
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in _model_problems(item, f"{path}[{i}]")]
    if not isinstance(node, BaseModel):
        return []
    problems = []
    for key, value in (node.model_extra or {}).items():
        model = _MISSING_IN_MODEL.get((type(node), key))
        if model is None or not isinstance(value, list):
            problems.append(f"{path}.{key}: not a SARIF 2.1.0 property of {type(node).__name__}")
            continue
        try:
            parsed = [model.model_validate(item) for item in value]
        except pydantic.ValidationError as exc:
            problems.append(f"{path}.{key}: {exc}")
            continue
        problems += _model_problems(parsed, f"{path}.{key}")
    for name in type(node).model_fields:
        value = getattr(node, name)
        allowed = _ENUMS.get((type(node), name))
        if allowed is not None and value is not None and value not in allowed:
            problems.append(f"{path}.{name}: {value!r} is not one of {sorted(allowed)}")
        if isinstance(node, sarif_model.Region) and name == "start_line" and value is not None and value < 1:
            problems.append(f"{path}.startLine: {value} is below 1 (SARIF 2.1.0 §3.30.5)")
        problems += _model_problems(value, f"{path}.{name}")
    return problems


def sarif_problems(log: dict[str, Any]) -> list[str]:
    """What makes ``log`` other than a SARIF 2.1.0 log, checked through the sarif-pydantic model ([] when none).

    The model checks required properties, types and the ``level`` enumeration; on top of it every
    property must be one SARIF 2.1.0 defines, the version must be ``2.1.0``, and lines 1-based.
    """
    try:
        parsed = sarif_model.Sarif.model_validate(log)
    except pydantic.ValidationError as exc:
        return [str(exc)]
    problems = [] if parsed.version == "2.1.0" else [f"version {parsed.version!r} is not 2.1.0"]
    return problems + _model_problems(parsed, "$")


@pytest.mark.parametrize("report", REPORTS)
def test_output_is_a_sarif_2_1_0_log(report: Report) -> None:
    log = json.loads(render(report, OutputFormat.SARIF))
    assert sarif_problems(log) == []


def test_an_ignored_finding_is_a_valid_suppression() -> None:
    finding = replace(FINDINGS[0], ignored=Suppression("reviewed with the security team", "2026-12-31"))
    log = to_sarif(replace(full_report(), findings=(finding, *FINDINGS[1:])))
    assert log["runs"][0]["results"][0]["suppressions"]
    assert sarif_problems(log) == []


@pytest.mark.parametrize(
    ("where", "key", "value", "problem"),
    [
        (("runs", 0, "results", 0), "level", "fatal", "level"),
        (("runs", 0, "results", 0), "ruleID", "x", "ruleID: not a SARIF 2.1.0 property of Result"),
        (("runs", 0, "results", 0), "message", None, "message"),
        (("runs", 0, "results", 0, "locations", 0, "physicalLocation", "region"), "startLine", 0, "below 1"),
        (("runs", 0, "invocations", 0), "toolExecutionNotifications", [{"level": "note"}], "message"),
        (("runs", 0, "tool", "driver"), "name", None, "name"),
        ((), "version", "2.0.0", "not 2.1.0"),
    ],
)
def test_the_check_can_fail(where: tuple[str | int, ...], key: str, value: object, problem: str) -> None:
    log = to_sarif(full_report())
    node: Any = log
    for step in where:
        node = node[step]
    node[key] = value
    problems = sarif_problems(log)
    assert problems and problem in "\n".join(problems), problems


def test_output_validates_against_the_official_schema_when_present() -> None:
    """Extra check: the official JSON schema, read in place from the shared reference (never copied)."""
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent: the official SARIF 2.1.0 schema is read in place, never copied")
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    for report in REPORTS:
        log = json.loads(render(report, OutputFormat.SARIF))
        assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)] == [], report.command
    broken = to_sarif(full_report())
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))


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


def test_a_line_below_one_gives_no_region() -> None:
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
    assert sarif_problems(log) == []
