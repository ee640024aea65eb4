"""Plain text inventories: one ``host[:port]`` per line, ``[v6addr]:port`` for IPv6 with a port, ``#`` comments.

An optional ``jump=[user@]gw[:port]`` word may follow the target.
"""

from __future__ import annotations

from auditor.model import Device
from auditor.sources.inventories import fields
from auditor.sources.inventories.interface import InventoryFormat, InventorySource
from auditor.sources.inventories.yaml_lines import fail


class TextInventory(InventoryFormat):
    """One target a line; what detection falls back to when nothing else claims a file."""

    name = "text"

    def read(self, source: InventorySource) -> list[Device]:
        """Each non-comment line as a device named by its target (see the module docstring).

        Raises:
            InventoryError: a word other than ``jump=`` after the target, unbalanced brackets, a bad host or port.
        """
        devices = []
        for number, raw in enumerate(source.text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if line:
                devices.append(_device(source, number, line.split()))
        return devices


def _device(source: InventorySource, number: int, words: list[str]) -> Device:
    path = source.path
    jump = None
    for word in words[1:]:
        if not word.startswith("jump="):
            raise fail(path, number, f"unexpected {word!r} after the target", "write host[:port] [jump=gw]")
        jump = fields.jump(path, number, word[5:])
    try:
        host, port = fields.split_target(words[0])
    except ValueError as exc:
        raise fail(path, number, str(exc), "write host[:port] or [v6addr]:port") from None
    return Device(
        name=words[0],
        host=fields.host(path, number, host),
        port=fields.port(path, number, port) if port is not None else fields.DEFAULT_PORT,
        jump=jump,
        file=str(path),
        line=number,
    )
