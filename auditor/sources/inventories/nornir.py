"""Nornir SimpleInventory files.

``hosts.yaml`` (``hostname``, ``port``, ``platform``, ``groups``, ``data``), with ``groups.yaml`` and
``defaults.yaml`` read when they stand beside it.

A value missing on a host comes from its groups (depth first, in the order listed), then from the defaults, as
Nornir resolves it; the jump host is ``data: {jump: ...}`` at any of those levels.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.device_model import Device
from auditor.sources.inventories import fields
from auditor.sources.inventories.interface import InventoryFormat, InventorySource
from auditor.sources.inventories.yaml_lines import fail, line_of, load_yaml

_HOSTS_NAMES = frozenset({"hosts.yaml", "hosts.yml"})


class NornirInventory(InventoryFormat):
    """Nornir's SimpleInventory plugin files."""

    name = "nornir"

    def claims_document(self, path: Path, document: Any) -> bool:
        """A mapping in a file named ``hosts.yaml``/``hosts.yml``, or one whose entries use ``hostname``."""
        if not isinstance(document, Mapping):
            return False
        return path.name in _HOSTS_NAMES or any(
            isinstance(entry, Mapping) and "hostname" in entry for entry in document.values()
        )

    def read(self, source: InventorySource) -> list[Device]:
        """One device per host; ``hostname`` defaults to the host's name, as in Nornir.

        Raises:
            InventoryError: the files are not mappings, a host names a group ``groups.yaml`` lacks, or a bad
                hostname, port or jump.
        """
        path = source.path
        hosts = source.document() or {}
        if not isinstance(hosts, Mapping):
            raise fail(path, None, "a Nornir hosts file is a mapping of host names", "see Nornir SimpleInventory")
        resolver = _Resolver(_side_file(path, "groups"), _side_file(path, "defaults"))
        devices = []
        for name, raw_entry in hosts.items():
            line = line_of(hosts, name)
            entry = raw_entry or {}
            if not isinstance(entry, Mapping):
                raise fail(path, line, f"host {name!r}: expected a mapping with hostname/port")
            resolver.check_groups(path, line, str(name), entry)
            resolved = resolver.resolve(str(name), entry)
            devices.append(
                fields.device_from_mapping(
                    path,
                    line,
                    resolved,
                    host_key="hostname",
                    name=str(name),
                    device_type=fields.opt_str(resolved["platform"]),
                )
            )
        return devices


def _side_file(path: Path, name: str) -> Mapping[str, Any]:
    """``groups.yaml`` / ``defaults.yaml`` (or ``.yml``) beside ``path``, or an empty mapping when absent.

    Raises:
        InventoryError: the file is not valid YAML or not a mapping.
    """
    for suffix in (".yaml", ".yml"):
        side = path.with_name(name + suffix)
        if side.is_file():
            loaded = load_yaml(side, side.read_text(encoding="utf-8-sig")) or {}
            if not isinstance(loaded, Mapping):
                raise fail(side, None, f"the Nornir {name} file is not a mapping", "see Nornir SimpleInventory")
            return loaded
    return {}


class _Resolver:
    """Nornir's inheritance: the host's own value, then its groups' (depth first), then the defaults."""

    def __init__(self, groups: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
        self.groups = groups
        self.defaults = defaults

    def check_groups(self, path: Path, line: int | None, name: str, entry: Mapping[str, Any]) -> None:
        for group in entry.get("groups") or ():
            if group not in self.groups:
                raise fail(
                    path, line, f"host {name!r}: group {group!r} is not in groups.yaml", "add it or fix the name"
                )

    def resolve(self, name: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        """``hostname``, ``port``, ``platform`` and ``jump`` of one host, inherited where it does not set them."""
        return {
            "hostname": self._lookup(entry, "hostname", frozenset()) or self.defaults.get("hostname") or name,
            "port": self._lookup(entry, "port", frozenset()) or self.defaults.get("port"),
            "platform": self._lookup(entry, "platform", frozenset()) or self.defaults.get("platform"),
            "jump": self._jump(entry),
        }

    def _lookup(self, entry: Mapping[str, Any], key: str, seen: frozenset[str]) -> Any:
        if entry.get(key) not in (None, ""):
            return entry.get(key)
        for group in entry.get("groups") or ():
            parent = self.groups.get(group)
            if group in seen or not isinstance(parent, Mapping):
                continue
            found = self._lookup(parent, key, seen | {group})
            if found not in (None, ""):
                return found
        return None

    def _jump(self, entry: Mapping[str, Any]) -> Any:
        """A jump host from ``data: {jump: ...}`` of the host, its groups, or the defaults."""
        for scope in (entry, *(self.groups.get(g) or {} for g in entry.get("groups") or ()), self.defaults):
            data = scope.get("data") if isinstance(scope, Mapping) else None
            if isinstance(data, Mapping) and data.get("jump"):
                return data["jump"]
        return None
