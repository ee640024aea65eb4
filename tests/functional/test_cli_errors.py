"""The CLI's error boundary, as a user meets it: ``python -m auditor`` in a subprocess.

Each bad invocation must end with its documented exit code (DESIGN.md: 2 usage, 3 bad input),
exactly one ``sshdrift: error:`` line on stderr (Click's own usage errors print the usage, a hint
and one ``Error:`` line instead), nothing on stdout and never a traceback. Offline: the lock runs
on the Poetry fixture, whose lockfile carries every declared constraint.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POETRY = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "poetry"
PREFIX = "sshdrift: error:"


def run_cli(args: list[str], cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """``python -m auditor ARGS`` in ``cwd`` with a private cache, no debug tracebacks, no TTY."""
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(cache), "CI": "1", "COLUMNS": "120"}
    env.pop("SSHDRIFT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class Case:
    """One bad invocation: how to set it up in a temporary directory, and what the user must see."""

    id: str
    setup: Callable[[Path], list[str]]
    """Prepares files under the directory and returns the arguments."""
    code: int
    names: str | None = None
    """Text the error line must contain (the file it is about), or None."""
    click_usage: bool = False
    """Click reports this one itself: usage, hint, ``Error:`` line."""


def _project_with_bad_key(tmp: Path) -> list[str]:
    project = tmp / "proj"
    shutil.copytree(POETRY, project)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.sshdrift]\nfail-loudly = true\n")
    return ["lock", "proj", "--offline", "--no-vulnerabilities"]


def _vuln_db_file(tmp: Path) -> list[str]:
    (tmp / "osv.json").write_text("{}", encoding="utf-8")
    return ["lock", str(POETRY), "--vuln-db", "osv.json"]


def _vuln_db_undecodable(tmp: Path) -> list[str]:
    db = tmp / "osv"
    db.mkdir()
    # Not UTF-8: the record cannot be read, which must stop the check rather than pass it silently.
    (db / "PYSEC-0000-1.yaml").write_bytes(b"id: PYSEC-0000-1\nsummary: \xff\xfe paramiko\n")
    return ["lock", str(POETRY), "--vuln-db", "osv"]


def _vuln_db_no_permission(tmp: Path) -> list[str]:
    db = tmp / "osv"
    db.mkdir()
    (db / "PYSEC-0000-1.json").write_text("{}", encoding="utf-8")
    db.chmod(0)
    return ["lock", str(POETRY), "--vuln-db", "osv"]


CASES = [
    Case("unknown-command", lambda tmp: ["frobnicate"], 2, click_usage=True),
    Case("shard-k-above-n", lambda tmp: ["probe", "hosts.txt", "--shard", "3/2"], 2, names="--shard"),
    Case("shard-not-k-of-n", lambda tmp: ["probe", "hosts.txt", "--shard", "two"], 2, names="--shard"),
    Case("fail-on-unknown", lambda tmp: ["lock", str(POETRY), "--fail-on", "loud"], 2, click_usage=True),
    Case("format-unknown", lambda tmp: ["lock", str(POETRY), "--format", "yaml"], 2, click_usage=True),
    Case("missing-inventory", lambda tmp: ["probe", "missing-hosts.txt", "--no-verify"], 3, names="missing-hosts.txt"),
    Case("missing-lockfile", lambda tmp: ["lock", "nowhere", "--offline"], 3, names="nowhere"),
    Case("tool-table-unknown-key", _project_with_bad_key, 3, names="fail-loudly"),
    Case("vuln-db-not-a-directory", _vuln_db_file, 3, names="osv.json"),
    Case("vuln-db-undecodable-record", _vuln_db_undecodable, 3, names="PYSEC-0000-1.yaml"),
    pytest.param(
        Case("vuln-db-no-permission", _vuln_db_no_permission, 3, names="osv"),
        marks=pytest.mark.skipif(
            hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a mode-000 directory anyway"
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_invocation_is_one_line_and_its_exit_code(case: Case, tmp_path: Path) -> None:
    args = case.setup(tmp_path)
    try:
        proc = run_cli(args, tmp_path, tmp_path / "cache")
    finally:
        for path in tmp_path.rglob("*"):
            if path.is_dir():
                path.chmod(0o755)  # let pytest clean up the mode-000 directory
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == case.code, proc.stderr
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    if case.click_usage:
        assert lines[0].startswith("Usage:"), proc.stderr
        assert [line for line in lines if line.startswith("Error:")] == [lines[-1]], proc.stderr
        return
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(PREFIX), proc.stderr
    if case.names is not None:
        assert case.names in lines[0]


def test_sarif_output_file_and_summary_table_on_stdout(tmp_path: Path) -> None:
    """``--format sarif --output FILE``: the file holds the SARIF log, the terminal the summary table."""
    out = tmp_path / "results.sarif"
    out.write_text("stale, longer than nothing at all\n" * 1000, encoding="utf-8")
    out.chmod(0o640)
    proc = run_cli(
        ["lock", str(POETRY), "--offline", "--format", "sarif", "--output", str(out), "--fail-on", "never"],
        tmp_path,
        tmp_path / "cache",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert any(r["ruleId"] == "open-ended-range" for r in results)
    # Replaced by rename: no temporary file left beside it, the permission bits kept.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["results.sarif"]
    assert out.stat().st_mode & 0o777 == 0o640
    # The terminal gets the human table, not the SARIF log.
    assert proc.stdout.startswith("sshdrift lock  ")
    assert "Findings" in proc.stdout and "open-ended-range" in proc.stdout
    assert not proc.stdout.lstrip().startswith("{")
    assert proc.stdout.rstrip().splitlines()[-1].startswith(("FAIL  ", "WARN  "))


def test_output_into_a_missing_directory_is_bad_input(tmp_path: Path) -> None:
    proc = run_cli(
        ["lock", str(POETRY), "--offline", "--no-vulnerabilities", "--format", "json", "--output", "no/such/r.json"],
        tmp_path,
        tmp_path / "cache",
    )
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX) and "no/such/r.json" in lines[0]
    assert proc.returncode == 3
    # The result is not lost: the summary table still reaches the terminal.
    assert proc.stdout.rstrip().splitlines()[-1].startswith(("FAIL  ", "WARN  ", "OK  "))


def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """Ctrl-C during a probe (a loopback listener that never sends its banner): exit 130, one line, no traceback."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        (tmp_path / "hosts.txt").write_text(f"127.0.0.1:{port}\n", encoding="utf-8")
        env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache"), "CI": "1"}
        env.pop("SSHDRIFT_DEBUG", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "auditor", "probe", "hosts.txt", "--no-verify", "--timeout", "60"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            silent.settimeout(60)
            connection, _ = silent.accept()  # the probe is now waiting for the banner
            with connection:
                proc.send_signal(signal.SIGINT)
                out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [f"{PREFIX} interrupted"]
    assert out == ""
