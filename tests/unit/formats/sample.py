"""A report that exercises every section of every format: findings of every rule, devices of every status."""

from __future__ import annotations

from auditor.checks.catalog import RULES
from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated, Offered
from auditor.model import PROJECT, Constraint, Finding, PackageReport, ProjectInfo, Report, Severity, Skipped
from auditor.report_parts import Change

IOS15 = Offered(
    kex=("diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"),
    host_key=("ssh-rsa",),
    cipher_c2s=("aes128-ctr", "aes256-ctr"),
    cipher_s2c=("aes128-ctr", "aes256-ctr"),
    mac_c2s=("hmac-sha1",),
    mac_s2c=("hmac-sha1",),
    compression_c2s=("none",),
    compression_s2c=("none",),
)


def devices() -> tuple[DeviceResult, ...]:
    """Four devices: compatible, incompatible, unreachable, protocol error."""
    return (
        DeviceResult(
            device=Device("xe17", "127.0.0.1", 2203, file="inventory.yaml", line=7),
            status=DeviceStatus.COMPATIBLE,
            banner="SSH-2.0-Cisco-1.25",
            paramiko="5.1.0",
            negotiated=Negotiated("curve25519-sha256", "rsa-sha2-512", "aes128-ctr", "hmac-sha2-256"),
            verified=True,
        ),
        DeviceResult(
            device=Device("ios15", "127.0.0.1", 2201, file="inventory.yaml", line=2),
            status=DeviceStatus.INCOMPATIBLE,
            banner="SSH-2.0-Cisco-1.25",
            offered=IOS15,
            paramiko="5.1.0",
            verified=True,
            reasons=(
                "no acceptable kex algorithm: server offers diffie-hellman-group-exchange-sha1, "
                "diffie-hellman-group14-sha1; paramiko 5.1.0 offers curve25519-sha256, ecdh-sha2-nistp256",
            ),
        ),
        DeviceResult(
            device=Device("gone", "127.0.0.1", 2299, jump="ops@127.0.0.1:2222", file="inventory.yaml", line=12),
            status=DeviceStatus.UNREACHABLE,
            reasons=("connection refused",),
        ),
        DeviceResult(
            device=Device("odd", "::1", 2298),
            status=DeviceStatus.ERROR,
            banner="HTTP/1.1 400 Bad Request",
            reasons=("not an SSH server: identification string does not start with SSH-",),
        ),
    )


FINDINGS: tuple[Finding, ...] = (
    Finding(
        "open-ended-range",
        Severity.ERROR,
        "paramiko 4.0.0: effective range >=2.9.5 admits 5.x",
        package="paramiko",
        via=("netmiko",),
        file="uv.lock",
        line=40,
        fix="add 'paramiko<5' to [tool.uv] constraint-dependencies",
    ),
    Finding("breaking-release", Severity.ERROR, "paramiko 5.0.0 removes ssh-rsa | sha1 kex", package="paramiko"),
    Finding("resolution-drift", Severity.WARNING, "paramiko: locked 4.0.0, today 5.1.0", package="paramiko"),
    Finding("downgrade", Severity.WARNING, "netmiko: 4.7.0 -> 4.6.0", package="netmiko", file="pyproject.toml", line=8),
    Finding(
        "vulnerability",
        Severity.ERROR,
        "paramiko 4.0.0: PYSEC-2026-2858 (CVE-2026-44405): fixed only in 5.0.0",
        package="paramiko",
    ),
    Finding(
        "ignored-ssh-option",
        Severity.WARNING,
        "KexAlgorithms +diffie-hellman-group14-sha1, is ignored by Paramiko: 100% useless\nsecond line",
        file="ssh_config",
        line=3,
        fix="pin paramiko<5",
    ),
    Finding("incompatible-device", Severity.ERROR, "no acceptable kex algorithm", device="ios15"),
    Finding("legacy-only-device", Severity.NOTE, "negotiates only through ssh-rsa", device="xe17"),
    Finding("host-key-changed", Severity.ERROR, "host key changed: <SHA256:abc&def>", device="xe17"),
    Finding(
        "terrapin-exposed",
        Severity.WARNING,
        "paramiko 3.3.1 negotiates aes128-cbc with hmac-sha2-256-etm@openssh.com (predicted) and strict kex is not "
        "on both sides (client no, server yes): exposed to Terrapin (CVE-2023-48795, https://terrapin-attack.com)",
        package="paramiko",
        device="xe17",
        fix="upgrade paramiko to >=3.4.0 (strict kex; https://www.paramiko.org/changelog.html)",
    ),
    Finding(
        "auth-signature",
        Severity.WARNING,
        "RSA-key authentication from paramiko 5.1.0 cannot work: server-sig-algs lists ssh-rsa",
        package="paramiko",
        device="xe17",
        fix="paramiko 4.0.0 signs ssh-rsa (pin paramiko<=4.0.0)",
    ),
    Finding(
        "removed-api",
        Severity.ERROR,
        "deploy.py:14: paramiko.DSSKey was removed in paramiko 4.0.0",
        package="paramiko",
        file="deploy.py",
        line=14,
    ),
    Finding("host-key-policy", Severity.WARNING, "backup.py:9: paramiko.AutoAddPolicy", file="backup.py", line=9),
    Finding(
        "narrowed-offer",
        Severity.ERROR,
        "deploy.py:20: disabled_algorithms leaves paramiko no kex for ios15",
        package="paramiko",
        file="deploy.py",
        line=20,
    ),
)
assert {f.rule for f in FINDINGS} == set(RULES) - {"accepted-risk"}  # notes about ignore entries themselves


def full_report(command: str = "audit") -> Report:
    """Everything at once, as ``audit``/``whatif`` could produce it."""
    return Report(
        command=command,
        project=ProjectInfo(path=".", lockfile="uv.lock", format="uv"),
        packages=(
            PackageReport(
                "paramiko",
                "4.0.0",
                (
                    Constraint("netmiko", "paramiko", ">=2.9.5"),
                    Constraint("scp", "paramiko", ""),
                    Constraint(PROJECT, "paramiko", ">=3", marker="python_version >= '3.10'"),
                ),
                ">=3",
                True,
                ("netmiko", "paramiko"),
            ),
            PackageReport("netmiko", "4.4.0", (Constraint(PROJECT, "netmiko", "==4.4.0"),), "==4.4.0", False),
        ),
        findings=FINDINGS,
        devices=devices(),
        skipped=(Skipped("vulnerability", "skipped, --offline"),),
        changes=(Change("paramiko", "4.0.0", "5.1.0"), Change("bcrypt", None, "4.2.0"), Change("six", "1.16", None)),
        notes=("fleet snapshot is 3 days old",),
    )


def empty_report() -> Report:
    """A clean ``lock`` report with nothing in it."""
    return Report(command="lock", project=ProjectInfo(path="/tmp/p", lockfile="uv.lock", format="uv"))


def big_fleet(unreachable: int = 1_200, *, refused_share: int = 24) -> Report:
    """``unreachable`` devices that did not answer (most refused, every ``refused_share``-th silent), plus
    the two real devices of :func:`devices` (xe17 compatible, ios15 incompatible with its finding)."""
    real = devices()[:2]
    dead = tuple(
        DeviceResult(
            device=Device(
                f"edge{i:04d}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", 22, file="hosts.txt", line=i + 1
            ),
            status=DeviceStatus.UNREACHABLE,
            reasons=(
                ("timeout after 10 s: connected, but no identification string",)
                if i % refused_share == 0
                else ("connection refused",)
            ),
        )
        for i in range(unreachable)
    )
    finding = Finding("incompatible-device", Severity.ERROR, "ios15: paramiko 5.1.0 cannot negotiate", device="ios15")
    return Report(command="probe", devices=(*real[:1], *dead, *real[1:]), findings=(finding,))
