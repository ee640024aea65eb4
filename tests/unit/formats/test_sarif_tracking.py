"""SARIF results that code scanning tracks right: one alert per distinct result, stable across runs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from auditor import engine
from auditor.formats.sarif import fingerprint, to_sarif
from auditor.model import Finding, ProjectInfo, Report, Severity, Suppression
from auditor.progress import NullProgress
from auditor.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures"


def _real_report(lock: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Report:
    """``sshdrift lock LOCK --offline`` with every rule that reads files: OSV records, ssh_config, a fleet."""
    monkeypatch.setenv("SSHDRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.chdir(ROOT)
    settings = Settings(
        offline=True,
        vuln_db=Path("fixtures/osv"),
        ssh_config=(Path("fixtures/ssh_config/netmiko_legacy.ssh_config"),),
        fleet=Path("fixtures/fleet/ios15-and-modern.json"),
    )
    return engine.run(engine.LockRequest(Path(lock)), settings, NullProgress())


def _fingerprints(log: dict[str, Any]) -> list[str]:
    return [r["partialFingerprints"]["sshdrift/v2"] for r in log["runs"][0]["results"]]


@pytest.mark.parametrize("lock", ["fixtures/lock/netmiko-4.4.0/poetry", "fixtures/lock/netmiko-4.7.0/pdm"])
def test_distinct_results_of_a_real_report_never_share_a_fingerprint(
    lock: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    report = _real_report(lock, monkeypatch, tmp_path)
    results = to_sarif(report)["runs"][0]["results"]
    # The report really holds several results per rule and subject (else the test proves nothing).
    per_rule = Counter((r["ruleId"], r.get("properties", {}).get("package")) for r in results)
    assert per_rule[("ignored-ssh-option", None)] >= 8, per_rule
    texts = [r["message"]["text"] for r in results]
    assert len(set(texts)) == len(texts)  # every result is distinct ...
    shared = {fp: n for fp, n in Counter(_fingerprints(to_sarif(report))).items() if n > 1}
    assert shared == {}  # ... and so is every fingerprint


def test_breaking_releases_of_one_package_are_two_alerts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The 4.0.0 and 5.0.0 breaking-release findings of the netmiko 4.4.0 lock are distinct alerts."""
    report = _real_report("fixtures/lock/netmiko-4.4.0/poetry", monkeypatch, tmp_path)
    breaking = [f for f in report.findings if f.rule == "breaking-release" and f.package == "paramiko"]
    assert sorted(f.key or "" for f in breaking) == ["4.0.0", "5.0.0"]
    log = to_sarif(Report(command="lock", project=report.project, findings=tuple(breaking)))
    assert len(set(_fingerprints(log))) == 2


def test_fingerprints_are_stable_across_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = _fingerprints(to_sarif(_real_report("fixtures/lock/netmiko-4.4.0/poetry", monkeypatch, tmp_path)))
    second = _fingerprints(to_sarif(_real_report("fixtures/lock/netmiko-4.4.0/poetry", monkeypatch, tmp_path)))
    assert first == second
    assert all(len(fp) == 32 and int(fp, 16) >= 0 for fp in first)


def _lock_finding(line: int, message: str) -> Finding:
    return Finding(
        "breaking-release", Severity.ERROR, message, package="paramiko", file="uv.lock", line=line, key="5.0.0"
    )


def test_a_relock_keeps_the_alert_and_a_moved_option_is_another() -> None:
    """A package finding keeps its fingerprint when the lockfile line or the wording moves; an option does not."""
    artifact = {"uri": "uv.lock", "uriBaseId": "%SRCROOT%"}
    assert fingerprint(_lock_finding(40, "paramiko 3.4.0 locked"), artifact) == fingerprint(
        _lock_finding(52, "paramiko 3.5.1 locked"), artifact
    )
    config = {"uri": "ssh_config", "uriBaseId": "%SRCROOT%"}
    option = Finding("ignored-ssh-option", Severity.WARNING, "Ciphers x", file="ssh_config", line=3, key="ciphers")
    same_option_elsewhere = Finding(
        "ignored-ssh-option", Severity.WARNING, "Ciphers x", file="ssh_config", line=9, key="ciphers"
    )
    assert fingerprint(option, config) != fingerprint(same_option_elsewhere, config)
    assert fingerprint(option, config) != fingerprint(option, {"uri": "conf.d/asa.conf", "uriBaseId": "%SRCROOT%"})


def test_an_ignored_finding_is_an_external_suppression_with_its_reason() -> None:
    report = Report(
        command="lock",
        project=ProjectInfo(".", "uv.lock", "uv"),
        findings=(
            Finding(
                "open-ended-range",
                Severity.WARNING,
                "bcrypt 4.2.0 is locked, but its effective range '>=3.2' admits bcrypt 5 and later",
                package="bcrypt",
                file="uv.lock",
                line=12,
                ignored=Suppression("paramiko pins what it needs; reviewed with the security team", "2026-12-31"),
            ),
            Finding("open-ended-range", Severity.ERROR, "paramiko ...", package="paramiko", file="uv.lock", line=40),
        ),
    )
    ignored, live = to_sarif(report)["runs"][0]["results"]
    assert ignored["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "paramiko pins what it needs; reviewed with the security team (until 2026-12-31)",
        }
    ]
    assert ignored["level"] == "warning" and "bcrypt 4.2.0" in ignored["message"]["text"]
    assert "suppressions" not in live
