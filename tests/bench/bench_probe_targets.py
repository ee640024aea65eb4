"""Benchmarks of issue 9: 200 loopback targets, sshdrift beside a naive Paramiko pool, nmap and ssh-audit.

Twenty real sshd instances (the device profiles of ``fixtures/devices/``, cycled) each listen on the same
port of 127.0.0.1 to 127.0.0.10 (one :class:`tests.servers.InetdListener` per address): 200 targets, ten per
sshd. In one run, alternating, medians of several runs, every tool a subprocess as a user runs it:

* verified: ``sshdrift probe INV --paramiko 5.1.0`` beside a naive pool of 8 threads running
  ``Transport.start_client`` on the same targets in the same paramiko 5.1.0 environment (target ≤ 0.8);
* grab only: ``sshdrift probe INV --no-verify`` beside ``nmap -Pn -p PORTS --script +ssh2-enum-algos
  127.0.0.1-10`` (≤ 0.8) and ``ssh-audit -T --skip-rate-test`` (≤ 0.1).

Each line also gives every tool's CPU seconds, the device side's CPU seconds (the sshd processes and their
listeners) and the machine's idle share during its runs, and the floor: what a client that does nothing but read
each KEXINIT takes (grab), and the busy share of the machine while the pool ran (verified: the same servers, the
same kernel work per connection and the same Paramiko handshakes need that much of the cores whatever runs them).
A target below its floor is an expected failure (xfail) that says so; above it, a miss fails.

Run: ``uv run pytest tests/bench -o python_files='bench_*.py' -s -k targets``.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
RUNS = int(os.environ.get("SSHDRIFT_BENCH_RUNS", "5"))
TARGET = 0.8
"""Issue 9's targets: sshdrift's wall time over the peer's, verified and grab-only."""
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


FLOOR = r"""
import asyncio, json, struct, sys

async def kexinit(host, port):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"SSH-2.0-floor\r\n")
    data = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        data += chunk
        end = data.find(b"\r\n")
        if end >= 0 and len(data) >= end + 6 and len(data) >= end + 6 + struct.unpack(">I", data[end + 2:end + 6])[0]:
            break
    writer.close()
    return len(data)

async def main(targets):
    gate = asyncio.Semaphore(64)
    async def one(target):
        async with gate:
            return await kexinit(*target)
    return await asyncio.gather(*(one(t) for t in targets))

print(json.dumps(asyncio.run(main(json.loads(sys.stdin.read())))))
"""
"""The floor of the grab: 64 at once, send an identification string, read up to the end of the first binary
packet (the server's KEXINIT), close; no parsing, no report. What no grabbing client can beat here."""


@dataclass
class Run:
    """One timed run: ``wall`` seconds, the tool's own ``cpu`` seconds (its children included), and the
    ``servers`` CPU seconds the device side spent meanwhile (every sshd process started during the run, and the
    listeners that started them)."""

    wall: float
    cpu: float
    servers: float
    done: subprocess.CompletedProcess[str]
    idle: float = 0.0
    """Share of the machine's CPU time left idle during the run (``/proc/stat``; 0.0 when unreadable)."""


@dataclass
class Lab:
    """The 20 sshd ports, the 200 ``(address, port)`` targets and every listener serving them."""

    ports: list[int]
    targets: list[tuple[str, int]]
    listeners: list[servers.InetdListener]

    def reap(self) -> None:
        """Wait until every server process of the last run has exited (their CPU then counts as ours)."""
        for listener in self.listeners:
            listener.reap(10.0)


@pytest.fixture(scope="module")
def targets(server_lab: servers.ServerLab) -> Iterator[Lab]:
    """Every sshd on every address: 20 ports × 127.0.0.1-10 (the extra addresses served by listeners of our own)."""
    ports: list[int] = []
    listeners: list[servers.InetdListener] = []
    for index in range(SERVERS):
        server = server_lab.sshd(PROFILES[index % len(PROFILES)], label=f"bench9-{index}")
        assert server.listener is not None
        ports.append(server.port)
        listeners.append(server.listener)
        for address in ADDRESSES[1:]:
            listeners.append(
                servers.InetdListener(
                    server.listener.command, server.workdir / "alias.log", address=address, port=server.port
                )
            )
    lab = Lab(ports, [(address, port) for address in ADDRESSES for port in ports], listeners)
    yield lab
    for listener in listeners[SERVERS:]:
        listener.stop()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SSHDRIFT_DEBUG"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # every tool starts from cached bytecode after the warm-up
    return env


def _device_side_cpu() -> float:
    """CPU seconds of this process (the listeners' accept threads) and its reaped children (the sshd processes
    and the tools run so far)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _cpu_times() -> tuple[int, int]:
    """The machine's ``(idle, total)`` CPU time in clock ticks (``/proc/stat``'s ``cpu`` line); ``(0, 0)`` if unreadable."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return fields[3] + fields[4], sum(fields[:8])


def _timed(lab: Lab, command: list[str], stdin: str | None = None) -> Run:
    """Run ``command`` as a user would; its wall and CPU seconds, and the device side's CPU seconds meanwhile."""
    lab.reap()
    before = _device_side_cpu()
    idle_before, total_before = _cpu_times()
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    streams: dict[str, str] = {}
    pumps = [
        threading.Thread(target=lambda: streams.__setitem__("out", process.stdout.read()) if process.stdout else None),
        threading.Thread(target=lambda: streams.__setitem__("err", process.stderr.read()) if process.stderr else None),
    ]
    for pump in pumps:
        pump.start()
    if process.stdin is not None:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(stdin or "")
        process.stdin.close()
    # Reaped here (not by Popen) to read the tool's own resource usage, its children included.
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    idle_after, total_after = _cpu_times()
    process.returncode = os.waitstatus_to_exitcode(status)
    for pump in pumps:
        pump.join()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    cpu = usage.ru_utime + usage.ru_stime
    lab.reap()
    servers_cpu = _device_side_cpu() - before - cpu
    done = subprocess.CompletedProcess(command, process.returncode, streams.get("out", ""), streams.get("err", ""))
    idle = (idle_after - idle_before) / (total_after - total_before) if total_after > total_before else 0.0
    return Run(wall, cpu, servers_cpu, done, idle)


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


def _medians(lab: Lab, commands: dict[str, tuple[list[str], str | None]]) -> dict[str, list[Run]]:
    """Each command once to warm up, then :data:`RUNS` rounds, alternating; the runs per command."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for round_ in range(RUNS + 1):
        for name, (command, stdin) in commands.items():
            run = _timed(lab, command, stdin)
            assert run.done.stdout and "Traceback" not in run.done.stderr, (
                name,
                run.done.returncode,
                run.done.stderr[-2000:],
            )
            if round_:
                runs[name].append(run)
    return runs


def _median(runs: list[Run], field: str = "wall") -> float:
    return statistics.median(float(getattr(run, field)) for run in runs)


def _line(name: str, runs: list[Run]) -> str:
    walls = ", ".join(f"{run.wall:.2f}" for run in runs)
    return (
        f"{name} {_median(runs):.2f} s (runs {walls}; CPU {_median(runs, 'cpu'):.2f} s, "
        f"device side's CPU {_median(runs, 'servers'):.2f} s, machine idle {_median(runs, 'idle'):.0%})"
    )


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def test_verified_probe_vs_naive_paramiko_pool(targets: Lab, tmp_path: Path) -> None:
    where = targets.targets
    inventory = _inventory(tmp_path / "hosts.yaml", where)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    ours = [str(BIN / "sshdrift"), "probe", str(inventory), "--paramiko", "5.1.0", "--format", "json",
            "--known-hosts", str(known_hosts)]  # fmt: skip
    naive = [str(_paramiko_python()), "-c", NAIVE]
    runs = _medians(targets, {"sshdrift probe": (ours, None), "naive pool": (naive, json.dumps(where))})

    report = json.loads(_timed(targets, ours).done.stdout)["devices"]
    assert len(report) == len(where) and all(d["verified"] for d in report), [d["reasons"] for d in report][:3]
    assert len(json.loads(_timed(targets, naive, json.dumps(where)).done.stdout)) == len(where)
    pool = runs["naive pool"]
    ratio = _median(runs["sshdrift probe"]) / _median(pool)
    # The pool's runs kept the machine busy (1 - idle) of the time: the device side, the kernel's work for every
    # connection and process, and the handshakes' own CPU. A tool that runs the same handshakes against the same
    # servers has that work to do on the same cores, so it cannot finish before (1 - idle) x the pool's wall.
    floor = 1.0 - _median(pool, "idle")
    accounted = (_median(pool, "servers") + _median(pool, "cpu")) / _cores() / _median(pool)
    print(
        f"\n{len(where)} targets ({SERVERS} sshd x {len(ADDRESSES)} addresses), verified with paramiko 5.1.0, "
        f"{_cores()} cores: {_line('sshdrift probe', runs['sshdrift probe'])}; {_line('naive 8-thread pool', pool)}; "
        f"ratio {ratio:.2f} (target <= {TARGET:.2f}); floor for a tool running these handshakes on this machine "
        f"{floor:.2f} of the pool (its busy share; the process CPU alone accounts for {accounted:.2f}); "
        f"for one that costs no CPU at all {floor - _median(pool, 'cpu') / _cores() / _median(pool):.2f}"
    )
    shutil.rmtree(tmp_path, ignore_errors=True)
    if ratio > TARGET and floor > TARGET:
        pytest.xfail(f"the target {TARGET} is below this machine's floor ({floor:.2f} of the pool)")
    assert ratio <= TARGET


def test_grab_vs_nmap_and_ssh_audit(targets: Lab, tmp_path: Path) -> None:
    where = targets.targets
    nmap = shutil.which("nmap")
    ssh_audit = BIN / "ssh-audit"
    if nmap is None or not ssh_audit.is_file():
        pytest.skip("nmap or ssh-audit (dev group) is not installed")
    inventory = _inventory(tmp_path / "hosts.yaml", where)
    target_file = tmp_path / "targets.txt"
    target_file.write_text("".join(f"{host}:{port}\n" for host, port in where), encoding="utf-8")
    last = ADDRESSES[-1].rsplit(".", 1)[1]
    nmap_command = [nmap, "-Pn", "-p", ",".join(map(str, targets.ports)), "--script", "+ssh2-enum-algos", "-oX", "-"]
    nmap_command.append(f"{ADDRESSES[0]}-{last}")
    ours = [str(BIN / "sshdrift"), "probe", str(inventory), "--no-verify", "--paramiko", "5.1.0", "--format", "json"]
    commands: dict[str, tuple[list[str], str | None]] = {
        "sshdrift probe --no-verify": (ours, None),
        "nmap": (nmap_command, None),
        "ssh-audit": ([str(ssh_audit), "-j", "--skip-rate-test", "-T", str(target_file)], None),
        "floor": ([sys.executable, "-c", FLOOR], json.dumps(where)),
    }
    runs = _medians(targets, commands)
    report = json.loads(_timed(targets, ours).done.stdout)["devices"]
    assert len(report) == len(where) and all(d["offered"] for d in report)
    assert _timed(targets, nmap_command).done.stdout.count('id="ssh2-enum-algos"') == len(where), (
        "nmap read every target"
    )
    ours_wall = _median(runs["sshdrift probe --no-verify"])
    vs_nmap = ours_wall / _median(runs["nmap"])
    vs_audit = ours_wall / _median(runs["ssh-audit"])
    floor_vs_nmap = _median(runs["floor"]) / _median(runs["nmap"])
    print(
        f"\n{len(where)} targets on {ADDRESSES[0]}-10, grab only, {_cores()} cores: "
        f"{_line('sshdrift --no-verify', runs['sshdrift probe --no-verify'])}; "
        f"{_line('nmap ssh2-enum-algos', runs['nmap'])}; {_line('ssh-audit -T', runs['ssh-audit'])}; "
        f"{_line('floor (bare KEXINIT reader)', runs['floor'])}; "
        f"ratio vs nmap {vs_nmap:.2f} (target <= {TARGET:.2f}; the floor's {floor_vs_nmap:.2f}), "
        f"vs ssh-audit {vs_audit:.3f} (target <= 0.100)"
    )
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert vs_audit <= 0.1
    if vs_nmap > TARGET and floor_vs_nmap > TARGET:
        pytest.xfail(f"the target {TARGET} is below this machine's floor ({floor_vs_nmap:.2f} of nmap)")
    assert vs_nmap <= TARGET
