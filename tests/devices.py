"""The device profiles the tests check against: project data in ``fixtures/devices/*.toml``.

Each file holds one profile: what a device offers in its SSH_MSG_KEXINIT (RFC 4253 §7.1), with its
sources and a certainty per list, how the test lab emulates it (an OpenSSH 9.2 ``sshd_config``
fragment or a real Dropbear build), and the outcome of each Paramiko release's default client
against that emulation. ``fixtures/devices/README.md`` describes the fields. Pytest-free, so
benchmarks and scripts can use it too.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.device_model import Offered

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEVICES = Path(__file__).resolve().parents[1] / "fixtures" / "devices"
"""The directory of profile files."""

CATEGORIES = ("kex", "host_key", "cipher", "mac")
"""The name-list categories a profile records, in KEXINIT order (compression is always ``none``)."""

SERVABLE: dict[str, frozenset[str]] = {
    "rsa": frozenset({"ssh-rsa", "rsa-sha2-256", "rsa-sha2-512"}),
    "ecdsa": frozenset({"ecdsa-sha2-nistp256"}),
    "ed25519": frozenset({"ssh-ed25519"}),
    "dsa": frozenset({"ssh-dss"}),
}
"""Host-key type → the host-key algorithms sshd can offer with one such key (the lab makes 256-bit ECDSA keys)."""


@dataclass(frozen=True)
class Outcome:
    """What one Paramiko release's default client did against the emulation.

    Exactly one of ``failure`` and (``kex``, ``host_key``) is set.
    """

    paramiko: str
    """The release, e.g. ``5.1.0``."""
    kex: str | None = None
    """Agreed kex algorithm when the handshake completed."""
    host_key: str | None = None
    """Agreed host-key algorithm when the handshake completed."""
    failure: str | None = None
    """Category with nothing in common (``kex``, ``host_key``, ``cipher``, ``mac``) when it failed."""

    @property
    def ok(self) -> bool:
        """True when the handshake completed."""
        return self.failure is None


@dataclass(frozen=True)
class DeviceProfile:
    """One profile file, read."""

    id: str
    title: str
    origin: str
    """``vendor``, ``dropbear-build`` or ``ours``."""
    banner: str | None
    sources: tuple[str, ...]
    offered: dict[str, tuple[str, ...]] | None
    """Category → the device's name-list in its order; None when the profile does not pin them."""
    certainty: dict[str, str]
    """Category → ``high``, ``medium``, ``guess`` or ``ours``."""
    server: str
    """``openssh-9.2`` or ``dropbear-YYYY.NN``."""
    host_keys: tuple[str, ...]
    """Host-key types the emulation holds: ``rsa``, ``ecdsa``, ``ed25519``, ``dsa``."""
    sshd_config: tuple[str, ...] | None
    """The OpenSSH 9.2 lines of the emulation; None for a Dropbear build."""
    not_in_openssh: tuple[str, ...]
    """Offered names OpenSSH 9.2 lacks, left out of ``sshd_config``."""
    outcomes: tuple[Outcome, ...]

    def outcome(self, paramiko: str) -> Outcome:
        """The recorded outcome for Paramiko ``paramiko``.

        Raises:
            LookupError: no outcome is recorded for that release.
        """
        for outcome in self.outcomes:
            if outcome.paramiko == paramiko:
                return outcome
        raise LookupError(f"{self.id}: no outcome recorded for paramiko {paramiko}")

    def emulated_offer(self) -> Offered | None:
        """The lists the emulated server sends (what the recorded outcomes were negotiated against).

        For an OpenSSH emulation: the ``sshd_config`` lists, host-key algorithms narrowed to the
        held key types; for a Dropbear build: the device lists. None for OpenSSH's own defaults.
        """
        if self.sshd_config is None:
            assert self.offered is not None, self.id
            kex, host_key, cipher, mac = (self.offered[c] for c in CATEGORIES)
        else:
            config = dict(line.split(None, 1) for line in self.sshd_config)
            if not config:
                return None
            servable = frozenset().union(*(SERVABLE[k] for k in self.host_keys))
            kex = tuple(config["KexAlgorithms"].split(","))
            host_key = tuple(h for h in config["HostKeyAlgorithms"].split(",") if h in servable)
            cipher = tuple(config["Ciphers"].split(","))
            mac = tuple(config["MACs"].split(","))
        return Offered(kex, host_key, cipher, cipher, mac, mac, ("none",), ("none",))


def _outcomes(table: dict[str, Any]) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(paramiko=version, kex=v.get("kex"), host_key=v.get("host_key"), failure=v.get("failure"))
        for version, v in table.items()
    )


def _parse(path: Path) -> DeviceProfile:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    emulation = data["emulation"]
    offered = data.get("offered")
    config = emulation.get("sshd_config")
    profile = DeviceProfile(
        id=data["id"],
        title=data["title"],
        origin=data["origin"],
        banner=data.get("banner"),
        sources=tuple(data["sources"]),
        offered=None if offered is None else {c: tuple(offered[c]) for c in CATEGORIES},
        certainty=dict(data.get("certainty", {})),
        server=emulation["server"],
        host_keys=tuple(emulation["host_keys"]),
        sshd_config=None if config is None else tuple(config),
        not_in_openssh=tuple(emulation.get("not_in_openssh", ())),
        outcomes=_outcomes(data.get("outcome", {})),
    )
    if profile.id != path.stem:
        raise ValueError(f"{path}: id {profile.id!r} differs from the file name")
    return profile


@functools.cache
def profiles() -> dict[str, DeviceProfile]:
    """Every profile in ``fixtures/devices/``, by id, sorted by id.

    Raises:
        ValueError: a file's ``id`` differs from its name.
        KeyError: a file lacks a required field.
    """
    return {p.stem: _parse(p) for p in sorted(DEVICES.glob("*.toml"))}


def profile(profile_id: str) -> DeviceProfile:
    """The profile ``profile_id``.

    Raises:
        KeyError: no such profile file.
    """
    return profiles()[profile_id]
