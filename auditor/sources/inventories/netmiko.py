"""netmiko-style device dictionaries (``device_type``, ``host`` or ``ip``, ``port``).

A list of them or a ``name: {...}`` mapping.

The keys are ``ConnectHandler``'s keyword arguments; only the address, port, jump and ``device_type`` are read,
never the credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.device_model import Device
from auditor.sources.inventories import fields
from auditor.sources.inventories.interface import InventoryFormat, InventorySource
from auditor.sources.inventories.yaml_lines import device_entries


class NetmikoInventory(InventoryFormat):
    """Device dictionaries as netmiko's ``ConnectHandler(**device)`` takes them."""

    name = "netmiko"

    def claims_document(self, path: Path, document: Any) -> bool:
        """A list or a mapping of device dictionaries, one of them with a ``device_type``."""
        if isinstance(document, Mapping):
            entries = list(document.values())
        elif isinstance(document, list):
            entries = document
        else:
            return False
        return any(isinstance(entry, Mapping) and "device_type" in entry for entry in entries)

    def read(self, source: InventorySource) -> list[Device]:
        """One device per dictionary; ``ip`` is the address when ``host`` is absent (as in netmiko).

        Raises:
            InventoryError: invalid YAML, an entry that is not a mapping, a missing or bad host, port or jump.
        """
        devices = []
        for line, name, item in device_entries(source.path, source.document()):
            host_key = "ip" if "ip" in item and "host" not in item else "host"
            devices.append(fields.device_from_mapping(source.path, line, item, host_key=host_key, name=name))
        return devices
