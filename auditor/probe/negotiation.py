"""Algorithm negotiation between a client's and a server's KEXINIT (RFC 4253 §7.1), as Paramiko does it.

Pure functions over :class:`auditor.device_model.Offered`; prediction for a client release combines them
with that client's offer data (``rules/clients/<client>.json``, through :mod:`auditor.probe.clients`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from auditor.device_model import Device, Negotiated, Offered
from auditor.probe.kexinit import PSEUDO_KEX
from auditor.probe.results import NoOverlap, Prediction

AEAD_CIPHERS = frozenset(
    {
        "chacha20-poly1305@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-gcm",
        "aes256-gcm",
        "AEAD_AES_128_GCM",
        "AEAD_AES_256_GCM",
    }
)
"""Ciphers whose integrity is built in, so the MAC name-list is not used (RFC 5647, OpenSSH PROTOCOL.chacha20poly1305)."""

IMPLICIT_MAC = "<implicit>"
"""The ``mac`` of a :class:`Negotiated` whose cipher is AEAD when no MAC overlap is required."""

_SIGNATURE_INCAPABLE = frozenset({"null"})
"""Host-key "algorithms" that cannot sign: only GSS-API key exchange works with them (RFC 4462 §5)."""


def _real(names: tuple[str, ...]) -> tuple[str, ...]:
    """Drop the pseudo-algorithms (strict kex, ext-info, kexguess2): markers, never chosen."""
    return tuple(n for n in names if n not in PSEUDO_KEX)


def _host_key_fits(kex: str, host_key: str) -> bool:
    """RFC 4253 §7.1: the host-key algorithm must suit the kex (signature-capable, except for GSS kex)."""
    return kex.startswith("gss-") or host_key not in _SIGNATURE_INCAPABLE


def _first_common(client: tuple[str, ...], server: tuple[str, ...]) -> str | None:
    """RFC 4253 §7.1: the first algorithm on the client's name-list that is also on the server's."""
    offered = set(server)
    return next((name for name in client if name in offered), None)


def _kex_and_host_key(client: Offered, server: Offered) -> tuple[str, str] | NoOverlap:
    """RFC 4253 §7.1: the first client kex the server lists that some common host-key algorithm suits, and that one.

    Returns:
        ``(kex, host_key)``, or a :class:`NoOverlap` on ``kex`` when the kex lists share nothing, else on
        ``host_key`` (the lists overlap but no common host-key algorithm suits a common kex).
    """
    kex_client, kex_server = _real(client.kex), _real(server.kex)
    common_hk = [h for h in client.host_key if h in set(server.host_key)]
    kex = next(
        (k for k in kex_client if k in set(kex_server) and any(_host_key_fits(k, h) for h in common_hk)),
        None,
    )
    if kex is None:
        if _first_common(kex_client, kex_server) is None:
            return NoOverlap("kex", kex_client, kex_server)
        return NoOverlap("host_key", client.host_key, server.host_key)
    return kex, next(h for h in common_hk if _host_key_fits(kex, h))


def _both_directions(client: Offered, server: Offered, categories: tuple[str, str]) -> dict[str, str] | NoOverlap:
    """The first common algorithm of each category (``cipher_c2s``, ``cipher_s2c``, ...), or the first :class:`NoOverlap`."""
    chosen: dict[str, str] = {}
    for category in categories:
        first = _first_common(getattr(client, category), getattr(server, category))
        if first is None:
            return NoOverlap(category, getattr(client, category), getattr(server, category))
        chosen[category] = first
    return chosen


def _mac(
    category: str,
    cipher: str,
    client: Offered,
    server: Offered,
    require_mac_with_aead: bool,
    implicit_mac_ciphers: frozenset[str],
) -> str | NoOverlap:
    """The MAC of one direction (``mac_c2s`` or ``mac_s2c``) given that direction's ``cipher``.

    :data:`IMPLICIT_MAC` when the client treats ``cipher`` as AEAD without a MAC (RFC 5647); else the
    first common MAC, or a :class:`NoOverlap` (Paramiko requires one even with AES-GCM).
    """
    implicit = not require_mac_with_aead and cipher in implicit_mac_ciphers
    chosen = _first_common(getattr(client, category), getattr(server, category))
    if chosen is None and not implicit:
        return NoOverlap(category, getattr(client, category), getattr(server, category))
    return IMPLICIT_MAC if implicit else str(chosen)


def negotiate(
    client: Offered,
    server: Offered,
    *,
    require_mac_with_aead: bool = True,
    implicit_mac_ciphers: frozenset[str] = AEAD_CIPHERS,
) -> Negotiated | NoOverlap:
    """Settle every category the way RFC 4253 §7.1 and Paramiko's ``Transport._parse_kex_init`` do.

    Kex: the first client kex algorithm the server also lists for which a compatible host-key algorithm
    is on both lists; host key: the first client host-key algorithm on the server's list compatible with
    that kex; cipher, MAC and compression: the first client algorithm the server also lists, checked in
    each direction. Pseudo-algorithms (``kex-strict-*-v00@openssh.com``, ``ext-info-*``,
    ``kexguess2@matt.ucc.asn.au``) are never chosen.

    Args:
        client: the client's name-lists in preference order (c2s is the client's sending direction).
        server: the server's name-lists.
        require_mac_with_aead: Paramiko (every release, AES-GCM included) fails with "no acceptable macs"
            when the MAC lists do not overlap even if the cipher is AEAD; pass False for RFC 5647 /
            OpenSSH semantics, where an AEAD cipher makes the MAC implicit.
        implicit_mac_ciphers: with ``require_mac_with_aead`` False, the AEAD ciphers the client uses without
            a MAC overlap (libssh2: AES-GCM only); default every AEAD cipher.

    Returns:
        The :class:`Negotiated` algorithms (cipher, MAC and compression client-to-server), or the first
        :class:`NoOverlap` in Paramiko's order: kex, host key, ciphers, MACs, compression.
    """
    kex_host_key = _kex_and_host_key(client, server)
    if isinstance(kex_host_key, NoOverlap):
        return kex_host_key
    ciphers = _both_directions(client, server, ("cipher_c2s", "cipher_s2c"))
    if isinstance(ciphers, NoOverlap):
        return ciphers
    macs: dict[str, str] = {}
    for category, cipher in (("mac_c2s", ciphers["cipher_c2s"]), ("mac_s2c", ciphers["cipher_s2c"])):
        mac = _mac(category, cipher, client, server, require_mac_with_aead, implicit_mac_ciphers)
        if isinstance(mac, NoOverlap):
            return mac
        macs[category] = mac
    compression = _both_directions(client, server, ("compression_c2s", "compression_s2c"))
    if isinstance(compression, NoOverlap):
        return compression
    return Negotiated(
        kex=kex_host_key[0],
        host_key=kex_host_key[1],
        cipher=ciphers["cipher_c2s"],
        mac=macs["mac_c2s"],
        compression=compression["compression_c2s"],
    )


def predict(
    paramiko_version: str,
    server: Offered,
    client: str = "paramiko",
    backend: Sequence[tuple[str, str]] = (),
    *,
    device: Device | None = None,
    known_hosts: Path | None = None,
    options: Sequence[tuple[str, str]] = (),
    disabled: Mapping[str, Sequence[str]] | None = None,
) -> Prediction:
    """Predict negotiation between a client release's default client and a server, from data (RFC 4253 §7.1).

    Args:
        paramiko_version: an exact release of ``client``, e.g. ``"5.1.0"`` (see
            :func:`auditor.probe.algorithms.known_releases`).
        server: the server's name-lists as its KEXINIT offered them.
        client: the client's registry name (:data:`auditor.probe.clients.CLIENTS`).
        backend: ``(package, version)`` of the client's backend (``cryptography``); empty: the newest
            the release allows (see :func:`auditor.probe.clients.interface.offer_for`).
        device: the device connected to, for a client whose offer depends on it (the system ssh's ssh_config).
        known_hosts: the known_hosts such a client reads for that device.
        options: the project's settings of the client (:attr:`ClientEnvironment.options`).
        disabled: ``disabled_algorithms`` the client's offer is narrowed by first (Paramiko's keys ``kex``,
            ``keys``, ``ciphers``, ``macs``, ``compression``; :func:`auditor.probe.narrowing.narrow`), or None.

    Returns:
        A :class:`Prediction`: the negotiated algorithms, or the category with no overlap.

    Raises:
        AuditorError: no data for that release (from the client's offer data).
        UsageError: no such client.
    """
    from auditor.probe.clients import get_client
    from auditor.probe.clients.interface import offer_for

    judged = get_client(client)
    # A client whose rule changed between releases (libssh 0.9.3) says so per release.
    per_release = getattr(judged, "requires_mac_with_aead", None)
    require = per_release(paramiko_version) if callable(per_release) else judged.require_mac_with_aead
    offer = offer_for(judged, paramiko_version, backend, device=device, known_hosts=known_hosts, options=options)
    if disabled:
        from auditor.probe.narrowing import narrow

        offer = narrow(offer, disabled)
    implicit = getattr(judged, "implicit_mac_ciphers", AEAD_CIPHERS)
    outcome = negotiate(offer, server, require_mac_with_aead=bool(require), implicit_mac_ciphers=frozenset(implicit))
    if isinstance(outcome, NoOverlap):
        return Prediction(paramiko=paramiko_version, negotiated=None, failure=outcome)
    return Prediction(paramiko=paramiko_version, negotiated=outcome, failure=None)
