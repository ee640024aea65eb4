"""whatif's own findings on real Poetry locks (fixtures/lock): releases crossed, lost extras, pre-releases."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.analysis.whatif_findings import crossing_findings, extra_pins, lost_extras, refuse_prereleases
from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.errors import ResolverError
from auditor.model import Severity
from auditor.report_parts import Change
from auditor.resolution import compare
from auditor.sources.lockfiles import load_lockfile
from auditor.sources.ssh_stack import ssh_stack

LOCKS = Path(__file__).resolve().parents[2] / "fixtures" / "lock"
CAPPED = load_lockfile(LOCKS / "netmiko-4.7.0" / "poetry")  # paramiko 4.0.0
UNCAPPED = load_lockfile(LOCKS / "netmiko-4.4.0" / "poetry")  # paramiko 5.1.0
PAR4 = load_lockfile(LOCKS / "netmiko-4.8.0-par4" / "poetry")  # netmiko[par4]==4.8.0

# Requires-Dist as the netmiko 4.7.0 and 4.8.0 wheels declare it (METADATA read with a uv environment).
NETMIKO_REQUIRES = {
    ("netmiko", "4.7.0"): (
        "ntc-templates (>=3.1.0)",
        "paramiko (>=3.5.0,<5.0)",
        "pyserial (>=3.3)",
        "pyyaml (>=6.0.2)",
        "rich (>=13.8)",
        "ruamel.yaml (>=0.17)",
        "scp (>=0.13.6)",
        "textfsm (>=1.1.3)",
    ),
    ("netmiko", "4.8.0"): (
        "ntc-templates>=3.1.0",
        "paramiko>=3.5.1",
        "pyserial>=3.3",
        "pyyaml>=6.0.2",
        "rich>=13.8",
        "scp>=0.13.6",
        "textfsm>=1.1.3",
        "ruamel-yaml>=0.17; extra == 'bulk-encrypt'",
        "paramiko<5.0,>=4.0; extra == 'par4'",
    ),
}


def _device(name: str, status: DeviceStatus) -> DeviceResult:
    return DeviceResult(Device(name, "127.0.0.1", 22), status, paramiko="5.1.0")


def test_every_release_crossed_is_listed_with_what_it_removed_without_devices() -> None:
    changes = compare(CAPPED, UNCAPPED)
    findings = crossing_findings(
        changes, set(ssh_stack()), context="after whatif paramiko==5.1.0", lockfile=UNCAPPED, devices=None
    )
    assert [(f.package, f.key, f.severity) for f in findings] == [("paramiko", "5.0.0", Severity.ERROR)]
    message = findings[0].message
    assert message.startswith(
        "after whatif paramiko==5.1.0: paramiko 4.0.0 -> 5.1.0 crosses paramiko 5.0.0 (2026-05-09)"
    )
    assert "diffie-hellman-group14-sha1" in message and "ssh-rsa" in message and "--devices INVENTORY" in message
    assert findings[0].file == "poetry.lock" and findings[0].line == UNCAPPED.packages["paramiko"].line


@pytest.mark.parametrize(
    ("statuses", "severity", "says"),
    [
        ((DeviceStatus.COMPATIBLE, DeviceStatus.COMPATIBLE), Severity.NOTE, "none of the 2 device(s) judged needs"),
        (
            (DeviceStatus.COMPATIBLE, DeviceStatus.INCOMPATIBLE),
            Severity.ERROR,
            "1 of 2 device(s) judged cannot negotiate without it: r1",
        ),
    ],
)
def test_with_devices_the_verdict_follows_them(
    statuses: tuple[DeviceStatus, ...], severity: Severity, says: str
) -> None:
    devices = [_device(f"r{n}", s) for n, s in enumerate(statuses)]
    (finding,) = crossing_findings(
        compare(CAPPED, UNCAPPED), set(ssh_stack()), context="after whatif x", lockfile=UNCAPPED, devices=devices
    )
    assert finding.severity is severity and says in finding.message


def test_a_lost_extra_is_a_finding() -> None:
    """The project asks netmiko[par4]; a resolution back at 4.7.0 (no such extra) loses the cap it carried."""
    new = replace(CAPPED, declarations=PAR4.declarations)
    assert extra_pins(PAR4, new) == [("netmiko", "4.8.0"), ("netmiko", "4.7.0")]
    (finding,) = lost_extras(PAR4, new, NETMIKO_REQUIRES, context="after whatif netmiko<4.8")
    assert finding.rule == "downgrade" and finding.severity is Severity.WARNING and finding.key == "extra:par4"
    assert finding.message.startswith(
        "after whatif netmiko<4.8: the project asks for netmiko[par4] (4.8.0 defines the extra), "
        "but netmiko 4.7.0 no longer defines it"
    )
    # Kept extras, and pins whose requires-dist is unknown, are not findings.
    assert lost_extras(PAR4, new, {}, context="x") == []
    assert extra_pins(PAR4, PAR4) == [] and lost_extras(PAR4, PAR4, NETMIKO_REQUIRES, context="x") == []


def test_a_requirement_that_leaves_the_extra_out_loses_it() -> None:
    """whatif's requirement names its own extras (netmiko[bulk-encrypt]), so the project's par4 is not asked any more.

    (A requirement that names none keeps the project's: ``auditor.resolution.merge_requirement``.)
    """
    asked = tuple(replace(c, extras=("bulk-encrypt",)) for c in PAR4.declarations)
    new = replace(PAR4, declarations=asked)
    assert extra_pins(PAR4, new) == [("netmiko", "4.8.0")]
    (finding,) = lost_extras(PAR4, new, NETMIKO_REQUIRES, context="after whatif netmiko[bulk-encrypt]==4.8.0")
    assert "but the requirement asked on netmiko leaves it out" in finding.message


def test_a_pre_release_is_taken_only_with_pre() -> None:
    changes = [Change("scrapli", "2025.1.30", "2025.8.16b3"), Change("asyncssh", "2.24.1", None)]
    with pytest.raises(ResolverError, match=r"takes pre-release\(s\) scrapli 2025.8.16b3; pass --pre"):
        refuse_prereleases(changes, allowed=False, asked="scrapli>=2025.8")
    refuse_prereleases(changes, allowed=True, asked="scrapli>=2025.8")
    refuse_prereleases([Change("paramiko", "4.0.0", "5.1.0")], allowed=False, asked="paramiko==5.1.0")
