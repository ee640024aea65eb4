"""The devices of a run: the inventory read, sliced and ProxyJump filled in; probed or predicted from a snapshot.

``probe``, ``audit`` and ``whatif`` share these steps, so the same ``--shard`` slice and ProxyJump
apply to each and their sharded reports merge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.analysis.fleet import fleet_client_results, fleet_results
from auditor.analysis.project_clients import select_clients
from auditor.analysis.rule_context import probe_findings
from auditor.device_model import Device, DeviceResult, Verdict
from auditor.model import Finding, Lockfile, Skipped
from auditor.probe.narrowing import Narrowing
from auditor.probe.service import probe_devices
from auditor.progress import Progress
from auditor.settings import Settings, one_device_source
from auditor.sources.inventories import load_inventory, shard
from auditor.sources.ssh_config import ProxyJumps

if TYPE_CHECKING:
    from auditor.probe.code_options import ClientCodeOptions


def inventory_devices(inventory: Path, settings: Settings) -> list[Device]:
    """The devices of ``inventory`` a probe or audit run covers: read, sliced, ProxyJump filled in.

    ``probe`` and ``audit`` both call this, so the same ``--shard`` slice and ProxyJump apply to
    either and their sharded reports merge.

    Args:
        inventory: an inventory file (format from ``settings.inventory_format`` or detected).
        settings: ``inventory_format``, ``shard`` (``(K, N)``: only slice K of N, see
            :func:`auditor.sources.inventories.shard`) and ``ssh_config`` (see :func:`with_proxy_jumps`).

    Returns:
        The devices, in inventory order.

    Raises:
        InventoryError: the inventory cannot be read or has a bad entry (exit 3).
        UsageError: a bad ``--shard``. ConfigError: an unreadable ssh_config file.
    """
    devices = load_inventory(inventory, fmt=settings.inventory_format)
    if settings.shard is not None:
        devices = shard(devices, *settings.shard)
    return with_proxy_jumps(devices, settings.ssh_config)


def with_proxy_jumps(devices: Sequence[Device], ssh_config: Sequence[Path]) -> list[Device]:
    """Devices with ``jumps`` filled from the ``ProxyJump`` chain that ``ssh_config`` files give their host.

    An inventory's own ``jump`` wins; a device is looked up by its name, then by its host.
    :class:`auditor.sources.ssh_config.ProxyJumps` does the matching (ssh_config(5) ``Host`` patterns,
    ``Match host``, ``Include``) and keeps the whole chain.

    Args:
        devices: the inventory's devices.
        ssh_config: ssh_config files, first match wins as in ssh_config(5); empty: no change.

    Returns:
        A new list, one device per input device, in order.

    Raises:
        ConfigError: an ssh_config file cannot be read.
    """
    if not ssh_config:
        return list(devices)
    jumps = ProxyJumps(list(ssh_config))
    out = []
    for device in devices:
        chain: tuple[str, ...] = ()
        if not device.jumps:
            chain = jumps.chain(device.name) or (jumps.chain(device.host) if device.host != device.name else ())
        out.append(replace(device, jump=None, jumps=chain) if chain else device)
    return out


def device_checks(
    inventory: Path | None,
    paramiko: str | None,
    settings: Settings,
    progress: Progress,
    *,
    why: str,
    lockfile: Lockfile | None = None,
    narrowings: Sequence[Narrowing] = (),
    lock_label: str | None = None,
    code_options: Mapping[str, ClientCodeOptions] | None = None,
) -> tuple[list[DeviceResult], list[Finding], list[str], list[Skipped]]:
    """Probe ``inventory`` (or predict against ``settings.fleet``) for one Paramiko release, or the lock's clients.

    Args:
        inventory: the inventory to probe live, or None.
        paramiko: the exact Paramiko release to verify with; None when the resolution has none.
        settings: ``fleet``, ``verify``, ``timeout``, ``inventory_format``, ``shard``, ``ssh_config``
            (ProxyJump), ... for the probe, as :func:`auditor.analysis.devices.inventory_devices` uses them.
        progress: the probe's progress callback.
        why: how the version was chosen, for the note (``"the version uv.lock pins"``).
        lockfile: the project's lockfile: a live probe then judges every client it brings in
            (:func:`probe_project_clients`; ``--client`` overrides), not only ``paramiko``.
        narrowings: the project's code's ``disabled_algorithms``, applied to a live probe's predictions and
            handshakes (:func:`auditor.probe.service.probe_devices`).
        lock_label: how verdicts name ``lockfile`` (default its file name; ``whatif``: the new resolution).
        code_options: the algorithm keywords the project's code passes each client
            (:func:`auditor.probe.code_options.all_code_options`), for the lock's clients.

    Returns:
        ``(device results, findings, notes, skipped)``.

    Raises:
        UsageError: both an inventory and ``--fleet``. InventoryError: a bad inventory or snapshot.
        ResolverError: uv could not make the Paramiko environment.
    """
    one_device_source(inventory, settings.fleet)
    if inventory is None and settings.fleet is None:
        return [], [], ["no --devices or --fleet given: lock checks only"], []
    if lockfile is not None and inventory is not None and settings.fleet is None:
        return _lock_clients(inventory, lockfile, settings, progress, narrowings, lock_label, code_options)
    if lockfile is not None and settings.fleet is not None:
        return _fleet_clients(settings.fleet, lockfile, settings, progress, lock_label, code_options)
    if paramiko is None:
        subject = str(inventory or settings.fleet)
        return [], [], [], [Skipped(subject, "the resolution holds no paramiko, so there is nothing to negotiate with")]
    if settings.fleet is not None:
        results, findings, note = fleet_results(settings.fleet, paramiko)
        return results, findings, [note, f"predicted for paramiko {paramiko} ({why})"], []
    assert inventory is not None
    # The same slice (--shard) and ProxyJump (--ssh-config) as `sshdrift probe`, so sharded audits merge.
    devices = inventory_devices(inventory, settings)
    results = probe_devices(devices, settings, progress, paramiko=paramiko, source=why, narrowings=narrowings)
    findings = probe_findings(results, settings)
    how = (
        "verified by real handshakes in a uv-made environment of that release"
        if settings.verify
        else "predicted only (--no-verify)"
    )
    return list(results), list(findings), [f"probed with paramiko {paramiko} ({why}); {how}"], []


def _lock_clients(
    inventory: Path,
    lockfile: Lockfile,
    settings: Settings,
    progress: Progress,
    narrowings: Sequence[Narrowing] = (),
    lock_label: str | None = None,
    code_options: Mapping[str, ClientCodeOptions] | None = None,
) -> tuple[list[DeviceResult], list[Finding], list[str], list[Skipped]]:
    """:func:`device_checks` for a live probe with every client ``lockfile`` brings in (``audit``)."""
    # audit judges the lock's own releases: [tool.sshdrift] paramiko is a probe what-if, not an audit input.
    settings = replace(settings, paramiko="auto")
    devices = inventory_devices(inventory, settings)
    results, skipped, notes = probe_project_clients(
        devices,
        settings,
        progress,
        lockfile,
        fallback=None,
        narrowings=narrowings,
        lock_label=lock_label,
        code_options=code_options,
    )
    if not results and not skipped:
        reason = "the resolution holds no SSH client (paramiko, asyncssh, ...), so there is nothing to negotiate with"
        return [], [], [], [Skipped(str(inventory), reason)]
    return results, list(probe_findings(results, settings)), notes, skipped


def _fleet_clients(
    snapshot: Path,
    lockfile: Lockfile,
    settings: Settings,
    progress: Progress,
    lock_label: str | None = None,
    code_options: Mapping[str, ClientCodeOptions] | None = None,
) -> tuple[list[DeviceResult], list[Finding], list[str], list[Skipped]]:
    """:func:`device_checks` against a fleet snapshot with every client ``lockfile`` brings in, predicted only."""
    selection = select_clients(replace(settings, paramiko="auto"), lockfile, fallback=None, lock_label=lock_label)
    if not selection.judges:
        reason = "the resolution holds no SSH client (paramiko, asyncssh, ...), so there is nothing to negotiate with"
        return [], [], [], [*selection.skipped, Skipped(str(snapshot), reason)]
    results, findings, note, not_settled = fleet_client_results(
        snapshot, settings, progress, selection.judges, code_options
    )
    return results, findings, [note, *client_notes(results)], [*selection.skipped, *not_settled]


def probe_project_clients(
    devices: Sequence[Device],
    settings: Settings,
    progress: Progress,
    lockfile: Lockfile | None,
    *,
    fallback: str | None = "paramiko",
    narrowings: Sequence[Narrowing] = (),
    lock_label: str | None = None,
    code_options: Mapping[str, ClientCodeOptions] | None = None,
) -> tuple[list[DeviceResult], list[Skipped], list[str]]:
    """Probe ``devices`` with the clients the project runs (issue 9 item 1).

    Which clients and releases: :func:`auditor.analysis.project_clients.select_clients` (``--client``,
    else the lock's clients at their locked releases, else ``fallback`` as installed in ``--python`` or
    in sshdrift's own environment).

    Args:
        devices: the devices of the run.
        settings: the probe's settings (``clients``, ``paramiko``, ``python``, ``verify``, ...).
        progress: the probe's progress callback.
        lockfile: the project's lockfile, or None when there is none.
        fallback: the client to judge when nothing else names one; None: judge none (then no results).
        narrowings: the project's code's ``disabled_algorithms`` (see :func:`auditor.probe.service.probe_devices`).
        lock_label: how verdicts name ``lockfile`` (default its file name).
        code_options: the algorithm keywords the project's code passes each client (see
            :func:`auditor.probe.service.probe_devices`).

    Returns:
        ``(results, skipped, notes)``: one result per device with a verdict per judged client, a
        :class:`Skipped` per client the project uses that sshdrift cannot judge yet, and one note per
        judged client naming its release, backend and where the choice came from.

    Raises:
        UsageError: an unknown ``--client``. AuditorError: as :func:`auditor.probe.service.probe_devices`.
    """
    selection = select_clients(settings, lockfile, fallback=fallback, lock_label=lock_label)
    if not selection.judges:
        return [], list(selection.skipped), []
    results = probe_devices(
        devices, settings, progress, judges=selection.judges, narrowings=narrowings, code_options=code_options
    )
    return results, list(selection.skipped), client_notes(results)


def client_notes(results: Sequence[DeviceResult]) -> list[str]:
    """One note per client (and per way the code configures it) that judged ``results``.

    Args:
        results: the run's device results.

    Returns:
        E.g. ``judged with paramiko 3.5.1 (bcrypt 4.2.0, cryptography 44.0.0) from uv.lock (netmiko → paramiko)``,
        in the order the clients first appear.
    """
    verdicts: dict[tuple[str, str], Verdict] = {}
    for result in results:
        for verdict in result.judged:
            verdicts.setdefault((verdict.client, verdict.variant), verdict)
    notes = []
    for verdict in verdicts.values():
        backend = f" ({', '.join(f'{name} {version}' for name, version in verdict.backend)})" if verdict.backend else ""
        source = f" from {verdict.source}" if verdict.source else ""
        notes.append(f"judged with {verdict.client} {verdict.version}{backend}{source}")
    return notes
