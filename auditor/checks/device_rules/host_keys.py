"""known_hosts' verdict on the host keys verified handshakes saw: part of the rule context of a run with devices.

Kept apart from :mod:`auditor.checks.context` for start-up: a run without devices (the pre-commit hook's
``lock``) never creates these classes. The key type compared follows RFC 8332 (``rsa-sha2-*`` sign with
``ssh-rsa`` keys); the lookup itself is the probe's (:func:`auditor.probe.known_hosts.load_known_hosts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from auditor.device_model import DeviceResult

_KEY_TYPES = {
    "rsa-sha2-256": "ssh-rsa",
    "rsa-sha2-512": "ssh-rsa",
    "rsa-sha2-256-cert-v01@openssh.com": "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com": "ssh-rsa-cert-v01@openssh.com",
}
"""Host-key algorithm → key type where they differ (RFC 8332: rsa-sha2-* sign with ``ssh-rsa`` keys)."""


def key_type_of(host_key_algorithm: str) -> str:
    """The key type (known_hosts field) behind a negotiated host-key algorithm (RFC 8332 §3)."""
    return _KEY_TYPES.get(host_key_algorithm, host_key_algorithm)


class HostKeyCheckLike(Protocol):
    """What a known_hosts lookup answers (status ``match`` | ``changed`` | ``unknown``, known fingerprints, line)."""

    @property
    def status(self) -> str:
        """``match`` | ``changed`` | ``unknown``."""

    @property
    def known(self) -> tuple[str, ...]:
        """``SHA256:`` fingerprints of the known keys of that type."""

    @property
    def line(self) -> int | None:
        """1-based line of the first known key of that type, when known."""


class KnownHostsFile(Protocol):
    """A loaded known_hosts file (:class:`auditor.probe.known_hosts.KnownHosts` is one)."""

    path: Path

    def check(self, host: str, port: int, key_type: str, seen: str) -> HostKeyCheckLike:
        """known_hosts' verdict on key ``seen`` (``SHA256:`` fingerprint) of type ``key_type`` for ``host``:``port``."""
        ...


@dataclass(frozen=True)
class HostKeyVerdict:
    """known_hosts' verdict on the host key one verified handshake saw."""

    status: str
    """``match`` | ``changed`` (known keys of that type, none equal) | ``unknown`` (no key of that type)."""
    key_type: str
    """The key type compared (``ssh-rsa`` for an ``rsa-sha2-512`` handshake, RFC 8332)."""
    file: str
    """The known_hosts file, as given or found (``~/.ssh/known_hosts``)."""
    known: tuple[str, ...] = ()
    """``SHA256:`` fingerprints of the known keys of that type."""
    line: int | None = None
    """1-based line of the first known key of that type, when known."""


def device_key(result: DeviceResult) -> tuple[str, str, int]:
    """``(name, host, port)``: how :attr:`RuleContext.host_keys` is keyed."""
    return (result.device.name, result.device.host, result.device.port)


def host_key_verdicts(
    devices: Sequence[DeviceResult], known_hosts: KnownHostsFile | None
) -> dict[tuple[str, str, int], HostKeyVerdict]:
    """:func:`device_key` → ``known_hosts``' verdict for each device whose handshake saw a host key.

    Args:
        devices: device results; those without a fingerprint or negotiated host-key algorithm are left out.
        known_hosts: a loaded known_hosts file (``check(host, port, key_type, fingerprint)``), or None for none.
    """
    if known_hosts is None:
        return {}
    out: dict[tuple[str, str, int], HostKeyVerdict] = {}
    for result in devices:
        if result.host_key_fingerprint is None or result.negotiated is None:
            continue
        key_type = key_type_of(result.negotiated.host_key)
        check = known_hosts.check(result.device.host, result.device.port, key_type, result.host_key_fingerprint)
        out[device_key(result)] = HostKeyVerdict(check.status, key_type, str(known_hosts.path), check.known, check.line)
    return out
