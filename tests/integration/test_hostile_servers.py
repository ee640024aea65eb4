"""Hostile and broken servers on 127.0.0.1: each becomes a classified result within the timeout.

The servers are written here, each a tiny threaded TCP listener with one misbehaviour; real sshd and
dropbear (from ``tests/servers.py``) run in the same grab to show healthy devices are unaffected.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.device_model import Device, Offered
from auditor.probe.grab import grab_devices, grab_over_socket, kexinit_path
from auditor.probe.kexinit import build_kexinit, frame_packet
from auditor.probe.results import Grabbed, GrabResult, ProtocolFailure, Unreachable
from tests import servers

pytestmark = pytest.mark.integration

TIMEOUT = 2.0
BANNER = b"SSH-2.0-Hostile_1.0\r\n"
GOOD = Offered(
    kex=("curve25519-sha256",),
    host_key=("ssh-ed25519",),
    cipher_c2s=("aes128-ctr",),
    cipher_s2c=("aes128-ctr",),
    mac_c2s=("hmac-sha2-256",),
    mac_s2c=("hmac-sha2-256",),
    compression_c2s=("none",),
    compression_s2c=("none",),
)

Behaviour = Callable[[socket.socket, threading.Event], None]


class HostileServer:
    """A listener on 127.0.0.1 that runs ``behaviour`` on each connection in its own thread."""

    def __init__(self, name: str, behaviour: Behaviour) -> None:
        self.name = name
        self.behaviour = behaviour
        self.stop = threading.Event()
        self.connections = 0
        self.listener = socket.create_server((servers.LOOPBACK, 0))
        self.port = int(self.listener.getsockname()[1])
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            self.behaviour(conn, self.stop)

    def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


def tarpit(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(30)


def endless_lines(conn: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        conn.sendall(b"Welcome! This is not the banner you are looking for.\r\n")
        time.sleep(0.001)


def huge_packet(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(BANNER + struct.pack(">IB", 2 * 1024**3, 4) + b"\0" * 64)
    stop.wait(30)


def garbage_after_banner(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(BANNER + frame_packet(b"\x5a garbage that is no SSH message at all"))
    stop.wait(30)


def reset(conn: socket.socket, stop: threading.Event) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def http(conn: socket.socket, stop: threading.Event) -> None:
    conn.settimeout(5)
    conn.recv(1024)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def ssh1_only(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"SSH-1.5-Cisco-1.25\r\n")
    stop.wait(30)


def one_byte_a_second(conn: socket.socket, stop: threading.Event) -> None:
    for byte in BANNER:
        conn.sendall(bytes([byte]))
        if stop.wait(1.0):
            return


def truncated_kexinit(conn: socket.socket, stop: threading.Event) -> None:
    packet = frame_packet(build_kexinit(GOOD))
    conn.settimeout(5)
    conn.recv(256)  # the client's identification string: closing with it unread would send a reset instead
    conn.sendall(BANNER + packet[: len(packet) // 2])


def truncated_name_list(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(BANNER + frame_packet(b"\x14" + b"C" * 16 + struct.pack(">I", 500) + b"curve25519-sha256"))
    stop.wait(30)


def empty_name_lists(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(BANNER + frame_packet(build_kexinit(Offered())))
    stop.wait(30)


def waits_for_client_kexinit(conn: socket.socket, stop: threading.Event) -> None:
    """Sends its KEXINIT only after the client's (legal; rare): the grab must nudge it."""
    conn.settimeout(10)
    conn.sendall(BANNER)
    received = b""
    while b"\n" not in received:
        received += conn.recv(256)
    rest = received.split(b"\n", 1)[1]
    while len(rest) < 5:
        rest += conn.recv(4096)
    length = struct.unpack(">I", rest[:4])[0]
    while len(rest) < 4 + length:
        rest += conn.recv(4096)
    if rest[5] == 20:
        conn.sendall(frame_packet(build_kexinit(GOOD)))
    stop.wait(30)


UTF8_BANNER = "SSH-2.0-OpenSSH_8.0 Grüße"
"""A comment in UTF-8: every Paramiko release and OpenSSH accept it (issue 9 item 6)."""


def utf8_comment(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall((UTF8_BANNER + "\r\n").encode() + frame_packet(build_kexinit(GOOD)))
    stop.wait(30)


def utf8_comment_lf_only(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall((UTF8_BANNER + "\n").encode() + frame_packet(build_kexinit(GOOD)))
    stop.wait(30)


def answers_then_resets(conn: socket.socket, stop: threading.Event) -> None:
    """The banner, then a reset at once (our identification string may or may not have arrived)."""
    conn.sendall(BANNER)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def reads_then_resets(conn: socket.socket, stop: threading.Event) -> None:
    """Reads the client's identification string, answers with its own, then resets."""
    conn.settimeout(5)
    conn.recv(256)
    conn.sendall(BANNER)
    time.sleep(0.05)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def answers_then_closes(conn: socket.socket, stop: threading.Event) -> None:
    """Reads the client's identification string, answers with its own, then closes cleanly (FIN)."""
    conn.settimeout(5)
    conn.recv(256)
    conn.sendall(BANNER)


def banner_then_silence(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(BANNER)
    stop.wait(30)


HANGS_UP = "the server closed the connection after its identification string, before its KEXINIT"
"""One reason for every way of hanging up after the banner: reset or close, before or after our banner arrived."""

HOSTILE: dict[str, tuple[Behaviour, type, str]] = {
    "tarpit": (tarpit, Unreachable, "connected, but no identification string"),
    "endless-lines": (endless_lines, ProtocolFailure, "more than 32 lines before the identification string"),
    "2gb-packet": (huge_packet, ProtocolFailure, "packet_length 2147483648 exceeds 35000"),
    "garbage": (
        garbage_after_banner,
        ProtocolFailure,
        "expected SSH_MSG_KEXINIT (20) as the first message, got message 90",
    ),
    "reset": (reset, Unreachable, "connection reset by peer (twice)"),
    "http": (http, ProtocolFailure, "not an SSH server: it answered 'HTTP/1.1 400 Bad Request'"),
    "ssh1": (ssh1_only, ProtocolFailure, "SSH-1 only"),
    "slow": (one_byte_a_second, Unreachable, "bytes but no complete identification string"),
    "truncated-packet": (truncated_kexinit, ProtocolFailure, "truncated packet"),
    "truncated-kexinit": (truncated_name_list, ProtocolFailure, "truncated KEXINIT"),
    "empty-lists": (empty_name_lists, ProtocolFailure, "the kex name-list is empty"),
    "waits-for-client": (waits_for_client_kexinit, Grabbed, ""),
    "utf8-comment": (utf8_comment, Grabbed, ""),
    "utf8-comment-lf": (utf8_comment_lf_only, Grabbed, ""),
    "answers-then-resets": (answers_then_resets, ProtocolFailure, HANGS_UP),
    "reads-then-resets": (reads_then_resets, ProtocolFailure, HANGS_UP),
    "answers-then-closes": (answers_then_closes, ProtocolFailure, HANGS_UP),
    "banner-then-silence": (banner_then_silence, Unreachable, "'SSH-2.0-Hostile_1.0', but no complete KEXINIT"),
}


@pytest.fixture(scope="module")
def hostile() -> Iterator[dict[str, HostileServer]]:
    started = {name: HostileServer(name, behaviour) for name, (behaviour, _, _) in HOSTILE.items()}
    yield started
    for server in started.values():
        server.close()


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind((servers.LOOPBACK, 0))
        return int(sock.getsockname()[1])


def test_every_hostile_server_is_classified_and_healthy_ones_unaffected(
    hostile: dict[str, HostileServer], server_lab: servers.ServerLab, tmp_path: Path
) -> None:
    sshd = server_lab.sshd("modern_default")
    legacy = server_lab.sshd("cisco_ios15_classic")
    devices = [Device(name, servers.LOOPBACK, server.port) for name, server in hostile.items()]
    devices.insert(3, Device("sshd", servers.LOOPBACK, sshd.port))
    devices.append(Device("ios15", servers.LOOPBACK, legacy.port))
    devices.append(Device("refused", servers.LOOPBACK, _refused_port()))
    devices.append(Device("no-dns", "no-such-device.invalid", 22))
    if servers.DROPBEAR.is_file():
        dropbear = server_lab.dropbear()
        devices.append(Device("dropbear", servers.LOOPBACK, dropbear.port))

    started = time.monotonic()
    results = grab_devices(devices, timeout=TIMEOUT, save_dir=tmp_path / "saved")
    elapsed = time.monotonic() - started

    assert [r.device for r in results] == devices
    by_name: dict[str, GrabResult] = {r.device.name: r for r in results}
    for name, (_, kind, reason) in HOSTILE.items():
        result = by_name[name]
        assert isinstance(result, kind), (name, result)
        if not isinstance(result, Grabbed):
            assert reason in result.reason, (name, result.reason)
            assert "\n" not in result.reason
    assert hostile["reset"].connections == 2, "a reset before the banner is retried exactly once"
    for name in ("utf8-comment", "utf8-comment-lf"):
        utf8 = by_name[name]
        assert isinstance(utf8, Grabbed) and utf8.banner == UTF8_BANNER, utf8
    # The identification string is kept whenever it was read, the KEXINIT or not.
    for name in ("answers-then-resets", "reads-then-resets", "answers-then-closes", "banner-then-silence"):
        hung_up = by_name[name]
        assert isinstance(hung_up, ProtocolFailure | Unreachable) and hung_up.banner == "SSH-2.0-Hostile_1.0", hung_up
    assert isinstance(by_name["refused"], Unreachable)
    assert by_name["refused"].reason == "connection refused"
    assert isinstance(by_name["no-dns"], Unreachable)
    assert by_name["no-dns"].reason.startswith("DNS: cannot resolve host")
    healthy = ["sshd", "ios15"] + (["dropbear"] if "dropbear" in by_name else [])
    for name in healthy:
        result = by_name[name]
        assert isinstance(result, Grabbed), result
        assert result.kexinit.strict_kex
        assert kexinit_path(tmp_path / "saved", result.device).read_bytes() == result.payload
    ios = by_name["ios15"]
    assert isinstance(ios, Grabbed)
    assert ios.kexinit.offered.kex[:3] == (
        "diffie-hellman-group-exchange-sha1",
        "diffie-hellman-group14-sha1",
        "diffie-hellman-group1-sha1",
    )
    # All run side by side: the whole grab is bounded by one timeout plus slack, not by their sum.
    assert elapsed < TIMEOUT + 2.0, elapsed


@pytest.mark.parametrize("name", ["answers-then-resets", "reads-then-resets", "answers-then-closes"])
def test_a_server_that_answers_then_hangs_up_gets_the_same_result_every_run(
    name: str, hostile: dict[str, HostileServer]
) -> None:
    """Reset or close, whichever the network delivers first: one status, one reason, the banner kept (issue 9 item 6)."""
    server = hostile[name]
    devices = [Device(f"run{i}", servers.LOOPBACK, server.port) for i in range(25)]
    results = grab_devices(devices, timeout=TIMEOUT)
    seen = {(type(r).__name__, r.reason, r.banner) for r in results if not isinstance(r, Grabbed)}
    assert seen == {("ProtocolFailure", HANGS_UP, "SSH-2.0-Hostile_1.0")}, seen
    assert all(not isinstance(r, Grabbed) for r in results)


def test_one_connection_at_a_time_per_host_port() -> None:
    """Each connection starts only after the previous one was answered (race-free: no counter to lower).

    Under one connection at a time, connection i+1 is opened after the client read connection i's
    answer, so its handler starts after handler i began sending. A prober that opened them at once would
    start every handler during the first one's 50 ms pause.
    """
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def counting(conn: socket.socket, stop: threading.Event) -> None:
        started = time.monotonic()
        time.sleep(0.05)
        sending = time.monotonic()
        with lock:
            spans.append((started, sending))
        conn.sendall(BANNER + frame_packet(build_kexinit(GOOD)))

    server = HostileServer("counting", counting)
    try:
        devices = [Device(f"alias{i}", servers.LOOPBACK, server.port) for i in range(10)]
        results = grab_devices(devices, timeout=5, concurrency=64)
    finally:
        server.close()
    assert all(isinstance(r, Grabbed) for r in results)
    assert len(spans) == 10
    ordered = sorted(spans)
    overlaps = [(a, b) for a, b in itertools.pairwise(ordered) if b[0] < a[1]]
    assert not overlaps, overlaps


def test_grab_over_a_blocking_socket(hostile: dict[str, HostileServer], server_lab: servers.ServerLab) -> None:
    sshd = server_lab.sshd("modern_default")
    device = Device("sshd", servers.LOOPBACK, sshd.port, jump="gw")
    result = grab_over_socket(socket.create_connection((servers.LOOPBACK, sshd.port)), device, timeout=TIMEOUT)
    assert isinstance(result, Grabbed)
    assert result.banner.startswith("SSH-2.0-OpenSSH_")
    for name in ("tarpit", "http", "empty-lists", "waits-for-client"):
        behaviour_kind = HOSTILE[name][1]
        conn = socket.create_connection((servers.LOOPBACK, hostile[name].port))
        started = time.monotonic()
        outcome = grab_over_socket(conn, Device(name, servers.LOOPBACK, hostile[name].port), timeout=TIMEOUT)
        assert isinstance(outcome, behaviour_kind), (name, outcome)
        assert time.monotonic() - started < TIMEOUT + 0.5


EXPECTED_STATUS = {
    "tarpit": "unreachable",
    "endless-lines": "error",
    "2gb-packet": "error",
    "garbage": "error",
    "reset": "unreachable",
    "http": "error",
    "ssh1": "error",
    "slow": "unreachable",
    "truncated-packet": "error",
    "truncated-kexinit": "error",
    "empty-lists": "error",
    "answers-then-resets": "error",
    "reads-then-resets": "error",
    "answers-then-closes": "error",
    "banner-then-silence": "unreachable",
}
BANNER_READ = ("answers-then-resets", "reads-then-resets", "answers-then-closes", "banner-then-silence")
"""Devices whose identification string came before they failed: the JSON ``banner`` is filled (issue 11 item 8)."""


@pytest.mark.parametrize("verify", [False, True], ids=["no-verify", "verify"])
def test_cli_classifies_hostile_servers_without_a_traceback(
    verify: bool, hostile: dict[str, HostileServer], server_lab: servers.ServerLab, tmp_path: Path
) -> None:
    """``sshdrift probe`` as a user runs it: every device classified, healthy ones compatible, no traceback."""
    import json
    import subprocess
    import sys

    sshd = server_lab.sshd("modern_default")
    entries = [(name, hostile[name].port) for name in EXPECTED_STATUS] + [("sshd", sshd.port)]
    inventory = tmp_path / "hosts.yaml"
    inventory.write_text(
        "".join(f"- name: {name}\n  host: 127.0.0.1\n  port: {port}\n" for name, port in entries), encoding="utf-8"
    )
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="utf-8")
    command = [sys.executable, "-m", "auditor", "probe", str(inventory), "--format", "json", "--timeout", str(TIMEOUT)]
    command += ["--known-hosts", str(known_hosts)] + ([] if verify else ["--no-verify"])
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode in (1, 4), done.stderr
    report = json.loads(done.stdout)
    statuses = {d["name"]: d["status"] for d in report["devices"]}
    assert statuses == {**EXPECTED_STATUS, "sshd": "compatible"}, report["devices"]
    healthy = next(d for d in report["devices"] if d["name"] == "sshd")
    assert healthy["verified"] is verify
    for device in report["devices"]:
        if device["name"] != "sshd":
            assert device["reasons"] and "\n" not in device["reasons"][0]
        if device["name"] in BANNER_READ:
            assert device["banner"] == "SSH-2.0-Hostile_1.0", device
