"""Slices of an inventory for a CI matrix (``--shard K/N``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from auditor.device_model import Device
from auditor.errors import UsageError


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
