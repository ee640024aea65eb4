from __future__ import annotations

from pathlib import Path

import pytest

from auditor.sources.ansible_cfg import ssh_options
from auditor.sources.ssh_config import read_ssh_config

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "ssh_config"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("-C -o ControlMaster=auto -o ControlPersist=60s", [("ControlMaster", "auto"), ("ControlPersist", "60s")]),
        ("-oKexAlgorithms=+diffie-hellman-group1-sha1", [("KexAlgorithms", "+diffie-hellman-group1-sha1")]),
        ('-o "Ciphers aes128-cbc"', [("Ciphers", "aes128-cbc")]),
        ("-o 'MACs = hmac-sha1' -v", [("MACs", "hmac-sha1")]),
        ('-o "unbalanced', []),
        ("", []),
    ],
)
def test_ssh_options(args: str, expected: list[tuple[str, str]]) -> None:
    assert ssh_options(args) == expected


def test_blocks_and_equals_syntax() -> None:
    options = read_ssh_config(FIXTURES / "netmiko_legacy.ssh_config")
    by_line = {(o.file.name, o.line): o for o in options}
    macs = by_line[("netmiko_legacy.ssh_config", 15)]
    assert (macs.key, macs.value, macs.block) == ("MACs", "hmac-sha2-256,hmac-sha1", "Host cisco-* 10.20.*")
    assert by_line[("netmiko_legacy.ssh_config", 4)].block == "Host gateway"
    # An included file's options apply inside the block of its Include line.
    assert by_line[("asa.conf", 4)].block == "Host asa-*"
    assert by_line[("netmiko_legacy.ssh_config", 24)].block == "Host *"
