"""The fields every inventory format yields: host, port, jump; checked the same way whatever the format."""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.device_model import Device
from auditor.sources.inventories.yaml_lines import fail

_HOSTNAME = re.compile(r"^[A-Za-z0-9_.%-]+$")
_JUMP = re.compile(r"^(?:[^@\s]+@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$")

DEFAULT_PORT = 22
"""RFC 4253 §4: the port an SSH server listens on unless told otherwise."""


def port(path: Path, line: int | None, value: Any) -> int:
    """A TCP port 1-65535 from an int or a digit string.

    Raises:
        InventoryError: not a number, or outside 1-65535 (the message names ``path`` and ``line``).
    """
    if isinstance(value, bool):
        raise fail(path, line, f"port {value!r} is not a number")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise fail(path, line, f"port {value!r} is not a number")
    if not 1 <= value <= 65535:
        raise fail(path, line, f"port {value} is outside 1-65535")
    return value


def host(path: Path, line: int | None, value: Any) -> str:
    """A hostname or an IP address (IPv6 without brackets, a ``%zone`` kept), from a string or a number.

    Raises:
        InventoryError: empty, or neither a hostname nor an IP address.
    """
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise fail(path, line, "missing host")
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        address, percent, zone = text.partition("%")
        try:
            return str(ipaddress.IPv6Address(address)) + percent + zone
        except ValueError:
            raise fail(path, line, f"host {text!r} is neither a hostname nor an IP address") from None
    if not _HOSTNAME.match(text):
        raise fail(path, line, f"host {text!r} is neither a hostname nor an IP address")
    return text


def jumps(path: Path, line: int | None, value: Any) -> tuple[str, ...]:
    """A ProxyJump chain, every hop kept in order: ``gw1,user@gw2:2200`` or a YAML list of hops.

    Each hop is ``[user@]host[:port]`` or ``ssh://[user@]host[:port]`` as ssh_config(5) ``ProxyJump`` gives them
    (the ``ssh://`` dropped); ``None``, ``""`` and ``none`` mean a direct connection.

    Returns:
        The hops, first (nearest to us) first; empty for a direct connection.

    Raises:
        InventoryError: an empty hop (``gw1,,gw2``) or a hop that is not ``[user@]host[:port]``, quoting the
            whole value.
    """
    if value is None or value == "":
        return ()
    if isinstance(value, list) and all(isinstance(hop, str) for hop in value):
        hops = [hop.strip() for hop in value]
    elif isinstance(value, str):
        if value.strip().lower() == "none":
            return ()
        hops = [hop.strip() for hop in value.split(",")]
    else:
        raise fail(path, line, f"jump {value!r} is not [user@]host[:port]")
    for hop in hops:
        if not hop:
            raise fail(path, line, f"jump {value!r} has an empty hop", "write gw1,gw2 with one gateway per hop")
        if not _JUMP.match(hop.removeprefix("ssh://")):
            raise fail(path, line, f"jump {value!r}: hop {hop!r} is not [user@]host[:port]")
    return tuple(hop.removeprefix("ssh://") for hop in hops)


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
        address, rest = text[1:end], text[end + 1 :]
        if not rest:
            return address, None
        if not rest.startswith(":") or not rest[1:].isdigit():
            raise ValueError(f"{text!r}: expected [address]:port")
        return address, int(rest[1:])
    if text.count(":") == 1:
        address, number = text.split(":")
        if not number.isdigit():
            raise ValueError(f"{text!r}: port {number!r} is not a number")
        return address, int(number)
    return text, None


def opt_str(value: Any) -> str | None:
    """``value`` as a non-empty string when it is a string or a number, else None."""
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) else None


ENTRY_KEYS = ("name", "host", "port", "jump", "proxy_jump", "device_type")
"""The keys of a plain YAML entry and the columns of a CSV inventory that sshdrift reads."""

CREDENTIAL_KEYS = ("username", "password", "secret")
"""Keys a YAML or CSV inventory may carry for other tools: known, so not a typo, and never read."""

KEY_ALIASES = {
    "hostname": "host",  # Nornir
    "ip": "host",  # netmiko
    "address": "host",
    "ansible_host": "host",
    "ansible_port": "port",
    "proxyjump": "jump",  # ssh_config(5)
    "platform": "device_type",  # Nornir, NAPALM
}
"""Other tools' names for our keys: the hint when one of them is used where ours is expected."""


def check_keys(path: Path, keys: Mapping[Any, int | None], *, what: str = "key") -> None:
    """Refuse a key a YAML entry or CSV header does not know, naming the key it most likely stands for.

    The hint is the key another tool uses it for (:data:`KEY_ALIASES`: ``hostname`` → ``host``), else the closest
    known key by :func:`difflib.get_close_matches` (``prot`` → ``port``), else the list of known keys.

    Args:
        path: the inventory file, for the message.
        keys: each key of one entry (or each column of a CSV header) and the 1-based line it stands on.
        what: ``key`` or ``column``, for the message.

    Raises:
        InventoryError: the first unknown key, e.g. ``hosts.yaml: line 3: unknown key 'prot'; did you mean 'port'?``.
    """
    known = (*ENTRY_KEYS, *CREDENTIAL_KEYS)
    for key, line in keys.items():
        if key in known:
            continue
        text = str(key).strip().lower()
        closest = KEY_ALIASES.get(text) or next(iter(difflib.get_close_matches(text, known, n=1)), None)
        hint = f"did you mean {closest!r}?" if closest else f"use {', '.join(ENTRY_KEYS)}"
        raise fail(path, line, f"unknown {what} {key!r}", hint)


def device_from_mapping(
    path: Path,
    line: int | None,
    entry: Mapping[str, Any],
    *,
    host_key: str = "host",
    name: str | None = None,
    device_type: str | None = None,
) -> Device:
    """One :class:`~auditor.device_model.Device` from an entry's ``host`` (or ``host_key``), ``port``, ``jump`` and ``name``.

    The host may carry the port (``host:port``, ``[v6]:port``); a ``port`` key wins over it. Without a host, an
    entry keyed by ``name`` uses the name when ``host_key`` is not ``host`` (Nornir, Ansible: the name is the
    address). The name defaults to ``entry['name']``, then to the host.

    Raises:
        InventoryError: missing host, bad host, bad port or bad jump (naming ``path`` and ``line``).
    """
    host_value = entry.get(host_key)
    if host_value in (None, "") and name is not None and host_key != "host":
        host_value = name
    if host_value in (None, ""):
        raise fail(path, line, f"missing {host_key}")
    address, embedded = _host_and_port(path, line, host_value)
    raw_port = entry.get("port")
    if raw_port not in (None, ""):
        number = port(path, line, raw_port)
    elif embedded is not None:
        number = port(path, line, embedded)
    else:
        number = DEFAULT_PORT
    return Device(
        name=name if name is not None else str(entry.get("name") or "").strip() or address,
        host=address,
        port=number,
        jumps=jumps(path, line, entry.get("jump") or entry.get("proxy_jump")),
        file=str(path),
        line=line,
        device_type=device_type if device_type is not None else opt_str(entry.get("device_type")),
    )


def _host_and_port(path: Path, line: int | None, value: Any) -> tuple[str, int | None]:
    """A host value that may carry its port (``host:port``, ``[v6]:port``), checked."""
    text = str(value).strip()
    embedded: int | None = None
    if isinstance(value, str) and (text.startswith("[") or text.count(":") == 1):
        try:
            text, embedded = split_target(text)
        except ValueError as exc:
            raise fail(path, line, str(exc)) from None
    return host(path, line, text), embedded
