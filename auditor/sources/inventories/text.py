"""Plain text inventories: one ``[name] host[:port]`` per line, ``[v6addr]:port`` for IPv6 with a port, ``#`` comments.

A device is named by the optional first word (``r2 127.0.0.1:2202``), else by its target as written. An optional
``jump=[user@]gw[:port]`` word may follow the target, ``jump=gw1,gw2`` for a chain of gateways.
"""

from __future__ import annotations

from auditor.device_model import Device
from auditor.sources.inventories import fields
from auditor.sources.inventories.interface import InventoryFormat, InventorySource
from auditor.sources.inventories.yaml_lines import fail


class TextInventory(InventoryFormat):
    """One target a line; what detection falls back to when nothing else claims a file."""

    name = "text"

    def read(self, source: InventorySource) -> list[Device]:
        """Each non-comment line as a device (see the module docstring).

        Raises:
            InventoryError: a third word other than ``jump=``, a port written as its own word, unbalanced brackets,
                a bad host, port or jump.
        """
        devices = []
        for number, raw in enumerate(source.text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if line:
                devices.append(_device(source, number, line.split()))
        return devices


_USAGE = "write [name] host[:port] [jump=gw1[,gw2...]]"


def _device(source: InventorySource, number: int, words: list[str]) -> Device:
    """One line's device: ``[name] host[:port] [jump=[user@]gw[:port][,...]]``."""
    path = source.path
    jump_words = [word.removeprefix("jump=") for word in words if word.startswith("jump=")]
    positional = [word for word in words if not word.startswith("jump=")]
    if len(positional) > 2 or len(jump_words) > 1:
        extra = positional[2] if len(positional) > 2 else f"jump={jump_words[1]}"
        raise fail(path, number, f"unexpected {extra!r} after the target", _USAGE)
    if not positional:
        raise fail(path, number, "missing host", _USAGE)
    target = positional[-1]
    if len(positional) == 2 and target.isdigit():
        raise fail(path, number, f"{target!r} after {positional[0]!r} looks like a port", "write host:port")
    try:
        host, port = fields.split_target(target)
    except ValueError as exc:
        raise fail(path, number, str(exc), "write [name] host[:port] or [v6addr]:port") from None
    return Device(
        name=positional[0],
        host=fields.host(path, number, host),
        port=fields.port(path, number, port) if port is not None else fields.DEFAULT_PORT,
        jumps=fields.jumps(path, number, jump_words[0]) if jump_words else (),
        file=str(path),
        line=number,
    )
