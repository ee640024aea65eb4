"""The emulated device lab offers exactly its profiles' lists, proven by a real grab and real handshakes.

The profiles are checked against the device profiles of ``fixtures/devices/`` (project data, read
by :mod:`tests.devices`), the lab's KEXINIT against the profiles through our own grab and through ssh-audit,
and negotiation through real Paramiko handshakes.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from auditor.errors import UsageError
from auditor.lab import DEFAULT_PROFILES, PROFILES_FILE, Lab, LabDevice, LabProfile, load_profiles
from auditor.probe.grab import grab_devices
from auditor.probe.negotiation import predict
from auditor.probe.results import Grabbed
from tests import devices

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = [
    pytest.mark.integration,
    # The emulated classic IOS uses finite-field DH on purpose; the warning comes from the lab's server thread.
    pytest.mark.filterwarnings("ignore:.*Diffie-Hellman over finite fields.*"),
]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab() as running:
        yield running


def _by_id(lab: Lab) -> dict[str, LabDevice]:
    return {d.profile.id: d for d in lab.running}


@pytest.mark.parametrize("profile_id", DEFAULT_PROFILES)
def test_profiles_mirror_the_device_fixtures(profile_id: str) -> None:
    """The lab's package data offers exactly the lists of ``fixtures/devices/PROFILE_ID.toml``, rated alike."""
    profile = load_profiles()[profile_id]
    (entry,) = [e for e in tomllib.loads(PROFILES_FILE.read_text(encoding="utf-8"))["profile"] if e["id"] == profile_id]
    device = devices.profile(profile_id)
    assert device.offered is not None
    for category in devices.CATEGORIES:
        assert getattr(profile, category) == device.offered[category], f"{profile_id} {category}"
        assert entry["certainty"][category] == device.certainty[category], f"{profile_id} {category}"
    assert profile.compression == ("none",)
    if device.banner is not None:
        assert profile.banner == device.banner


def test_grab_reads_exactly_the_profile_lists(lab: Lab) -> None:
    results = grab_devices(lab.devices, timeout=10)
    assert len(results) == len(DEFAULT_PROFILES)
    for device, result in zip(lab.running, results, strict=True):
        assert isinstance(result, Grabbed), result
        assert result.banner == device.profile.banner
        assert result.kexinit.offered == device.profile.offered
        assert not result.kexinit.strict_kex
        assert not result.kexinit.ext_info
        assert not result.kexinit.first_kex_packet_follows


def test_ssh_audit_reads_the_same_lists(lab: Lab) -> None:
    """ssh-audit (an independent KEXINIT reader) agrees with the profiles."""
    for device in lab.running:
        completed = subprocess.run(
            [sys.executable, "-m", "ssh_audit", "-j", "--skip-rate-test", "-t", "5", f"{device.host}:{device.port}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        report = json.loads(completed.stdout)
        profile = device.profile
        assert report["banner"]["raw"] == profile.banner
        assert [k["algorithm"] for k in report["kex"]] == list(profile.kex)
        assert [k["algorithm"] for k in report["key"]] == list(profile.host_key)
        assert [e["algorithm"] for e in report["enc"]] == list(profile.cipher)
        assert [m["algorithm"] for m in report["mac"]] == list(profile.mac)


def _handshake(device: LabDevice) -> paramiko.Transport:
    transport = paramiko.Transport((device.host, device.port))
    transport.start_client(timeout=10)
    return transport


@pytest.fixture
def quiet_paramiko() -> Iterator[None]:
    """Paramiko logs a traceback from its transport thread when negotiation fails; the test expects that."""
    logger = logging.getLogger("paramiko")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(previous)


@pytest.mark.usefixtures("quiet_paramiko")
@pytest.mark.parametrize(
    ("profile_id", "missing"),
    [("cisco_ios15_classic", "no acceptable kex algorithm"), ("cisco_nxos", "no acceptable host key")],
)
def test_installed_paramiko_5_cannot_negotiate_with_sha1_only_devices(lab: Lab, profile_id: str, missing: str) -> None:
    assert paramiko.__version__.startswith("5."), "this test needs the Paramiko 5.x of our own environment"
    with pytest.raises(paramiko.SSHException, match=missing):
        _handshake(_by_id(lab)[profile_id]).close()


@pytest.mark.parametrize(
    ("profile_id", "host_key"),
    [("cisco_iosxe_17_12plus", "ecdsa-sha2-nistp256"), ("dropbear_2022_83", "rsa-sha2-256")],
)
def test_installed_paramiko_5_negotiates_with_modern_devices(lab: Lab, profile_id: str, host_key: str) -> None:
    device = _by_id(lab)[profile_id]
    transport = _handshake(device)
    try:
        assert transport.is_active()
        assert transport.host_key_type == host_key
        server_key = transport.get_remote_server_key()
        assert server_key.get_name() in ("ecdsa-sha2-nistp256", "ssh-rsa")
        assert transport.remote_cipher in device.profile.cipher
        # The real handshake picks what our prediction from the release's data says (RFC 4253 §7.1).
        predicted = predict(paramiko.__version__, device.profile.offered).negotiated
        assert predicted is not None
        assert (transport.host_key_type, transport.remote_cipher) == (predicted.host_key, predicted.cipher)
        assert transport.remote_mac in (*device.profile.mac, "")
        # Packets still flow after NEWKEYS (no strict-kex disagreement); authentication is refused.
        with pytest.raises(paramiko.AuthenticationException):
            transport.auth_none("sshdrift")
    finally:
        transport.close()


@pytest.mark.parametrize("profile_id", ["cisco_ios15_classic", "cisco_nxos"])
def test_openssh_client_verifies_ssh_rsa_sha1_signatures(lab: Lab, profile_id: str) -> None:
    """OpenSSH's client, told to accept ``ssh-rsa`` (SHA-1 signatures, RFC 4253 §6.6), completes the exchange."""
    ssh = shutil.which("ssh")
    if ssh is None:
        pytest.skip("ssh is not installed (Debian package openssh-client)")
    device = _by_id(lab)[profile_id]
    options = {
        "BatchMode": "yes",
        "StrictHostKeyChecking": "no",
        "UserKnownHostsFile": "/dev/null",
        "HostKeyAlgorithms": "ssh-rsa",
        "KexAlgorithms": device.profile.kex_algorithms[-2],
        "Ciphers": "aes128-ctr",
        "MACs": "hmac-sha1",
    }
    args = [ssh, "-vv", "-F", "/dev/null", "-p", str(device.port)]
    for key, value in options.items():
        args += ["-o", f"{key}={value}"]
    completed = subprocess.run(
        [*args, f"sshdrift@{device.host}", "true"], capture_output=True, text=True, timeout=60, check=False
    )
    log = completed.stderr
    assert "Server host key: ssh-rsa SHA256:" in log, log
    assert "SSH2_MSG_NEWKEYS received" in log, log
    # No authentication method is accepted: the handshake stops at userauth.
    assert "Permission denied" in log, log
    assert completed.returncode == 255


def test_each_run_has_fresh_host_keys_and_free_ports(lab: Lab) -> None:
    with Lab(["dropbear_2022_83"]) as other:
        (mine,) = [d for d in lab.running if d.profile.id == "dropbear_2022_83"]
        (theirs,) = other.running
        assert mine.port != theirs.port
        first = _handshake(mine)
        second = _handshake(theirs)
        try:
            assert first.get_remote_server_key().asbytes() != second.get_remote_server_key().asbytes()
        finally:
            first.close()
            second.close()


def test_consecutive_ports_and_a_taken_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        base = probe.getsockname()[1]
    # The port was free a moment ago; the lab takes it and the next ones.
    try:
        lab = Lab(["cisco_nxos", "dropbear_2022_83"], port=base).start()
    except UsageError:
        pytest.skip(f"port {base} or {base + 1} was taken meanwhile")
    try:
        assert [d.port for d in lab.running] == [base, base + 1]
        with pytest.raises(UsageError, match="choose another --port"):
            Lab(["cisco_nxos"], port=base).start()
    finally:
        lab.stop()
    lab.stop()  # stopping twice is harmless


def test_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown profile nope"):
        Lab(["nope"])


def test_stop_closes_the_listeners() -> None:
    lab = Lab(["cisco_nxos"]).start()
    (device,) = lab.running
    lab.stop()
    assert lab.running == []
    with pytest.raises(OSError), socket.create_connection((device.host, device.port), timeout=2):
        pass


def test_profiles_are_well_formed() -> None:
    profiles = load_profiles()
    assert set(DEFAULT_PROFILES) <= set(profiles)
    names = [p.name for p in profiles.values()]
    assert len(names) == len(set(names))
    for profile in profiles.values():
        assert isinstance(profile, LabProfile)
        assert profile.sources, profile.id
        assert all(url.startswith("https://") for url in profile.sources)


def _free_port_run(count: int) -> int:
    """A port P such that P..P+count-1 were all free a moment ago."""
    for _ in range(20):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            base = int(first.getsockname()[1])
        if base + count > 65535:
            continue
        try:
            holders = []
            for port in range(base, base + count):
                sock = socket.socket()
                holders.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in holders:
                sock.close()
        return base
    pytest.skip("no run of free ports found")


def test_sshdrift_lab_command_serves_until_interrupted(tmp_path: Path) -> None:
    """``sshdrift lab --port P --inventory FILE``: a table, a readable inventory, a clean stop on Ctrl-C."""
    import signal
    import time

    from auditor.sources.inventories import load_inventory

    base = _free_port_run(len(DEFAULT_PROFILES))
    inventory = tmp_path / "lab.yaml"
    argv = [sys.executable, "-m", "auditor", "lab", "--port", str(base), "--inventory", str(inventory)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None and process.stderr is not None
        try:
            lines: list[str] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if "press Ctrl-C" in line:
                    break
            output = "".join(lines)
            assert "press Ctrl-C" in output, output
            profiles = load_profiles()
            for offset, profile_id in enumerate(DEFAULT_PROFILES):
                profile = profiles[profile_id]
                row = rf"^{re.escape(profile.name)}\s+127\.0\.0\.1:{base + offset}\s+{profile_id}\s+{re.escape(profile.banner)}$"
                assert re.search(row, output, re.MULTILINE), output
            devices = load_inventory(inventory)
            assert [(d.name, d.host, d.port) for d in devices] == [
                (profiles[p].name, "127.0.0.1", base + i) for i, p in enumerate(DEFAULT_PROFILES)
            ]
            assert [d.device_type for d in devices] == [profiles[p].device_type for p in DEFAULT_PROFILES]
            results = grab_devices(devices, timeout=10)
            assert all(isinstance(r, Grabbed) for r in results), results
            process.send_signal(signal.SIGINT)
            assert process.wait(30) == 0
        finally:
            if process.poll() is None:
                process.kill()
        stderr = process.stderr.read()
    assert "Traceback" not in stderr, stderr
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", base), timeout=2):
        pass


def test_sshdrift_lab_on_a_taken_port_is_a_usage_error() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        completed = subprocess.run(
            [sys.executable, "-m", "auditor", "lab", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.count("\n") == 1, completed.stderr
    assert "127.0.0.1: cannot listen for the lab" in completed.stderr
    assert "Traceback" not in completed.stderr
