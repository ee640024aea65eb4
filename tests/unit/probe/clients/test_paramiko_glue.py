"""known_hosts (through paramiko.HostKeys), ProxyJump lookup and jump specs, on files made by the real ssh-keygen."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.errors import ConfigError
from auditor.probe.sshlib import KnownHosts, fingerprint, load_known_hosts, parse_jump

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")


def _key(tmp_path: Path, name: str, key_type: str = "ed25519") -> tuple[str, str, str]:
    """``(type, base64, SHA256 fingerprint as ssh-keygen prints it)`` of a fresh key."""
    path = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-f", str(path)], check=True)
    key_type_field, blob = path.with_name(name + ".pub").read_text(encoding="ascii").split()[:2]
    printed = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(path)], capture_output=True, text=True, check=True
    )
    return key_type_field, blob, printed.stdout.split()[1]


def test_fingerprint_is_ssh_keygens(tmp_path: Path) -> None:
    import base64

    _, blob, printed = _key(tmp_path, "k")
    assert fingerprint(base64.b64decode(blob)) == printed


@pytest.mark.parametrize("hashed", [False, True])
def test_known_hosts_match_changed_unknown(tmp_path: Path, hashed: bool) -> None:
    key_type, blob, real = _key(tmp_path, "real")
    _, other_blob, other = _key(tmp_path, "other")
    known = tmp_path / "known_hosts"
    known.write_text(f"[10.0.0.1]:2222 {key_type} {blob}\nrouter.example {key_type} {other_blob}\n", encoding="ascii")
    if hashed:
        subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(known)], check=True, capture_output=True)
        assert "|1|" in known.read_text(encoding="ascii")
    hosts = KnownHosts(known)
    assert hosts.check("10.0.0.1", 2222, key_type, real).status == "match"
    changed = hosts.check("router.example", 22, key_type, real)
    assert changed.status == "changed" and changed.known == (other,)
    assert hosts.check("10.0.0.1", 22, key_type, real).status == "unknown"  # port 22 is a different entry
    assert hosts.check("10.0.0.1", 2222, "ssh-rsa", real).status == "unknown"  # no key of that type


def test_known_hosts_key_types_paramiko_cannot_load(tmp_path: Path) -> None:
    """A DSA entry (unloadable by Paramiko >= 4) still reveals a changed DSA key, with its line number."""
    try:
        key_type, blob, _ = _key(tmp_path, "dsa", "dsa")
    except subprocess.CalledProcessError:
        pytest.skip("this ssh-keygen cannot make DSA keys")
    _, _, seen = _key(tmp_path, "dsa2", "dsa")
    known = tmp_path / "known_hosts"
    known.write_text(f"# comment\n[127.0.0.1]:2200 {key_type} {blob}\n", encoding="ascii")
    result = KnownHosts(known).check("127.0.0.1", 2200, "ssh-dss", seen)
    assert result.status == "changed" and result.line == 2


def test_load_known_hosts_explicit_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such known_hosts file"):
        load_known_hosts(tmp_path / "nope")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("netops@bastion.example:2222", ("netops", "bastion.example", 2222)),
        ("netops@bastion.example", ("netops", "bastion.example", 22)),
        ("netops@[2001:db8::10]:22", ("netops", "2001:db8::10", 22)),
    ],
)
def test_parse_jump(spec: str, expected: tuple[str, str, int]) -> None:
    assert parse_jump(spec) == expected


@pytest.mark.parametrize("spec", ["a@gw1,b@gw2", "a@gw:notaport", "a@gw:70000"])
def test_parse_jump_rejects(spec: str) -> None:
    with pytest.raises(ConfigError, match="jump host"):
        parse_jump(spec)
