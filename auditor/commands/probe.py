"""``sshdrift probe INVENTORY``: read each device's SSH offer and prove the chosen Paramiko can negotiate."""

from __future__ import annotations

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
            ``ssh_config``, ``known_hosts``, ``jump_key``, ``save_kexinit``, ...).
        progress: the CLI's progress display.

    Returns:
        The ``probe`` report (:func:`auditor.engine.probe.probe_report`).

    Raises:
        InventoryError: the inventory cannot be read or has a bad entry (exit 3).
        ConfigError, ResolverError, UsageError, LockfileError: the Paramiko asked for cannot be found
            or installed, or an ssh_config / known_hosts file is bad.
    """
    return engine.run(engine.ProbeRequest(inventory), settings, progress)
