"""CSV inventories: columns ``name, host, port, jump`` (with that header, or in that order without one)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from auditor.model import Device
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
            InventoryError: a row with more cells than the header, or a bad host, port or jump.
        """
        rows = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(source.text)), start=1)]
        rows = [
            (n, row) for n, row in rows if any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
        ]
        columns: list[str] = list(COLUMNS)
        if rows and "host" in [cell.strip().lower() for cell in rows[0][1]]:
            columns = [cell.strip().lower() for cell in rows[0][1]]
            rows = rows[1:]
        devices = []
        for number, row in rows:
            if len(row) > len(columns):
                raise fail(source.path, number, f"{len(row)} columns, the header has {len(columns)}")
            entry = {columns[i]: cell.strip() for i, cell in enumerate(row)}
            devices.append(fields.device_from_mapping(source.path, number, entry))
        return devices
