"""``sshdrift lab``: the demo's emulated devices alone, on loopback, until Ctrl-C.

Not a report: the command prints the devices (and writes an inventory of them) so a user can try
their own pipelines against them.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.errors import UsageError
from auditor.fileio import write_atomic
from auditor.lab import DEFAULT_PROFILES, Lab


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
