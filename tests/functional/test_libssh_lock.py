"""Issue 9's "done when" for Ansible: a project locking ansible-pylibssh gets libssh verdicts that match real handshakes.

A uv project locks ``ansible-pylibssh==1.4.0`` (the real ``uv lock``); a plain ``sshdrift probe hosts.txt`` in
it judges libssh from that lock (no ``--client``), verifies with a real ``Session.connect`` in an environment
of that release's wheel, and agrees with the prediction on a classic IOS profile (incompatible: SHA-1 kex
only) and a modern OpenSSH profile (compatible).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.probe.service import DISAGREEMENT
from tests import servers
from tests.functional.projects import sshdrift, uv_project

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.timeout(900)]

PYPROJECT = """\
[project]
name = "netops"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["ansible-pylibssh==1.4.0"]
"""


@pytest.fixture(scope="module")
def devices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, servers.SshServer]]:
    reason = servers.skip_reason()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("libssh-lock")
    started = {
        profile: servers.start_sshd(profile, root / profile, profile=servers.load_profile(profile))
        for profile in ("cisco_ios15_classic", "modern_default")
    }
    try:
        yield started
    finally:
        for server in started.values():
            server.stop()


def test_plain_probe_judges_the_locked_libssh(devices: dict[str, servers.SshServer], tmp_path: Path) -> None:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    project = uv_project(tmp_path / "netops", PYPROJECT, as_of=None)
    hosts = project / "hosts.yaml"
    hosts.write_text(
        "".join(
            f"- name: {name}\n  host: {servers.LOOPBACK}\n  port: {server.port}\n" for name, server in devices.items()
        ),
        encoding="utf-8",
    )
    done = sshdrift("probe", "hosts.yaml", "--format", "json", "--known-hosts", "/dev/null", cwd=project)
    assert done.returncode == 1, done.stderr
    report = {device["name"]: device for device in json.loads(done.stdout)["devices"]}
    verdicts = {name: next(v for v in d["verdicts"] if v["client"] == "libssh") for name, d in report.items()}
    for verdict in verdicts.values():
        assert verdict["version"] == "1.4.0" and verdict["source"].startswith("uv.lock")
        assert dict(verdict["backend"]) == {"libssh": "0.12.0"} and verdict["verified"] is True
        assert not any(DISAGREEMENT in reason for reason in verdict["reasons"])
    assert verdicts["cisco_ios15_classic"]["status"] == "incompatible"
    assert "kex" in " ".join(verdicts["cisco_ios15_classic"]["reasons"])
    assert verdicts["modern_default"]["status"] == "compatible"
