"""Rule open-ended-range: effective ranges from real poetry.lock/pdm.lock files (no index needed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from auditor.analysis.lock import analyze_lock
from auditor.checks import open_ended
from auditor.checks.constraints import PackageRange, admits_next_major, compute_ranges, intersect
from auditor.model import PROJECT, Constraint, Severity
from auditor.progress import NullProgress
from auditor.settings import Settings
from auditor.sources.environment import target_environment
from auditor.sources.ssh_stack import ssh_stack

LOCKS = Path(__file__).resolve().parents[3] / "fixtures" / "lock"


@pytest.mark.parametrize(
    ("specifier", "version", "open_"),
    [
        (">=2.9.5", "4.0.0", True),
        ("<5.0,>=3.5.0", "4.0.0", False),
        ("<5", "4.0.0", False),
        ("~=4.0", "4.0.0", False),
        ("==4.*", "4.0.0", False),
        (">=3,!=5.0.0", "4.0.0", True),
        ("", "0.15.0", True),
        ("<1", "0.15.0", False),
        ("<6", "4.0.0", True),
    ],
)
def test_admits_next_major(specifier: str, version: str, open_: bool) -> None:
    assert admits_next_major(SpecifierSet(specifier), version) is open_


def test_intersection_of_edges() -> None:
    edges = [Constraint("netmiko", "paramiko", ">=3.5.0,<5.0"), Constraint("scp", "paramiko", "")]
    assert intersect(edges) == SpecifierSet(">=3.5.0,<5.0")


@pytest.mark.parametrize("tool", ["poetry", "pdm"])
def test_netmiko_4_4_0_is_an_error_through_netmiko(tool: str) -> None:
    analysis = analyze_lock(LOCKS / "netmiko-4.4.0" / tool, Settings(offline=True), NullProgress())
    finding = next(f for f in analysis.findings if f.rule == "open-ended-range" and f.package == "paramiko")
    assert finding.severity is Severity.ERROR
    assert set(finding.via) == {"netmiko", "scp"}
    assert "netmiko 4.4.0 declares 'paramiko>=2.9.5'" in finding.message
    assert "<project> → netmiko → paramiko" in finding.message
    locked = next(r.version for r in analysis.ranges if r.name == "paramiko")
    assert f"paramiko {locked} is locked" in finding.message
    assert f"admits paramiko {Version(locked).major + 1} and later" in finding.message
    assert finding.fix is not None and "paramiko<" in finding.fix


@pytest.mark.parametrize("tool", ["poetry", "pdm"])
def test_capped_by_netmiko_4_7_0_leaves_a_note_for_scp(tool: str) -> None:
    analysis = analyze_lock(LOCKS / "netmiko-4.7.0" / tool, Settings(offline=True), NullProgress())
    paramiko = [f for f in analysis.findings if f.package == "paramiko" and f.rule == "open-ended-range"]
    assert [f.severity for f in paramiko] == [Severity.NOTE]
    assert paramiko[0].via == ("scp",)
    assert "netmiko 4.7.0 declares 'paramiko<5.0,>=3.5.0'" in paramiko[0].message


def test_extra_caps_only_when_requested() -> None:
    capped = analyze_lock(LOCKS / "netmiko-4.8.0-par4" / "poetry", Settings(offline=True), NullProgress())
    paramiko = next(r for r in capped.ranges if r.name == "paramiko")
    assert not admits_next_major(paramiko.effective, paramiko.version)


def test_ssh_stack_extra_adds_a_package() -> None:
    plain = analyze_lock(LOCKS / "netmiko-4.4.0" / "poetry", Settings(offline=True), NullProgress())
    extended = analyze_lock(
        LOCKS / "netmiko-4.4.0" / "poetry", Settings(offline=True, ssh_stack_extra=("textfsm",)), NullProgress()
    )
    assert "textfsm" not in {p.name for p in plain.packages}
    assert "textfsm" in {p.name for p in extended.packages}


def test_a_version_that_is_not_pep_440_is_skipped_not_a_crash(tmp_path: Path) -> None:
    project = tmp_path / "poetry"
    project.mkdir()
    (project / "pyproject.toml").write_bytes((LOCKS / "netmiko-4.4.0" / "poetry" / "pyproject.toml").read_bytes())
    lock = (LOCKS / "netmiko-4.4.0" / "poetry" / "poetry.lock").read_text(encoding="utf-8")
    assert '\nname = "netmiko"\nversion = "4.4.0"\n' in lock
    (project / "poetry.lock").write_text(
        lock.replace('\nname = "netmiko"\nversion = "4.4.0"\n', '\nname = "netmiko"\nversion = "banana"\n'),
        encoding="utf-8",
    )
    analysis = analyze_lock(project, Settings(offline=True), NullProgress())
    assert ("netmiko", "version 'banana' is not a PEP 440 version; not evaluated") in {
        (s.subject, s.reason) for s in analysis.skipped
    }
    assert "netmiko" not in {r.name for r in analysis.ranges}
    assert "paramiko" in {r.name for r in analysis.ranges}


def _ranges_with(tool_case: str, *declarations: Constraint) -> list[PackageRange]:
    """The effective ranges of a real lock (netmiko 4.7.0 caps paramiko <5.0) with extra project declarations."""
    lockfile = analyze_lock(LOCKS / tool_case / "poetry", Settings(offline=True), NullProgress()).lockfile
    lockfile = replace(lockfile, declarations=(*lockfile.declarations, *declarations))
    edges = {name: pkg.constraints for name, pkg in lockfile.packages.items() if pkg.constraints is not None}
    ranges, _ = compute_ranges(lockfile, ssh_stack(), edges, {}, target_environment())
    return ranges


def test_an_override_replaces_every_other_constraint() -> None:
    """uv's override-dependencies: netmiko 4.7.0's '<5.0' no longer applies, so the range re-opens."""
    capped = next(r for r in _ranges_with("netmiko-4.7.0") if r.name == "paramiko")
    assert not admits_next_major(capped.effective, capped.version)
    override = Constraint(PROJECT, "paramiko", ">=3.5", kind="override")
    paramiko = next(r for r in _ranges_with("netmiko-4.7.0", override) if r.name == "paramiko")
    assert paramiko.overridden
    assert paramiko.effective == SpecifierSet(">=3.5")
    assert admits_next_major(paramiko.effective, paramiko.version)


def test_the_projects_own_open_edge_is_no_note_when_capped_elsewhere() -> None:
    """Only dependents' open edges get a note; the project's own bare declaration is its business (fix caps it)."""
    bare = Constraint(PROJECT, "paramiko", "", kind="dependency")
    ranges = _ranges_with("netmiko-4.7.0", bare)
    lockfile = analyze_lock(LOCKS / "netmiko-4.7.0" / "poetry", Settings(offline=True), NullProgress()).lockfile
    notes = [f for f in open_ended.check(ranges, lockfile) if f.package == "paramiko"]
    assert [f.via for f in notes] == [("scp",)]
