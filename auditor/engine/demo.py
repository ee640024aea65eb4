"""The ``demo`` report: the whole job on embedded defaults, offline.

The demo replays the incident of DESIGN.md on a fresh machine: a bundled real ``uv.lock`` of a
netmiko 4.4.0 project (netmiko declares ``paramiko>=2.9.5``, so the lock already pulled Paramiko
5.x) is audited; the emulated device lab (:mod:`auditor.lab`: classic IOS 15, an ssh-rsa-only
NX-OS, IOS-XE 17.12, Dropbear 2022.83) is started on loopback and probed with the LOCKED
Paramiko, verified by real handshakes; and the fix is computed, not written: the upper bound that
keeps every device reachable (:mod:`auditor.analysis.device_bound`) and the release uv would then
lock, predicted for each device.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.analysis.device_bound import FixPlan, plan_fix
from auditor.analysis.fix import fix_lockfile
from auditor.analysis.lock import LockAnalysis, analyze_lock
from auditor.analysis.rule_context import probe_findings
from auditor.device_model import DeviceResult
from auditor.errors import AuditorError, ResolverError
from auditor.lab import Lab, LabDevice
from auditor.model import Finding, ProjectInfo, Report
from auditor.probe.service import probe_devices
from auditor.progress import Progress
from auditor.report_parts import DemoFix, Edit, LabEntry
from auditor.settings import Settings
from auditor.sources import metadata

DEMO_PROJECT = Path(__file__).resolve().parents[1] / "demo_data" / "netmiko-4.4.0"
"""Package data: ``pyproject.toml``, ``uv.lock`` and ``metadata.json`` (see ``scripts/make_demo_data.py``)."""

DEMO_FILES = ("pyproject.toml", "uv.lock")
"""What is copied into the temporary project the demo audits."""


def demo_report(settings: Settings, progress: Progress) -> Report:
    """Audit the bundled netmiko 4.4.0 lock, probe the emulated lab with its Paramiko, and compute the fix.

    Works offline: the lock audit reads requires-dist from the bundled snapshot, the vulnerability
    rule is skipped (it needs the online service), and the handshakes run in our own interpreter
    when its Paramiko is the locked one (else in a uv-made environment; when that cannot be made,
    the outcome is predicted from data only and a note says so).

    Args:
        settings: ``format``/``output``/``fail_on`` are the CLI's; ``verify`` (``--no-verify``) and
            ``timeout`` apply to the probe. Everything else is the demo's own.
        progress: told about the lock audit and the probe.

    Returns:
        One :class:`Report` (``command="demo"``): the lock findings, the device results for the
        locked Paramiko and their findings, the lab, the computed fix, and notes naming the fix
        and what it would give.

    Raises:
        AuditorError: the bundled data is missing or unreadable (a broken installation), or the lab
            cannot start.
    """
    missing = [name for name in DEMO_FILES if not (DEMO_PROJECT / name).is_file()]
    if missing:
        raise AuditorError(f"{DEMO_PROJECT}: the bundled demo project lacks {', '.join(missing)}; reinstall sshdrift")
    lab = Lab()
    # Host keys and listeners come up in the background while the lock is audited.
    with tempfile.TemporaryDirectory(prefix="sshdrift-demo-") as tmp, ThreadPoolExecutor(1) as pool:
        starting = pool.submit(lab.start)
        try:
            work = Path(tmp)
            project, cache = _copy_project(work)
            lock_settings = replace(
                settings,
                offline=True,
                vulnerabilities=False,
                fleet=None,
                ssh_config=(),
                ansible_cfg=None,
                project=project,
            )
            analysis, locked = _audit_lock(project, cache, lock_settings, progress)
            probe_settings = _probe_settings(work, lock_settings, settings.timeout)
            starting.result()
            lab_devices = lab.running
            results, device_findings, probe_notes = _probe(lab.devices, locked, probe_settings, progress)
        finally:
            starting.exception()  # wait for the start to finish (or fail) before stopping
            lab.stop()
        paramiko_report = next((p for p in analysis.packages if p.name == "paramiko"), None)
        plan = plan_fix(paramiko_report, locked, results)
        fix_notes, demo_fix = _fix_notes(plan, analysis, lock_settings, progress)

    notes = [
        'demo project: netops-provisioning, dependencies = ["netmiko==4.4.0"], locked with uv '
        f"(bundled {DEMO_PROJECT.name}/uv.lock, paramiko {locked})",
        *analysis.notes,
        "emulated devices on 127.0.0.1 (asyncssh, lists from device-profiles.md): "
        + "; ".join(f"{d.profile.name} = {d.profile.title} ({d.profile.banner})" for d in lab_devices),
        *probe_notes,
        *fix_notes,
        "vulnerability checks are off in the demo (they need the online service): "
        "run 'sshdrift audit' on your project for them",
    ]
    lockfile = analysis.lockfile
    return Report(
        command="demo",
        project=ProjectInfo(path=str(DEMO_PROJECT), lockfile=lockfile.path.name, format=lockfile.format),
        packages=tuple(analysis.packages),
        findings=(*analysis.findings, *device_findings),
        devices=tuple(results),
        skipped=tuple(analysis.skipped),
        notes=tuple(notes),
        paramiko=locked,
        lab=tuple(_lab_entry(d) for d in lab_devices),
        demo_fix=demo_fix,
    )


def _copy_project(work: Path) -> tuple[Path, Path]:
    """The bundled project copied under ``work``, and a metadata cache seeded from its snapshot."""
    project = work / "netops-provisioning"
    project.mkdir()
    for name in DEMO_FILES:
        shutil.copyfile(DEMO_PROJECT / name, project / name)
    return project, _seed_metadata_cache(work / "cache")


def _audit_lock(project: Path, cache: Path, settings: Settings, progress: Progress) -> tuple[LockAnalysis, str]:
    """The lock analysis of the copied project (requires-dist from ``cache``) and the Paramiko it pins."""
    with _cache_dir(cache):
        analysis = analyze_lock(project, settings, progress)
    locked = analysis.lockfile.packages.get("paramiko")
    if locked is None:
        raise AuditorError(f"{DEMO_PROJECT / 'uv.lock'}: the bundled lock pins no paramiko; reinstall sshdrift")
    return analysis, locked.version


def _probe_settings(work: Path, settings: Settings, timeout: float) -> Settings:
    """The probe's settings: an empty known_hosts (the lab's keys are new every run), at most 10 s per device."""
    known_hosts = work / "known_hosts"
    known_hosts.write_text("", encoding="utf-8")
    return replace(
        settings,
        known_hosts=known_hosts,
        shard=None,
        save_kexinit=None,
        jump_key=None,
        python=None,
        timeout=min(timeout, 10.0),
    )


def _lab_entry(device: LabDevice) -> LabEntry:
    return LabEntry(
        name=device.profile.name,
        host=device.host,
        port=device.port,
        profile=device.profile.id,
        banner=device.profile.banner,
    )


def _seed_metadata_cache(root: Path) -> Path:
    """Write the bundled requires-dist snapshot into a cache directory laid out as :mod:`auditor.sources.metadata` reads it.

    That module caches one JSON file per (name, version) under ``$SSHDRIFT_CACHE_DIR/requires-dist``;
    ``metadata.json`` (every package of the bundled lock) is written there in that format, so the
    lock audit needs no index and never touches the user's own cache.

    Returns:
        ``root``, to hand to :func:`_cache_dir`.

    Raises:
        AuditorError: the snapshot is missing or malformed (a broken installation).
    """
    snapshot = DEMO_PROJECT / "metadata.json"
    try:
        packages = json.loads(snapshot.read_text(encoding="utf-8"))["packages"]
        entries = [(canonicalize_name(p["name"]), str(p["version"]), list(p["requires_dist"])) for p in packages]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AuditorError(
            f"{snapshot}: cannot read the bundled metadata snapshot ({exc}); reinstall sshdrift"
        ) from exc
    with _cache_dir(root):
        directory = metadata.cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    for name, version, requires in entries:
        payload = {"format": metadata.CACHE_FORMAT, "name": name, "version": version, "requires_dist": requires}
        (directory / f"{name}-{version}.json").write_text(json.dumps(payload) + "\n", encoding="utf-8")
    return root


@contextlib.contextmanager
def _cache_dir(root: Path) -> Iterator[None]:
    """Point ``$SSHDRIFT_CACHE_DIR`` at ``root`` for the lock audit only.

    The Paramiko environments of the probe keep using the user's real cache, so the variable is
    restored as soon as the block ends (the demo runs the lock audit on the main thread, with no
    other thread reading it meanwhile).
    """
    previous = os.environ.get("SSHDRIFT_CACHE_DIR")
    os.environ["SSHDRIFT_CACHE_DIR"] = str(root)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SSHDRIFT_CACHE_DIR", None)
        else:
            os.environ["SSHDRIFT_CACHE_DIR"] = previous


def _installed_paramiko() -> str | None:
    """The Paramiko version installed beside sshdrift (read from its metadata, without importing it)."""
    try:
        return importlib.metadata.version("paramiko")
    except importlib.metadata.PackageNotFoundError:
        return None


def _probe(
    devices: Sequence[Any], locked: str, settings: Settings, progress: Progress
) -> tuple[list[DeviceResult], list[Finding], list[str]]:
    """Probe the lab with the locked Paramiko: our interpreter when it holds that version, else a uv env."""
    # Zero downloads when sshdrift's own environment already holds the locked release.
    spec = "installed" if settings.verify and _installed_paramiko() == locked else locked
    how = "this interpreter" if spec == "installed" else "a uv-made environment"
    source = "the locked version"
    try:
        results = probe_devices(devices, settings, progress, paramiko=spec, source=source)
    except ResolverError as exc:
        if not settings.verify:
            raise
        unverified = replace(settings, verify=False)
        results = probe_devices(devices, unverified, progress, paramiko=locked, source=source)
        return (
            results,
            probe_findings(results, unverified),
            [f"paramiko {locked}: predicted from data only, no handshake ({exc.message})"],
        )
    findings = probe_findings(results, settings)
    if not settings.verify:
        return results, findings, [f"paramiko {locked}: predicted from data only (--no-verify)"]
    return results, findings, [f"paramiko {locked} (the locked version) verified by real handshakes in {how}"]


def _fix_notes(
    plan: FixPlan | str, analysis: LockAnalysis, settings: Settings, progress: Progress
) -> tuple[list[str], DemoFix | None]:
    """Notes and the ``fix`` JSON member: what ``sshdrift fix --below paramiko=N --dry-run`` really changes.

    The fix runs on the temporary copy of the demo project in dry-run mode (nothing is written);
    when it cannot run, the planned bound alone is reported.
    """
    if isinstance(plan, str):
        return [plan], None
    below = plan.bound.lstrip("<")
    command = f"sshdrift fix --below paramiko={below}"
    edits, diff = _dry_fix(analysis, f"paramiko={below}", settings, progress)
    if edits:
        added = ", ".join(f"{e.package}{e.bound}" for e in edits)
        places = sorted({f"{e.file} {e.place}" for e in edits})
        first = f"fix: '{command}' adds {added} to {' and '.join(places)}"
    else:
        first = f"fix: '{command}' adds paramiko{plan.bound} to [tool.uv] constraint-dependencies"
    if plan.declared:
        first += f" (paramiko declared today: {plan.declared})"
    outcomes = "; ".join(
        f"{name}: {n.kex} / {n.host_key}" if n is not None else f"{name}: fails" for name, n in plan.outcomes
    )
    reach = (
        f"all {len(plan.outcomes)} devices"
        if all(n is not None for _, n in plan.outcomes)
        else "only some of the devices"
    )
    notes = [
        first,
        f"then 'uv lock' picks paramiko {plan.target} (the newest release {plan.bound} in sshdrift's data), "
        f"which negotiates with {reach} (predicted): {outcomes}",
    ]
    return notes, DemoFix(command, f"paramiko{plan.bound}", plan.target, edits, diff)


def _dry_fix(
    analysis: LockAnalysis, below: str, settings: Settings, progress: Progress
) -> tuple[tuple[Edit, ...], str]:
    """The edits and diff ``sshdrift fix --below BELOW --dry-run`` gives on the demo project; none when it cannot."""
    try:
        outcome = fix_lockfile(
            analysis.lockfile,
            analysis.findings,
            analysis.packages,
            below=below,
            dry_run=True,
            relock=False,
            offline=settings.offline,
            python_version=settings.python_version,
            progress=progress,
        )
    except AuditorError:
        return (), ""
    return outcome.edits, outcome.diff
