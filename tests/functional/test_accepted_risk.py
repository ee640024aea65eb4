"""Accepted risks through the real CLI: ``[[tool.sshdrift.ignore]]``, ``--ignore``, ``sshdrift baseline``.

The project is the Poetry fixture of netmiko 4.4.0 (its lock records every declared constraint, so
the runs need no network and no cache); the advisories come from our own OSV records (fixtures/osv).
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

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "poetry"
OSV = ROOT / "fixtures" / "osv"

# What the fixture gives at --fail-on error (checked below, so a changed fixture cannot pass silently).
ERRORS = {("open-ended-range", "paramiko"), ("vulnerability", "netmiko")}
# scp's open range is a note by policy (rules/ssh-stack.toml); an entry still marks it accepted.
ACCEPTED = ERRORS | {("open-ended-range", "scp")}
ACCEPT_ALL_ERRORS = """
[[tool.sshdrift.ignore]]
rule = "open-ended-range"
package = "paramiko"
reason = "devices all negotiate with paramiko 6 in the lab"

[[tool.sshdrift.ignore]]
rule = "open-ended-range"
package = "SCP"
version = "0.16.2"
reason = "scp only copies files"
until = 2999-12-31

[[tool.sshdrift.ignore]]
rule = "vulnerability"
advisory = "SSHDRIFT-TEST-5"
reason = "session logs are off"
"""


def _project(tmp_path: Path, extra: str = "") -> Path:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return project


def _sshdrift(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(cache)}
    env.pop("SSHDRIFT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _lock(project: Path, *args: str, cache: Path) -> tuple[int, dict[str, Any]]:
    proc = _sshdrift("lock", str(project), "--offline", "--vuln-db", str(OSV), "--format", "json", *args, cache=cache)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _by_rule(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == rule]


def test_the_fixture_fails_without_entries(tmp_path: Path) -> None:
    code, report = _lock(_project(tmp_path), cache=tmp_path / "cache")
    assert code == 1
    assert {(f["rule"], f["package"]) for f in report["findings"] if f["severity"] == "error"} == ERRORS
    assert not any("ignored" in f for f in report["findings"])


def test_entries_hide_findings_from_the_verdict_not_from_the_report(tmp_path: Path) -> None:
    code, report = _lock(_project(tmp_path, ACCEPT_ALL_ERRORS), cache=tmp_path / "cache")
    assert code == 0
    ignored = {(f["rule"], f["package"]): f["ignored"] for f in report["findings"] if "ignored" in f}
    assert set(ignored) == ACCEPTED
    assert ignored[("open-ended-range", "scp")] == {"reason": "scp only copies files", "until": "2999-12-31"}
    assert ignored[("vulnerability", "netmiko")] == {"reason": "session logs are off", "until": None}
    # Warnings are untouched and still fail a stricter gate; no entry is stale.
    assert _by_rule(report, "accepted-risk") == []
    code, _ = _lock(_project(tmp_path / "b", ACCEPT_ALL_ERRORS), "--fail-on", "warning", cache=tmp_path / "cache")
    assert code == 1


def test_expired_and_unmatched_entries_are_notes(tmp_path: Path) -> None:
    entries = """
[[tool.sshdrift.ignore]]
rule = "open-ended-range"
package = "paramiko"
reason = "until the lab moved"
until = "2020-01-31"

[[tool.sshdrift.ignore]]
rule = "open-ended-range"
package = "scp"
version = "0.15.0"
reason = "pinned to the old scp"

[[tool.sshdrift.ignore]]
rule = "incompatible-device"
device = "r1"
reason = "no devices in a lock run: not stale"
"""
    code, report = _lock(_project(tmp_path, entries), cache=tmp_path / "cache")
    assert code == 1  # the expired entry no longer hides paramiko's error
    paramiko = next(f for f in _by_rule(report, "open-ended-range") if f["package"] == "paramiko")
    assert "ignored" not in paramiko
    notes = sorted(f["message"] for f in _by_rule(report, "accepted-risk"))
    assert len(notes) == 2 and all(f["severity"] == "note" for f in _by_rule(report, "accepted-risk"))
    assert "#1 (rule open-ended-range, package paramiko): expired on 2020-01-31; it no longer applies" in notes[0]
    assert "#2 (rule open-ended-range, package scp 0.15.0): matches no finding of this run" in notes[1]


def test_ignore_on_the_command_line(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, report = _lock(
        project,
        "--ignore",
        "open-ended-range:paramiko",
        "--ignore",
        "open-ended-range:scp",
        "--ignore",
        "vulnerability:SSHDRIFT-TEST-5",
        cache=tmp_path / "cache",
    )
    assert code == 0
    reasons = {f["ignored"]["reason"] for f in report["findings"] if "ignored" in f}
    assert reasons == {"accepted on the command line (--ignore)"}
    proc = _sshdrift("lock", str(project), "--offline", "--ignore", "no-such-rule:paramiko", cache=tmp_path / "cache")
    assert proc.returncode == 2 and "--ignore 'no-such-rule:paramiko'" in proc.stderr


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ('rule = "open-ended-range"\npackage = "paramiko"\n', "reason is required"),
        ('rule = "open-ended-rang"\npackage = "paramiko"\nreason = "r"\n', "is not a rule id"),
        ('rule = "open-ended-range"\npackage = "paramiko"\ndevice = "r1"\nreason = "r"\n', "exactly one of"),
        ('rule = "open-ended-range"\npackage = "paramiko"\nreason = "r"\nuntil = "31/01/2027"\n', "is not a date"),
        ('rule = "open-ended-range"\npackage = "paramiko"\nreason = "r"\nexpires = 2027-01-31\n', "unknown key"),
        ('rule = "downgrade"\ndevice = "r1"\nversion = "1.0"\nreason = "r"\n', "only with package"),
    ],
)
def test_a_malformed_entry_is_bad_input(tmp_path: Path, entry: str, says: str) -> None:
    project = _project(tmp_path, f"\n[[tool.sshdrift.ignore]]\n{entry}")
    proc = _sshdrift("lock", str(project), "--offline", "--no-vulnerabilities", cache=tmp_path / "cache")
    assert proc.returncode == 3
    message = proc.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert f"{project / 'pyproject.toml'} [[tool.sshdrift.ignore]] #1" in message and says in message


def test_baseline_prints_then_writes_entries_that_pass_the_gate(tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = (project / "pyproject.toml").read_text(encoding="utf-8")
    args = ("baseline", str(project), "--offline", "--vuln-db", str(OSV), "--fail-on", "warning")
    printed = _sshdrift(*args, cache=tmp_path / "cache")
    assert printed.returncode == 0, printed.stderr
    entries = tomllib.loads(printed.stdout)["tool"]["sshdrift"]["ignore"]
    assert {(e["rule"], e.get("package") or e.get("advisory")) for e in entries} >= {
        ("open-ended-range", "paramiko"),
        ("vulnerability", "SSHDRIFT-TEST-5"),
        ("breaking-release", "paramiko"),
    }
    assert all(e["reason"].startswith("TODO") for e in entries)
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == before  # printing writes nothing

    written = _sshdrift(*args, "--write", cache=tmp_path / "cache")
    assert written.returncode == 0 and f"added {len(entries)} [[tool.sshdrift.ignore]] entries" in written.stdout
    after = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert after.startswith(before)  # the user's tables stay as they were
    assert tomllib.loads(after)["tool"]["sshdrift"]["ignore"] == entries
    code, report = _lock(project, "--fail-on", "warning", cache=tmp_path / "cache")
    assert code == 0 and _by_rule(report, "accepted-risk") == []
    again = _sshdrift(*args, cache=tmp_path / "cache")
    assert again.stdout == "" and "no finding" in again.stderr
