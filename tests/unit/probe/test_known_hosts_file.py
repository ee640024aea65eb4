"""The known_hosts merge of ``--write-known-hosts``: what is added, what is already there, what is kept."""

from __future__ import annotations

from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.errors import UsageError
from auditor.probe.known_hosts_file import plan, prepare, write_known_hosts
from auditor.probe.sshlib import KnownHosts
from auditor.settings import Settings


def _ed25519() -> tuple[str, str]:
    line = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    key_type, blob = line.decode("ascii").split()
    return key_type, blob


def _ecdsa() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    key_type, blob = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode("ascii").split()
    return key_type, blob


def _result(port: int, *keys: tuple[str, str], name: str = "r1") -> DeviceResult:
    return DeviceResult(Device(name, "127.0.0.1", port), DeviceStatus.COMPATIBLE, verified=True, host_keys=keys)


def test_new_file_lines_and_port_22(tmp_path: Path) -> None:
    a, b = _ed25519(), _ecdsa()
    path = tmp_path / "known_hosts"
    notes = write_known_hosts(path, [_result(22, a), _result(2222, b, name="r2"), _result(2222, b, name="again")])
    assert path.read_text(encoding="ascii").splitlines() == [
        f"127.0.0.1 {a[0]} {a[1]}",
        f"[127.0.0.1]:2222 {b[0]} {b[1]}",
    ]
    assert "2 host key(s) added" in notes[0] and "1 already there" in notes[0]
    keys = paramiko.HostKeys(str(path))
    assert keys.lookup("127.0.0.1") is not None and keys.lookup("[127.0.0.1]:2222") is not None


def test_a_new_type_for_a_known_host_is_added_only_when_another_key_matches(tmp_path: Path) -> None:
    known, other, new = _ed25519(), _ed25519(), _ecdsa()
    path = tmp_path / "known_hosts"
    path.write_text(f"[127.0.0.1]:2222 {known[0]} {known[1]}\n", encoding="ascii")
    existing = KnownHosts(path)
    # Confirmed by the matching ed25519 key of the same device: the ECDSA key joins it.
    confirmed = plan([_result(2222, known, new)], existing)
    assert confirmed.lines == [f"[127.0.0.1]:2222 {new[0]} {new[1]}"] and confirmed.present == 1
    # Only a new type seen, the file knows the host under another key: a changed key, not added.
    alone = plan([_result(2222, new)], existing)
    assert alone.lines == [] and len(alone.kept) == 1 and "left as it was" in alone.kept[0]
    # Same type, other blob: kept too.
    changed = plan([_result(2222, other)], existing)
    assert changed.lines == [] and "not replaced" in changed.kept[0]


def test_hashed_entries_are_matched(tmp_path: Path) -> None:
    key = _ed25519()
    path = tmp_path / "known_hosts"
    path.write_text(f"{paramiko.HostKeys.hash_host('[127.0.0.1]:2222')} {key[0]} {key[1]}\n", encoding="ascii")
    assert plan([_result(2222, key)], KnownHosts(path)).present == 1


def test_prepare_checks_before_the_probe(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    assert prepare(Settings(write_known_hosts=path)).known_hosts is None  # nothing to compare with yet
    path.write_text("", encoding="ascii")
    assert prepare(Settings(write_known_hosts=path)).known_hosts == path
    other = tmp_path / "mine"
    assert prepare(Settings(write_known_hosts=path, known_hosts=other)).known_hosts == other
    with pytest.raises(UsageError, match="--no-verify"):
        prepare(Settings(write_known_hosts=path, verify=False))
    with pytest.raises(UsageError, match="is a directory"):
        prepare(Settings(write_known_hosts=tmp_path))
