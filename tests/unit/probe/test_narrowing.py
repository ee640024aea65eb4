"""The project's disabled_algorithms as narrowings the probe applies (grouping, keys kept, reason)."""

from __future__ import annotations

from pathlib import Path

from auditor.probe.narrowing import NARROWED_BY, code_narrowings
from auditor.sources.project_code import ProjectCode, read_module

SOURCE = """import paramiko
from netmiko import ConnectHandler

a = paramiko.SSHClient()
a.connect("r1", disabled_algorithms={"kex": ["diffie-hellman-group14-sha1"], "pubkeys": ["rsa-sha2-256"]})
b = paramiko.SSHClient()
b.connect("r2", disabled_algorithms={"kex": ["diffie-hellman-group14-sha1"]})
ConnectHandler(host="r3", device_type="cisco_ios", disabled_algorithms={"pubkeys": ["rsa-sha2-512"]})
ConnectHandler(host="r4", device_type="cisco_ios", disabled_algorithms={"ciphers": ["aes128-ctr"]})
"""


def test_one_narrowing_per_distinct_value_with_every_line() -> None:
    code = ProjectCode(Path(), 1, 1, tuple(read_module(SOURCE, "app.py")))
    first, second = code_narrowings(code)
    # pubkeys changes authentication only: lines 5 and 7 narrow the KEXINIT alike, line 8 not at all.
    assert first.client == second.client == "paramiko"
    assert first.as_dict() == {"kex": ["diffie-hellman-group14-sha1"]} and first.sites == ("app.py:5", "app.py:7")
    assert second.as_dict() == {"ciphers": ["aes128-ctr"]} and second.sites == ("app.py:9",)
    assert first.reason().startswith(NARROWED_BY) and "app.py:5, app.py:7 passes" in first.reason()


def test_no_project_no_narrowing() -> None:
    assert code_narrowings(None) == ()
