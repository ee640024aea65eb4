from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from packaging.version import Version

from auditor.analysis.rule_context import build_context
from auditor.checks.removed_api import RemovedApi, load_removed_api, pubkey_algorithms, rsa_signing_findings
from auditor.model import Severity
from auditor.settings import Settings
from auditor.sources.lockfiles import load_lockfile
from auditor.sources.project_code import read_module
from tests.code_projects import netops_project

# (paramiko lock, the removed-api findings on the netops project: file, line, what the message starts with)
EXPECTED = {
    "3.5.1": [],
    "4.0.0": [("netops/backup.py", 17, "paramiko.DSSKey was removed in paramiko 4.0.0")],
    "5.1.0": [
        ("netops/backup.py", 11, "paramiko.SSHClient.connect(gss_auth=...) was removed in paramiko 5.0.0"),
        ("netops/backup.py", 17, "paramiko.DSSKey was removed in paramiko 4.0.0"),
        ("netops/legacy_switches.py", 15, "netmiko.ConnectHandler(...) with disabled_algorithms="),
        ("netops/legacy_switches.py", 23, "netmiko.ConnectHandler(...) with disable_sha2_fix=True"),
    ],
}


@pytest.mark.parametrize("paramiko", sorted(EXPECTED))
def test_netops_project_per_locked_paramiko(tmp_path: Path, paramiko: str) -> None:
    project = netops_project(tmp_path, paramiko)
    lockfile = load_lockfile(project)
    assert lockfile.packages["paramiko"].version == paramiko  # the real uv-made lock
    # The engine's path: the builder reads the code, the rule judges it (no I/O).
    settings = replace(Settings(), vulnerabilities=False)
    context = build_context(settings, lockfile=lockfile, project_dir=project)
    findings = RemovedApi().find(context)
    got = [(f.file, f.line, f.message) for f in findings]
    assert [(file, line) for file, line, _ in got] == [(file, line) for file, line, _ in EXPECTED[paramiko]]
    for (_, _, message), (_, _, start) in zip(got, EXPECTED[paramiko], strict=True):
        assert message.startswith(start), message
    assert all(f.severity is Severity.ERROR and f.package == "paramiko" for f in findings)
    assert all("https://www.paramiko.org/changelog.html" in f.message for f in findings)
    assert len({f.key for f in findings}) == len(findings)  # SARIF fingerprints stay distinct


def test_the_generated_facts_hold_what_the_releases_show() -> None:
    removals, options = load_removed_api()
    by_name = {(r.name, r.argument): r for r in removals}
    assert by_name[("paramiko.DSSKey", None)].removed_in == "4.0.0"
    assert by_name[("paramiko.DSSKey", None)].last_with == "3.5.1"
    for argument in ("gss_auth", "gss_kex", "gss_deleg_creds", "gss_host", "gss_trust_dns"):
        assert by_name[("paramiko.SSHClient.connect", argument)].removed_in == "5.0.0"
    assert by_name[("paramiko.PKey.from_path", "passphrase")].added == ("password",)  # renamed in 5.0
    (sha2_fix,) = options
    assert (sha2_fix.call, sha2_fix.argument, sha2_fix.value) == ("netmiko.ConnectHandler", "disable_sha2_fix", True)
    assert set(sha2_fix.pubkeys) == {"rsa-sha2-256", "rsa-sha2-512"}


@pytest.mark.parametrize(
    ("version", "rsa"),
    [
        ("3.5.1", ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]),
        ("4.0.0", ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]),
        ("5.0.0", ["rsa-sha2-512", "rsa-sha2-256"]),
        ("5.1.0", ["rsa-sha2-512", "rsa-sha2-256"]),
    ],
)
def test_rsa_signature_algorithms_per_release(version: str, rsa: list[str]) -> None:
    removals, _ = load_removed_api()
    algorithms, _ = pubkey_algorithms(Version(version), removals)
    assert [a for a in algorithms if "rsa" in a] == rsa


@pytest.mark.parametrize(
    ("source", "paramiko", "errors"),
    [
        # Only SHA-2 disabled: ssh-rsa signs until 5.0.0 removed it.
        ("c.connect('h', disabled_algorithms={'pubkeys': ['rsa-sha2-256', 'rsa-sha2-512']})", "4.0.0", 0),
        ("c.connect('h', disabled_algorithms={'pubkeys': ['rsa-sha2-256', 'rsa-sha2-512']})", "5.1.0", 1),
        # One SHA-2 algorithm left: RSA keys still sign.
        ("c.connect('h', disabled_algorithms={'pubkeys': ['rsa-sha2-512']})", "5.1.0", 0),
        # Not literal: nothing is claimed.
        ("c.connect('h', disabled_algorithms=ALGS)", "5.1.0", 0),
        # Only kex disabled.
        ("c.connect('h', disabled_algorithms={'kex': ['diffie-hellman-group1-sha1']})", "5.1.0", 0),
        # Everything RSA disabled on 4.0.0 too: not a removal's doing.
        ("c.connect('h', disabled_algorithms={'pubkeys': ['rsa-sha2-256', 'rsa-sha2-512', 'ssh-rsa']})", "5.1.0", 0),
    ],
)
def test_rsa_signing_left_empty_only_by_a_removal(source: str, paramiko: str, errors: int) -> None:
    removals, options = load_removed_api()
    uses = read_module(f"import paramiko\nc = paramiko.SSHClient()\n{source}\n", "app.py")
    findings = rsa_signing_findings(uses, Version(paramiko), removals, options)
    assert len(findings) == errors
    assert all(f.line == 3 and f.file == "app.py" for f in findings)


@pytest.mark.network
def test_rules_file_is_what_the_releases_show() -> None:
    # Regenerates rules/removed-api.toml from the real releases (uv environments) and compares.
    script = Path(__file__).resolve().parents[3] / "scripts" / "gen_removed_api.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=900, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
