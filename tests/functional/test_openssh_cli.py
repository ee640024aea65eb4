"""``sshdrift probe --client openssh [--ssh-binary PATH]`` as a user runs it, against a real sshd on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers
from tests.functional.projects import sshdrift

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def classic_ios(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.SshServer]:
    reason = servers.skip_reason()
    if reason is not None or shutil.which("ssh") is None:
        pytest.skip(reason or "no ssh client on PATH")
    server = servers.start_sshd(
        "ios15", tmp_path_factory.mktemp("openssh-cli") / "sshd", profile=servers.load_profile("cisco_ios15_classic")
    )
    try:
        yield server
    finally:
        server.stop()


def test_ssh_binary_is_judged_and_named(classic_ios: servers.SshServer, tmp_path: Path) -> None:
    ssh = shutil.which("ssh")
    assert ssh is not None
    version_line = subprocess.run([ssh, "-V"], capture_output=True, text=True, check=True).stderr.strip()
    inventory = tmp_path / "hosts.txt"
    inventory.write_text(f"{servers.LOOPBACK}:{classic_ios.port}\n", encoding="utf-8")
    done = sshdrift(
        "probe", str(inventory), "--client", "openssh", "--ssh-binary", ssh, "--known-hosts", "/dev/null",
        "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    device = json.loads(done.stdout)["devices"][0]
    verdict = next(v for v in device["verdicts"] if v["client"] == "openssh")
    assert verdict["version"] in version_line and verdict["verified"] is True
    assert verdict["status"] == "incompatible" and "kex" in " ".join(verdict["reasons"])
    assert verdict["source"].startswith(f"ssh -V of {ssh}")


def test_a_missing_ssh_binary_is_one_line(classic_ios: servers.SshServer, tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.txt"
    inventory.write_text(f"{servers.LOOPBACK}:{classic_ios.port}\n", encoding="utf-8")
    done = sshdrift("probe", str(inventory), "--client", "openssh", "--ssh-binary", "/nonexistent/ssh", cwd=tmp_path)
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sshdrift: error: /nonexistent/ssh: cannot run it")
