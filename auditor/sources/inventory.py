"""Device inventories: which SSH servers to probe, read from the formats network teams already keep.

Formats (detected, or forced with ``--inventory-format``):

* ``text``: one ``host[:port]`` per line, ``[v6addr]:port`` for IPv6 with a port, ``#`` comments;
  an optional ``jump=[user@]gw[:port]`` word after the target.
* ``yaml``: a list (or a ``devices:`` list, or a ``name: {...}`` mapping) of ``name, host, port, jump``.
* ``csv``: columns ``name, host, port, jump`` (with that header, or in that order without one).
* ``ansible``: Ansible inventories, INI and YAML: groups, ``children``, ``vars``, ``ansible_host``,
  ``ansible_port``, and a ``ProxyJump`` (``-o ProxyJump=...``, ``-J ...`` or a ``ProxyCommand`` with
  ``-W %h:%p``) in ``ansible_ssh_common_args`` / ``ansible_ssh_extra_args``.
* ``nornir``: a Nornir SimpleInventory ``hosts.yaml`` (``hostname``, ``port``, ``groups``), with
  ``groups.yaml`` and ``defaults.yaml`` when they stand beside it.
* ``netmiko``: netmiko-style device dictionaries (``device_type``, ``host``, ``port``), as a list or a
  ``name: {...}`` mapping.

Credentials in an inventory (``password``, ``username``, ``ansible_password`` ...) are never read into
:class:`~auditor.model.Device`. A bad entry raises :class:`~auditor.errors.InventoryError` (exit 3)
with ``FILE: line N: what is wrong; fix``.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import ipaddress
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.errors import InventoryError, UsageError
from auditor.model import Device

if TYPE_CHECKING:
    import yaml

FORMATS = ("text", "yaml", "csv", "ansible", "nornir", "netmiko")
"""Values ``--inventory-format`` accepts."""

_HOSTNAME = re.compile(r"^[A-Za-z0-9_.%-]+$")
_JUMP = re.compile(r"^(?:[^@\s]+@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$")


class _LineDict(dict[Any, Any]):
    """A YAML mapping that remembers where it and each of its keys stand (1-based lines)."""

    line: int = 0
    key_lines: dict[Any, int]


@cache
def _line_loader() -> type[yaml.SafeLoader]:
    """PyYAML's safe loader (libyaml's when PyYAML has it: about 2.5x faster), with line numbers on mappings.

    Built on first use, so reading a text or CSV inventory never imports yaml.
    """
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):  # type: ignore[valid-type,misc]
        pass

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return LineLoader


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (str, int, float, bool)) or key is None:
            mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _fail(path: Path, line: int | None, what: str, fix: str = "fix the entry") -> InventoryError:
    where = f"{path}: line {line}: " if line else f"{path}: "
    return InventoryError(f"{where}{what}; {fix}")


def _line_of(mapping: Any, key: Any = None, default: int | None = None) -> int | None:
    if isinstance(mapping, _LineDict):
        if key is not None and key in mapping.key_lines:
            return mapping.key_lines[key]
        return mapping.line
    return default


def _port(path: Path, line: int | None, value: Any) -> int:
    """A TCP port 1-65535 from an int or a digit string."""
    if isinstance(value, bool):
        raise _fail(path, line, f"port {value!r} is not a number")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise _fail(path, line, f"port {value!r} is not a number")
    if not 1 <= value <= 65535:
        raise _fail(path, line, f"port {value} is outside 1-65535")
    return value


def _host(path: Path, line: int | None, value: Any) -> str:
    """A hostname or an IP address (IPv6 without brackets)."""
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise _fail(path, line, "missing host")
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return str(ipaddress.IPv6Address(text.split("%", 1)[0])) + (
                "%" + text.split("%", 1)[1] if "%" in text else ""
            )
        except ValueError:
            raise _fail(path, line, f"host {text!r} is neither a hostname nor an IP address") from None
    if not _HOSTNAME.match(text):
        raise _fail(path, line, f"host {text!r} is neither a hostname nor an IP address")
    return text


def _jump(path: Path, line: int | None, value: Any) -> str | None:
    """A ProxyJump spec ``[user@]host[:port]``; the first hop when several are chained."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(path, line, f"jump {value!r} is not [user@]host[:port]")
    first = value.strip().split(",")[0].strip()
    first = first.removeprefix("ssh://")
    if first.lower() == "none":
        return None
    if not _JUMP.match(first):
        raise _fail(path, line, f"jump {value!r} is not [user@]host[:port]")
    return first


def split_target(text: str) -> tuple[str, int | None]:
    """Split ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address into host and port (None if absent).

    Raises:
        ValueError: a bracket without its closing ``]:port``, or a port that is not a number.
    """
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"{text!r}: '[' without ']'")
        host, rest = text[1:end], text[end + 1 :]
        if not rest:
            return host, None
        if not rest.startswith(":") or not rest[1:].isdigit():
            raise ValueError(f"{text!r}: expected [address]:port")
        return host, int(rest[1:])
    if text.count(":") == 1:
        host, port = text.split(":")
        if not port.isdigit():
            raise ValueError(f"{text!r}: port {port!r} is not a number")
        return host, int(port)
    return text, None


# --------------------------------------------------------------------------- detection


def detect_format(path: Path, text: str) -> str:
    """Guess the inventory format from the file name and content (see the module docstring).

    Raises:
        InventoryError: the YAML does not parse.
    """
    return _detect(path, text)[0]


def _detect(path: Path, text: str) -> tuple[str, Any]:
    """The format and, when detection had to parse the file as YAML, the parsed document (else ``_UNPARSED``)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv", _UNPARSED
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", ";"))]
    looks_yaml = suffix in {".yaml", ".yml", ".json"}
    if not looks_yaml:
        if any(re.match(r"^\[[^\]\d:][^\]]*\]$", ln) for ln in lines) or any("ansible_" in ln for ln in lines):
            return "ansible", _UNPARSED
        if lines and all("," in ln for ln in lines[:3]) and "host" in lines[0].lower():
            return "csv", _UNPARSED
        looks_yaml = bool(lines) and bool(
            lines[0].startswith(("-", "---", "{")) or re.match(r"^[\w.-]+:\s*$", lines[0])
        )
    if not looks_yaml:
        return "text", _UNPARSED
    data = _load_yaml(path, text)
    return _yaml_kind(path, data), data


def _yaml_kind(path: Path, data: Any) -> str:
    if isinstance(data, Mapping):
        if "all" in data and (data["all"] is None or isinstance(data["all"], Mapping)):
            return "ansible"
        values = [v for v in data.values() if isinstance(v, Mapping)]
        if values and any(("hosts" in v or "children" in v) for v in values):
            return "ansible"
        if values and any("device_type" in v for v in values):
            return "netmiko"
        if path.name in {"hosts.yaml", "hosts.yml"} or (values and any("hostname" in v for v in values)):
            return "nornir"
        return "yaml"
    if isinstance(data, list) and any(isinstance(v, Mapping) and "device_type" in v for v in data):
        return "netmiko"
    return "yaml"


_UNPARSED: Any = object()
"""Marks "not parsed as YAML yet" (``None`` is a valid parse: an empty document)."""


def _yaml_of(path: Path, text: str, data: Any) -> Any:
    """``data`` when detection already parsed the file, else the parse of ``text`` (a file is parsed once)."""
    return _load_yaml(path, text) if data is _UNPARSED else data


def _load_yaml(path: Path, text: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_line_loader())  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _fail(path, line, f"not valid YAML ({problem})", "fix the YAML syntax") from None


# --------------------------------------------------------------------------- entry point


def load_inventory(path: Path, *, fmt: str | None = None) -> list[Device]:
    """Read an inventory into devices, each with ``file`` and ``line`` set, in file order.

    Args:
        path: the inventory file (for Nornir, ``hosts.yaml``; ``groups.yaml`` / ``defaults.yaml`` beside it
            are read too).
        fmt: one of :data:`FORMATS` to force a format; None detects it.

    Returns:
        The devices; a host named in several Ansible groups appears once.

    Raises:
        InventoryError: the file cannot be read, the format is unknown, or an entry is bad (missing host,
            port not in 1-65535, bad jump spec, unbalanced brackets); the message names file and line.
        UsageError: ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--inventory-format {fmt!r}: expected one of {', '.join(FORMATS)}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InventoryError(f"{path}: no such inventory file; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{path}: cannot read the inventory ({exc}); check the file") from None
    kind, data = (fmt, _UNPARSED) if fmt else _detect(path, text)
    if kind == "text":
        devices = _read_text(path, text)
    elif kind == "csv":
        devices = _read_csv(path, text)
    else:
        readers = {"yaml": _read_yaml, "ansible": _read_ansible, "nornir": _read_nornir, "netmiko": _read_netmiko}
        devices = readers[kind](path, text, data)
    if not devices:
        raise InventoryError(f"{path}: no devices found (read as {kind}); add entries or pass --inventory-format")
    return devices


# --------------------------------------------------------------------------- text and CSV


def _read_text(path: Path, text: str) -> list[Device]:
    devices = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        jump = None
        for word in words[1:]:
            if word.startswith("jump="):
                jump = _jump(path, number, word[5:])
            else:
                raise _fail(path, number, f"unexpected {word!r} after the target", "write host[:port] [jump=gw]")
        try:
            host, port = split_target(words[0])
        except ValueError as exc:
            raise _fail(path, number, str(exc), "write host[:port] or [v6addr]:port") from None
        host = _host(path, number, host)
        port = _port(path, number, port) if port is not None else 22
        devices.append(Device(name=words[0], host=host, port=port, jump=jump, file=str(path), line=number))
    return devices


def _read_csv(path: Path, text: str) -> list[Device]:
    rows = list(csv.reader(io.StringIO(text)))
    columns = ["name", "host", "port", "jump"]
    start = 0
    numbered = [(i + 1, row) for i, row in enumerate(rows)]
    numbered = [(n, r) for n, r in numbered if r and any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if numbered and "host" in [c.strip().lower() for c in numbered[0][1]]:
        columns = [c.strip().lower() for c in numbered[0][1]]
        start = 1
    devices = []
    for number, row in numbered[start:]:
        if len(row) > len(columns):
            raise _fail(path, number, f"{len(row)} columns, the header has {len(columns)}")
        entry = {columns[i]: cell.strip() for i, cell in enumerate(row)}
        devices.append(_device_from_mapping(path, number, entry, name_key="name", host_key="host"))
    return devices


def _device_from_mapping(
    path: Path,
    line: int | None,
    entry: Mapping[str, Any],
    *,
    name_key: str,
    host_key: str,
    name: str | None = None,
    device_type: str | None = None,
) -> Device:
    host_value = entry.get(host_key)
    if host_value in (None, "") and name is not None and host_key != "host":
        host_value = name
    if host_value in (None, ""):
        raise _fail(path, line, f"missing {host_key}")
    raw_port = entry.get("port")
    host_text = str(host_value).strip()
    embedded_port: int | None = None
    if isinstance(host_value, str) and (host_text.startswith("[") or host_text.count(":") == 1):
        try:
            host_text, embedded_port = split_target(host_text)
        except ValueError as exc:
            raise _fail(path, line, str(exc)) from None
    host = _host(path, line, host_text)
    if raw_port not in (None, ""):
        port = _port(path, line, raw_port)
    elif embedded_port is not None:
        port = _port(path, line, embedded_port)
    else:
        port = 22
    device_name = name if name is not None else str(entry.get(name_key) or "").strip() or host
    return Device(
        name=device_name,
        host=host,
        port=port,
        jump=_jump(path, line, entry.get("jump") or entry.get("proxy_jump")),
        file=str(path),
        line=line,
        device_type=device_type if device_type is not None else _opt_str(entry.get("device_type")),
    )


def _opt_str(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) else None


# --------------------------------------------------------------------------- YAML and netmiko


def _entries(path: Path, data: Any) -> Iterable[tuple[int | None, str | None, Any]]:
    """(line, name or None, entry) for a list, a ``devices:`` list or a ``name: {...}`` mapping."""
    if isinstance(data, Mapping) and isinstance(data.get("devices"), list) and len(data) == 1:
        data = data["devices"]
    if isinstance(data, list):
        for item in data:
            line = _line_of(item, default=_line_of(data))
            if not isinstance(item, Mapping):
                raise _fail(path, line, f"expected a mapping with name/host/port, got {item!r}")
            yield line, None, item
        return
    if isinstance(data, Mapping):
        for name, item in data.items():
            line = _line_of(data, name)
            body = {} if item is None else item
            if not isinstance(body, Mapping):
                raise _fail(path, line, f"device {name!r}: expected a mapping with host/port, got {body!r}")
            yield line, str(name), body
        return
    raise _fail(path, None, "expected a list of devices or a mapping of device names", "see README 'Inventories'")


def _read_yaml(path: Path, text: str, data: Any) -> list[Device]:
    return [
        _device_from_mapping(path, line, item, name_key="name", host_key="host", name=name)
        for line, name, item in _entries(path, _yaml_of(path, text, data))
    ]


def _read_netmiko(path: Path, text: str, data: Any) -> list[Device]:
    devices = []
    for line, name, item in _entries(path, _yaml_of(path, text, data)):
        host_key = "ip" if "ip" in item and "host" not in item else "host"
        devices.append(_device_from_mapping(path, line, item, name_key="name", host_key=host_key, name=name))
    return devices


# --------------------------------------------------------------------------- Nornir


def _read_nornir(path: Path, text: str, data: Any) -> list[Device]:
    hosts = _yaml_of(path, text, data) or {}
    if not isinstance(hosts, Mapping):
        raise _fail(path, None, "a Nornir hosts file is a mapping of host names", "see Nornir SimpleInventory")
    groups: Mapping[str, Any] = {}
    defaults: Mapping[str, Any] = {}
    for name, target in (("groups", "groups"), ("defaults", "defaults")):
        for suffix in (".yaml", ".yml"):
            side = path.with_name(name + suffix)
            if side.is_file():
                loaded = _load_yaml(side, side.read_text(encoding="utf-8-sig")) or {}
                if not isinstance(loaded, Mapping):
                    raise _fail(side, None, f"the Nornir {name} file is not a mapping", "see Nornir SimpleInventory")
                if target == "groups":
                    groups = loaded
                else:
                    defaults = loaded
                break

    def lookup(entry: Mapping[str, Any], key: str, seen: frozenset[str]) -> Any:
        if entry.get(key) not in (None, ""):
            return entry.get(key)
        for group in entry.get("groups") or ():
            if group in seen:
                continue
            parent = groups.get(group)
            if isinstance(parent, Mapping):
                found = lookup(parent, key, seen | {group})
                if found not in (None, ""):
                    return found
        return None

    devices = []
    for name, raw_entry in hosts.items():
        line = _line_of(hosts, name)
        entry = raw_entry or {}
        if not isinstance(entry, Mapping):
            raise _fail(path, line, f"host {name!r}: expected a mapping with hostname/port")
        for group in entry.get("groups") or ():
            if group not in groups:
                raise _fail(
                    path, line, f"host {name!r}: group {group!r} is not in groups.yaml", "add it or fix the name"
                )
        resolved = {
            "hostname": lookup(entry, "hostname", frozenset()) or defaults.get("hostname") or name,
            "port": lookup(entry, "port", frozenset()) or defaults.get("port"),
            "platform": lookup(entry, "platform", frozenset()) or defaults.get("platform"),
            "jump": _nornir_jump(entry, groups, defaults),
        }
        device = _device_from_mapping(path, line, resolved, name_key="name", host_key="hostname", name=str(name))
        devices.append(dataclasses.replace(device, device_type=_opt_str(resolved["platform"])))
    return devices


def _nornir_jump(entry: Mapping[str, Any], groups: Mapping[str, Any], defaults: Mapping[str, Any]) -> Any:
    """A jump host from ``data: {jump: ...}`` of the host, its groups, or the defaults."""
    for scope in (entry, *(groups.get(g) or {} for g in entry.get("groups") or ()), defaults):
        data = scope.get("data") if isinstance(scope, Mapping) else None
        if isinstance(data, Mapping) and data.get("jump"):
            return data["jump"]
    return None


# --------------------------------------------------------------------------- Ansible


class _Group:
    def __init__(self, name: str) -> None:
        self.name = name
        self.vars: dict[str, Any] = {}
        self.children: list[str] = []
        self.hosts: list[str] = []


class _AnsibleInventory:
    """Groups, hosts and variables collected from an INI or YAML Ansible inventory."""

    def __init__(self) -> None:
        self.groups: dict[str, _Group] = {"all": _Group("all"), "ungrouped": _Group("ungrouped")}
        self.groups["all"].children.append("ungrouped")
        self.host_vars: dict[str, dict[str, Any]] = {}
        self.host_lines: dict[str, int | None] = {}

    def group(self, name: str) -> _Group:
        if name not in self.groups:
            self.groups[name] = _Group(name)
            if name != "all":
                self.groups["all"].children.append(name)
        return self.groups[name]

    def add_host(self, group: str, host: str, variables: Mapping[str, Any], line: int | None) -> None:
        target = self.group(group)
        if host not in target.hosts:
            target.hosts.append(host)
        self.host_vars.setdefault(host, {}).update(variables)
        self.host_lines.setdefault(host, line)

    def effective_vars(self, host: str) -> dict[str, Any]:
        """Variables of ``host``: ``all`` first, then parent before child groups, the host's own last."""
        depth: dict[str, int] = {}

        def walk(name: str, level: int, seen: frozenset[str]) -> None:
            if level > depth.get(name, -1):
                depth[name] = level
            for child in self.groups[name].children:
                if child in self.groups and child not in seen:
                    walk(child, level + 1, seen | {child})

        walk("all", 0, frozenset({"all"}))
        member = [g for g in self.groups.values() if host in g.hosts]
        ancestors: set[str] = {"all"}
        frontier = {g.name for g in member}
        while frontier:
            ancestors |= frontier
            frontier = {p.name for p in self.groups.values() if set(p.children) & frontier} - ancestors
        merged: dict[str, Any] = {}
        for name in sorted(ancestors, key=lambda n: (depth.get(n, 0), n)):
            merged.update(self.groups[name].vars)
        merged.update(self.host_vars.get(host, {}))
        return merged

    def devices(self, path: Path) -> list[Device]:
        out = []
        for host, line in self.host_lines.items():
            variables = self.effective_vars(host)
            address = variables.get("ansible_host") or variables.get("ansible_ssh_host") or host
            port = variables.get("ansible_port") or variables.get("ansible_ssh_port")
            jump = _ansible_jump(path, line, variables)
            entry = {"host": address, "port": port, "jump": jump, "device_type": variables.get("ansible_network_os")}
            out.append(_device_from_mapping(path, line, entry, name_key="name", host_key="host", name=host))
        return out


def _ansible_jump(path: Path, line: int | None, variables: Mapping[str, Any]) -> str | None:
    """A ProxyJump from ``ansible_ssh_common_args`` / ``ansible_ssh_extra_args`` (``-o ProxyJump=``, ``-J``, ``-W %h:%p``)."""
    for key in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
        value = variables.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise _fail(path, line, f"{key}: {exc}", "balance the quotes") from None
        for index, word in enumerate(words):
            option = None
            if word == "-o" and index + 1 < len(words):
                option = words[index + 1]
            elif word.startswith("-o") and len(word) > 2:
                option = word[2:]
            elif word == "-J" and index + 1 < len(words):
                return words[index + 1]
            elif word.startswith("-J") and len(word) > 2:
                return word[2:]
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


_RANGE = re.compile(r"\[([0-9]+):([0-9]+)(?::([0-9]+))?\]|\[([a-z]):([a-z])\]")


def _expand_range(pattern: str) -> list[str]:
    """Expand Ansible host patterns such as ``r[01:03].lab`` (numeric, zero-padded) or ``sw-[a:c]``."""
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
    return [name for value in values for name in _expand_range(head + value + tail)]


def _ini_value(raw: str) -> Any:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return int(raw) if raw.isdigit() else raw


def _read_ansible(path: Path, text: str, data: Any) -> list[Device]:
    if data is not _UNPARSED:
        return _read_ansible_yaml(path, data)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")), "")
    if (
        path.suffix.lower() in {".yaml", ".yml", ".json"}
        or first.startswith(("---", "all:", "{"))
        or first.endswith(":")
    ):
        return _read_ansible_yaml(path, _load_yaml(path, text))
    inventory = _AnsibleInventory()
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.match(r"^\[([^\]:]+)(?::(children|vars|hosts))?\]$", line)
        if header:
            section, kind = header.group(1), header.group(2) or "hosts"
            inventory.group(section)
            continue
        if line.startswith("["):
            raise _fail(path, number, f"bad section header {line!r}", "write [group], [group:children] or [group:vars]")
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise _fail(path, number, f"{exc}", "balance the quotes") from None
        if not words:
            continue
        if kind == "children":
            inventory.group(words[0])
            parent = inventory.group(section)
            if words[0] not in parent.children:
                parent.children.append(words[0])
            continue
        if kind == "vars":
            key, eq, value = line.partition("=")
            if not eq:
                raise _fail(path, number, f"expected key=value in [{section}:vars], got {line!r}")
            inventory.group(section).vars[key.strip()] = _ini_value(value.strip())
            continue
        variables: dict[str, Any] = {}
        for word in words[1:]:
            key, eq, value = word.partition("=")
            if not eq:
                raise _fail(path, number, f"expected key=value after the host, got {word!r}")
            variables[key] = int(value) if value.isdigit() else value
        target = words[0]
        port: int | None = None
        if not target.startswith("[") and target.count(":") == 1 and target.rsplit(":", 1)[1].isdigit():
            target, port_text = target.rsplit(":", 1)
            port = int(port_text)
        if port is not None and "ansible_port" not in variables:
            variables["ansible_port"] = port
        for host in _expand_range(target):
            inventory.add_host(section, host, variables, number)
    return inventory.devices(path)


def _read_ansible_yaml(path: Path, data: Any) -> list[Device]:
    data = data or {}
    if not isinstance(data, Mapping):
        raise _fail(path, None, "an Ansible YAML inventory is a mapping of groups", "start it with 'all:'")
    inventory = _AnsibleInventory()

    def visit(name: str, body: Any, line: int | None) -> None:
        group = inventory.group(name)
        if body is None:
            return
        if not isinstance(body, Mapping):
            raise _fail(path, line, f"group {name!r}: expected hosts/children/vars, got {body!r}")
        for key in body:
            if key not in {"hosts", "children", "vars"}:
                raise _fail(
                    path,
                    _line_of(body, key, line),
                    f"group {name!r}: unknown key {key!r}",
                    "use hosts, children or vars",
                )
        if isinstance(body.get("vars"), Mapping):
            group.vars.update(body["vars"])
        hosts = body.get("hosts") or {}
        if not isinstance(hosts, Mapping):
            raise _fail(path, _line_of(body, "hosts", line), f"group {name!r}: hosts must be a mapping")
        for host, variables in hosts.items():
            host_line = _line_of(hosts, host, line)
            if variables is not None and not isinstance(variables, Mapping):
                raise _fail(path, host_line, f"host {host!r}: expected a mapping of variables, got {variables!r}")
            for expanded in _expand_range(str(host)):
                inventory.add_host(name, expanded, dict(variables or {}), host_line)
        children = body.get("children") or {}
        if not isinstance(children, Mapping):
            raise _fail(path, _line_of(body, "children", line), f"group {name!r}: children must be a mapping")
        for child, child_body in children.items():
            if child not in group.children:
                group.children.append(str(child))
            visit(str(child), child_body, _line_of(children, child, line))

    for name, body in data.items():
        visit(str(name), body, _line_of(data, name))
    return inventory.devices(path)


# --------------------------------------------------------------------------- shards


def shard(devices: Sequence[Device], k: int, n: int) -> list[Device]:
    r"""Slice ``k`` of ``n`` (1-based) of an inventory, for a CI matrix; the union of all slices is the inventory.

    A device belongs to slice ``1 + (sha256("name\\0host\\0port") mod n)``: the assignment depends only on
    the device itself, so it is the same on every machine and run, whatever the inventory order, and adding
    a device never moves the others. Input order is kept within a slice.

    Raises:
        UsageError: ``n < 1`` or ``k`` outside ``1..n``.
    """
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"--shard {k}/{n}: K must be between 1 and N (N >= 1)")

    def bucket(device: Device) -> int:
        key = f"{device.name}\0{device.host}\0{device.port}".encode()
        return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % n

    return [d for d in devices if bucket(d) == k - 1]
