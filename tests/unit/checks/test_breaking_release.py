"""Rule breaking-release: the data in rules/releases.toml and the findings it produces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from auditor.checks import breaking_release
from auditor.checks.constraints import PackageRange
from auditor.model import Constraint, LockedPackage, Lockfile, Severity
from auditor.sources.ssh_stack import ssh_stack

FACTS = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "ssh-stack-facts.md"


def _range(version: str, *constraints: Constraint) -> tuple[PackageRange, Lockfile]:
    lock = Lockfile(
        path=Path("uv.lock"),
        format="uv",
        packages={"paramiko": LockedPackage("paramiko", version), "netmiko": LockedPackage("netmiko", "4.4.0")},
    )
    spec = SpecifierSet()
    for c in constraints:
        spec &= SpecifierSet(c.specifier)
    item = PackageRange(
        "paramiko", version, ssh_stack()["paramiko"], constraints, spec, False, ("netmiko", "paramiko"), 7
    )
    return item, lock


def test_release_dates_match_the_shared_facts() -> None:
    if not FACTS.is_file():
        pytest.skip(f"{FACTS} is absent (the shared reference lives beside the repository)")
    facts = FACTS.read_text(encoding="utf-8")
    for release in breaking_release.load_releases():
        if release.package == "paramiko":
            assert re.search(rf"{re.escape(str(release.version))} \({release.date}\)", facts), release
        assert release.source.startswith("https://")


def test_rebuild_into_5_0_0_is_an_error_naming_algorithms() -> None:
    item, lock = _range("4.0.0", Constraint("netmiko", "paramiko", ">=2.9.5"))
    findings = breaking_release.check([item], lock)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    assert len(errors) == 1
    message = errors[0].message
    assert message.startswith(
        "a rebuild may pull paramiko 5.0.0 (2026-05-09), which removed diffie-hellman-group1-sha1"
    )
    assert "ssh-rsa" in message and "'paramiko>=2.9.5'" in message
    assert errors[0].line == 7 and errors[0].via == ("netmiko",)
    assert errors[0].fix is not None and "'paramiko<5'" in errors[0].fix


def test_lock_past_a_release_with_a_low_floor_is_a_warning() -> None:
    item, lock = _range("5.1.0", Constraint("netmiko", "paramiko", ">=2.9.5"))
    findings = breaking_release.check([item], lock)
    assert {f.severity for f in findings} == {Severity.WARNING}
    assert {Version(m) for f in findings for m in re.findall(r"past paramiko (\S+)", f.message)} == {
        Version("4.0.0"),
        Version("5.0.0"),
    }


def test_floor_at_the_release_is_a_choice_not_a_warning() -> None:
    item, lock = _range("5.1.0", Constraint("<project>", "paramiko", ">=5.0.0"))
    findings = breaking_release.check([item], lock)
    assert findings == []


def test_crossed_is_the_half_open_interval_above_the_lock() -> None:
    """(low, high]: the locked release itself is not crossed, the target is."""
    assert [str(r.version) for r in breaking_release.crossed("paramiko", Version("4.0.0"), Version("5.0.0"))] == [
        "5.0.0"
    ]
    assert breaking_release.crossed("paramiko", Version("5.0.0"), Version("5.1.0")) == []
    assert [str(r.version) for r in breaking_release.crossed("Netmiko", Version("4.6.0"), Version("9"))] == [
        "4.7.0",
        "4.8.0",
    ]


def _netmiko_range(version: str, specifier: str) -> tuple[PackageRange, Lockfile]:
    lock = Lockfile(path=Path("poetry.lock"), format="poetry", packages={"netmiko": LockedPackage("netmiko", version)})
    constraint = Constraint("<project>", "netmiko", specifier, kind="dependency")
    item = PackageRange(
        "netmiko", version, ssh_stack()["netmiko"], (constraint,), SpecifierSet(specifier), False, ("netmiko",), 3
    )
    return item, lock


def test_a_constraint_only_release_ahead_has_no_cap_hint() -> None:
    """netmiko 4.7.0/4.8.0 changed a declaration, removed nothing: reported, but capping below them fixes nothing."""
    item, lock = _netmiko_range("4.4.0", ">=4")
    findings = breaking_release.check([item], lock)
    assert {m for f in findings for m in re.findall(r"pull netmiko (\S+)", f.message)} == {"4.7.0", "4.8.0"}
    assert [f.fix for f in findings] == [None, None]


def test_a_constraint_only_release_behind_the_lock_is_no_warning() -> None:
    item, lock = _netmiko_range("4.8.0", ">=4")
    assert breaking_release.check([item], lock) == []


def test_cap_below_a_breaking_patch_release_names_it_exactly() -> None:
    """A release that is not ``X.0.0`` is capped at itself (``<4.5.1``), not at its major."""
    patch = breaking_release.BreakingRelease(
        package="paramiko",
        version=Version("4.5.1"),
        date="2026-01-01",
        summary="",
        removed=(("kex", ("diffie-hellman-group1-sha1",)),),
        other=(),
        source="https://example.invalid/changelog",
        severity=Severity.ERROR,
    )
    item, lock = _range("4.0.0", Constraint("netmiko", "paramiko", ">=2.9.5"))
    (finding,) = breaking_release.check([item], lock, releases=[patch])
    assert finding.fix is not None and "'paramiko<4.5.1'" in finding.fix
