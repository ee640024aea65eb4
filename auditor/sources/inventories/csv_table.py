"""CSV inventories: columns ``name, host, port, jump`` (with that header, or in that order without one).

A header may also name ``proxy_jump``, ``device_type`` and the credential columns other tools read (never read
here); any other column is refused with the closest known name.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from auditor.device_model import Device
from auditor.sources.inventories import fields
from auditor.sources.inventories.interface import InventoryFormat, InventorySource
from auditor.sources.inventories.yaml_lines import fail

COLUMNS = ("name", "host", "port", "jump")
"""The columns of a CSV without a header, in order."""


class CsvInventory(InventoryFormat):
    """A table of devices, one row each, ``#`` rows skipped (RFC 4180 quoting, read by :mod:`csv`)."""

    name = "csv"

    def claims_name(self, path: Path) -> bool:
        """``*.csv``."""
        return path.suffix.lower() == ".csv"

    def claims_text(self, source: InventorySource) -> bool:
        """Commas on each of the first three lines and a ``host`` column named on the first."""
        lines = source.lines
        return bool(lines) and all("," in line for line in lines[:3]) and "host" in lines[0].lower()

    def read(self, source: InventorySource) -> list[Device]:
        """One device per data row; the line of a row is its 1-based row number.

        Raises:
            InventoryError: a header column not in :data:`.fields.ENTRY_KEYS` (naming the closest known one), a
                row with more cells than the header, or a bad host, port or jump.
        """
        rows = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(source.text)), start=1)]
        rows = [
            (n, row) for n, row in rows if any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
        ]
        columns: list[str] = list(COLUMNS)
        if rows and _is_header(rows[0][1]):
            number, header = rows.pop(0)
            columns = [cell.strip().lower() for cell in header]
            fields.check_keys(source.path, {name: number for name in columns if name}, what="column")
        devices = []
        for number, row in rows:
            if len(row) > len(columns):
                raise fail(source.path, number, f"{len(row)} columns, the header has {len(columns)}")
            entry = {columns[i]: cell.strip() for i, cell in enumerate(row)}
            devices.append(fields.device_from_mapping(source.path, number, entry))
        return devices


_HEADER_WORDS = frozenset((*fields.ENTRY_KEYS, *fields.CREDENTIAL_KEYS, *fields.KEY_ALIASES))


def _is_header(row: list[str]) -> bool:
    """A first row naming at least one column we know (``host``, or another tool's ``hostname``) is a header."""
    return any(cell.strip().lower() in _HEADER_WORDS for cell in row)
