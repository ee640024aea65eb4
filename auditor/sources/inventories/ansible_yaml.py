"""Ansible YAML inventories: ``all:`` (or top-level groups) with ``hosts``, ``children`` and ``vars``.

Follows Ansible's ``yaml`` inventory plugin: a group has only those three keys, hosts map to their variables (or
nothing), host ranges (``r[01:03]``) expand.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.sources.inventories.ansible_model import AnsibleInventory, expand_range
from auditor.sources.inventories.yaml_lines import fail, line_of

_GROUP_KEYS = ("hosts", "children", "vars")


def parse_yaml(path: Path, document: Any) -> AnsibleInventory:
    """The groups, hosts and variables of a parsed YAML inventory.

    Raises:
        InventoryError: the document is not a mapping of groups, a group has an unknown key, or its hosts or
            children are not mappings (the message names the line).
    """
    document = document or {}
    if not isinstance(document, Mapping):
        raise fail(path, None, "an Ansible YAML inventory is a mapping of groups", "start it with 'all:'")
    reader = _Reader(path)
    for name, body in document.items():
        reader.group(str(name), body, line_of(document, name))
    return reader.inventory


class _Reader:
    """Walks the group tree into an :class:`AnsibleInventory`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.inventory = AnsibleInventory()

    def group(self, name: str, body: Any, line: int | None) -> None:
        group = self.inventory.group(name)
        if body is None:
            return
        if not isinstance(body, Mapping):
            raise fail(self.path, line, f"group {name!r}: expected hosts/children/vars, got {body!r}")
        for key in body:
            if key not in _GROUP_KEYS:
                raise fail(
                    self.path,
                    line_of(body, key, line),
                    f"group {name!r}: unknown key {key!r}",
                    "use hosts, children or vars",
                )
        if isinstance(body.get("vars"), Mapping):
            group.vars.update(body["vars"])
        self._hosts(name, self._mapping(name, body, "hosts", line), line)
        children = self._mapping(name, body, "children", line)
        for child, child_body in children.items():
            self.inventory.add_child(name, str(child))
            self.group(str(child), child_body, line_of(children, child, line))

    def _mapping(self, name: str, body: Mapping[str, Any], key: str, line: int | None) -> Mapping[Any, Any]:
        value = body.get(key) or {}
        if not isinstance(value, Mapping):
            raise fail(self.path, line_of(body, key, line), f"group {name!r}: {key} must be a mapping")
        return value

    def _hosts(self, group: str, hosts: Mapping[Any, Any], line: int | None) -> None:
        for host, variables in hosts.items():
            host_line = line_of(hosts, host, line)
            if variables is not None and not isinstance(variables, Mapping):
                raise fail(self.path, host_line, f"host {host!r}: expected a mapping of variables, got {variables!r}")
            for expanded in expand_range(str(host)):
                self.inventory.add_host(group, expanded, dict(variables or {}), host_line)
