"""auth-signature against real servers, and the Paramiko behaviour behind it, by real RSA-key authentication.

An asyncssh server that verifies only ``ssh-rsa`` (and Ed25519) user signatures says so in its
``server-sig-algs`` (RFC 8308): Paramiko 3.5.1 signs with ``ssh-rsa`` and logs in; 5.1.0 has no
``ssh-rsa`` and fails ("Unable to agree on a pubkey algorithm"). Debian's OpenSSH 9.2 restricted with
``PubkeyAcceptedAlgorithms ssh-rsa`` still lists every algorithm, so the probe cannot see the
restriction and the rule stays silent there (the limit the rule documents).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import paramiko
import pytest

from auditor.uv_runner import uv_binary
from tests import servers

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

LOGIN = r"""
import json, socket, sys
import paramiko
port, key_file = int(sys.argv[1]), sys.argv[2]
transport = paramiko.Transport(socket.create_connection(("127.0.0.1", port), timeout=10))
try:
    transport.start_client(timeout=10)
    transport.auth_publickey("netops", paramiko.RSAKey.from_private_key_file(key_file))
    print(json.dumps({"authenticated": transport.is_authenticated(), "error": None}))
except paramiko.SSHException as exc:
    print(json.dumps({"authenticated": False, "error": str(exc)}))
finally:
    transport.close()
"""


def _login(port: int, key: Path, paramiko_version: str | None) -> dict[str, object]:
    """A real RSA-key login by Paramiko ``paramiko_version`` (None: the installed one) in its own process."""
    if paramiko_version is None:
        argv = [sys.executable, "-c", LOGIN]
    else:
        argv = [uv_binary(), "run", "--no-project", "--quiet", "--with", f"paramiko=={paramiko_version}"]
        argv += ["python", "-c", LOGIN]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    proc = subprocess.run(
        [*argv, str(port), str(key)], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _sshdrift(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
        cwd=cwd,
    )


def _probe(port: int, tmp_path: Path, version: str) -> dict[str, object]:
    hosts = tmp_path / "hosts.yaml"
    hosts.write_text(f"- name: r1\n  host: 127.0.0.1\n  port: {port}\n", encoding="utf-8")
    known = tmp_path / "known_hosts"
    known.write_text("", encoding="ascii")
    run = _sshdrift("probe", hosts, "--paramiko", version, "--known-hosts", known, "--format", "json", cwd=tmp_path)
    assert "Traceback" not in run.stderr, run.stderr
    report: dict[str, object] = json.loads(run.stdout)
    return report


def _auth_findings(report: dict[str, object]) -> list[dict[str, object]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["rule"] == "auth-signature"]


@pytest.fixture(scope="module")
def user_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test-only RSA key pair (PEM private key, OpenSSH public key), made by asyncssh."""
    path = tmp_path_factory.mktemp("user-key") / "id_rsa"
    key = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    key.write_private_key(str(path), format_name="pkcs1-pem")
    key.write_public_key(str(path) + ".pub")
    return path


@pytest.fixture(scope="module")
def rsa_only_server(user_key: Path) -> Iterator[int]:
    """A real asyncssh server on 127.0.0.1 that verifies ssh-rsa and ssh-ed25519 user signatures only."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> asyncssh.SSHAcceptor:
        return await asyncssh.create_server(
            asyncssh.SSHServer,
            "127.0.0.1",
            0,
            server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")],
            authorized_client_keys=asyncssh.import_authorized_keys(Path(str(user_key) + ".pub").read_text()),
            signature_algs=["ssh-rsa", "ssh-ed25519"],
            process_factory=lambda process: process.exit(0),
        )

    acceptor = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
    yield int(acceptor.sockets[0].getsockname()[1])
    acceptor.close()
    asyncio.run_coroutine_threadsafe(acceptor.wait_closed(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_paramiko_5_cannot_sign_what_the_device_lists(rsa_only_server: int, user_key: Path, tmp_path: Path) -> None:
    login = _login(rsa_only_server, user_key, None)
    assert login == {
        "authenticated": False,
        "error": "Unable to agree on a pubkey algorithm for signing a 'ssh-rsa' key!",
    }

    report = _probe(rsa_only_server, tmp_path, "installed")
    devices = report["devices"]
    assert isinstance(devices, list)
    assert devices[0]["verified"] is True and devices[0]["server_sig_algs"] == ["ssh-rsa", "ssh-ed25519"]
    (finding,) = _auth_findings(report)
    assert finding["severity"] == "warning" and finding["package"] == "paramiko"
    version = paramiko.__version__
    assert finding["message"] == (
        f"r1 (127.0.0.1:{rsa_only_server}): RSA-key authentication from paramiko {version} cannot work: "
        f"server-sig-algs lists ssh-rsa; paramiko {version} signs RSA keys with rsa-sha2-512, rsa-sha2-256 only"
    )
    assert finding["fix"] == (
        "paramiko 4.0.0 signs ssh-rsa (pin paramiko<=4.0.0) or use a key the device verifies (ssh-ed25519)"
    )


@pytest.mark.network
def test_paramiko_3_signs_ssh_rsa_and_is_not_reported(rsa_only_server: int, user_key: Path, tmp_path: Path) -> None:
    assert _login(rsa_only_server, user_key, "3.5.1") == {"authenticated": True, "error": None}
    report = _probe(rsa_only_server, tmp_path, "3.5.1")
    devices = report["devices"]
    assert isinstance(devices, list) and devices[0]["verified"] is True and devices[0]["paramiko"] == "3.5.1"
    assert _auth_findings(report) == []


def test_openssh_lists_every_algorithm_whatever_it_accepts(user_key: Path, tmp_path: Path) -> None:
    """sshd with PubkeyAcceptedAlgorithms ssh-rsa: paramiko 5 cannot log in, yet server-sig-algs lists rsa-sha2-*."""
    reason = servers.skip_reason()
    if reason:
        pytest.skip(reason)
    public = Path(str(user_key) + ".pub").read_text(encoding="ascii")
    server = servers.start_sshd(
        "sig-algs",
        tmp_path / "sshd",
        profile=servers.load_profile("modern_default"),
        authorized_keys=[public],
        extra_config=["PubkeyAcceptedAlgorithms ssh-rsa"],
    )
    try:
        report = _probe(server.port, tmp_path, "installed")
        devices = report["devices"]
        assert isinstance(devices, list)
        listed = devices[0]["server_sig_algs"]
        assert "rsa-sha2-512" in listed and "ssh-rsa" in listed
        assert _auth_findings(report) == []
    finally:
        server.stop()
