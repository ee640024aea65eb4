"""The devices a ``probe`` or ``audit`` run covers: the inventory read, sliced, ProxyJump filled in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from auditor.model import Device
from auditor.settings import Settings
from auditor.sources.inventories import load_inventory, shard


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
    """Devices with ``jump`` filled from the ``ProxyJump`` that ``ssh_config`` files give their host.

    An inventory's own ``jump`` wins; a device is looked up by its name, then by its host.
    Paramiko's ``SSHConfig`` does the matching (ssh_config(5) ``Host`` patterns).

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
    # Start-up: Paramiko (and its cryptography) is imported only when ssh_config files are given.
    from auditor.probe.paramiko_glue import proxy_jump_for

    out = []
    for device in devices:
        jump = None
        if device.jump is None:
            jump = proxy_jump_for(device.name, ssh_config) or (
                proxy_jump_for(device.host, ssh_config) if device.host != device.name else None
            )
        out.append(replace(device, jump=jump) if jump else device)
    return out
