from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.analysis.rule_context import build_context
from auditor.checks.host_key_policy import HostKeyPolicy, code_findings, is_test_file
from auditor.model import Severity
from auditor.settings import Settings
from auditor.sources.lockfiles import load_lockfile
from auditor.sources.project_code import read_module
from tests.code_projects import netops_project

CASES = [
    ("import paramiko\nc = paramiko.SSHClient()\nc.set_missing_host_key_policy(paramiko.AutoAddPolicy())", [3]),
    ("from paramiko import WarningPolicy\nPOLICY = WarningPolicy", [2]),
    ("import paramiko\nc = paramiko.SSHClient()\nc.set_missing_host_key_policy(paramiko.RejectPolicy())", []),
    # netmiko's ssh_strict defaults to False, which is AutoAddPolicy.
    ("from netmiko import ConnectHandler\nConnectHandler(device_type='cisco_ios', host='r1')", [2]),
    ("from netmiko import ConnectHandler\nConnectHandler(host='r1', ssh_strict=False)", [2]),
    ("from netmiko import ConnectHandler\nConnectHandler(host='r1', ssh_strict=True, system_host_keys=True)", []),
    ("from netmiko import ConnectHandler\nConnectHandler(**device)", []),  # unknown: the mapping may set it
    # The tutorials' dict of connection arguments, spread into the call.
    ("from netmiko import ConnectHandler\nr1 = {'host': 'r1', 'device_type': 'cisco_ios'}\nConnectHandler(**r1)", [3]),
    ("from netmiko import ConnectHandler\nr1 = {'host': 'r1', 'ssh_strict': True}\nConnectHandler(**r1)", []),
    ("from scrapli import Scrapli\nScrapli(host='r1', auth_strict_key=False, platform='cisco_iosxe')", [2]),
    ("from scrapli import Scrapli\nScrapli(host='r1', platform='cisco_iosxe')", []),
    ("from ncclient import manager\nmanager.connect(host='r1', hostkey_verify=False)", [2]),
    ("import asyncssh\nasyncssh.connect('r1', known_hosts=None)", [2]),
    ("import asyncssh\nasyncssh.connect('r1', known_hosts='hosts')", []),
    (
        "import napalm\nd = napalm.get_network_driver('ios')\nd('r1', 'u', 'p', optional_args={'ssh_strict': False})",
        [3],
    ),
]


@pytest.mark.parametrize(("source", "lines"), CASES)
def test_code_that_skips_host_key_checking(source: str, lines: list[int]) -> None:
    findings = code_findings(read_module(source, "app/run.py"))
    assert [f.line for f in findings] == lines
    assert all(f.severity is Severity.WARNING and f.rule == "host-key-policy" and f.fix for f in findings)
    # The fix names where a verified known_hosts comes from.
    assert all(f.fix is not None and "--write-known-hosts" in f.fix for f in findings)


def test_a_note_in_test_files() -> None:
    source = "import paramiko\nparamiko.AutoAddPolicy()"
    (finding,) = code_findings(read_module(source, "tests/test_lab.py"))
    assert finding.severity is Severity.NOTE
    assert is_test_file("conftest.py") and is_test_file("pkg/x_test.py") and not is_test_file("netops/testing.py")


def test_netops_project_and_ansible_cfg(tmp_path: Path) -> None:
    project = netops_project(tmp_path, "5.1.0")
    ansible = project / "ansible.cfg"
    ansible.write_text(
        "[defaults]\nhost_key_checking = False\n\n[ssh_connection]\nssh_args = -o StrictHostKeyChecking=no\n",
        encoding="utf-8",
    )
    settings = replace(Settings(), vulnerabilities=False, ansible_cfg=ansible, exclude=("tests/**",))
    context = build_context(settings, lockfile=load_lockfile(project), project_dir=project)
    got = [(Path(f.file or "").name, f.line, f.severity.value) for f in HostKeyPolicy().find(context)]
    assert got == [
        ("backup.py", 9, "warning"),  # AutoAddPolicy
        ("legacy_switches.py", 15, "warning"),  # ConnectHandler(**OLD_SWITCH), no ssh_strict in it
        ("legacy_switches.py", 23, "warning"),  # ConnectHandler without ssh_strict=True
        ("nornir_tasks.py", 14, "warning"),  # WarningPolicy
        ("ansible.cfg", 2, "warning"),  # host_key_checking = False
        ("ansible.cfg", 5, "warning"),  # -o StrictHostKeyChecking=no
    ]
