"""The fact behind removed-api's RSA-signing finding, checked with real key authentication against real sshd.

netmiko's ``disable_sha2_fix=True`` (and the ``disabled_algorithms`` netmiko documents for old devices)
disables ``rsa-sha2-256`` and ``rsa-sha2-512`` for user-key authentication. paramiko 4.0.0 then signs
with ``ssh-rsa`` (SHA-1); paramiko 5.x has no ``ssh-rsa`` left, so an RSA key cannot authenticate at all.
Each Paramiko release runs in its own uv environment (needs the package index once).
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.uv_runner import uv_binary
from tests import servers

pytestmark = [pytest.mark.integration, pytest.mark.network]

CLIENT = r"""
import json, socket, sys
import paramiko
port, key_file, user, disabled = int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
transport = paramiko.Transport(sock, disabled_algorithms=disabled)
try:
    transport.start_client(timeout=10)
    transport.auth_publickey(user, paramiko.RSAKey.from_private_key_file(key_file))
    print(json.dumps({"authenticated": transport.is_authenticated(), "error": None}))
except paramiko.SSHException as exc:
    print(json.dumps({"authenticated": False, "error": str(exc)}))
finally:
    transport.close()
"""

SHA2 = {"pubkeys": ["rsa-sha2-256", "rsa-sha2-512"]}


@pytest.fixture(scope="module")
def rsa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[servers.SshServer, Path]]:
    reason = servers.skip_reason()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("rsa-signing")
    key = servers.generate_key(root / "id_rsa", "rsa")
    public = key.with_name("id_rsa.pub").read_text(encoding="ascii")
    server = servers.start_sshd(
        "rsa-signing",
        root / "sshd",
        profile=servers.load_profile("modern_default"),
        authorized_keys=[public],
        # An old device: it still verifies ssh-rsa (SHA-1) signatures, which OpenSSH 9.2 turns off by default.
        extra_config=["PubkeyAcceptedAlgorithms +ssh-rsa"],
    )
    try:
        yield server, key
    finally:
        server.stop()


def _authenticate(
    paramiko: str, server: servers.SshServer, key: Path, disabled: dict[str, list[str]]
) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    argv = [uv_binary(), "run", "--no-project", "--quiet", "--with", f"paramiko=={paramiko}", "python", "-c", CLIENT]
    argv += [str(server.port), str(key), getpass.getuser(), json.dumps(disabled)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    ("paramiko", "disabled", "authenticated"),
    [
        ("4.0.0", SHA2, True),  # falls back to ssh-rsa
        ("5.1.0", {}, True),  # rsa-sha2-512 as usual
        ("5.1.0", SHA2, False),  # nothing left to sign with
    ],
)
def test_rsa_key_authentication(
    rsa_server: tuple[servers.SshServer, Path], paramiko: str, disabled: dict[str, list[str]], authenticated: bool
) -> None:
    server, key = rsa_server
    result = _authenticate(paramiko, server, key, disabled)
    assert result["authenticated"] is authenticated, (result, server.log())
    if not authenticated:
        assert result["error"] == "An RSA key was specified, but no RSA pubkey algorithms are configured!"
