"""Which backend release a client needs to negotiate with a server, for fix hints that fit the lock.

What a client offers can depend on its crypto backend as well as its own release (Paramiko 5.1.0 offers
``mlkem768x25519-sha256`` only with cryptography >= 48.0.0). A client whose offer data records such
boundaries implements :class:`BackendFloors`; :func:`backend_needed` then says which backend release
the lock must move to, predicted from the offer data (RFC 4253 §7.1 negotiation), without importing the
client library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from packaging.version import InvalidVersion, Version

from auditor.device_model import Offered
from auditor.errors import AuditorError
from auditor.probe.clients.interface import Backend


@runtime_checkable
class BackendFloors(Protocol):
    """A client whose offer changes at known backend releases."""

    def backend_floors(self, version: str) -> Mapping[str, tuple[str, ...]]:
        """Per backend package, the releases (ascending) at which ``version``'s offer changes.

        Raises:
            AuditorError: no data for ``version``.
        """
        ...


@dataclass(frozen=True)
class BackendNeed:
    """The backend change that lets a release negotiate: ``package`` to ``floor`` or later."""

    package: str
    """The backend distribution (``cryptography``)."""
    floor: str
    """The lowest release of it that makes the client negotiate (``48.0.0``)."""
    pinned: str | None
    """The version the lock pins now (``42.0.8``), or None when it pins none."""


def backend_needed(client: str, version: str, server: Offered, backend: Backend) -> BackendNeed | None:
    """The lowest backend release, above the pinned one, with which ``client`` ``version`` negotiates with ``server``.

    Args:
        client: the client's registry name (``paramiko``).
        version: the client release (``5.1.0``).
        server: the server's KEXINIT name-lists.
        backend: the pinned ``(package, version)`` pairs; empty means unknown, and nothing is said.

    Returns:
        A :class:`BackendNeed`, or None when the pinned backend already negotiates, the backend is
        unknown, the client records no backend boundaries, or no backend release helps.
    """
    from auditor.probe.clients import get_client
    from auditor.probe.negotiation import predict

    judged = get_client(client)
    if not backend or not isinstance(judged, BackendFloors):
        return None
    try:
        if predict(version, server, client, backend).failure is None:
            return None
        floors = judged.backend_floors(version)
    except AuditorError:
        return None
    pins = dict(backend)
    for package, releases in floors.items():
        for floor in _above(releases, pins.get(package)):
            trial = tuple(sorted({**pins, package: floor}.items()))
            if predict(version, server, client, trial).failure is None:
                return BackendNeed(package, floor, pins.get(package))
    return None


def _above(releases: tuple[str, ...], pinned: str | None) -> list[str]:
    """``releases`` later than ``pinned``, ascending (all of them when nothing or no version is pinned)."""
    try:
        current = Version(pinned) if pinned is not None else None
    except InvalidVersion:
        current = None
    return sorted((r for r in releases if current is None or Version(r) > current), key=Version)
