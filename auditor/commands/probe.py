"""``sshdrift probe INVENTORY``: read each device's SSH offer and prove the chosen Paramiko can negotiate."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor import engine
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_probe(inventory: Path, settings: Settings, progress: Progress) -> Report:
    """Probe every device of ``inventory`` with the Paramiko ``settings.paramiko`` names.

    Args:
        inventory: an inventory file (text, YAML/CSV, Ansible, Nornir, netmiko list).
        settings: all options (``paramiko``, ``verify``, ``timeout``, ``concurrency``, ``shard``,
            ``ssh_config``, ``known_hosts``, ``jump_key``, ``save_kexinit``, ...); with
            ``write_known_hosts`` the verified host keys are merged into that file afterwards
            (:mod:`auditor.probe.known_hosts_file`, a note says what was written).
        progress: the CLI's progress display.

    Returns:
        The ``probe`` report (:func:`auditor.engine.probe.probe_report`).

    Raises:
        InventoryError: the inventory cannot be read or has a bad entry (exit 3).
        ConfigError, ResolverError, UsageError, LockfileError: the Paramiko asked for cannot be found
            or installed, an ssh_config / known_hosts file is bad, or ``--write-known-hosts`` cannot be
            written (checked before any device is probed where it can be).
    """
    path_to_write = settings.write_known_hosts
    if path_to_write is None:
        return engine.run(engine.ProbeRequest(inventory), settings, progress)
    from auditor.probe.known_hosts_file import prepare, write_known_hosts

    settings = prepare(settings)
    report = engine.run(engine.ProbeRequest(inventory), settings, progress)
    notes = write_known_hosts(path_to_write, report.devices)
    return replace(report, notes=(*report.notes, *notes))
