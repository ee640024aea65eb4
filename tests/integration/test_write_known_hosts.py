"""``--write-known-hosts FILE`` against real sshd servers: the file it writes is read by OpenSSH and by Paramiko.

The handshakes run with the Paramiko installed beside sshdrift (``--paramiko installed``): no package
index is needed. OpenSSH is the judge: ``ssh-keygen -F`` finds each entry, and a real ``ssh`` with
``StrictHostKeyChecking=yes`` gets past host-key checking to authentication (which the servers then
refuse), while the same ``ssh`` with an empty known_hosts stops at "Host key verification failed".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import paramiko
import pytest

from tests import servers

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _sshdrift(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SSHDRIFT_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _probe(tmp_path: Path, hosts: Path, *extra: str | Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    run = _sshdrift(tmp_path, "probe", hosts, "--paramiko", "installed", "--format", "json", *extra)
    return run, json.loads(run.stdout) if run.stdout.strip() else {}


def _ssh(port: int, known_hosts: Path) -> subprocess.CompletedProcess[str]:
    """A real OpenSSH client that trusts ``known_hosts`` only and never asks anything."""
    return subprocess.run(
        [
            "ssh",
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={known_hosts}",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            "-p",
            str(port),
            "sshdrift@127.0.0.1",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _inventory(path: Path, entries: list[tuple[str, int]]) -> Path:
    path.write_text("".join(f"- name: {n}\n  host: 127.0.0.1\n  port: {p}\n" for n, p in entries), encoding="utf-8")
    return path


def test_written_file_is_read_by_openssh_and_paramiko(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    modern = server_lab.sshd("modern_default", label="kh-modern")
    xe = server_lab.sshd("cisco_iosxe_17_12plus", label="kh-xe")
    hosts = _inventory(tmp_path / "hosts.yaml", [("m", modern.port), ("xe", xe.port)])
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("", encoding="ascii")
    # Without the file OpenSSH refuses at host-key checking: the check below can fail.
    refused = _ssh(modern.port, empty)
    assert refused.returncode == 255 and "Host key verification failed" in refused.stderr

    written = tmp_path / "known_hosts"
    run, report = _probe(tmp_path, hosts, "--known-hosts", empty, "--write-known-hosts", written)
    assert run.returncode == 0, run.stderr
    assert any("2 host key(s) added (plain names, not hashed), 0 already there" in n for n in report["notes"])

    lines = written.read_text(encoding="ascii").splitlines()
    assert len(lines) == 2
    keys = paramiko.HostKeys(str(written))
    for server, result in zip((modern, xe), report["devices"], strict=True):
        name = f"[127.0.0.1]:{server.port}"
        found = subprocess.run(
            ["ssh-keygen", "-F", name, "-f", str(written)], capture_output=True, text=True, check=False
        )
        assert found.returncode == 0 and f"{name} " in found.stdout
        entry = keys.lookup(name)
        assert entry is not None and len(entry) == 1
        (key_type,) = entry.keys()
        assert f"{key_type} {entry[key_type].get_base64()}" in server.public_keys()
        assert result["negotiated"]["host_key"] in (key_type, "rsa-sha2-256", "rsa-sha2-512")
        past = _ssh(server.port, written)
        assert "Host key verification failed" not in past.stderr
        assert "Permission denied" in past.stderr, past.stderr

    # Again: nothing duplicated, the file left alone.
    before = written.read_bytes()
    run, report = _probe(tmp_path, hosts, "--write-known-hosts", written)
    assert run.returncode == 0, run.stderr
    assert written.read_bytes() == before
    assert any("0 host key(s) added" in n and "2 already there" in n for n in report["notes"])


def test_changed_key_is_kept_and_reported(server_lab: servers.ServerLab, tmp_path: Path) -> None:
    server = server_lab.sshd("modern_default", label="kh-changed")
    hosts = _inventory(tmp_path / "hosts.yaml", [("m", server.port)])
    impostor = servers.generate_key(tmp_path / "impostor", "ed25519")
    other = " ".join(impostor.with_name("impostor.pub").read_text(encoding="ascii").split()[:2])
    written = tmp_path / "known_hosts"
    # A comment, an unrelated host and the device under a changed ed25519 key, no final newline.
    original = f"# ours\nother.example ssh-ed25519 {other.split()[1]}\n[127.0.0.1]:{server.port} {other}"
    written.write_text(original, encoding="ascii")

    # No --known-hosts: the file being merged into is the one compared.
    run, report = _probe(tmp_path, hosts, "--write-known-hosts", written)
    assert run.returncode == 1, run.stderr
    (changed,) = [f for f in report["findings"] if f["rule"] == "host-key-changed"]
    assert report["devices"][0]["host_key_fingerprint"] in changed["message"]
    assert written.read_text(encoding="ascii") == original
    (kept,) = [n for n in report["notes"] if "left as it was" in n]
    assert f"[127.0.0.1]:{server.port}" in kept and "not replaced" in kept
    assert _ssh(server.port, written).returncode == 255


def test_write_known_hosts_needs_verified_handshakes(tmp_path: Path) -> None:
    hosts = _inventory(tmp_path / "hosts.yaml", [("m", servers.free_port())])
    run = _sshdrift(tmp_path, "probe", hosts, "--no-verify", "--write-known-hosts", tmp_path / "kh")
    assert run.returncode == 2 and "--write-known-hosts" in run.stderr and "Traceback" not in run.stderr
    run = _sshdrift(tmp_path, "probe", hosts, "--write-known-hosts", tmp_path / "missing" / "kh")
    assert run.returncode == 2 and "does not exist" in run.stderr and not (tmp_path / "missing").exists()
