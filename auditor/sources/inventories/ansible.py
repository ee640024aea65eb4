"""Ansible inventories, INI or YAML, read as one format.

Groups, ``children``, ``vars``, ``ansible_host``, ``ansible_port``, and a ProxyJump (``-o ProxyJump=...``,
``-J ...`` or a ``ProxyCommand`` with ``-W %h:%p``) in ``ansible_ssh_common_args`` / ``ansible_ssh_extra_args``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.device_model import Device
from auditor.sources.inventories.ansible_ini import parse_ini
from auditor.sources.inventories.ansible_yaml import parse_yaml
from auditor.sources.inventories.interface import InventoryFormat, InventorySource

_INI_GROUP_HEADER = re.compile(r"^\[[^\]\d:][^\]]*\]$")
"""``[routers]``, ``[routers:vars]``; not ``[2001:db8::1]:22`` nor ``[10.0.0.1]``."""


class AnsibleInventoryFormat(InventoryFormat):
    """Ansible's ``ini`` and ``yaml`` inventory plugins' files (one format: ``--inventory-format ansible``)."""

    name = "ansible"

    def claims_text(self, source: InventorySource) -> bool:
        """An INI group header, or an ``ansible_`` variable on any line."""
        return any(_INI_GROUP_HEADER.match(line) or "ansible_" in line for line in source.lines)

    def claims_document(self, path: Path, document: Any) -> bool:
        """A mapping with an ``all:`` group, or with a group holding ``hosts`` or ``children``."""
        if not isinstance(document, Mapping):
            return False
        if "all" in document and (document["all"] is None or isinstance(document["all"], Mapping)):
            return True
        return any(isinstance(v, Mapping) and ("hosts" in v or "children" in v) for v in document.values())

    def read(self, source: InventorySource) -> list[Device]:
        """One device per host; YAML when detection parsed it as such or it looks like YAML, else INI.

        Raises:
            InventoryError: a bad section, group, host line, address, port or jump (naming the line).
        """
        if source.parsed or _looks_like_yaml(source):
            inventory = parse_yaml(source.path, source.document())
        else:
            inventory = parse_ini(source.path, source.text)
        return inventory.devices(source.path)


def _looks_like_yaml(source: InventorySource) -> bool:
    first = next((ln.strip() for ln in source.text.splitlines() if ln.strip() and not ln.strip().startswith("#")), "")
    return source.yaml_named or first.startswith(("---", "all:", "{")) or first.endswith(":")
