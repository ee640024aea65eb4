"""One ``lock`` run composes every rule that reads the project's inputs into one report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_lock_runs_every_offline_rule_into_one_report(tmp_path: Path) -> None:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache"), "UV_OFFLINE": "1"}
    proc = subprocess.run(
        [
            sys.executable, "-m", "auditor", "lock", "fixtures/lock/netmiko-4.4.0/poetry",
            "--offline",
            "--vuln-db", "fixtures/osv",
            "--ssh-config", "fixtures/ssh_config/netmiko_legacy.ssh_config",
            "--fleet", "fixtures/fleet/ios15-and-modern.json",
            "--format", "json",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    rules = {f["rule"] for f in data["findings"]}
    assert {"open-ended-range", "breaking-release", "vulnerability", "ignored-ssh-option"} <= rules, rules
    # The fleet snapshot is predicted with the Paramiko the lock pins, offline.
    locked = next(p["version"] for p in data["packages"] if p["name"] == "paramiko")
    assert {d["name"] for d in data["devices"]} == {"ios15", "modern"}
    assert {d["paramiko"] for d in data["devices"]} == {locked}
    assert all(d["verified"] is False for d in data["devices"])
    # Errors come first.
    severities = [f["severity"] for f in data["findings"]]
    order = {"error": 0, "warning": 1, "note": 2}
    assert severities == sorted(severities, key=order.__getitem__)


def test_audit_without_devices_says_it_checked_the_lock_only(tmp_path: Path) -> None:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache"), "UV_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", "fixtures/lock/netmiko-4.7.0/pdm", "--offline", "--format", "json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    assert data["devices"] == []
    assert any("lock checks only" in n for n in data["notes"])
    # --offline without --vuln-db: the vulnerability rule is listed as skipped, with the way out.
    vuln = [s["reason"] for s in data["skipped"] if s["subject"] == "vulnerability"]
    assert len(vuln) == 1 and "--vuln-db" in vuln[0], data["skipped"]
    assert "paramiko" not in {f["package"] for f in data["findings"] if f["severity"] == "error"}


def test_the_lock_path_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    """The pre-commit hook's ``lock --offline``: no Paramiko, rich, PyYAML, pip-audit, lab, resolution, inventory or probe."""
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache"), "UV_OFFLINE": "1", "CI": "1"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "auditor", "lock", "fixtures/lock/netmiko-4.4.0/uv", "--offline"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "auditor.engine.project" in imported  # the listing is read
    heavy = ("paramiko", "rich", "yaml", "pip_audit", "asyncssh", "cryptography", "tomlkit", "configparser", "tempfile")
    ours = (
        "auditor.lab",
        "auditor.resolution",
        "auditor.engine.demo",
        "auditor.engine.whatif",
        "auditor.sources.inventories",
        # The device rules and the probe stack they judge with: a lock without devices has nothing for them.
        "auditor.checks.device_rules",
        "auditor.probe.clients",
        "auditor.probe.negotiation",
        "auditor.probe.results",
        "auditor.probe.platforms",
        # Only with --base, --ansible-cfg.
        "auditor.analysis.base_change",
        "auditor.sources.git_ref",
        "auditor.sources.ansible_cfg",
        "auditor.report_parts",  # what only fix, demo, drift, whatif and --base reports carry
        "auditor.engine.command_requests",
    )
    unwanted = sorted(m for m in imported if m.split(".")[0] in heavy or m.startswith(ours))
    assert unwanted == [], "keep these off the lock path (import them where they are used, with the reason)"


def test_the_entry_point_pauses_the_collector_for_start_up_and_the_command_runs_with_it(tmp_path: Path) -> None:
    """``auditor.__main__.main`` pauses ``gc`` while modules load; the command itself (here ``lock``) runs collected as usual."""
    script = (
        "import gc, sys\n"
        "from auditor import cli\n"
        "from auditor.__main__ import main\n"
        "seen = []\n"
        "emit = cli._emit\n"
        "cli._emit = lambda report, settings: (seen.append(gc.isenabled()), emit(report, settings))\n"
        "sys.argv = ['sshdrift', 'lock', 'fixtures/lock/netmiko-4.4.0/uv', '--offline', '--format', 'json']\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print('collector', seen, file=sys.stderr)\n"
    )
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache"), "UV_OFFLINE": "1", "CI": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 1, proc.stderr
    assert "collector [True]" in proc.stderr
    assert json.loads(proc.stdout)["command"] == "lock"


def test_the_one_command_app_of_the_entry_point_says_what_the_whole_app_says() -> None:
    """``cli.main`` builds only the command named (start-up); its help and usage errors match the whole app's."""
    from typer.main import get_command_name

    from auditor.cli import app

    names = [get_command_name(c.callback.__name__) for c in app.registered_commands if c.callback]
    assert "lock" in names and len(names) >= 10
    env = {**os.environ, "COLUMNS": "100"}
    for argv in [[name, "--help"] for name in names] + [["lock", "--no-such-option"], ["lok"]]:
        outputs = []
        for call in ("main()", "app()"):
            script = f"import sys; sys.argv[0] = 'sshdrift'; from auditor.cli import app, main; {call}"
            proc = subprocess.run(
                [sys.executable, "-c", script, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                check=False,
            )  # fmt: skip
            outputs.append((proc.returncode, proc.stdout, proc.stderr))
        assert outputs[0] == outputs[1], argv
        assert outputs[0][0] in (0, 2) and "Usage: sshdrift" in outputs[0][1] + outputs[0][2], argv
