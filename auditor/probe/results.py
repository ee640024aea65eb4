"""Intermediate probe values shared by the grab, the prediction and the verification.

These never leave the probe: :mod:`auditor.probe.service` folds them into
:class:`auditor.device_model.DeviceResult` and its :class:`auditor.device_model.Verdict` values.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.device_model import Device, DeviceStatus, GatewayKeyChange, KexInit, Negotiated

CATEGORY_LABELS = {
    "kex": "kex algorithm",
    "host_key": "host key",
    "cipher_c2s": "ciphers",
    "cipher_s2c": "ciphers",
    "mac_c2s": "macs",
    "mac_s2c": "macs",
    "compression_c2s": "compression",
    "compression_s2c": "compression",
}
"""Words Paramiko uses in its "no acceptable ..." messages, by category (our reasons use them for every client)."""

CERTIFICATE_SUFFIX = "-cert-v01@openssh.com"
"""Suffix of OpenSSH certificate host-key algorithms (OpenSSH PROTOCOL.certkeys)."""


@dataclass(frozen=True)
class Grabbed:
    """A server's identification string and first KEXINIT, read without credentials."""

    device: Device
    banner: str
    """The server's identification string, without CR LF (RFC 4253 §4.2)."""
    kexinit: KexInit
    payload: bytes
    """The raw SSH_MSG_KEXINIT payload (message number 20 first)."""
    elapsed: float
    """Seconds from connect to KEXINIT."""
    probed_at: str
    """ISO 8601 UTC time of the connect."""


@dataclass(frozen=True)
class Unreachable:
    """No complete SSH conversation happened: refused, timeout, DNS failure, reset before the banner."""

    device: Device
    reason: str
    """One line, e.g. ``connection refused`` or ``timeout after 5 s while connecting``."""
    probed_at: str
    """ISO 8601 UTC time of the attempt."""
    banner: str | None = None
    """The identification string, when it came before the server stalled."""


@dataclass(frozen=True)
class ProtocolFailure:
    """The peer answered but broke the protocol (not SSH, SSH-1 only, bad packet, bad KEXINIT)."""

    device: Device
    reason: str
    """The :class:`~auditor.errors.ProtocolError` message (one line)."""
    banner: str | None
    """The identification string, when the server got that far."""
    probed_at: str
    """ISO 8601 UTC time of the connect."""
    gateway_key: GatewayKeyChange | None = None
    """Set when the failure is a jump host's changed host key (the device itself was never reached)."""


GrabResult = Grabbed | Unreachable | ProtocolFailure


@dataclass(frozen=True)
class NoOverlap:
    """Negotiation failed in ``category``: no algorithm is on both lists."""

    category: str
    """The :data:`~auditor.device_model.CATEGORIES` name that failed (``kex``, ``host_key``, ``mac_c2s`` ...)."""
    client: tuple[str, ...]
    """The client's name-list for that category, in preference order."""
    server: tuple[str, ...]
    """The server's name-list for that category, as offered."""

    def reason(self, version: str, client: str = "paramiko") -> str:
        """Paramiko-style one-line reason naming both sides' lists and the client release (``paramiko 5.1.0``).

        The server's list is given in full (it is the device's evidence). Paramiko's host-key list
        carries a ``-cert-v01@openssh.com`` variant of every key type (PROTOCOL.certkeys), which no
        device without host certificates can use; they are counted, not named, so the line stays
        readable. ``client`` keeps them all.
        """
        label = CATEGORY_LABELS.get(self.category, self.category)
        server = ", ".join(self.server) or "nothing"
        plain = [name for name in self.client if not name.endswith(CERTIFICATE_SUFFIX)]
        offers = ", ".join(plain or self.client) or "nothing"
        if plain and len(plain) < len(self.client):
            offers += f" and {len(self.client) - len(plain)} {CERTIFICATE_SUFFIX} variants"
        return f"no acceptable {label}: server offers {server}; {client} {version} offers {offers}"


@dataclass(frozen=True)
class Prediction:
    """What negotiation between a client release's default client and a server gives, from data."""

    paramiko: str
    """The client release predicted for (``5.1.0``); the name stays from when Paramiko was the only client."""
    negotiated: Negotiated | None
    """The algorithms agreed, or None on failure."""
    failure: NoOverlap | None
    """The first category without overlap, in Paramiko's order, or None."""

    @property
    def status(self) -> DeviceStatus:
        """``compatible`` when every category overlaps, else ``incompatible``."""
        return DeviceStatus.COMPATIBLE if self.failure is None else DeviceStatus.INCOMPATIBLE


@dataclass(frozen=True)
class ServerHello:
    """What a server sent on a verification handshake's own connection, recorded as the bytes passed.

    The client's handshake reads the server's identification string and KEXINIT anyway (RFC 4253 §4.2,
    §7.1); recording them lets one TCP connection serve both the grab and the verification
    (:func:`auditor.probe.grab.grab_from_hello` parses them with our own reader).
    """

    started_at: float
    """Epoch seconds (UTC) of the connect attempt."""
    connected: bool
    """Whether the TCP connection (or jump-host channel) was established."""
    chunks: tuple[tuple[float, bytes], ...] = ()
    """``(seconds since connected, bytes)`` of every read, in order, up to a bound (about 400 KB)."""
    ended: str | None = None
    """``eof`` or ``reset`` when the server ended the connection during the handshake, else None."""
    timed_out: bool = False
    """Whether the handshake (or the connect, when not ``connected``) ran out of its time."""


@dataclass(frozen=True)
class HandshakeOutcome:
    """The result of one client's real handshake (no authentication) against one device."""

    device: Device
    status: DeviceStatus
    version: str
    """The client release that ran it (``5.1.0``)."""
    negotiated: Negotiated | None = None
    reason: str | None = None
    """The client's one-line failure (``Incompatible ssh peer (no acceptable macs)``), None when compatible."""
    host_key_type: str | None = None
    """The host-key algorithm name of the key received (``ssh-ed25519``)."""
    host_key_base64: str | None = None
    """The server's public host key blob, base64, for known_hosts comparison."""
    host_key_fingerprint: str | None = None
    """``SHA256:<base64 without padding>`` as OpenSSH prints it."""
    banner: str | None = None
    """The server's identification string as the client read it."""
    server_sig_algs: tuple[str, ...] | None = None
    """The server's RFC 8308 ``server-sig-algs`` (``()`` when it sent none), None when this client cannot tell."""
    client: str = "paramiko"
    """The client's registry name."""
    hello: ServerHello | None = None
    """The server's bytes as the handshake read them (:attr:`VerifyOptions.record_hello`), else None."""
