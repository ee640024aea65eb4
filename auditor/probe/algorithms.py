"""What a client's releases offer, asked through the client registry (:mod:`auditor.probe.clients`).

The facts are each client's own data (``rules/clients/<client>.json``); this module adds the questions
rules ask across releases. Every function takes ``client`` (default the primary client, Paramiko).
"""

from __future__ import annotations

from functools import cache

from packaging.version import InvalidVersion, Version

from auditor.device_model import CATEGORIES, Offered
from auditor.errors import AuditorError
from auditor.probe.clients import PRIMARY_CLIENT, get_client

_ALIASES = {
    "cipher": "cipher_c2s",
    "mac": "mac_c2s",
    "compression": "compression_c2s",
    "hostkey": "host_key",
    "host-key": "host_key",
}


def known_releases(client: str = PRIMARY_CLIENT) -> list[str]:
    """Every release of ``client`` with offer data, oldest first (PEP 440 order), e.g. ``["2.0.9", ..., "5.1.0"]``."""
    return get_client(client).known_releases()


def client_offer(version: str, client: str = PRIMARY_CLIENT) -> Offered:
    """The name-lists a release's default client sends in its KEXINIT, in preference order.

    Args:
        version: a release (``"5.1.0"``); a post-release or local build maps to its base release.
        client: the registry name of the client.

    Returns:
        The client's :class:`~auditor.device_model.Offered`, markers such as ``ext-info-c`` and
        ``kex-strict-c-v00@openssh.com`` included as sent.

    Raises:
        AuditorError: the version is not in the data (the message names the known range).
    """
    return get_client(client).offer(version)


def supported(version: str, client: str = PRIMARY_CLIENT) -> dict[str, tuple[str, ...]]:
    """What a release implements by category (``kex``, ``host_key``, ``cipher``, ``mac``, ``compression``).

    A superset of the default offer. Raises :class:`AuditorError` like :func:`client_offer`.
    """
    return dict(get_client(client).supported(version))


@cache
def first_release_without(algorithm: str, category: str, after: str, client: str = PRIMARY_CLIENT) -> str | None:
    """The first release after ``after`` whose default client no longer offers ``algorithm``.

    Used by the ``legacy-only-device`` rule: "today's negotiation rests on X, which release R removes".
    Answers are kept for the process (the offer data does not change while it runs): a fleet of devices
    asks the same few questions once per device.

    Args:
        algorithm: an algorithm name, e.g. ``"diffie-hellman-group14-sha1"``.
        category: an :data:`auditor.device_model.CATEGORIES` member, or ``cipher`` / ``mac`` / ``compression``
            (client-to-server).
        after: a release; releases after it (PEP 440 order) are searched.
        client: the registry name of the client.

    Returns:
        The release as a string, or None when every later release still offers it.

    Raises:
        ValueError: an unknown category. AuditorError: ``after`` is not a version number.
    """
    category = _ALIASES.get(category, category)
    if category not in CATEGORIES:
        raise ValueError(f"unknown algorithm category {category!r}; expected one of {', '.join(CATEGORIES)}")
    try:
        start = Version(after)
    except InvalidVersion:
        raise AuditorError(f"{client} {after!r}: not a version number") from None
    for release in known_releases(client):
        if Version(release) <= start:
            continue
        if algorithm not in getattr(client_offer(release, client), category):
            return release
    return None
