"""known_hosts (read without Paramiko, checked against paramiko.HostKeys), ProxyJump lookup and jump specs, on files made by the real ssh-keygen."""

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


def test_known_hosts_agrees_with_paramiko_hostkeys(tmp_path: Path) -> None:
    """Plain, ``[host]:port``, multi-name and ``ssh-keygen -H`` hashed entries: the key we find is Paramiko's."""
    import base64

    import paramiko

    keys = [_key(tmp_path, f"k{i}", key_type) for i, key_type in enumerate(("ed25519", "ecdsa", "rsa"))]
    names = ["10.0.0.1", "[10.0.0.1]:2222", "r1.example,10.0.0.9", "[127.0.0.1]:2200"]
    lines = [f"{name} {key_type} {blob}" for name, (key_type, blob, _) in zip(names, keys * 2, strict=False)]
    known = tmp_path / "known_hosts"
    known.write_text("\n".join(["# made by ssh-keygen", *lines, ""]), encoding="ascii")
    subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(known)], check=True, capture_output=True)
    text = known.read_text(encoding="ascii")
    assert text.count("|1|") == 5  # each name of the two-name line hashed on its own line
    ours, theirs = KnownHosts(known), paramiko.HostKeys(str(known))
    for host, port in [("10.0.0.1", 22), ("10.0.0.1", 2222), ("r1.example", 22), ("10.0.0.9", 22), ("127.0.0.1", 2200),
                       ("10.0.0.2", 22)]:  # fmt: skip
        name = host if port == 22 else f"[{host}]:{port}"
        found = theirs.lookup(name)
        for key_type, blob, real in keys:
            expected = found[key_type].asbytes() if found is not None and key_type in found else None
            check = ours.check(host, port, key_type, real)
            first = check.known[0] if check.known else None
            assert first == (fingerprint(expected) if expected else None), (host, port, key_type)
            assert check.status == ("unknown" if expected is None else "match" if expected == base64.b64decode(blob)
                                    else "changed")  # fmt: skip


def test_known_hosts_loads_without_paramiko(tmp_path: Path) -> None:
    """Reading and checking known_hosts imports no paramiko (a verified probe run stays free of it)."""
    import sys

    key_type, blob, real = _key(tmp_path, "k")
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:2200 {key_type} {blob}\n", encoding="ascii")
    script = (
        "import sys; from pathlib import Path; from auditor.probe.known_hosts import load_known_hosts; "
        f"k = load_known_hosts(Path({str(known)!r})); assert k is not None; "
        f"print(k.check('127.0.0.1', 2200, {key_type!r}, {real!r}).status, 'paramiko' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["match", "False"]


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
