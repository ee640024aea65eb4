"""Benchmark: ``sshdrift lock --offline`` on a real uv.lock of ~150 packages, warm cache, whole process.

Target (issue 2, item 9): at most 2x a bare ``python -c "import typer"`` in the same environment,
the CLI framework's own start-up. The cache is warmed by one online run into a temporary
``SSHDRIFT_CACHE_DIR`` (needs the package index once), then both commands run ``RUNS`` times;
the medians and their ratio are printed.

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s -k lock``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bench, pytest.mark.network]

REPO = Path(__file__).resolve().parents[2]
LARGE = REPO / "fixtures" / "lock" / "large" / "uv" / "uv.lock"
RUNS = 9


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.perf_counter() - started
    assert completed.returncode in (0, 1), completed.stderr
    return elapsed


def test_lock_offline_warm_vs_typer_import(tmp_path: Path) -> None:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path)}
    # Compare like with like: both sides may use cached bytecode, as an installed tool does.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    packages = LARGE.read_text(encoding="utf-8").count("[[package]]")
    lock = [sys.executable, "-m", "auditor", "lock", str(LARGE), "--format", "json"]
    _timed(lock, env)  # online once: fills the requires-dist cache
    offline = [*lock, "--offline"]
    probe = subprocess.run(offline, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    unevaluated = [s for s in json.loads(probe.stdout)["skipped"] if s["subject"] != "vulnerability"]
    assert unevaluated == [], "the warm cache must cover every package the audit needs"
    typer_only = [sys.executable, "-c", "import typer"]
    version = [sys.executable, "-m", "auditor", "--version"]
    _timed(typer_only, env)
    lock_times, typer_times, version_times = [], [], []
    for _ in range(RUNS):  # interleaved, so that load from other processes hits all three alike
        lock_times.append(_timed(offline, env))
        typer_times.append(_timed(typer_only, env))
        version_times.append(_timed(version, env))
    lock_median = statistics.median(lock_times)
    typer_median = statistics.median(typer_times)
    version_median = statistics.median(version_times)
    ratio = lock_median / typer_median
    print(
        f"\nsshdrift lock --offline, {packages} locked packages, warm cache: median {lock_median * 1000:.0f} ms; "
        f"python -c 'import typer': {typer_median * 1000:.0f} ms; ratio {ratio:.2f}x (target <= 2x); "
        f"'sshdrift --version' (CLI start-up alone): {version_median * 1000:.0f} ms "
        f"({version_median / typer_median:.2f}x); the lock audit itself: {(lock_median - version_median) * 1000:.0f} ms"
    )
    assert ratio <= 2.0, "issue 2's target: at most 2x the CLI framework's own start-up"
