"""The device side of the model: what an inventory names and what the probe learns of each device.

Frozen dataclasses, like :mod:`auditor.model`, kept apart from it for start-up: a run without devices
(the pre-commit hook's ``sshdrift lock``) never creates these classes. :class:`~auditor.model.Report`
carries :class:`DeviceResult` values in ``devices``; the JSON shapes are DESIGN.md's ("JSON report").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.choices import DeviceStatus as DeviceStatus  # re-exported: the status of a DeviceResult

CATEGORIES: tuple[str, ...] = (
    "kex",
    "host_key",
    "cipher_c2s",
    "cipher_s2c",
    "mac_c2s",
    "mac_s2c",
    "compression_c2s",
    "compression_s2c",
)
"""The eight algorithm name-lists of SSH_MSG_KEXINIT in wire order (RFC 4253 §7.1), minus languages."""


@dataclass(frozen=True)
class Offered:
    """The algorithm name-lists one side offers, each in preference order."""

    kex: tuple[str, ...] = ()
    host_key: tuple[str, ...] = ()
    cipher_c2s: tuple[str, ...] = ()
    cipher_s2c: tuple[str, ...] = ()
    mac_c2s: tuple[str, ...] = ()
    mac_s2c: tuple[str, ...] = ()
    compression_c2s: tuple[str, ...] = ()
    compression_s2c: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        """DESIGN shape: the eight lists keyed by category."""
        return {c: list(getattr(self, c)) for c in CATEGORIES}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Offered:
        """Inverse of :meth:`to_json`; missing categories are empty. Raises ``TypeError`` on bad shapes."""
        return cls(**{c: tuple(str(x) for x in data.get(c, ())) for c in CATEGORIES})


@dataclass(frozen=True)
class KexInit:
    """A parsed SSH_MSG_KEXINIT (RFC 4253 §7.1)."""

    cookie: bytes
    """The 16 random bytes after the message number."""
    offered: Offered
    languages_c2s: tuple[str, ...]
    languages_s2c: tuple[str, ...]
    first_kex_packet_follows: bool
    """True when the sender guessed the kex and its first kex packet follows (RFC 4253 §7.1)."""
    reserved: int = 0
    """The trailing ``uint32``, 0 by the standard (kept to tell odd servers apart)."""

    @property
    def strict_kex(self) -> bool:
        """Whether the server offers strict kex (Terrapin countermeasure, CVE-2023-48795)."""
        return "kex-strict-s-v00@openssh.com" in self.offered.kex

    @property
    def ext_info(self) -> bool:
        """Whether the server offers RFC 8308 extension negotiation (``ext-info-s``)."""
        return "ext-info-s" in self.offered.kex


@dataclass(frozen=True)
class Negotiated:
    """The algorithms both sides settle on (RFC 4253 §7.1); cipher and MAC client-to-server."""

    kex: str
    host_key: str
    cipher: str
    mac: str
    compression: str = "none"

    def to_json(self) -> dict[str, str]:
        """DESIGN shape: kex, host_key, cipher, mac (and compression)."""
        return {
            "kex": self.kex,
            "host_key": self.host_key,
            "cipher": self.cipher,
            "mac": self.mac,
            "compression": self.compression,
        }


@dataclass(frozen=True)
class Device:
    """One inventory entry: where to connect, and where it was declared."""

    name: str
    host: str
    port: int = 22
    jump: str | None = None
    """``[user@]host[:port]`` of the first gateway (ProxyJump), or None for a direct connection; ``jumps[0]``."""
    file: str | None = None
    """The inventory file that declared the device, as given on the command line."""
    line: int | None = None
    """1-based line of the entry in ``file``, when the format has lines."""
    device_type: str | None = None
    """The platform name (netmiko ``device_type``, Nornir ``platform``, Ansible ``ansible_network_os``), if any."""
    jumps: tuple[str, ...] = ()
    """The whole ProxyJump chain, first hop first, each ``[user@]host[:port]`` (ssh_config(5) ``ProxyJump``: each
    hop is reached through the one before it); empty for a direct connection. Never shortened: a probe that cannot
    open every hop must say so rather than use ``jump`` alone (issue 9 item 4)."""

    def __post_init__(self) -> None:
        """Keep ``jump`` and ``jumps`` one fact: given either, the other follows.

        Raises:
            ValueError: both given and ``jump`` is not the first hop of ``jumps``.
        """
        if self.jump and not self.jumps:
            object.__setattr__(self, "jumps", (self.jump,))
        elif self.jumps and self.jump is None:
            object.__setattr__(self, "jump", self.jumps[0])
        if self.jumps and self.jump != self.jumps[0]:
            raise ValueError(f"{self.name}: jump {self.jump!r} is not the first hop of {self.jumps!r}")


@dataclass(frozen=True)
class Platform:
    """The device platform recognized from its identification string and offered lists (``rules/platforms.toml``)."""

    id: str
    """The platform id in ``rules/platforms.toml`` (``cisco-ios``, ``openssh``)."""
    title: str
    certainty: str
    """``high`` | ``medium`` | ``low``: how sure the recognition is (``rules/platforms.toml`` says when each applies)."""
    evidence: tuple[str, ...]
    """What matched, in words (``identification string Cisco-1.25``, ``inventory device_type cisco_xe``)."""
    source: str
    """A public document that backs the recognition (URL)."""

    def to_json(self) -> dict[str, Any]:
        """``{"id", "title", "certainty", "evidence": [...], "source"}``."""
        return {
            "id": self.id,
            "title": self.title,
            "certainty": self.certainty,
            "evidence": list(self.evidence),
            "source": self.source,
        }


@dataclass(frozen=True)
class Verdict:
    """One client's judgement of one device: the JSON report's ``verdicts`` entry (schema_version 2)."""

    client: str
    """The client's registry name (``paramiko``)."""
    version: str | None
    """The client release judged (``5.1.0``)."""
    status: DeviceStatus
    backend: tuple[tuple[str, str], ...] = ()
    """``(package, version)`` of the backend the client ran with (``cryptography``), sorted; empty when unknown."""
    source: str | None = None
    """Where the version came from: ``uv.lock``, ``--paramiko 5.1.0``, ``installed in PATH``, ``fleet snapshot``."""
    backend_source: str | None = None
    """Where ``backend`` came from (``uv.lock``, ``installed in PATH``), or that none was pinned."""
    negotiated: Negotiated | None = None
    verified: bool = False
    """True when a real handshake of this client confirmed (or refuted) the prediction."""
    reasons: tuple[str, ...] = ()
    """This client's one-line reasons for a status other than compatible."""
    variant: str = ""
    """How the project's code configures the client for this verdict (``kex_algs='a,b'``), empty for its defaults:
    a client the code configures several ways has one verdict per way (see :attr:`auditor.model.Finding.key`)."""

    @property
    def finding_key(self) -> str | None:
        """:attr:`auditor.model.Finding.key` of this verdict's device findings.

        None for the primary client's defaults (the fingerprints they had before there were several clients), else
        the client, and the code's keywords when the verdict was judged with them (``asyncssh kex_algs='a,b'``).
        """
        if not self.variant:
            return None if self.client == PRIMARY_CLIENT else self.client
        return f"{self.client} {self.variant}"

    @property
    def label(self) -> str:
        """``asyncssh 2.24.1``, with ``with kex_algs='a,b'`` when the code configures it so: for messages."""
        return f"{self.client} {self.version}" + (f" with {self.variant}" if self.variant else "")

    @classmethod
    def from_json(cls, data: Any) -> Verdict:
        """The inverse of :meth:`to_json`, for saved reports.

        Raises:
            ValueError: not an object, or a member of the wrong type or value (the message names it).
        """
        if not isinstance(data, dict) or not isinstance(data.get("client"), str):
            raise ValueError("a verdict must be an object with a 'client' string")
        backend = data.get("backend") or {}
        reasons = data.get("reasons") or []
        negotiated = data.get("negotiated")
        if not isinstance(backend, dict) or not isinstance(reasons, list) or not isinstance(negotiated, dict | None):
            raise ValueError(f"verdict of {data['client']}: 'backend', 'reasons' or 'negotiated' has the wrong type")
        try:
            return cls(
                client=data["client"],
                version=str(data["version"]) if data.get("version") is not None else None,
                status=DeviceStatus(data.get("status")),
                backend=tuple(sorted((str(k), str(v)) for k, v in backend.items())),
                source=str(data["source"]) if data.get("source") is not None else None,
                backend_source=str(data["backend_source"]) if data.get("backend_source") is not None else None,
                negotiated=Negotiated(**{k: str(v) for k, v in negotiated.items()}) if negotiated else None,
                verified=bool(data.get("verified", False)),
                reasons=tuple(str(r) for r in reasons),
                variant=str(data.get("variant") or ""),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"verdict of {data['client']}: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        """``{"client", "version", "backend": {package: version}, "backend_source", "source", "status", ...}``.

        The rest: ``"negotiated"``, ``"verified"``, ``"reasons"``, and ``"variant"`` when the project's code
        configures the client (``"kex_algs='a,b'"``).
        """
        return {
            "client": self.client,
            "version": self.version,
            "backend": dict(self.backend),
            "backend_source": self.backend_source,
            "source": self.source,
            "status": self.status.value,
            "negotiated": self.negotiated.to_json() if self.negotiated else None,
            "verified": self.verified,
            "reasons": list(self.reasons),
            **({"variant": self.variant} if self.variant else {}),
        }


@dataclass(frozen=True)
class GatewayKeyChange:
    """A jump host on a device's ProxyJump chain whose host key is not the one known_hosts holds (same key type)."""

    gateway: str
    """The hop as the chain writes it (``[user@]host[:port]``)."""
    host: str
    port: int
    key_type: str
    """The key type compared (``ssh-ed25519``)."""
    seen: str
    """``SHA256:`` fingerprint of the key the gateway presented."""
    file: str
    """The known_hosts file compared with."""
    known: tuple[str, ...] = ()
    """``SHA256:`` fingerprints known_hosts holds for that gateway and key type."""
    line: int | None = None
    """1-based known_hosts line of the first such key, when known."""


PRIMARY_CLIENT = "paramiko"
"""The client whose verdict the v1 device fields (``paramiko``, ``negotiated``, ``verified``, ``reasons``) carry."""


@dataclass(frozen=True)
class DeviceResult:
    """What the probe learnt about one device; the status and v1 fields are the primary client's verdict."""

    device: Device
    status: DeviceStatus
    banner: str | None = None
    """The server's identification string (RFC 4253 §4.2), without CR LF; kept whenever it was read."""
    offered: Offered | None = None
    paramiko: str | None = None
    """The Paramiko version judged against (``5.1.0``)."""
    negotiated: Negotiated | None = None
    verified: bool = False
    """True when a real Paramiko handshake confirmed (or refuted) the prediction."""
    reasons: tuple[str, ...] = ()
    """One-line reasons for a status other than compatible (e.g. Paramiko's "no acceptable kex algorithm")."""
    host_key_fingerprint: str | None = None
    """``SHA256:...`` of the host key seen in the verified handshake."""
    strict_kex: bool | None = None
    """Whether the server offered ``kex-strict-s-v00@openssh.com`` (Terrapin, CVE-2023-48795); None if not grabbed."""
    predicted: DeviceStatus | None = None
    """What the data predicted, when it differs from a verified status (a bug in our data)."""
    probed_at: str | None = None
    """ISO 8601 UTC time of the grab."""
    platform: Platform | None = None
    """The platform recognized from ``banner`` and ``offered`` (and the inventory's ``device_type``), if any."""
    verdicts: tuple[Verdict, ...] = ()
    """One verdict per client judged; empty means only the primary client's, read from the v1 fields."""
    server_sig_algs: tuple[str, ...] | None = None
    """The server's RFC 8308 ``server-sig-algs`` seen in the verified handshake (``()``: it sent none); None: not read."""
    gateway_key_changed: GatewayKeyChange | None = None
    """A gateway of the device's chain showed another host key than known_hosts' (the device was not reached)."""
    host_keys: tuple[tuple[str, str], ...] = ()
    """``(key type, base64 blob)`` of every host key a verified handshake saw (one per client that negotiated),
    for ``--write-known-hosts``; not in the JSON report."""

    @property
    def judged(self) -> tuple[Verdict, ...]:
        """Every client's verdict: :attr:`verdicts`, or the primary client's made from the v1 fields."""
        if self.verdicts:
            return self.verdicts
        if self.paramiko is None:
            return ()
        primary = Verdict(
            client=PRIMARY_CLIENT,
            version=self.paramiko,
            status=self.status,
            negotiated=self.negotiated,
            verified=self.verified,
            reasons=self.reasons,
        )
        return (primary,)

    def to_json(self) -> dict[str, Any]:
        """DESIGN shape of one ``devices`` entry: v1 fields (primary client), ``verdicts``, fingerprint, time, platform."""
        return {
            "name": self.device.name,
            "host": self.device.host,
            "port": self.device.port,
            "jump": ",".join(self.device.jumps) or None,
            "status": self.status.value,
            "banner": self.banner,
            "offered": self.offered.to_json() if self.offered else None,
            "paramiko": self.paramiko,
            "negotiated": self.negotiated.to_json() if self.negotiated else None,
            "verified": self.verified,
            "reasons": list(self.reasons),
            "verdicts": [verdict.to_json() for verdict in self.judged],
            "host_key_fingerprint": self.host_key_fingerprint,
            "strict_kex": self.strict_kex,
            "predicted": self.predicted.value if self.predicted else None,
            "probed_at": self.probed_at,
            "platform": self.platform.to_json() if self.platform else None,
            "server_sig_algs": list(self.server_sig_algs) if self.server_sig_algs is not None else None,
        }
