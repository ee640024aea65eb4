"""narrowed-offer's prediction against a real handshake with the same ``disabled_algorithms``.

A real sshd emulates Cisco IOS-XE 16 (kex: diffie-hellman-group-exchange-sha1 and -group14-sha1 only,
fixtures/devices/cisco_iosxe_16.toml). paramiko 4.0.0 negotiates with it by default; with a "hardening"
``disabled_algorithms`` that removes those two kex algorithms it cannot, and the rule predicts exactly that.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest

from auditor.checks.narrowed_offer import narrowing_findings
from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.sources.project_code import read_module
from auditor.uv_runner import uv_binary
from tests import devices, servers

pytestmark = [pytest.mark.integration, pytest.mark.network]

PARAMIKO = "4.0.0"
HARDENING = {"kex": ["diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1"]}

CLIENT = r"""
import json, socket, sys
import paramiko
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
transport = paramiko.Transport(sock, disabled_algorithms=json.loads(sys.argv[2]))
try:
    transport.start_client(timeout=10)
    print(json.dumps({"kex": transport.kex_engine.__class__.__name__, "error": None}))
except paramiko.SSHException as exc:
    print(json.dumps({"kex": None, "error": str(exc)}))
finally:
    transport.close()
"""


@pytest.fixture(scope="module")
def iosxe16(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.SshServer]:
    reason = servers.skip_reason()
    if reason is not None:
        pytest.skip(reason)
    server = servers.start_sshd(
        "iosxe16", tmp_path_factory.mktemp("narrowed") / "sshd", profile=servers.load_profile("cisco_iosxe_16")
    )
    try:
        yield server
    finally:
        server.stop()


def _handshake(server: servers.SshServer, disabled: dict[str, list[str]]) -> dict[str, str | None]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    argv = [uv_binary(), "run", "--no-project", "--quiet", "--with", f"paramiko=={PARAMIKO}", "python", "-c", CLIENT]
    proc = subprocess.run(
        [*argv, str(server.port), json.dumps(disabled)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, str | None] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _predicted_cut(disabled: dict[str, list[str]]) -> bool:
    offered = devices.profile("cisco_iosxe_16").emulated_offer()
    assert offered is not None
    result = DeviceResult(Device("iosxe16", "127.0.0.1"), DeviceStatus.COMPATIBLE, offered=offered, paramiko=PARAMIKO)
    uses = read_module(f"import paramiko\nparamiko.Transport(sock, disabled_algorithms={disabled!r})\n", "app.py")
    return bool(narrowing_findings(uses, PARAMIKO, [result]))


@pytest.mark.parametrize("disabled", [{}, {"kex": ["diffie-hellman-group1-sha1"]}, HARDENING])
def test_prediction_matches_the_real_handshake(iosxe16: servers.SshServer, disabled: dict[str, list[str]]) -> None:
    real = _handshake(iosxe16, disabled)
    assert _predicted_cut(disabled) is (real["error"] is not None), (real, iosxe16.log())
    if disabled == HARDENING:
        assert real["error"] == "Incompatible ssh peer (no acceptable kex algorithm)"
