"""What an Ansible inventory says, whichever file syntax said it: groups, their children and variables, hosts.

Variable precedence follows Ansible's inventory rules: ``all`` first, parent groups before child groups (at the
same depth by name), the host's own variables last.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.device_model import Device
from auditor.sources.inventories import fields
from auditor.sources.inventories.yaml_lines import fail

_RANGE = re.compile(r"\[([0-9]+):([0-9]+)(?::([0-9]+))?\]|\[([a-z]):([a-z])\]")


class Group:
    """One Ansible group: its variables, its child groups and its hosts, in file order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.vars: dict[str, Any] = {}
        self.children: list[str] = []
        self.hosts: list[str] = []


class AnsibleInventory:
    """Groups, hosts and variables collected from an INI or YAML Ansible inventory."""

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {"all": Group("all"), "ungrouped": Group("ungrouped")}
        self.groups["all"].children.append("ungrouped")
        self.host_vars: dict[str, dict[str, Any]] = {}
        self.host_lines: dict[str, int | None] = {}

    def group(self, name: str) -> Group:
        """The group called ``name``, created (as a child of ``all``) on first mention."""
        if name not in self.groups:
            self.groups[name] = Group(name)
            if name != "all":
                self.groups["all"].children.append(name)
        return self.groups[name]

    def add_child(self, parent: str, child: str) -> None:
        """Make ``child`` a child group of ``parent`` (both created if new)."""
        self.group(child)
        children = self.group(parent).children
        if child not in children:
            children.append(child)

    def add_host(self, group: str, host: str, variables: Mapping[str, Any], line: int | None) -> None:
        """Put ``host`` in ``group`` with ``variables`` (merged over earlier ones); ``line`` of its first mention."""
        target = self.group(group)
        if host not in target.hosts:
            target.hosts.append(host)
        self.host_vars.setdefault(host, {}).update(variables)
        self.host_lines.setdefault(host, line)

    def effective_vars(self, host: str) -> dict[str, Any]:
        """Variables of ``host``: ``all`` first, then parent before child groups, the host's own last."""
        depth = self._depths()
        ancestors = self._ancestors(host)
        merged: dict[str, Any] = {}
        for name in sorted(ancestors, key=lambda n: (depth.get(n, 0), n)):
            merged.update(self.groups[name].vars)
        merged.update(self.host_vars.get(host, {}))
        return merged

    def _depths(self) -> dict[str, int]:
        """Each group's deepest distance from ``all``."""
        depth: dict[str, int] = {}

        def walk(name: str, level: int, seen: frozenset[str]) -> None:
            depth[name] = max(level, depth.get(name, -1))
            for child in self.groups[name].children:
                if child in self.groups and child not in seen:
                    walk(child, level + 1, seen | {child})

        walk("all", 0, frozenset({"all"}))
        return depth

    def _ancestors(self, host: str) -> set[str]:
        """The groups ``host`` belongs to, directly or through children, and ``all``."""
        ancestors: set[str] = {"all"}
        frontier = {g.name for g in self.groups.values() if host in g.hosts}
        while frontier:
            ancestors |= frontier
            frontier = {p.name for p in self.groups.values() if set(p.children) & frontier} - ancestors
        return ancestors

    def devices(self, path: Path) -> list[Device]:
        """One device per host (a host in several groups once), from ``ansible_host``/``ansible_port``/ProxyJump.

        Raises:
            InventoryError: a bad address, port or jump, or unbalanced quotes in the SSH arguments.
        """
        out = []
        for host, line in self.host_lines.items():
            variables = self.effective_vars(host)
            entry = {
                "host": variables.get("ansible_host") or variables.get("ansible_ssh_host") or host,
                "port": variables.get("ansible_port") or variables.get("ansible_ssh_port"),
                "jump": _proxy_jump(path, line, variables),
                "device_type": variables.get("ansible_network_os"),
            }
            out.append(fields.device_from_mapping(path, line, entry, name=host))
        return out


def _proxy_jump(path: Path, line: int | None, variables: Mapping[str, Any]) -> str | None:
    """A ProxyJump from ``ansible_ssh_common_args`` / ``ansible_ssh_extra_args`` (``-o ProxyJump=``, ``-J``, ``-W``)."""
    for key in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
        value = variables.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise fail(path, line, f"{key}: {exc}", "balance the quotes") from None
        found = _jump_in_ssh_args(words)
        if found is not None:
            return found
    return None


def _jump_in_ssh_args(words: list[str]) -> str | None:
    """The gateway that ssh(1) arguments name: ``-J GW``, ``-o ProxyJump=GW``, ``-o ProxyCommand='ssh -W %h:%p GW'``."""
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else None
        if word == "-J" and following is not None:
            return following
        if word.startswith("-J") and len(word) > 2:
            return word[2:]
        option = following if word == "-o" else word[2:] if word.startswith("-o") and len(word) > 2 else None
        if option is None:
            continue
        name, _, rest = option.replace(" ", "=", 1).partition("=")
        if name.lower() == "proxyjump":
            return rest.strip()
        if name.lower() == "proxycommand" and "-W" in rest:
            parts = [p for p in shlex.split(rest) if not p.startswith("-") and "%" not in p and p != "ssh"]
            if parts:
                return parts[-1]
    return None


def expand_range(pattern: str) -> list[str]:
    """Expand Ansible host patterns such as ``r[01:03].lab`` (numeric, zero-padded, optional step) or ``sw-[a:c]``."""
    match = _RANGE.search(pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    if match.group(1) is not None:
        start, end = match.group(1), match.group(2)
        step = int(match.group(3) or 1)
        width = len(start) if start.startswith("0") else 0
        values = [str(i).zfill(width) for i in range(int(start), int(end) + 1, step)]
    else:
        values = [chr(c) for c in range(ord(match.group(4)), ord(match.group(5)) + 1)]
    return [name for value in values for name in expand_range(head + value + tail)]
