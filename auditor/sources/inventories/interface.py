"""The one interface every inventory format implements (pip-audit's ``interface.py`` idea).

A format is one module beside this one; :mod:`auditor.sources.inventories.registry` lists them and asks them,
in turn, whether a file is theirs.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from auditor.device_model import Device
from auditor.sources.inventories.yaml_lines import load_yaml

YAML_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
"""File suffixes read as YAML whatever the content (JSON is YAML 1.1 for these documents)."""

_UNPARSED: Any = object()
"""Marks "not parsed as YAML yet" (``None`` is a valid parse: an empty document)."""


@dataclass
class InventorySource:
    """An inventory file as read: its path, its text, and its YAML parse made once, on first demand.

    Detection may parse the file to decide its format; the chosen format then reuses that parse.
    """

    path: Path
    text: str
    _document: Any = field(default=_UNPARSED, repr=False)

    @property
    def yaml_named(self) -> bool:
        """True when the file name says YAML (``.yaml``, ``.yml``, ``.json``)."""
        return self.path.suffix.lower() in YAML_SUFFIXES

    @property
    def parsed(self) -> bool:
        """True once :meth:`document` has parsed the text."""
        return self._document is not _UNPARSED

    @cached_property
    def lines(self) -> list[str]:
        """The stripped lines that carry content: no blank lines, no ``#`` or ``;`` comment lines."""
        stripped = (line.strip() for line in self.text.splitlines())
        return [line for line in stripped if line and not line.startswith(("#", ";"))]

    def document(self) -> Any:
        """The text parsed as YAML (mappings with line numbers, see :mod:`.yaml_lines`), parsed once.

        Raises:
            InventoryError: the text is not valid YAML.
        """
        if self._document is _UNPARSED:
            self._document = load_yaml(self.path, self.text)
        return self._document


class InventoryFormat(abc.ABC):
    """One inventory format: its name for ``--inventory-format``, how it recognises a file, how it reads one.

    Detection asks every format in the registry's order, in three rounds: by file name, then (for a file not
    named as YAML) by its text, then by its parsed YAML document; the first format that claims the file wins.
    """

    name: ClassVar[str]
    """The value of ``--inventory-format`` that forces this format."""

    def claims_name(self, path: Path) -> bool:
        """True when the file name alone makes the file this format's (e.g. ``*.csv``)."""
        return False

    def claims_text(self, source: InventorySource) -> bool:
        """True when the text, unparsed, is this format's (the file is not named ``*.yaml``/``*.yml``/``*.json``)."""
        return False

    def claims_document(self, path: Path, document: Any) -> bool:
        """True when the parsed YAML ``document`` of ``path`` is this format's."""
        return False

    @abc.abstractmethod
    def read(self, source: InventorySource) -> list[Device]:
        """The devices of ``source``, each with ``file`` and ``line`` set, in file order.

        Raises:
            InventoryError: a bad entry (the message names the file, the line and the fix).
        """
