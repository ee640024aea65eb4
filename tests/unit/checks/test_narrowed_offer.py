from __future__ import annotations

import pytest

from auditor.checks.narrowed_offer import empty_categories, narrowing_findings
from auditor.device_model import Device, DeviceResult, DeviceStatus, Offered
from auditor.model import Severity
from auditor.probe.algorithms import client_offer
from auditor.probe.kexinit import PSEUDO_KEX
from auditor.probe.narrowing import disabled_of, narrow
from auditor.sources.project_code import ApiUse, read_module
from tests import devices

HARDENING = "{'kex': ['diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1']}"


def _uses(disabled: str) -> list[ApiUse]:
    return read_module(
        f"import paramiko\nc = paramiko.SSHClient()\nc.connect('h', disabled_algorithms={disabled})\n", "app.py"
    )


def _device(profile_id: str, version: str) -> DeviceResult:
    offered = devices.profile(profile_id).emulated_offer()
    assert offered is not None
    return DeviceResult(Device(profile_id, "127.0.0.1"), DeviceStatus.COMPATIBLE, offered=offered, paramiko=version)


def test_narrow_keeps_markers_and_drops_cert_variants() -> None:
    offer = Offered(
        kex=("curve25519-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com"),
        host_key=("ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512"),
    )
    narrowed = narrow(offer, {"kex": frozenset({"curve25519-sha256"}), "keys": frozenset({"ssh-ed25519"})})
    assert narrowed.kex == ("ext-info-c", "kex-strict-c-v00@openssh.com")
    assert narrowed.host_key == ("rsa-sha2-512",)
    assert "kex" in empty_categories(narrowed)


def test_disabling_every_offered_kex_is_an_error_naming_the_line() -> None:
    every = sorted(n for n in client_offer("5.1.0").kex if n not in PSEUDO_KEX)
    (finding,) = narrowing_findings(_uses(repr({"kex": every})), "5.1.0", [])
    assert (finding.file, finding.line, finding.severity) == ("app.py", 3, Severity.ERROR)
    assert "nothing to offer for kex" in finding.message


@pytest.mark.parametrize(
    ("version", "cut"),
    [
        # IOS-XE 16 offers only gex-sha1 and group14-sha1: paramiko 4.0.0 reaches it, the hardened offer does not.
        ("4.0.0", True),
        # Unchanged offer (a key nobody uses): still negotiates.
        ("4.0.0", False),
    ],
)
def test_a_device_the_narrowed_offer_cuts_off(version: str, cut: bool) -> None:
    disabled = HARDENING if cut else "{'kex': ['diffie-hellman-group1-sha1']}"
    findings = narrowing_findings(_uses(disabled), version, [_device("cisco_iosxe_16", version)])
    assert [f.line for f in findings] == ([3] if cut else [])
    if cut:
        assert "cisco_iosxe_16: no common kex" in findings[0].message
        assert "applied to every device" in findings[0].message


def test_only_literal_disabled_algorithms_of_paramiko_and_netmiko() -> None:
    uses = read_module(
        "from netmiko import ConnectHandler\nimport asyncssh\n"
        "ConnectHandler(host='h', disabled_algorithms={'kex': ['x'], 'bogus': ['y']})\n"
        "ConnectHandler(host='h', disabled_algorithms=ALGS)\n"
        "asyncssh.connect('h', disabled_algorithms={'kex': ['x']})\n",
        "app.py",
    )
    found = [disabled_of(u) for u in uses]
    assert found == [None, {"kex": frozenset({"x"})}, None, None]
