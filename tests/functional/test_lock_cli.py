"""``sshdrift lock`` as a subprocess on lockfiles made by the real tools (fixtures/lock, see its README)."""

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
LOCKS = Path("fixtures") / "lock"
# Formats whose lockfile records declared constraints need no metadata from the index.
OFFLINE_TOOLS = ("poetry", "pdm")
METADATA_TOOLS = ("uv", "pylock", "pipenv", "pip-compile", "uv-pip-compile", "uv-export")
ALL_TOOLS = OFFLINE_TOOLS + METADATA_TOOLS


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One requires-dist cache for the whole session, never the user's."""
    return tmp_path_factory.mktemp("sshdrift-cache")


def run_lock(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(cache)}
    env.pop("SSHDRIFT_DEBUG", None)
    return subprocess.run(
        # The vulnerability rule has its own tests (tests/unit/checks/test_vulnerability.py); here it
        # would only add network traffic and "skipped" entries.
        [sys.executable, "-m", "auditor", "lock", *args, "--no-vulnerabilities"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def report(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, dict)
    out = {str(k): v for k, v in data.items()}
    assert {"subject": "vulnerability", "reason": "turned off (--no-vulnerabilities)"} in out["skipped"]
    out["skipped"] = [s for s in out["skipped"] if s["subject"] != "vulnerability"]
    return out


def package(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in data["packages"] if p["name"] == name]
    assert found, f"{name} not in the report: {[p['name'] for p in data['packages']]}"
    return found[0]


def tool_params(tools: tuple[str, ...]) -> list[Any]:
    return [pytest.param(t, marks=[pytest.mark.network] if t in METADATA_TOOLS else []) for t in tools]


@pytest.mark.parametrize("tool", tool_params(ALL_TOOLS))
def test_netmiko_4_4_0_flags_paramiko_through_netmiko(tool: str, cache_dir: Path) -> None:
    proc = run_lock(str(LOCKS / "netmiko-4.4.0" / tool), "--format", "json", cache=cache_dir)
    data = report(proc)
    assert proc.returncode == 1, proc.stderr
    paramiko = package(data, "paramiko")
    assert paramiko["open_ended"] is True
    assert {"by": "netmiko", "specifier": ">=2.9.5"} in paramiko["constraints"]
    errors = [f for f in data["findings"] if f["package"] == "paramiko" and f["severity"] == "error"]
    open_ended = [f for f in errors if f["rule"] == "open-ended-range"]
    assert open_ended, data["findings"]
    assert "netmiko" in open_ended[0]["via"]
    assert "paramiko>=2.9.5" in open_ended[0]["message"]
    assert open_ended[0]["file"] == Path(data["project"]["lockfile"]).name
    assert data["skipped"] == []


@pytest.mark.parametrize("case", ["netmiko-4.7.0", "netmiko-4.8.0-par4", "uv-constraint"])
@pytest.mark.parametrize("tool", tool_params(ALL_TOOLS))
def test_capped_projects_raise_no_error_on_paramiko(case: str, tool: str, cache_dir: Path) -> None:
    path = LOCKS / case / tool
    if not (ROOT / path).is_dir():
        pytest.skip(f"{case} is locked only by uv-based tools (it uses [tool.uv] constraint-dependencies)")
    data = report(run_lock(str(path), "--format", "json", cache=cache_dir))
    paramiko = package(data, "paramiko")
    assert paramiko["open_ended"] is False, paramiko
    assert "<5" in paramiko["effective_range"]
    assert [f for f in data["findings"] if f["package"] == "paramiko" and f["severity"] == "error"] == []
    # The bare `paramiko` that scp declares stays visible, as a note.
    notes = [f for f in data["findings"] if f["package"] == "paramiko" and f["severity"] == "note"]
    assert any(f["via"] == ["scp"] for f in notes), notes


@pytest.mark.network
def test_rebuild_across_paramiko_5_names_release_and_algorithms(cache_dir: Path) -> None:
    data = report(run_lock(str(LOCKS / "netmiko-4.4.0" / "uv"), "--format", "json", cache=cache_dir))
    assert package(data, "paramiko")["version"] == "4.0.0"
    breaking = [f for f in data["findings"] if f["rule"] == "breaking-release" and f["severity"] == "error"]
    assert len(breaking) == 1
    message = breaking[0]["message"]
    for expected in ("paramiko 5.0.0", "diffie-hellman-group14-sha1", "ssh-rsa", "paramiko>=2.9.5"):
        assert expected in message
    assert "constraint-dependencies" in breaking[0]["fix"]


def test_direct_open_range_is_the_projects_own(cache_dir: Path) -> None:
    data = report(run_lock(str(LOCKS / "paramiko-direct" / "poetry"), "--format", "json", cache=cache_dir))
    paramiko = package(data, "paramiko")
    assert paramiko["constraints"] == [{"by": "<project>", "specifier": ">=3.5", "kind": "dependency"}]
    finding = next(f for f in data["findings"] if f["rule"] == "open-ended-range" and f["package"] == "paramiko")
    assert finding["severity"] == "error"
    assert finding["via"] == []


@pytest.mark.parametrize(
    ("fail_on", "trips"),
    [("never", ()), ("error", ("error",)), ("warning", ("error", "warning")), ("note", ("error", "warning", "note"))],
)
def test_exit_code_follows_fail_on(fail_on: str, trips: tuple[str, ...], cache_dir: Path) -> None:
    proc = run_lock(str(LOCKS / "netmiko-4.7.0" / "pdm"), "--format", "json", "--fail-on", fail_on, cache=cache_dir)
    data = report(proc)
    severities = {f["severity"] for f in data["findings"]}
    assert severities, "the capped netmiko 4.7.0 project still has notes and warnings"
    assert proc.returncode == (1 if severities & set(trips) else 0)


def test_offline_with_recorded_constraints_needs_no_cache(tmp_path: Path) -> None:
    proc = run_lock(str(LOCKS / "netmiko-4.4.0" / "poetry"), "--format", "json", "--offline", cache=tmp_path)
    data = report(proc)
    assert data["skipped"] == []
    assert proc.returncode == 1


@pytest.mark.parametrize("tool", ["uv", "pipenv", "pylock", "uv-export"])
def test_offline_with_empty_cache_is_complete_from_the_shipped_data(tool: str, tmp_path: Path) -> None:
    """Every release up to the date of sshdrift's requires-dist data needs neither the network nor a cache."""
    proc = run_lock(str(LOCKS / "netmiko-4.4.0" / tool), "--format", "json", "--offline", cache=tmp_path)
    data = report(proc)
    assert data["skipped"] == []
    finding = next(f for f in data["findings"] if (f["rule"], f["package"]) == ("open-ended-range", "paramiko"))
    assert finding["severity"] == "error"
    assert proc.returncode == 1


@pytest.mark.parametrize(
    ("tool", "pinned"), [("uv", 'name = "netmiko"\nversion = "4.4.0"'), ("uv-export", "netmiko==4.4.0")]
)
def test_offline_with_empty_cache_lists_a_release_newer_than_the_data(tool: str, pinned: str, tmp_path: Path) -> None:
    # A netmiko released after the shipped data was read: only a cache (one online run) knows its requires-dist.
    project = tmp_path / "project"
    project.mkdir()
    for source in (LOCKS / "netmiko-4.4.0" / tool).iterdir():
        text = source.read_text(encoding="utf-8")
        (project / source.name).write_text(text.replace(pinned, pinned.replace("4.4.0", "4.99.0")), encoding="utf-8")
    proc = run_lock(str(project), "--format", "json", "--offline", cache=tmp_path / "cache")
    data = report(proc)
    skipped = {s["subject"]: s for s in data["skipped"]}
    assert "paramiko" in skipped, data["skipped"]
    # One entry per SSH-stack package, naming the dependents whose requires-dist is missing and why.
    assert skipped["paramiko"]["incomplete"] is True
    reason = skipped["paramiko"]["reason"]
    assert "netmiko 4.99.0" in reason and "newer than sshdrift's requires-dist data" in reason, reason
    assert "--offline" in reason and "once online" in reason
    assert not [s for s in skipped if s.startswith("netmiko ")], "no second entry per pin"
    assert not [f for f in data["findings"] if f["package"] == "paramiko"]
    tripping = [f for f in data["findings"] if f["severity"] == "error"]
    # Never a silent pass: an unevaluated SSH-stack range makes the run incomplete.
    assert proc.returncode == (1 if tripping else 4)


BAD = LOCKS / "bad"
_KNOWN = "uv.lock, poetry.lock, pdm.lock, pylock.toml, Pipfile.lock or a pinned requirements*.txt"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            BAD / "truncated-toml" / "uv.lock",
            f"{BAD}/truncated-toml/uv.lock: line 14: not valid TOML (Unterminated string); regenerate it with 'uv lock'",
        ),
        (
            BAD / "unsupported-version" / "uv.lock",
            f"{BAD}/unsupported-version/uv.lock: lock version 2 is not supported (sshdrift reads uv.lock version 1); "
            "upgrade sshdrift, or regenerate it with a uv that writes version 1",
        ),
        (
            BAD / "missing-version" / "poetry.lock",
            f"{BAD}/missing-version/poetry.lock: line 303: package 'paramiko' has no version; "
            "regenerate it with 'poetry lock'",
        ),
        (
            BAD / "unknown-format" / "deps.lock",
            f"{BAD}/unknown-format/deps.lock: not a lockfile sshdrift can read (expected {_KNOWN}); pass one of those",
        ),
        (BAD / "empty-file" / "uv.lock", f"{BAD}/empty-file/uv.lock: the file is empty; regenerate it with 'uv lock'"),
        (
            BAD / "missing-file" / "uv.lock",
            f"{BAD}/missing-file/uv.lock: no such file; check the path or create it with 'uv lock'",
        ),
        (
            BAD,
            f"{BAD}: no lockfile found (looked for {_KNOWN}); run 'uv lock' there or pass the lockfile's path",
        ),
    ],
    ids=[
        "truncated-toml",
        "unsupported-version",
        "missing-version",
        "unknown-format",
        "empty-file",
        "missing-file",
        "no-lockfile",
    ],
)
def test_bad_input_is_one_line_and_exit_3(path: Path, message: str, tmp_path: Path) -> None:
    proc = run_lock(str(path), "--format", "json", cache=tmp_path)
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [f"sshdrift: error: {message}"]


def run_fix_dry(path: Path, cache: Path) -> dict[str, Any]:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(cache)}
    env.pop("SSHDRIFT_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "fix", str(path), "--dry-run", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


# (tool directory, files of it to keep; None = all): every registered format, with the file that
# carries its cap beside it and, for the formats that record only pins, without one.
HINT_CASES = [
    *((tool, None) for tool in ALL_TOOLS),
    ("pylock", ("pylock.toml",)),
    ("uv-export", ("requirements.txt",)),
    ("pipenv", ("Pipfile.lock",)),
]


@pytest.mark.parametrize(
    ("tool", "keep"),
    [
        pytest.param(
            t, k, marks=[pytest.mark.network] if t in METADATA_TOOLS else [], id=f"{t}-{'alone' if k else 'project'}"
        )
        for t, k in HINT_CASES
    ],
)
def test_lock_offers_fix_exactly_when_fix_writes_the_cap(
    tool: str, keep: tuple[str, ...] | None, cache_dir: Path, tmp_path: Path
) -> None:
    """The ``lock`` hint and ``fix`` ask the same format: the hint offers 'sshdrift fix' iff fix writes the cap."""
    project = tmp_path / tool
    shutil.copytree(ROOT / LOCKS / "netmiko-4.4.0" / tool, project)
    for file in project.iterdir():
        if keep is not None and file.name not in keep:
            file.unlink()
    data = report(run_lock(str(project), "--format", "json", cache=cache_dir))
    errors = [f for f in data["findings"] if f["package"] == "paramiko" and f["rule"] == "open-ended-range"]
    assert [f["severity"] for f in errors] == ["error"], data["findings"]
    offered = "sshdrift fix" in errors[0]["fix"]
    fixed = run_fix_dry(project, cache_dir)
    written = [e for e in fixed["edits"] if e["package"] == "paramiko"]
    assert offered == bool(written), (errors[0]["fix"], fixed["edits"], fixed["skipped"])
    assert offered == (keep is None), "a project with its declaring file is fixable, a lone lock is not"
    if not written:
        # fix says where the cap goes instead, in the hint's own words.
        reasons = [s["reason"] for s in fixed["skipped"] if s["subject"] == "paramiko"]
        assert reasons and errors[0]["fix"] in reasons[0], reasons


def test_every_registered_format_is_in_the_hint_cases() -> None:
    from auditor.sources.lockfiles import FORMATS, detect_format, find_lockfile

    seen = set()
    for tool, _ in HINT_CASES:
        lock = find_lockfile(ROOT / LOCKS / "netmiko-4.4.0" / tool)
        seen.add(detect_format(lock, lock.read_text(encoding="utf-8")).name)
    assert seen == {fmt.name for fmt in FORMATS}


@pytest.mark.network
def test_a_workspace_member_directory_finds_the_workspace_lock(cache_dir: Path, tmp_path: Path) -> None:
    """uv keeps one lock per workspace, at its root: run from a member, sshdrift reads that one."""
    from tests.functional.projects import AS_OF_PARAMIKO_4, uv

    root = tmp_path / "ws"
    member = root / "packages" / "netops"
    member.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "ws"\nversion = "0.1.0"\nrequires-python = ">=3.10"\ndependencies = []\n\n'
        '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
        encoding="utf-8",
    )
    (member / "pyproject.toml").write_text(
        '[project]\nname = "netops"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["netmiko==4.4.0"]\n\n'
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
        encoding="utf-8",
    )
    uv("lock", "--exclude-newer", AS_OF_PARAMIKO_4, cwd=root)
    proc = run_lock(str(member), "--format", "json", cache=cache_dir)
    data = report(proc)
    assert proc.returncode == 1, proc.stderr
    assert Path(data["project"]["path"]).resolve() == root.resolve()
    assert data["project"]["lockfile"] == "uv.lock"
    errors = [f for f in data["findings"] if f["package"] == "paramiko" and f["rule"] == "open-ended-range"]
    assert errors and errors[0]["severity"] == "error"
    assert "constraint-dependencies in pyproject.toml" in errors[0]["fix"]
