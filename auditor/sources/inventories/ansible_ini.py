"""Ansible INI inventories: ``[group]``, ``[group:children]``, ``[group:vars]`` sections, host lines with ``key=value``.

Follows Ansible's ``ini`` inventory plugin: a ``host:port`` target sets ``ansible_port`` unless a variable does, host
ranges (``r[01:03]``) expand, values in ``:vars`` sections are strings unless they are whole numbers.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from auditor.sources.inventories.ansible_model import AnsibleInventory, expand_range
from auditor.sources.inventories.yaml_lines import fail

_HEADER = re.compile(r"^\[([^\]:]+)(?::(children|vars|hosts))?\]$")


def parse_ini(path: Path, text: str) -> AnsibleInventory:
    """The groups, hosts and variables of an INI inventory.

    Raises:
        InventoryError: a bad section header, unbalanced quotes, or a word that is not ``key=value`` where one
            must be (the message names the line).
    """
    inventory = AnsibleInventory()
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = _HEADER.match(line)
        if header:
            section, kind = header.group(1), header.group(2) or "hosts"
            inventory.group(section)
            continue
        if line.startswith("["):
            raise fail(path, number, f"bad section header {line!r}", "write [group], [group:children] or [group:vars]")
        words = _words(path, number, line)
        if not words:
            continue
        if kind == "vars":
            _group_var(path, number, inventory, section, line)
        elif kind == "children":
            inventory.add_child(section, words[0])
        else:
            _host_line(path, number, inventory, section, words)
    return inventory


def _words(path: Path, number: int, line: str) -> list[str]:
    """The shell-like words of a line (Ansible splits INI lines with shlex), an end-of-line comment dropped."""
    try:
        return shlex.split(line, comments=True)
    except ValueError as exc:
        raise fail(path, number, f"{exc}", "balance the quotes") from None


def _group_var(path: Path, number: int, inventory: AnsibleInventory, section: str, line: str) -> None:
    key, eq, value = line.partition("=")
    if not eq:
        raise fail(path, number, f"expected key=value in [{section}:vars], got {line!r}")
    inventory.group(section).vars[key.strip()] = _ini_value(value.strip())


def _host_line(path: Path, number: int, inventory: AnsibleInventory, section: str, words: list[str]) -> None:
    """A host (or host range) of a ``[group]`` section and its ``key=value`` variables."""
    variables = _host_vars(path, number, words[1:])
    target = words[0]
    if not target.startswith("[") and target.count(":") == 1 and target.rsplit(":", 1)[1].isdigit():
        target, port_text = target.rsplit(":", 1)
        variables.setdefault("ansible_port", int(port_text))
    for host in expand_range(target):
        inventory.add_host(section, host, variables, number)


def _host_vars(path: Path, number: int, words: list[str]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            raise fail(path, number, f"expected key=value after the host, got {word!r}")
        variables[key] = int(value) if value.isdigit() else value
    return variables


def _ini_value(raw: str) -> Any:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return int(raw) if raw.isdigit() else raw
