"""Benchmarks of issue 9: 200 loopback targets, sshdrift beside a naive Paramiko pool, nmap and ssh-audit.

Twenty real sshd instances (the device profiles of ``fixtures/devices/``, cycled) each listen on the same
port of 127.0.0.1 to 127.0.0.10, one inetd-style listener per address written here: 200 targets, ten per
sshd. In one run, alternating, medians of several runs, every tool a subprocess as a user runs it:

* verified: ``sshdrift probe INV --paramiko 5.1.0`` beside a naive pool of 8 threads running
  ``Transport.start_client`` on the same targets in the same paramiko 5.1.0 environment (target ≤ 0.8);
* grab only: ``sshdrift probe INV --no-verify`` beside ``nmap -Pn -p PORTS --script +ssh2-enum-algos
  127.0.0.1-10`` (≤ 0.8) and ``ssh-audit -T --skip-rate-test`` (≤ 0.1).

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s -k targets``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers

pytestmark = [pytest.mark.bench, pytest.mark.integration, pytest.mark.network, pytest.mark.timeout(1800)]

PROFILES = (
    "modern_default",
    "cisco_ios15_classic",
    "cisco_iosxe_17_early",
    "cisco_iosxe_17_12plus",
    "cisco_nxos",
    "mikrotik_ros6_default",
    "fortios_74",
    "arista_eos_modern",
    "aruba_aoscx_1006",
    "cisco_iosxe_16",
)
SERVERS = 20
ADDRESSES = tuple(f"127.0.0.{i}" for i in range(1, 11))
RUNS = int(os.environ.get("SSHDRIFT_BENCH_RUNS", "3"))
BIN = Path(sys.executable).parent

NAIVE = r"""
import json, logging, socket, sys
from concurrent.futures import ThreadPoolExecutor
import paramiko

logging.getLogger("paramiko").addHandler(logging.NullHandler())
logging.getLogger("paramiko").propagate = False

def handshake(target):
    host, port = target
    sock = socket.create_connection((host, port), timeout=15)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=15)
        return transport.remote_version, transport.host_key_type
    except Exception as exc:
        return transport.remote_version, type(exc).__name__
    finally:
        transport.close()

targets = [tuple(t) for t in json.loads(sys.stdin.read())]
with ThreadPoolExecutor(max_workers=8) as pool:
    print(json.dumps(list(pool.map(handshake, targets))))
"""
"""The naive peer: one process, 8 threads, ``Transport.start_client`` per target (the issue's "naive pool")."""


class AliasListener:
    """An inetd-style listener on ``address``:``port`` running ``command`` per connection (as :class:`servers.InetdListener`)."""

    def __init__(self, command: list[str], log: Path, address: str, port: int) -> None:
        self.command = command
        self.log = log
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind((address, port))
        self.socket.listen(256)
        self.children: list[subprocess.Popen[bytes]] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            with conn, self.log.open("ab") as log:
                self.children = [c for c in self.children if c.poll() is None]
                self.children.append(
                    subprocess.Popen(self.command, stdin=conn.fileno(), stdout=conn.fileno(), stderr=log)
                )

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
        self.thread.join(5)
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.wait()


@pytest.fixture(scope="module")
def targets(server_lab: servers.ServerLab) -> Iterator[tuple[list[int], list[tuple[str, int]]]]:
    """The 20 sshd ports and the 200 ``(address, port)`` targets, every sshd on every address."""
    ports: list[int] = []
    aliases: list[AliasListener] = []
    for index in range(SERVERS):
        server = server_lab.sshd(PROFILES[index % len(PROFILES)], label=f"bench9-{index}")
        assert server.listener is not None
        ports.append(server.port)
        for address in ADDRESSES[1:]:
            aliases.append(AliasListener(server.listener.command, server.workdir / "alias.log", address, server.port))
    yield ports, [(address, port) for address in ADDRESSES for port in ports]
    for alias in aliases:
        alias.stop()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SSHDRIFT_DEBUG"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # every tool starts from cached bytecode after the warm-up
    return env


def _timed(command: list[str], stdin: str | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, env=_env(), check=False, timeout=900)
    return time.perf_counter() - started, done


def _inventory(path: Path, targets: list[tuple[str, int]]) -> Path:
    path.write_text(
        "".join(f"- name: t{i:03d}\n  host: {host}\n  port: {port}\n" for i, (host, port) in enumerate(targets)),
        encoding="utf-8",
    )
    return path


def _paramiko_python() -> Path:
    """The interpreter of the paramiko 5.1.0 environment sshdrift verifies with (made by uv if needed)."""
    from auditor.probe.clients import EnvironmentRequest, get_client

    environment = get_client("paramiko").environment(EnvironmentRequest(spec="5.1.0"), verify=True)
    assert environment.python is not None
    return environment.python


def _medians(commands: dict[str, tuple[list[str], str | None]]) -> dict[str, list[float]]:
    """Each command once to warm up, then :data:`RUNS` rounds, alternating; wall seconds per command."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(RUNS + 1):
        for name, (command, stdin) in commands.items():
            elapsed, done = _timed(command, stdin)
            assert done.stdout and "Traceback" not in done.stderr, (name, done.returncode, done.stderr[-2000:])
            if round_:
                times[name].append(elapsed)
    return times


def _line(name: str, runs: list[float]) -> str:
    return f"{name} {statistics.median(runs):.2f} s (runs {', '.join(f'{t:.2f}' for t in runs)})"


def test_verified_probe_vs_naive_paramiko_pool(
    targets: tuple[list[int], list[tuple[str, int]]], tmp_path: Path
) -> None:
    _, where = targets
    inventory = _inventory(tmp_path / "hosts.yaml", where)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    ours = [str(BIN / "sshdrift"), "probe", str(inventory), "--paramiko", "5.1.0", "--format", "json",
            "--known-hosts", str(known_hosts)]  # fmt: skip
    naive = [str(_paramiko_python()), "-c", NAIVE]
    times = _medians({"sshdrift probe": (ours, None), "naive pool": (naive, json.dumps(where))})

    _, done = _timed(ours)
    report = json.loads(done.stdout)["devices"]
    assert len(report) == len(where) and all(d["verified"] for d in report), [d["reasons"] for d in report][:3]
    _, done = _timed(naive, json.dumps(where))
    assert len(json.loads(done.stdout)) == len(where)
    ratio = statistics.median(times["sshdrift probe"]) / statistics.median(times["naive pool"])
    print(
        f"\n{len(where)} targets ({SERVERS} sshd x {len(ADDRESSES)} addresses), verified with paramiko 5.1.0: "
        f"{_line('sshdrift probe', times['sshdrift probe'])}; {_line('naive 8-thread pool', times['naive pool'])}; "
        f"ratio {ratio:.2f} (target <= 0.80)"
    )
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert ratio <= 0.8


def test_grab_vs_nmap_and_ssh_audit(targets: tuple[list[int], list[tuple[str, int]]], tmp_path: Path) -> None:
    ports, where = targets
    nmap = shutil.which("nmap")
    ssh_audit = BIN / "ssh-audit"
    if nmap is None or not ssh_audit.is_file():
        pytest.skip("nmap or ssh-audit (dev group) is not installed")
    inventory = _inventory(tmp_path / "hosts.yaml", where)
    target_file = tmp_path / "targets.txt"
    target_file.write_text("".join(f"{host}:{port}\n" for host, port in where), encoding="utf-8")
    last = ADDRESSES[-1].rsplit(".", 1)[1]
    nmap_command = [nmap, "-Pn", "-p", ",".join(map(str, ports)), "--script", "+ssh2-enum-algos", "-oX", "-"]
    nmap_command.append(f"{ADDRESSES[0]}-{last}")
    commands: dict[str, tuple[list[str], str | None]] = {
        "sshdrift probe --no-verify": (
            [str(BIN / "sshdrift"), "probe", str(inventory), "--no-verify", "--paramiko", "5.1.0", "--format", "json"],
            None,
        ),
        "nmap": (nmap_command, None),
        "ssh-audit": ([str(ssh_audit), "-j", "--skip-rate-test", "-T", str(target_file)], None),
    }
    times = _medians(commands)
    _, done = _timed(commands["sshdrift probe --no-verify"][0])
    report = json.loads(done.stdout)["devices"]
    assert len(report) == len(where) and all(d["offered"] for d in report)
    _, done = _timed(commands["nmap"][0])
    assert done.stdout.count('id="ssh2-enum-algos"') == len(where), "nmap read every target"
    ours = statistics.median(times["sshdrift probe --no-verify"])
    vs_nmap = ours / statistics.median(times["nmap"])
    vs_audit = ours / statistics.median(times["ssh-audit"])
    print(
        f"\n{len(where)} targets on {ADDRESSES[0]}-10, grab only: {_line('sshdrift --no-verify', times['sshdrift probe --no-verify'])}; "
        f"{_line('nmap ssh2-enum-algos', times['nmap'])}; {_line('ssh-audit -T', times['ssh-audit'])}; "
        f"ratio vs nmap {vs_nmap:.2f} (target <= 0.80), vs ssh-audit {vs_audit:.3f} (target <= 0.100)"
    )
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert vs_nmap <= 0.8
    assert vs_audit <= 0.1
