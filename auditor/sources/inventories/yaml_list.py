"""Plain YAML inventories: ``name, host, port, jump`` entries.

A list of them, a ``devices:`` list, or a ``name: {...}`` mapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.device_model import Device
from auditor.sources.inventories import fields
from auditor.sources.inventories.interface import InventoryFormat, InventorySource
from auditor.sources.inventories.yaml_lines import device_entries, line_of


class YamlInventory(InventoryFormat):
    """sshdrift's own YAML shape; what a YAML document no other format claims is read as."""

    name = "yaml"

    def claims_document(self, path: Path, document: Any) -> bool:
        """Any YAML document (the registry asks this format last)."""
        return True

    def read(self, source: InventorySource) -> list[Device]:
        """One device per entry, named by ``name`` (or its mapping key), else by its host.

        Raises:
            InventoryError: invalid YAML, an entry that is not a mapping, a key not in :data:`.fields.ENTRY_KEYS`
                (naming its line and the closest known key), a missing or bad host, port or jump.
        """
        devices = []
        for line, name, item in device_entries(source.path, source.document()):
            fields.check_keys(source.path, {key: line_of(item, key, line) for key in item})
            devices.append(fields.device_from_mapping(source.path, line, item, name=name))
        return devices
