"""The handshake worker and its driver, with the Paramiko of this environment against tiny loopback servers.

The servers are written here: one sends an identification string and a real KEXINIT (built by our
own builder) offering only SHA-1 kex, one accepts and never speaks (a tarpit). Nothing is mocked:
the worker runs as a subprocess of this interpreter, exactly as for any Paramiko environment.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from auditor.device_model import Device, DeviceStatus, Offered
from auditor.errors import ConfigError
from auditor.probe.clients.paramiko.verify import WORKER, verify_devices
from auditor.probe.kexinit import build_kexinit, frame_packet
from auditor.probe.results import CATEGORY_LABELS

SHA1_ONLY = Offered(
    kex=("diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"),
    host_key=("ssh-rsa",),
    cipher_c2s=("aes128-ctr",),
    cipher_s2c=("aes128-ctr",),
    mac_c2s=("hmac-sha1",),
    mac_s2c=("hmac-sha1",),
    compression_c2s=("none",),
    compression_s2c=("none",),
)


class LoopbackServer:
    """A TCP listener on 127.0.0.1 whose every connection is handled by ``behaviour`` in a thread."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.conns.append(conn)
            if self.behaviour == "sha1-only":
                conn.sendall(b"SSH-2.0-Cisco-1.25\r\n" + frame_packet(build_kexinit(SHA1_ONLY)))
            # "tarpit": say nothing, keep the connection open.

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        for conn in self.conns:
            conn.close()
        self.thread.join(timeout=2)


@pytest.fixture
def sha1_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer("sha1-only")
    yield server
    server.close()


@pytest.fixture
def tarpit() -> Iterator[LoopbackServer]:
    server = LoopbackServer("tarpit")
    yield server
    server.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _needs_sha1_removed() -> None:
    if "diffie-hellman-group14-sha1" in paramiko.Transport._preferred_kex:
        pytest.skip(f"paramiko {paramiko.__version__} still offers SHA-1 kex")


def test_worker_reports_incompatible_and_keeps_paramikos_traceback_quiet(sha1_server: LoopbackServer) -> None:
    _needs_sha1_removed()
    job = {
        "timeout": 5,
        "threads": 2,
        "devices": [{"id": 0, "host": "127.0.0.1", "port": sha1_server.port, "jump": None}],
    }
    run = subprocess.run(
        [sys.executable, "-I", str(WORKER)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0
    header, outcome = (json.loads(line) for line in run.stdout.splitlines())
    assert header["paramiko"] == paramiko.__version__
    assert outcome["status"] == "incompatible"
    assert "no acceptable kex algorithm" in outcome["reason"]
    assert outcome["banner"] == "SSH-2.0-Cisco-1.25"
    # Paramiko's transport thread logs "Exception (client): ..." and a traceback; none of it may escape.
    assert run.stderr == ""


def test_verify_devices_classifies_each_device_and_loses_none(
    sha1_server: LoopbackServer, tarpit: LoopbackServer
) -> None:
    _needs_sha1_removed()
    devices = [
        Device("old", "127.0.0.1", sha1_server.port),
        Device("silent", "127.0.0.1", tarpit.port),
        Device("closed", "127.0.0.1", _closed_port()),
        Device("nxdomain", "no-such-host.invalid", 22),
    ]
    started = time.monotonic()
    outcomes = verify_devices(
        devices,
        python=Path(sys.executable),
        paramiko=paramiko.__version__,
        timeout=2.0,
        concurrency=8,
        progress=None,
        jump_key=None,
    )
    assert time.monotonic() - started < 2.0 + 15  # the tarpit is cut at the timeout (plus interpreter start)
    assert len(outcomes) == len(devices)
    by_name = {key[0]: outcome for key, outcome in outcomes.items()}
    assert by_name["old"].status is DeviceStatus.INCOMPATIBLE
    assert by_name["silent"].status is DeviceStatus.UNREACHABLE
    assert by_name["closed"].status is DeviceStatus.UNREACHABLE and by_name["closed"].reason
    assert by_name["nxdomain"].status is DeviceStatus.UNREACHABLE and "DNS" in (by_name["nxdomain"].reason or "")
    assert all(o.version == paramiko.__version__ for o in outcomes.values())


def test_verify_devices_rejects_a_different_paramiko(sha1_server: LoopbackServer) -> None:
    with pytest.raises(ConfigError, match="imports paramiko"):
        verify_devices(
            [Device("x", "127.0.0.1", sha1_server.port)],
            python=Path(sys.executable),
            paramiko="0.0.1",
            timeout=2.0,
            concurrency=1,
            progress=None,
            jump_key=None,
        )


def test_verify_devices_with_an_interpreter_without_paramiko() -> None:
    python = Path("/usr/bin/python3")
    probe = subprocess.run([str(python), "-I", "-c", "import paramiko"], capture_output=True, check=False)
    if not python.exists() or probe.returncode == 0:
        pytest.skip("needs a system python3 without paramiko")
    with pytest.raises(ConfigError, match="did not start"):
        verify_devices(
            [Device("x", "127.0.0.1", 22)],
            python=python,
            paramiko="5.1.0",
            timeout=1.0,
            concurrency=1,
            progress=None,
            jump_key=None,
        )


# --------------------------------------------------------------------------- exception mapping across releases


@pytest.fixture(scope="module")
def worker() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("handshake_worker_under_test", WORKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (
            paramiko.ssh_exception.IncompatiblePeer("Incompatible ssh peer (no acceptable kex algorithm)"),
            "incompatible",
        ),
        # Before 2.9 the same failure is a plain SSHException with the same message.
        (paramiko.SSHException("Incompatible ssh peer (no acceptable host key)"), "incompatible"),
        (paramiko.SSHException("Incompatible ssh server (no acceptable macs)"), "incompatible"),
        (ConnectionRefusedError(111, "Connection refused"), "unreachable"),
        (ConnectionResetError(104, "Connection reset by peer"), "unreachable"),
        (TimeoutError("timed out"), "unreachable"),
        (socket.gaierror(-2, "Name or service not known"), "unreachable"),
        (EOFError(), "unreachable"),
        (paramiko.SSHException("Error reading SSH protocol banner"), "unreachable"),
        (paramiko.SSHException("Bad packet length 2147483647"), "error"),
        (ValueError("something else"), "error"),
    ],
)
def test_classify(worker: object, exc: BaseException, status: str) -> None:
    got, reason = worker.classify(exc)  # type: ignore[attr-defined]
    assert got == status
    assert reason


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("admin@gw.example.net:2222", ("admin", "gw.example.net", 2222)),
        ("admin@gw", ("admin", "gw", 22)),
        ("admin@[2001:db8::1]:2200", ("admin", "2001:db8::1", 2200)),
    ],
)
def test_worker_parse_jump(worker: object, spec: str, expected: tuple[str, str, int]) -> None:
    assert worker.parse_jump(spec) == expected  # type: ignore[attr-defined]


def test_category_words_match_paramikos_messages() -> None:
    """Our labels are the words Paramiko's "no acceptable ..." messages use (the client's failed_category relies on it)."""
    from auditor.probe.clients.paramiko import failed_category

    for category, label in CATEGORY_LABELS.items():
        assert failed_category(f"Incompatible ssh peer (no acceptable {label})") in (
            category,
            category.replace("s2c", "c2s"),
        )
