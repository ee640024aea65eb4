from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.analysis.rule_context import build_context
from auditor.checks.ignored_ssh_option import IgnoredSshOption
from auditor.errors import ConfigError, ExitCode
from auditor.model import Finding, Severity
from auditor.settings import Settings

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "ssh_config"


def _findings(*configs: Path, ansible: Path | None = None) -> list[Finding]:
    # The engine's path: the builder reads the files, the rule judges the options (no I/O).
    settings = replace(Settings(), ssh_config=tuple(configs), ansible_cfg=ansible, vulnerabilities=False)
    return IgnoredSshOption().find(build_context(settings))


def _at(findings: list[Finding]) -> list[tuple[str, int | None, str]]:
    return [(Path(f.file or "").name, f.line, f.message.split(" ")[0]) for f in findings]


def test_ssh_config_options_with_file_and_line() -> None:
    findings = _findings(FIXTURES / "netmiko_legacy.ssh_config")
    assert _at(findings) == [
        ("netmiko_legacy.ssh_config", 11, "KexAlgorithms"),
        ("netmiko_legacy.ssh_config", 12, "HostKeyAlgorithms"),
        ("netmiko_legacy.ssh_config", 13, "PubkeyAcceptedAlgorithms"),
        ("netmiko_legacy.ssh_config", 14, "Ciphers"),
        ("netmiko_legacy.ssh_config", 15, "MACs"),
        ("netmiko_legacy.ssh_config", 18, "HostKeyAlgorithms"),
        ("netmiko_legacy.ssh_config", 19, "RequiredRSASize"),
        ("asa.conf", 3, "KexAlgorithms"),  # followed through Include conf.d/*.conf
        ("netmiko_legacy.ssh_config", 25, "Ciphers"),
    ]
    assert all(f.rule == "ignored-ssh-option" and f.severity is Severity.WARNING for f in findings)
    assert all(f.fix for f in findings)


def test_the_incident_option_says_pin_paramiko() -> None:
    kex = _findings(FIXTURES / "netmiko_legacy.ssh_config")[0]
    assert "in Host cisco-* 10.20.*" in kex.message
    assert "cannot re-enable diffie-hellman-group14-sha1 (removed in paramiko 5.0.0)" in kex.message
    assert kex.fix is not None and "pin paramiko<5.0.0" in kex.fix


def test_restricting_points_to_disabled_algorithms() -> None:
    findings = _findings(FIXTURES / "netmiko_legacy.ssh_config")
    minus = next(f for f in findings if f.line == 25)
    assert minus.fix is not None and "disabled_algorithms={'ciphers': [...]}" in minus.fix
    rsa_size = next(f for f in findings if f.line == 19)
    assert rsa_size.fix is not None and "no equivalent" in rsa_size.fix
    nxos = next(f for f in findings if f.line == 18)
    assert "in Match host nxos-*" in nxos.message


def test_clean_config_has_no_findings() -> None:
    assert _findings(FIXTURES / "clean.ssh_config") == []


def test_ansible_cfg_and_inventory_variables() -> None:
    findings = _findings(ansible=FIXTURES / "ansible" / "ansible.cfg")
    assert _at(findings) == [
        ("ansible.cfg", 12, "KexAlgorithms"),
        ("ansible.cfg", 12, "HostKeyAlgorithms"),
        ("nxos.yml", 5, "MACs"),  # the commented-out line 4 is not flagged
        ("hosts.ini", 8, "Ciphers"),
    ]
    assert "in ssh_args" in findings[0].message and "OpenSSH client" in findings[0].message
    assert "in ansible_ssh_common_args" in findings[3].message


@pytest.mark.parametrize(
    ("config", "ansible", "text"),
    [
        (FIXTURES / "broken_line.ssh_config", None, "line 3: expected 'Keyword value'"),
        (FIXTURES / "broken_match.ssh_config", None, "Paramiko cannot parse this ssh_config"),
        (FIXTURES / "missing.ssh_config", None, "ssh_config not found"),
        (None, FIXTURES / "ansible-broken.cfg", "not a valid ansible.cfg"),
        (None, FIXTURES / "missing.cfg", "ansible.cfg not found"),
    ],
)
def test_bad_files_are_one_line_errors(config: Path | None, ansible: Path | None, text: str) -> None:
    with pytest.raises(ConfigError) as info:
        _findings(*([config] if config else []), ansible=ansible)
    message = str(info.value)
    assert text in message and "\n" not in message
    assert message.startswith(str(config or ansible))
    assert info.value.exit_code == ExitCode.BAD_INPUT


def test_include_loop_terminates(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("Include b\nHost x\n  Ciphers aes128-ctr\n")
    (tmp_path / "b").write_text("Include a\nKexAlgorithms curve25519-sha256\n")
    assert _at(_findings(tmp_path / "a")) == [("b", 2, "KexAlgorithms"), ("a", 3, "Ciphers")]
