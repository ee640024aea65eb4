"""``sshdrift demo`` (the whole job on embedded defaults) and ``sshdrift lab`` (the emulated devices alone).

The demo replays the incident of DESIGN.md on a fresh machine, offline: a bundled real ``uv.lock``
of a netmiko 4.4.0 project (netmiko declares ``paramiko>=2.9.5``, so the lock already pulled
Paramiko 5.x) is audited; the emulated device lab (:mod:`auditor.lab`: classic IOS 15, an
ssh-rsa-only NX-OS, IOS-XE 17.12, Dropbear 2022.83) is started on loopback and probed with the
LOCKED Paramiko, verified by real handshakes; and the fix is computed, not written: the upper bound
that keeps every device reachable and the release uv would then lock, predicted for each device.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.analysis.device_bound import FixPlan, plan_fix
from auditor.analysis.lock import analyze_lock
from auditor.errors import AuditorError, ResolverError, UsageError
from auditor.fileio import write_atomic
from auditor.lab import DEFAULT_PROFILES, Lab
from auditor.model import DeviceResult, ProjectInfo, Report
from auditor.probe.service import probe_devices
from auditor.progress import Progress
from auditor.settings import Settings
from auditor.sources import metadata

DEMO_PROJECT = Path(__file__).resolve().parents[1] / "demo_data" / "netmiko-4.4.0"
"""Package data: ``pyproject.toml``, ``uv.lock`` and ``metadata.json`` (see ``scripts/make_demo_data.py``)."""

DEMO_FILES = ("pyproject.toml", "uv.lock")
"""What is copied into the temporary project the demo audits."""


def run_demo(settings: Settings, progress: Progress) -> Report:
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
        locked Paramiko and their findings, and notes naming the fix and what it would give.

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
            project = work / "netops-provisioning"
            project.mkdir()
            for name in DEMO_FILES:
                shutil.copyfile(DEMO_PROJECT / name, project / name)
            cache = _seed_metadata_cache(work / "cache")
            lock_settings = replace(
                settings,
                offline=True,
                vulnerabilities=False,
                fleet=None,
                ssh_config=(),
                ansible_cfg=None,
                project=project,
            )
            with _cache_dir(cache):
                analysis = analyze_lock(project, lock_settings, progress)
            locked = analysis.lockfile.packages.get("paramiko")
            if locked is None:
                raise AuditorError(f"{DEMO_PROJECT / 'uv.lock'}: the bundled lock pins no paramiko; reinstall sshdrift")

            known_hosts = work / "known_hosts"
            known_hosts.write_text("", encoding="utf-8")  # fresh lab keys every run: nothing to compare with
            probe_settings = replace(
                lock_settings,
                known_hosts=known_hosts,
                shard=None,
                save_kexinit=None,
                jump_key=None,
                python=None,
                timeout=min(settings.timeout, 10.0),
            )
            starting.result()
            lab_devices = lab.running
            results, device_findings, probe_notes = _probe(lab.devices, locked.version, probe_settings, progress)
        finally:
            starting.exception()  # wait for the start to finish (or fail) before stopping
            lab.stop()
        paramiko_report = next((p for p in analysis.packages if p.name == "paramiko"), None)
        plan = plan_fix(paramiko_report, locked.version, results)
        fix_notes, fix_extra = _fix_notes(plan, project, lock_settings, progress, cache)

    notes = [
        'demo project: netops-provisioning, dependencies = ["netmiko==4.4.0"], locked with uv '
        f"(bundled {DEMO_PROJECT.name}/uv.lock, paramiko {locked.version})",
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
        extra={
            "paramiko": locked.version,
            "lab": [
                {
                    "name": d.profile.name,
                    "host": d.host,
                    "port": d.port,
                    "profile": d.profile.id,
                    "banner": d.profile.banner,
                }
                for d in lab_devices
            ],
            "fix": fix_extra,
        },
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
) -> tuple[list[DeviceResult], list[Any], list[str]]:
    """Probe the lab with the locked Paramiko: our interpreter when it holds that version, else a uv env."""
    # Zero downloads when sshdrift's own environment already holds the locked release.
    spec = "installed" if settings.verify and _installed_paramiko() == locked else locked
    how = "this interpreter" if spec == "installed" else "a uv-made environment"
    try:
        results, findings = probe_devices(devices, settings, progress, paramiko=spec)
    except ResolverError as exc:
        if not settings.verify:
            raise
        results, findings = probe_devices(devices, replace(settings, verify=False), progress, paramiko=locked)
        return (
            results,
            findings,
            [f"paramiko {locked}: predicted from data only, no handshake ({exc.message})"],
        )
    if not settings.verify:
        return results, findings, [f"paramiko {locked}: predicted from data only (--no-verify)"]
    return results, findings, [f"paramiko {locked} (the locked version) verified by real handshakes in {how}"]


def _fix_notes(
    plan: FixPlan | str, project: Path, settings: Settings, progress: Progress, cache: Path
) -> tuple[list[str], dict[str, Any]]:
    """Notes and the ``fix`` JSON member: what ``sshdrift fix --below paramiko=N --dry-run`` really changes.

    The fix command runs on the temporary copy of the demo project in dry-run mode (nothing is
    written); when it cannot run, the planned bound alone is reported.
    """
    if isinstance(plan, str):
        return [plan], {}
    # A command calling a command, allowed by the import contract until fix planning moves to analysis/.
    from auditor.commands.fix import run_fix

    below = plan.bound.lstrip("<")
    command = f"sshdrift fix --below paramiko={below}"
    edits: list[dict[str, Any]] = []
    diff = ""
    try:
        with _cache_dir(cache):
            fixed = run_fix(project, f"paramiko={below}", True, False, settings, progress)
        edits = list(fixed.extra.get("edits", []))
        diff = str(fixed.extra.get("diff", ""))
    except AuditorError:
        pass
    if edits:
        added = ", ".join(f"{e['package']}{e['bound']}" for e in edits)
        places = sorted({f"{e['file']} {e['place']}" for e in edits})
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
    extra = {
        "command": command,
        "bound": f"paramiko{plan.bound}",
        "paramiko_after": plan.target,
        "edits": edits,
        "diff": diff,
    }
    return notes, extra


# --------------------------------------------------------------------------- sshdrift lab


def lab_inventory_yaml(devices: Sequence[Any]) -> str:
    """A netmiko-style YAML inventory (``name: {device_type, host, port}``) of running lab devices.

    Args:
        devices: :class:`auditor.lab.LabDevice` values.

    Returns:
        YAML text that :func:`auditor.sources.inventories.load_inventory` reads (format ``netmiko``).
    """
    import yaml  # start-up: PyYAML only for 'sshdrift lab --inventory'

    data = {d.profile.name: {"device_type": d.profile.device_type, "host": d.host, "port": d.port} for d in devices}
    header = (
        "# sshdrift lab: emulated devices on loopback (no credentials are accepted; only the handshake works).\n"
        "# Profiles: " + ", ".join(f"{d.profile.name}={d.profile.id}" for d in devices) + "\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False)


def lab_table(devices: Sequence[Any]) -> str:
    """Plain-text table of running lab devices: name, address, profile, banner."""
    rows = [("NAME", "ADDRESS", "PROFILE", "BANNER")]
    rows += [(d.profile.name, f"{d.host}:{d.port}", d.profile.id, d.profile.banner) for d in devices]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3] + "\n" for row in rows
    )


def run_lab(port: int, inventory: Path | None, *, ready: threading.Event | None = None) -> None:
    """Start the emulated lab on consecutive ports from ``port``, print it, and wait for Ctrl-C.

    Args:
        port: the first device's port (1-65535); the others follow. 0 picks free ports.
        inventory: when given, a netmiko-style YAML inventory of the devices is written there atomically.
        ready: set once the devices listen and the table is printed (for callers in other threads).

    Raises:
        UsageError: a port is taken or out of range (exit 2).
    """
    if port and not 1 <= port <= 65535 - len(DEFAULT_PROFILES) + 1:
        raise UsageError(f"--port {port}: must leave room for {len(DEFAULT_PROFILES)} consecutive ports below 65536")
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGTERM) if threading.current_thread() is threading.main_thread() else None
    with Lab(port=port) as lab:
        if inventory is not None:
            try:
                write_atomic(inventory, lab_inventory_yaml(lab.running))
            except OSError as exc:
                raise UsageError(f"{inventory}: cannot write the inventory ({exc.strerror or exc})") from exc
        out = sys.stdout
        out.write(lab_table(lab.running))
        if inventory is not None:
            out.write(f"\ninventory written to {inventory}\n")
            out.write(f"try: sshdrift probe {inventory} --paramiko 5.1.0\n")
        out.write("\nno credentials are accepted: only the banner, KEXINIT and key exchange work.\n")
        out.write("press Ctrl-C to stop.\n")
        out.flush()
        if previous is not None:
            # A service manager's SIGTERM stops the lab as cleanly as Ctrl-C.
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        if ready is not None:
            ready.set()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            out.write("stopping the lab\n")
            out.flush()
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
