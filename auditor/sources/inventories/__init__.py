"""Device inventories: which SSH servers to probe, read from the formats network teams already keep.

One module per format, each implementing :class:`~auditor.sources.inventories.interface.InventoryFormat`, listed
in :mod:`~auditor.sources.inventories.registry`: ``text``, ``yaml``, ``csv``, ``ansible`` (INI and YAML), ``nornir``
(SimpleInventory) and ``netmiko``. Detected by file name and content, or forced with ``--inventory-format``.

Credentials in an inventory (``password``, ``username``, ``ansible_password`` ...) are never read into
:class:`~auditor.device_model.Device`. A bad entry raises :class:`~auditor.errors.InventoryError` (exit 3) with
``FILE: line N: what is wrong; fix``.
"""

from __future__ import annotations

from pathlib import Path

from auditor.device_model import Device
from auditor.errors import InventoryError, UsageError
from auditor.sources.inventories.fields import split_target as split_target
from auditor.sources.inventories.interface import InventorySource
from auditor.sources.inventories.registry import REGISTRY, detect
from auditor.sources.inventories.shard import shard as shard

FORMATS: tuple[str, ...] = tuple(REGISTRY)
"""Values ``--inventory-format`` accepts."""


def load_inventory(path: Path, *, fmt: str | None = None) -> list[Device]:
    """Read an inventory into devices, each with ``file`` and ``line`` set, in file order.

    Args:
        path: the inventory file (for Nornir, ``hosts.yaml``; ``groups.yaml`` / ``defaults.yaml`` beside it
            are read too).
        fmt: one of :data:`FORMATS` to force a format; None detects it.

    Returns:
        The devices; a host named in several Ansible groups appears once.

    Raises:
        InventoryError: the file cannot be read, or an entry is bad (missing host, port not in 1-65535, bad
            jump spec, unbalanced brackets); the message names file and line.
        UsageError: ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt is not None and fmt not in REGISTRY:
        raise UsageError(f"--inventory-format {fmt!r}: expected one of {', '.join(FORMATS)}")
    source = InventorySource(path, _read(path))
    kind = REGISTRY[fmt] if fmt else detect(source)
    devices = kind.read(source)
    if not devices:
        raise InventoryError(f"{path}: no devices found (read as {kind.name}); add entries or pass --inventory-format")
    return devices


def detect_format(path: Path, text: str) -> str:
    """The name of the format ``text`` (the content of ``path``) is in (see :func:`registry.detect`).

    Raises:
        InventoryError: the YAML does not parse.
    """
    return detect(InventorySource(path, text)).name


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InventoryError(f"{path}: no such inventory file; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{path}: cannot read the inventory ({exc}); check the file") from None
