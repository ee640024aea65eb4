"""Benchmark: ``sshdrift lock --offline`` on the netmiko 4.4.0 ``uv.lock`` fixture, warm cache, whole process.

Target (issue 8 item 7, the pre-commit hook's start-up): the median of 9 runs at most 2x a bare
``python -c "import typer"`` in the same environment, the CLI framework's own start-up. The cache
is warmed by one run first (``--offline``: the requires-dist sshdrift ships cover this lock, so no
index is needed); then the three commands run interleaved ``RUNS`` times so that load from other
processes hits them alike. Wall time is the target; CPU time (user + system of the child) is printed
beside it, being steadier on a shared machine.

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s -k lock``.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bench]

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "fixtures" / "lock" / "netmiko-4.4.0" / "uv" / "uv.lock"
RUNS = 9


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """``(wall seconds, CPU seconds)`` of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert completed.returncode in (0, 1), completed.stderr
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


def test_lock_offline_warm_vs_typer_import(tmp_path: Path) -> None:
    env = {**os.environ, "SSHDRIFT_CACHE_DIR": str(tmp_path), "CI": "1"}
    # Compare like with like: both sides may use cached bytecode, as an installed tool does.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    lock = [sys.executable, "-m", "auditor", "lock", str(LOCK), "--offline"]
    warm = subprocess.run([*lock, "--format", "json"], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert warm.returncode in (0, 1), warm.stderr
    incomplete = [s for s in json.loads(warm.stdout)["skipped"] if s.get("incomplete")]
    assert incomplete == [], "the audit must be complete offline, or the figure measures a shorter run"
    typer_only = [sys.executable, "-c", "import typer"]
    version = [sys.executable, "-m", "auditor", "--version"]
    _timed(typer_only, env)
    samples: dict[str, list[tuple[float, float]]] = {"lock": [], "typer": [], "version": []}
    for _ in range(RUNS):
        for name, argv in (("lock", lock), ("typer", typer_only), ("version", version)):
            samples[name].append(_timed(argv, env))
    lock_wall, lock_cpu = _medians(samples["lock"])
    typer_wall, typer_cpu = _medians(samples["typer"])
    version_wall, version_cpu = _medians(samples["version"])
    ratio = lock_wall / typer_wall
    print(
        f"\nsshdrift lock --offline, netmiko 4.4.0 uv.lock, warm cache, median of {RUNS}: "
        f"{lock_wall * 1000:.0f} ms wall / {lock_cpu * 1000:.0f} ms CPU; "
        f"python -c 'import typer': {typer_wall * 1000:.0f} ms / {typer_cpu * 1000:.0f} ms; "
        f"ratio {ratio:.2f}x wall, {lock_cpu / typer_cpu:.2f}x CPU (target <= 2x); "
        f"'sshdrift --version': {version_wall * 1000:.0f} ms / {version_cpu * 1000:.0f} ms"
    )
    assert ratio <= 2.0, "issue 8 item 7: at most 2x the CLI framework's own start-up"
