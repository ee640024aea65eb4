"""The inventory formats sshdrift reads, and detection: which format a file is in.

Adding a format: one module beside this one implementing :class:`~.interface.InventoryFormat`, one entry here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from auditor.sources.inventories.ansible import AnsibleInventoryFormat
from auditor.sources.inventories.csv_table import CsvInventory
from auditor.sources.inventories.interface import InventoryFormat, InventorySource
from auditor.sources.inventories.netmiko import NetmikoInventory
from auditor.sources.inventories.nornir import NornirInventory
from auditor.sources.inventories.text import TextInventory
from auditor.sources.inventories.yaml_list import YamlInventory

TEXT = TextInventory()
YAML = YamlInventory()
CSV = CsvInventory()
ANSIBLE = AnsibleInventoryFormat()
NORNIR = NornirInventory()
NETMIKO = NetmikoInventory()

REGISTRY: Mapping[str, InventoryFormat] = {fmt.name: fmt for fmt in (TEXT, YAML, CSV, ANSIBLE, NORNIR, NETMIKO)}
"""Each format by its ``--inventory-format`` name, in the order the help and errors list them."""

_DETECTION_ORDER: tuple[InventoryFormat, ...] = (ANSIBLE, CSV, NETMIKO, NORNIR, YAML, TEXT)
"""The order detection asks formats in: the first to claim a file wins. Ansible comes before CSV (an INI line's
``ProxyJump=gw1,gw2`` has commas), netmiko and Nornir before plain YAML (which claims any document)."""

_YAML_START = re.compile(r"^[\w.-]+:\s*$")


def detect(source: InventorySource) -> InventoryFormat:
    """The format of ``source``: by its file name, then (unless named as YAML) by its text, then by its YAML document.

    A file that is not named as YAML and does not begin like YAML (``-``, ``---``, ``{``, ``name:``) and that no
    format claims by its text is plain text.

    Raises:
        InventoryError: the file had to be parsed as YAML to decide, and is not valid YAML.
    """
    for fmt in _DETECTION_ORDER:
        if fmt.claims_name(source.path):
            return fmt
    if not source.yaml_named:
        for fmt in _DETECTION_ORDER:
            if fmt.claims_text(source):
                return fmt
        if not _begins_like_yaml(source):
            return TEXT
    document = source.document()
    return next(fmt for fmt in _DETECTION_ORDER if fmt.claims_document(source.path, document))


def _begins_like_yaml(source: InventorySource) -> bool:
    first = source.lines[0] if source.lines else ""
    return first.startswith(("-", "---", "{")) or bool(_YAML_START.match(first))
