"""terrapin-exposed against real servers: OpenSSH sshd (strict kex on) and a Paramiko server with strict kex off.

Both servers offer only ``aes128-cbc`` and ``hmac-sha2-256-etm@openssh.com``, the exposed mode Paramiko
implements (it has no chacha20-poly1305). Whether the pair is exposed then depends on both KEXINITs:
the server's marker is read from the real server, the client's from the release's captured KEXINIT.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from tests import servers

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

EXPOSED_MODE = (
    "KexAlgorithms curve25519-sha256@libssh.org",
    "Ciphers aes128-cbc",
    "MACs hmac-sha2-256-etm@openssh.com",
)


def _sshdrift(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=cwd,
    )


def _inventory(path: Path, port: int) -> Path:
    path.write_text(f"- name: r1\n  host: 127.0.0.1\n  port: {port}\n", encoding="utf-8")
    return path


def _terrapin(stdout: str) -> list[dict[str, object]]:
    return [f for f in json.loads(stdout)["findings"] if f["rule"] == "terrapin-exposed"]


@pytest.fixture
def strict_sshd(tmp_path: Path) -> Iterator[servers.SshServer]:
    """Debian's OpenSSH 9.2 sshd, which advertises kex-strict-s-v00@openssh.com, limited to the exposed mode."""
    reason = servers.skip_reason()
    if reason:
        pytest.skip(reason)
    profile = servers.Profile(id="terrapin", config=EXPOSED_MODE, key_types=("ed25519",))
    server = servers.start_sshd("terrapin", tmp_path / "sshd", profile=profile)
    yield server
    server.stop()


class _NoLogin(paramiko.ServerInterface):  # type: ignore[misc]  # paramiko ships no type hints
    """A server that lets the key exchange finish and accepts no login."""

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"


@pytest.fixture
def lax_server() -> Iterator[int]:
    """A real Paramiko server on 127.0.0.1 with strict kex off (Transport(strict_kex=False)), exposed mode only."""
    host_key = paramiko.RSAKey.generate(2048)
    listener = socket.create_server(("127.0.0.1", 0))
    transports: list[paramiko.Transport] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(conn, strict_kex=False)
            options = transport.get_security_options()
            options.ciphers = ("aes128-cbc",)
            options.digests = ("hmac-sha2-256-etm@openssh.com",)
            transport.add_server_key(host_key)
            transports.append(transport)
            try:
                transport.start_server(server=_NoLogin())
            except (paramiko.SSHException, EOFError, OSError):
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    listener.close()
    for transport in transports:
        transport.close()
    thread.join(10)


def test_a_strict_server_exposes_only_a_client_release_without_strict_kex(
    strict_sshd: servers.SshServer, tmp_path: Path
) -> None:
    hosts = _inventory(tmp_path / "hosts.yaml", strict_sshd.port)
    known = tmp_path / "known_hosts"
    known.write_text("", encoding="ascii")

    old = _sshdrift("probe", hosts, "--paramiko", "3.3.1", "--no-verify", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in old.stderr, old.stderr
    (device,) = json.loads(old.stdout)["devices"]
    assert device["strict_kex"] is True
    assert (device["negotiated"]["cipher"], device["negotiated"]["mac"]) == (
        "aes128-cbc",
        "hmac-sha2-256-etm@openssh.com",
    )
    (finding,) = _terrapin(old.stdout)
    assert finding["severity"] == "warning" and finding["device"] == "r1" and finding["package"] == "paramiko"
    message, fix = str(finding["message"]), str(finding["fix"])
    assert "paramiko 3.3.1 negotiates aes128-cbc with hmac-sha2-256-etm@openssh.com (predicted)" in message
    assert "(client no, server yes)" in message and "CVE-2023-48795, https://terrapin-attack.com" in message
    assert fix.startswith("upgrade paramiko to >=3.4.0 (strict kex; https://www.paramiko.org/changelog.html); or ")
    assert "disabled_algorithms={'macs': ['hmac-sha2-256-etm@openssh.com']}" in fix

    new = _sshdrift("probe", hosts, "--paramiko", "installed", "--known-hosts", known, "--format", "json", cwd=tmp_path)
    assert "Traceback" not in new.stderr, new.stderr
    (device,) = json.loads(new.stdout)["devices"]
    assert device["verified"] is True and device["status"] == "compatible", device
    assert device["negotiated"]["cipher"] == "aes128-cbc"
    assert device["negotiated"]["mac"] == "hmac-sha2-256-etm@openssh.com"
    assert _terrapin(new.stdout) == []


def test_a_server_without_strict_kex_exposes_every_client_release(lax_server: int, tmp_path: Path) -> None:
    hosts = _inventory(tmp_path / "hosts.yaml", lax_server)
    known = tmp_path / "known_hosts"
    known.write_text("", encoding="ascii")
    run = _sshdrift("probe", hosts, "--paramiko", "installed", "--known-hosts", known, "--format", "json", cwd=tmp_path)
    assert "Traceback" not in run.stderr, run.stderr
    (device,) = json.loads(run.stdout)["devices"]
    assert device["strict_kex"] is False and device["verified"] is True
    (finding,) = _terrapin(run.stdout)
    message, fix = str(finding["message"]), str(finding["fix"])
    assert (
        f"paramiko {paramiko.__version__} negotiates aes128-cbc with hmac-sha2-256-etm@openssh.com (verified)"
        in message
    )
    assert "(client yes, server no)" in message
    assert fix.startswith("on the device (")
    assert "a release that advertises kex-strict-s-v00@openssh.com" in fix
    assert "disabled_algorithms={'macs': ['hmac-sha2-256-etm@openssh.com']}" in fix
    sarif = _sshdrift(
        "probe", hosts, "--paramiko", "installed", "--known-hosts", known, "--format", "sarif", cwd=tmp_path
    )
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["terrapin-exposed"]
