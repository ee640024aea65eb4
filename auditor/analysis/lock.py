"""The lock analysis: lockfile → declared constraints → effective ranges → findings.

:func:`analyze_lock` is what the engine runs for ``lock``, ``audit``, ``whatif``, ``fix`` and
``demo``: it never prints; progress goes through the :class:`~auditor.progress.Progress` callback.
"""

from __future__ import annotations

from pathlib import Path

from auditor.analysis.rule_context import lock_context
from auditor.checks.constraints import (
    LockAnalysis,
    PackageRange,
    ancestors,
    compute_ranges,
    constraints_from_requires_dist,
    project_info,
)
from auditor.checks.registry import run_rules
from auditor.model import Constraint, Finding, Lockfile
from auditor.progress import Progress
from auditor.settings import Settings
from auditor.sources.environment import target_environment
from auditor.sources.lockfiles import load_lockfile
from auditor.sources.metadata import requires_dist
from auditor.sources.ssh_stack import ssh_stack


def _needed_pins(lockfile: Lockfile, stack_names: set[str]) -> list[tuple[str, str]]:
    """The (name, version) pairs whose requires-dist the audit needs.

    That is the SSH stack and every package on a path to it, or every package when the lock
    records no edges (Pipfile.lock, pylock.toml).
    """
    children = {name: pkg.dependencies for name, pkg in lockfile.packages.items()}
    present = {n for n in lockfile.packages if n in stack_names}
    wanted = ancestors(present, children) if any(children.values()) else set(lockfile.packages)
    return [
        (name, lockfile.packages[name].version)
        for name in sorted(wanted)
        if lockfile.packages[name].constraints is None
        and lockfile.packages[name].version
        and lockfile.packages[name].source in (None, "registry")
    ]


def locked_paramiko(lockfile: Lockfile) -> str | None:
    """The Paramiko version ``lockfile`` pins, or None when the project does not lock Paramiko."""
    package = lockfile.packages.get("paramiko")
    return package.version if package else None


def analyze_lock(path: Path, settings: Settings, progress: Progress) -> LockAnalysis:
    """Read the lockfile at ``path`` (project directory or lockfile) and check its SSH stack.

    Args:
        path: project directory or lockfile.
        settings: uses ``python_version`` (marker target), ``offline`` (lock + cache only) and
            ``ssh_stack_extra`` and ``open_ended``.
        progress: told about the metadata fetch.

    Returns:
        :class:`LockAnalysis` (see :func:`analyze_lockfile`).

    Raises:
        LockfileError: the lockfile or its pyproject cannot be read.
        ResolverError: uv could not fetch any metadata (online mode).
    """
    return analyze_lockfile(load_lockfile(path, python_version=settings.python_version), settings, progress)


def analyze_lockfile(lockfile: Lockfile, settings: Settings, progress: Progress) -> LockAnalysis:
    """Check the SSH stack of a parsed ``lockfile`` (``whatif`` hands in a new resolution this way).

    Args:
        lockfile: from :func:`auditor.sources.lockfiles.load_lockfile`, or a resolution presented as it.
        settings: as for :func:`analyze_lock`.
        progress: told about the metadata fetch.

    Returns:
        :class:`LockAnalysis`: package ranges and reports, findings of ``open-ended-range`` and
        ``breaking-release`` (sorted by severity, then package), and Skipped entries for every
        package that could not be evaluated (never a silent "clean").

    Raises:
        ResolverError: uv could not fetch any metadata (online mode).
    """
    env = target_environment(settings.python_version)
    stack = ssh_stack(settings.ssh_stack_extra, settings.open_ended)
    edges: dict[str, tuple[Constraint, ...]] = {
        name: pkg.constraints for name, pkg in lockfile.packages.items() if pkg.constraints is not None
    }
    unknown: dict[str, str] = {}
    notes: list[str] = []
    # Packages whose declared constraints the lock records (Poetry, PDM) need no metadata: each says so itself.
    pins = _needed_pins(lockfile, set(stack))
    if pins:
        result = requires_dist(pins, offline=settings.offline, progress=progress)
        wanted = {name for name, _ in pins} | set(stack) | set(edges)
        for (name, _version), requires in result.found.items():
            edges[name] = tuple(constraints_from_requires_dist(name, requires, file=lockfile.path.name, only=wanted))
        unknown.update((name, reason) for (name, _version), reason in result.missing.items())
        notes.append(f"requires-dist read for {len(result.found)} of {len(pins)} locked packages")
    ranges, skipped = compute_ranges(lockfile, stack, edges, unknown, env)
    findings: list[Finding] = run_rules(lock_context(lockfile, ranges))
    findings.sort(key=lambda f: (-f.severity.rank, f.package or "", f.rule))
    # Each unknown requires-dist is reported through the SSH-stack packages whose range it leaves open
    # (compute_ranges names the dependents and the reason); listed once more per pin it would repeat itself.
    skipped_all = list(skipped)
    return LockAnalysis(
        lockfile=lockfile,
        project=project_info(lockfile),
        ranges=tuple(ranges),
        packages=tuple(r.report() for r in ranges),
        findings=tuple(findings),
        skipped=tuple(skipped_all),
        notes=tuple(notes),
    )


__all__ = ["LockAnalysis", "PackageRange", "analyze_lock", "analyze_lockfile"]
