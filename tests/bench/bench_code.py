"""Benchmark: the code reader on a generated 2,000-file repository, warm (files in the page cache).

Target (issue 13, item 1): under 2 s warm for :func:`auditor.sources.project_code.read_project_code`,
both inside a git work tree (``git ls-files``) and outside one (a walk honouring ``.gitignore``).
One file in ten calls into the SSH stack (tutorial-style Paramiko, netmiko with options); the rest
are ordinary modules of about 60 lines; a ``.venv/`` and an ignored ``build/`` hold 500 more files
that must not be read.

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s -k code``.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

import pytest

from auditor.sources.project_code import read_project_code

pytestmark = [pytest.mark.bench]

FILES = 2000
RUNS = 5
TARGET_SECONDS = 2.0

SSH_MODULE = '''\
"""Device helper {n}."""
import paramiko
from netmiko import ConnectHandler


def connect_{n}(host, user):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(host, username=user, look_for_keys=False, disabled_algorithms={{"pubkeys": ["ssh-rsa"]}})
    return client


def netmiko_{n}(host):
    return ConnectHandler(device_type="cisco_ios", host=host, ssh_strict=True, fast_cli=False)
'''

PLAIN_MODULE = '''\
"""Business logic {n}."""
from dataclasses import dataclass


@dataclass
class Record{n}:
    name: str
    value: int

''' + "\n".join(f"def helper_{{n}}_{i}(x):\n    return [y * {i} for y in range(x) if y % 3]\n" for i in range(20))


def _generate(root: Path) -> None:
    for n in range(FILES):
        package = root / "src" / f"pkg{n // 100:02d}"
        package.mkdir(parents=True, exist_ok=True)
        text = SSH_MODULE if n % 10 == 0 else PLAIN_MODULE
        (package / f"mod{n:04d}.py").write_text(text.format(n=n), encoding="utf-8")
    for hidden in (".venv/lib/site-packages/paramiko", "build/lib/pkg"):
        directory = root / hidden
        directory.mkdir(parents=True)
        for n in range(250):
            (directory / f"m{n}.py").write_text(SSH_MODULE.format(n=n), encoding="utf-8")
    (root / ".gitignore").write_text(".venv/\nbuild/\n", encoding="utf-8")


def _median_seconds(root: Path) -> tuple[float, int, int]:
    read_project_code(root)  # warm: the page cache holds every file
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        code = read_project_code(root)
        times.append(time.perf_counter() - started)
    return statistics.median(times), code.files, len(code.uses)


@pytest.mark.parametrize("git", [False, True], ids=["walk", "git"])
def test_reader_on_2000_files_under_2_seconds_warm(tmp_path: Path, git: bool) -> None:
    _generate(tmp_path)
    if git:
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    seconds, files, uses = _median_seconds(tmp_path)
    print(f"\nreader ({'git' if git else 'walk'}): {files} files, {uses} uses, median {seconds * 1000:.0f} ms")
    assert files == FILES  # .venv/ and build/ are never read
    assert (
        uses == (FILES // 10) * 6
    )  # per SSH module: 1 import, SSHClient, its policy, AutoAddPolicy, connect, ConnectHandler
    assert seconds < TARGET_SECONDS
