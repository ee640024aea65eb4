"""Remediation on both sides of a verdict, from ``rules/remediation.toml``: the device-side line and client extras.

Pure: a recognized :class:`~auditor.device_model.Platform`, the failed category, the client's name-list and
what the device offers go in; a configuration line the platform can take (with its vendor source),
or the release that brings what the client needs, comes out. A name the platform's entry does not
list is never suggested (no ML-KEM for classic IOS). RFC 4253 §7.1: the client's first name the
server also offers wins, so one name both sides know is enough; the line keeps what the device
offers today after it, so clients that work today keep working.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from auditor.device_model import Platform
from auditor.model import Lockfile
from auditor.rules_data import load_toml

DATA_FILE = "remediation.toml"

CATEGORY_OF: Mapping[str, str] = {
    "kex": "kex",
    "host_key": "host_key",
    "cipher_c2s": "cipher",
    "cipher_s2c": "cipher",
    "mac_c2s": "mac",
    "mac_s2c": "mac",
}
""":data:`~auditor.device_model.CATEGORIES` name → the category word of ``rules/remediation.toml``."""

MARKERS: frozenset[str] = frozenset(
    {
        "ext-info-s",
        "ext-info-c",
        "kex-strict-s-v00@openssh.com",
        "kex-strict-c-v00@openssh.com",
        "kexguess2@matt.ucc.asn.au",
    }
)
"""Capability markers in kex name-lists (RFC 8308, OpenSSH PROTOCOL, Dropbear): never configured as algorithms."""

_RELEASE = re.compile(r"^(?:OpenSSH_|dropbear_)(\d+(?:\.\d+)+)")
"""The server release in an OpenSSH or Dropbear identification string (RFC 4253 §4.2 softwareversion)."""


@dataclass(frozen=True)
class Remedy:
    """One ``[[platform.remedy]]``: a configuration that makes the device offer some names in a category."""

    category: str
    offers: tuple[str, ...]
    """The names this remedy can make the device offer (nothing else is ever suggested)."""
    line: str
    """The configuration; ``{names}`` is replaced by the chosen name and what the device offers today."""
    source: str
    separator: str = " "
    tokens: Mapping[str, str] | None = None
    """SSH name → the platform's own keyword, where they differ."""
    since: Mapping[str, str] | None = None
    """SSH name → the first platform release that has it."""


@dataclass(frozen=True)
class Upgrade:
    """One ``[[platform.upgrade]]``: the release that brings a category's names when no configuration can."""

    category: str
    text: str
    source: str


@dataclass(frozen=True)
class DeviceAdvice:
    """What to change on the device for one failed category."""

    text: str
    """A configuration line, or the release that would help, in words."""
    source: str
    """The vendor's public document (URL)."""


@dataclass(frozen=True)
class ClientExtra:
    """An extra of a package the lock may hold that caps the SSH client (``netmiko[par4]``)."""

    package: str
    extra: str
    since: str
    client: str
    requires: str
    source: str


@dataclass(frozen=True)
class RemediationData:
    """``rules/remediation.toml``, parsed."""

    remedies: Mapping[str, tuple[Remedy, ...]]
    """Platform id → its remedies in file order."""
    upgrades: Mapping[str, tuple[Upgrade, ...]]
    extras: tuple[ClientExtra, ...]


def _text_map(value: Any) -> Mapping[str, str] | None:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None


def parse_remediation(data: Mapping[str, Any]) -> RemediationData:
    """Parse a loaded ``rules/remediation.toml``.

    Raises:
        ValueError: a remedy or upgrade lacks a field, names an unknown category, or its line has no
            ``{names}`` while it offers more than one name.
    """
    remedies: dict[str, tuple[Remedy, ...]] = {}
    upgrades: dict[str, tuple[Upgrade, ...]] = {}
    categories = set(CATEGORY_OF.values())
    for platform in data.get("platform", []):
        pid = str(platform.get("id", ""))
        try:
            items = [
                Remedy(
                    category=str(r["category"]),
                    offers=tuple(str(n) for n in r["offers"]),
                    line=str(r["line"]),
                    source=str(r["source"]),
                    separator=str(r.get("separator", " ")),
                    tokens=_text_map(r.get("tokens")),
                    since=_text_map(r.get("since")),
                )
                for r in platform.get("remedy", [])
            ]
            later = [Upgrade(str(u["category"]), str(u["text"]), str(u["source"])) for u in platform.get("upgrade", [])]
        except KeyError as exc:
            raise ValueError(f"rules/{DATA_FILE}: platform {pid or '?'}: missing {exc.args[0]}") from None
        unknown = [c for c in [r.category for r in items] + [u.category for u in later] if c not in categories]
        if unknown:
            raise ValueError(f"rules/{DATA_FILE}: platform {pid}: unknown category {unknown[0]!r}")
        for remedy in items:
            if "{names}" not in remedy.line and len(remedy.offers) != 1:
                raise ValueError(f"rules/{DATA_FILE}: platform {pid}: a fixed line must offer exactly one name")
        remedies[pid], upgrades[pid] = tuple(items), tuple(later)
    extras = tuple(
        ClientExtra(
            str(e["package"]), str(e["extra"]), str(e["since"]), str(e["client"]), str(e["requires"]), str(e["source"])
        )
        for e in data.get("client_extra", [])
    )
    return RemediationData(remedies, upgrades, extras)


@functools.cache
def remediation_data() -> RemediationData:
    """``rules/remediation.toml``, parsed once.

    Raises:
        ValueError: as :func:`parse_remediation` (a broken installation).
    """
    return parse_remediation(load_toml(DATA_FILE))


def _release(banner: str | None) -> Version | None:
    """The OpenSSH or Dropbear release in ``banner`` (``SSH-2.0-OpenSSH_9.2p1`` → 9.2), or None."""
    software = (banner or "").split("-", 2)[-1]
    match = _RELEASE.match(software)
    if match is None:
        return None
    try:
        return Version(match.group(1))
    except InvalidVersion:
        return None


def _available(remedy: Remedy, name: str, release: Version | None) -> bool:
    """Whether ``remedy`` can offer ``name`` on the device's release (unknown release: only when no ``since``)."""
    if name not in remedy.offers:
        return False
    since = (remedy.since or {}).get(name)
    if since is None:
        return True
    return release is not None and release >= Version(since)


def device_advice(
    platform: Platform | None,
    category: str,
    client: Sequence[str],
    offered: Sequence[str],
    banner: str | None = None,
    *,
    data: RemediationData | None = None,
) -> DeviceAdvice | None:
    """The device-side change that lets ``client`` negotiate ``category`` with this platform, or None.

    Args:
        platform: the recognized platform (None: nothing is suggested, the platform's abilities are unknown).
        category: a :data:`~auditor.device_model.CATEGORIES` name or a remediation category (``kex``, ``mac_c2s``).
        client: the client's name-list for the category, in preference order.
        offered: what the device offers in that category today, in its order.
        banner: the identification string, for the release a ``since`` compares with.
        data: remediation facts (default :func:`remediation_data`).

    Returns:
        The first remedy of the platform that can offer a name the client offers (the client's most
        preferred such name, then today's list without capability markers, in the platform's
        keywords), else the platform's upgrade note for the category, else None.
    """
    if platform is None:
        return None
    facts = remediation_data() if data is None else data
    word = CATEGORY_OF.get(category, category)
    release = _release(banner)
    for remedy in facts.remedies.get(platform.id, ()):
        if remedy.category != word:
            continue
        name = next((n for n in client if _available(remedy, n, release)), None)
        if name is None:
            continue
        # What the device offers today, it can take: kept after the new name so today's clients still work.
        kept = [n for n in offered if n != name and n not in MARKERS]
        tokens = remedy.tokens or {}
        names = remedy.separator.join(tokens.get(n, n) for n in (name, *kept))
        return DeviceAdvice(remedy.line.replace("{names}", names), remedy.source)
    upgrade = next((u for u in facts.upgrades.get(platform.id, ()) if u.category == word), None)
    return DeviceAdvice(upgrade.text, upgrade.source) if upgrade is not None else None


def device_without(
    platform: Platform | None,
    category: str,
    offered: Sequence[str],
    drop: Sequence[str],
    client: Sequence[str],
    *,
    data: RemediationData | None = None,
) -> DeviceAdvice | None:
    """The device-side line that stops offering ``drop`` in ``category`` while ``client`` still negotiates, or None.

    Args:
        platform: the recognized platform (None: nothing is suggested).
        category: a :data:`~auditor.device_model.CATEGORIES` name or a remediation category.
        offered: what the device offers in that category today, in its order.
        drop: the names to stop offering (Terrapin's exposed modes).
        client: the client's name-list for the category; one of the remaining names must be on it,
            or the line would cut the client off.
        data: remediation facts (default :func:`remediation_data`).

    Returns:
        The first remedy of the platform for the category that can take every remaining name.
    """
    if platform is None:
        return None
    facts = remediation_data() if data is None else data
    word = CATEGORY_OF.get(category, category)
    remaining = [n for n in offered if n not in drop and n not in MARKERS]
    if not remaining or not set(remaining) & set(client):
        return None
    for remedy in facts.remedies.get(platform.id, ()):
        if remedy.category == word and "{names}" in remedy.line and set(remaining) <= set(remedy.offers):
            tokens = remedy.tokens or {}
            names = remedy.separator.join(tokens.get(n, n) for n in remaining)
            return DeviceAdvice(remedy.line.replace("{names}", names), remedy.source)
    return None


def client_extra(
    lockfile: Lockfile | None, client: str, excluded: Version, *, data: RemediationData | None = None
) -> ClientExtra | None:
    """An extra of a locked package that keeps ``client`` below ``excluded``, when the locked release has it.

    Args:
        lockfile: the project's lock (None: no suggestion).
        client: the SSH client package (``paramiko``).
        excluded: the first client release that cannot negotiate; the extra's specifier must exclude it.
        data: remediation facts (default :func:`remediation_data`).

    Returns:
        The first matching ``[[client_extra]]`` (``netmiko[par4]`` for netmiko ≥ 4.8.0 and paramiko 5.0.0).
    """
    if lockfile is None:
        return None
    facts = remediation_data() if data is None else data
    for extra in facts.extras:
        locked = lockfile.packages.get(extra.package)
        if extra.client != client or locked is None:
            continue
        try:
            has_it = Version(locked.version) >= Version(extra.since)
            caps = not SpecifierSet(extra.requires).contains(excluded, prereleases=True)
        except (InvalidVersion, InvalidSpecifier):
            continue
        if has_it and caps:
            return extra
    return None
