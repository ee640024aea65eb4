"""``audit --fleet`` and ``whatif --fleet`` judge every SSH client the lock brings in, not only Paramiko.

The fleet snapshot is made here by ``sshdrift probe --no-verify`` of a real sshd that offers CBC ciphers only (as old
ProCurve firmware): Paramiko 3.5.1 still offers CBC, asyncssh 2.3.0 and later do not (``rules/releases.toml``).
A uv project locking both paramiko 3.5.1 and asyncssh 2.24.1 must then get one verdict per client for the
device, asyncssh's incompatible (the device's status), Paramiko's compatible; ``whatif 'asyncssh==2.2.1'`` must
judge the asyncssh the new resolution would install (2.2.1, which still offers CBC) and find the device reachable.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers
from tests.functional.projects import sshdrift, uv_project

pytestmark = [pytest.mark.network, pytest.mark.integration, pytest.mark.timeout(900)]

PYPROJECT = """\
[project]
name = "fleet-clients"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["paramiko==3.5.1", "asyncssh==2.24.1"]
"""


@pytest.fixture(scope="module")
def cbc_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.SshServer]:
    """A real sshd offering CBC ciphers only."""
    if (reason := servers.skip_reason()) is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("fleet-clients")
    profile = servers.Profile("cbc_only", ("Ciphers aes128-cbc,aes256-cbc",), ("rsa", "ed25519"))
    server = servers.start_sshd("cbc_only", root / "sshd", profile=profile)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def snapshot(cbc_only: servers.SshServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved ``probe --no-verify`` JSON report of the CBC-only server (the fleet snapshot)."""
    root = tmp_path_factory.mktemp("fleet-snapshot")
    inventory = root / "hosts.yaml"
    inventory.write_text(f"- name: procurve\n  host: 127.0.0.1\n  port: {cbc_only.port}\n", encoding="utf-8")
    saved = root / "fleet.json"
    done = sshdrift(
        "probe", str(inventory), "--no-verify", "--paramiko", "3.5.1", "--format", "json", "--output", str(saved)
    )
    assert saved.is_file(), done.stderr
    assert json.loads(saved.read_text(encoding="utf-8"))["devices"][0]["offered"], saved.read_text()
    return saved


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A uv project locking paramiko 3.5.1 and asyncssh 2.24.1 (real ``uv lock``)."""
    return uv_project(tmp_path_factory.mktemp("fleet-project") / "netops", PYPROJECT, as_of=None)


def _verdicts(device: dict[str, object]) -> dict[str, dict[str, object]]:
    verdicts = device["verdicts"]
    assert isinstance(verdicts, list)
    return {str(v["client"]): v for v in verdicts}


def test_audit_fleet_judges_every_client_of_the_lock(project: Path, snapshot: Path) -> None:
    done = sshdrift("audit", str(project), "--fleet", str(snapshot), "--offline", "--format", "json")
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    (device,) = report["devices"]
    verdicts = _verdicts(device)
    assert set(verdicts) == {"paramiko", "asyncssh"}, verdicts
    assert (verdicts["paramiko"]["version"], verdicts["paramiko"]["status"]) == ("3.5.1", "compatible")
    assert (verdicts["asyncssh"]["version"], verdicts["asyncssh"]["status"]) == ("2.24.1", "incompatible")
    assert not any(v["verified"] for v in verdicts.values())
    assert device["status"] == "incompatible"
    assert "cipher" in str(verdicts["asyncssh"]["reasons"]), verdicts["asyncssh"]
    assert any(note.startswith("judged with asyncssh 2.24.1") for note in report["notes"]), report["notes"]
    assert any(f["rule"] == "incompatible-device" for f in report["findings"]), report["findings"]
    assert done.returncode == 1, done.stderr


def test_whatif_fleet_judges_the_asyncssh_the_new_resolution_installs(project: Path, snapshot: Path) -> None:
    done = sshdrift(
        "whatif", "asyncssh==2.2.1", "--project", str(project), "--fleet", str(snapshot), "--format", "json"
    )
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    (device,) = report["devices"]
    verdicts = _verdicts(device)
    assert (verdicts["asyncssh"]["version"], verdicts["asyncssh"]["status"]) == ("2.2.1", "compatible"), verdicts
    assert "the new resolution" in str(verdicts["asyncssh"]["source"]), verdicts["asyncssh"]
    assert device["status"] == "compatible"


def test_audit_judges_asyncssh_with_the_algorithms_the_code_passes(
    project: Path, snapshot: Path, tmp_path: Path
) -> None:
    """A project whose code calls ``asyncssh.connect(..., encryption_algs="+aes128-cbc")`` reaches the CBC-only device."""
    widened = Path(shutil.copytree(project, tmp_path / "widened", ignore=shutil.ignore_patterns(".venv")))
    (widened / "legacy.py").write_text(
        "import asyncssh\n\n\nasync def legacy(host):\n"
        '    return await asyncssh.connect(host, encryption_algs="+aes128-cbc")\n',
        encoding="utf-8",
    )
    done = sshdrift("audit", str(widened), "--fleet", str(snapshot), "--offline", "--format", "json")
    assert "Traceback" not in done.stderr, done.stderr
    (device,) = json.loads(done.stdout)["devices"]
    verdicts = _verdicts(device)
    assert verdicts["asyncssh"]["status"] == "compatible", verdicts["asyncssh"]
    assert "legacy.py:5" in str(verdicts["asyncssh"]["source"]), verdicts["asyncssh"]
    assert device["status"] == "compatible"
