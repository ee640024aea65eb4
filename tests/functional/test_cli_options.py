"""The CLI's options as a user reads and types them: ``python -m auditor`` in a subprocess.

Every option's help shows its default; an option that means different things per command says
what it means there; choices take any case.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POETRY = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "poetry"


def sshdrift(*args: str, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "1", "COLUMNS": "100"}
    if cache is not None:
        env["SSHDRIFT_CACHE_DIR"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _commands() -> list[str]:
    text = sshdrift("--help").stdout
    section = text.split("Commands:", 1)[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ") and line.split()]


def _options(command: str) -> dict[str, str]:
    """``--help`` of ``command`` as {first long flag: its whole entry, lines joined}."""
    text = sshdrift(command, "--help").stdout
    section = text.split("Options:", 1)[1]
    entries: dict[str, str] = {}
    current: list[str] = []
    for line in section.splitlines():
        if re.match(r"^  -", line) and current:
            entries[_flag(current[0])] = " ".join(current)
            current = []
        if line.strip():
            current.append(line.strip())
    if current:
        entries[_flag(current[0])] = " ".join(current)
    return entries


def _flag(first_line: str) -> str:
    return next(word for word in re.split(r"[ ,/]+", first_line) if word.startswith("--"))


def test_the_command_list_is_read() -> None:
    # The tests below walk every command; an empty walk would prove nothing.
    assert {"lock", "probe", "audit", "whatif", "drift", "fix", "merge", "demo", "lab"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_help_shows_a_default_for_every_option(command: str) -> None:
    options = _options(command)
    assert "--format" in options or command in ("lab", "baseline"), options
    missing = [flag for flag, entry in options.items() if flag != "--help" and "[default:" not in entry]
    assert missing == [], f"sshdrift {command} --help: no default shown for {missing}"


def test_help_shows_the_settings_defaults() -> None:
    lock = _options("lock")
    assert "[default: (table)]" in lock["--format"]
    assert "[default: (error)]" in lock["--fail-on"]
    assert "[default: (10)" in lock["--timeout"]
    assert "[default: (online)]" in lock["--offline"]
    assert "[default: (64)" in _options("probe")["--concurrency"]
    assert "[default: (auto)]" in _options("probe")["--paramiko"]
    assert "[default: (all)]" in _options("demo")["--show"]


def test_timeout_help_says_what_it_bounds_in_each_command() -> None:
    assert "device" not in _options("lock")["--timeout"]
    assert "vulnerability service" in _options("lock")["--timeout"]
    assert "per device" in _options("probe")["--timeout"]
    assert "vulnerability service" not in _options("probe")["--timeout"]
    audit = _options("audit")["--timeout"]
    assert "per device" in audit and "vulnerability service" in audit


def test_choices_take_any_case(tmp_path: Path) -> None:
    proc = sshdrift(
        "lock", str(POETRY), "--offline", "--no-vulnerabilities", "--format", "JSON", "--fail-on", "Never",
        cache=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["command"] == "lock"
    table = sshdrift("lock", str(POETRY), "--offline", "--no-vulnerabilities", "--show", "ALL", cache=tmp_path)
    assert table.returncode in (0, 1), table.stderr
    assert table.stdout.startswith("sshdrift lock")


def test_a_choice_that_is_no_choice_in_any_case_is_still_a_usage_error(tmp_path: Path) -> None:
    proc = sshdrift("lock", str(POETRY), "--offline", "--format", "YAML", cache=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
