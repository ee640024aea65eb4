"""Platform recognition: which network platform an SSH server most likely is, from ``rules/platforms.toml``.

Pure: the identification string (RFC 4253 §4.2), the KEXINIT name-lists (§7.1) and the inventory's
declared platform go in; a :class:`~auditor.device_model.Platform` with a certainty and a public source
comes out. Nothing here reads the network. ssh-audit's software recognition (``banner.py``,
``software.py``) is the model: a string pattern first, list traits where the string says too little.

It lives in the probe layer, beside the KEXINIT parser, because everything that judges a device
(the probe's results, the device rules' remediation, the formats) needs it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.device_model import DeviceResult, Offered, Platform
from auditor.rules_data import load_toml

DATA_FILE = "platforms.toml"

CERTAINTIES: tuple[str, ...] = ("high", "medium", "low")
"""Certainty words, surest first (``rules/platforms.toml`` defines each)."""

_CATEGORY_NAMES = {"kex": ("kex",), "host_key": ("host_key",), "cipher": ("cipher_c2s",), "mac": ("mac_c2s",)}
"""Category names used in ``rules/platforms.toml`` → the :class:`Offered` lists they test."""


@dataclass(frozen=True)
class _Match:
    """One ``[[platform.match]]``: every condition given must hold."""

    certainty: str
    banner: re.Pattern[str] | None
    any: Mapping[str, frozenset[str]]
    none: Mapping[str, frozenset[str]]

    def holds(self, software: str | None, offered: Offered | None, *, with_banner: bool = True) -> bool:
        """Whether the conditions hold (``with_banner`` False: the list traits only, for a declared platform)."""
        if with_banner and self.banner is not None and (software is None or not self.banner.search(software)):
            return False
        if (self.any or self.none) and offered is None:
            return False
        return all(_lists(offered, c) & names for c, names in self.any.items()) and not any(
            _lists(offered, c) & names for c, names in self.none.items()
        )

    def evidence(self, software: str | None) -> tuple[str, ...]:
        """What this match looked at, in words."""
        out: list[str] = []
        if self.banner is not None and software is not None:
            out.append(f"identification string {software}")
        out += [f"offers one of {', '.join(sorted(names))} ({category})" for category, names in self.any.items()]
        out += [f"offers none of {', '.join(sorted(names))} ({category})" for category, names in self.none.items()]
        return tuple(out)


@dataclass(frozen=True)
class PlatformEntry:
    """One ``[[platform]]`` of ``rules/platforms.toml``."""

    id: str
    title: str
    generic: bool
    """True for server software many platforms embed (OpenSSH): a declared platform wins over it."""
    device_types: frozenset[str]
    sources: tuple[str, ...]
    matches: tuple[_Match, ...]

    def value(self, certainty: str, evidence: Sequence[str]) -> Platform:
        """The entry as a :class:`Platform` with ``certainty`` and ``evidence``."""
        return Platform(self.id, self.title, certainty, tuple(evidence), self.sources[0])


def _lists(offered: Offered | None, category: str) -> frozenset[str]:
    if offered is None:
        return frozenset()
    return frozenset(name for attr in _CATEGORY_NAMES[category] for name in getattr(offered, attr))


def _names(table: Any, where: str) -> dict[str, frozenset[str]]:
    if table is None:
        return {}
    if not isinstance(table, dict) or any(c not in _CATEGORY_NAMES for c in table):
        raise ValueError(f"rules/{DATA_FILE}: {where}: categories are {', '.join(_CATEGORY_NAMES)}")
    return {c: frozenset(str(n) for n in names) for c, names in table.items()}


def parse_table(data: Mapping[str, Any]) -> tuple[PlatformEntry, ...]:
    """The ``[[platform]]`` entries of a parsed ``rules/platforms.toml``, in file order.

    Raises:
        ValueError: an entry lacks ``id``/``title``/``sources``, a certainty is not one of
            :data:`CERTAINTIES`, a category is unknown, or a banner is not a valid regex.
    """
    entries: list[PlatformEntry] = []
    for raw in data.get("platform", []):
        pid = str(raw.get("id", ""))
        if not pid or not raw.get("title") or not raw.get("sources"):
            raise ValueError(f"rules/{DATA_FILE}: every [[platform]] needs id, title and sources ({pid or '?'})")
        matches: list[_Match] = []
        for m in raw.get("match", []):
            certainty = str(m.get("certainty", ""))
            if certainty not in CERTAINTIES:
                raise ValueError(f"rules/{DATA_FILE}: {pid}: certainty {certainty!r} is not one of {CERTAINTIES}")
            try:
                banner = re.compile(m["banner"]) if "banner" in m else None
            except re.error as exc:
                raise ValueError(f"rules/{DATA_FILE}: {pid}: bad banner pattern: {exc}") from None
            matches.append(_Match(certainty, banner, _names(m.get("any"), pid), _names(m.get("none"), pid)))
        entries.append(
            PlatformEntry(
                id=pid,
                title=str(raw["title"]),
                generic=bool(raw.get("generic", False)),
                device_types=frozenset(str(t).lower() for t in raw.get("device_types", [])),
                sources=tuple(str(s) for s in raw["sources"]),
                matches=tuple(matches),
            )
        )
    return tuple(entries)


@functools.cache
def platform_table() -> tuple[PlatformEntry, ...]:
    """``rules/platforms.toml``, parsed once.

    Raises:
        ValueError: as :func:`parse_table` (a broken installation).
    """
    return parse_table(load_toml(DATA_FILE))


def software_of(banner: str | None) -> str | None:
    """The part of an identification string after ``SSH-2.0-`` (softwareversion and comments), RFC 4253 §4.2.

    ``SSH-1.99-`` (RFC 4253 §5.1) is accepted too; None when ``banner`` is None or not an SSH-2 string.
    """
    if banner is None:
        return None
    for prefix in ("SSH-2.0-", "SSH-1.99-"):
        if banner.startswith(prefix):
            return banner[len(prefix) :].strip()
    return None


def recognize(
    banner: str | None,
    offered: Offered | None,
    device_type: str | None = None,
    *,
    table: Sequence[PlatformEntry] | None = None,
) -> Platform | None:
    """The platform an SSH server most likely is.

    Specific platforms are tried first, in table order, each match in order (string pattern and
    list traits); the inventory's ``device_type`` raises a hit on the platform it names to ``high``,
    and wins over a generic one (OpenSSH) at ``medium`` when its list traits hold.

    Args:
        banner: the identification string (``SSH-2.0-Cisco-1.25``), or None when none was read.
        offered: the server's KEXINIT name-lists, or None.
        device_type: the inventory's declared platform (netmiko ``device_type``, ``ansible_network_os``), or None.
        table: the entries to use (default: :func:`platform_table`).

    Returns:
        The platform with its certainty, evidence and first source; None when nothing matches.
    """
    entries = platform_table() if table is None else table
    software = software_of(banner)
    declared = (device_type or "").strip().lower()
    for entry in sorted(entries, key=lambda e: e.generic):
        if entry.generic and declared:
            claimed = _declared(entries, declared, software, offered)
            if claimed is not None:
                return claimed
        for match in entry.matches:
            if match.holds(software, offered):
                evidence = list(match.evidence(software))
                certainty = match.certainty
                if declared in entry.device_types:
                    certainty = "high"
                    evidence.append(f"inventory platform {device_type}")
                return entry.value(certainty, evidence)
    return _declared(entries, declared, software, offered) if declared else None


def _declared(
    entries: Sequence[PlatformEntry], declared: str, software: str | None, offered: Offered | None
) -> Platform | None:
    """The first non-generic entry naming ``declared`` whose list traits hold (``medium``), or None."""
    for entry in entries:
        if entry.generic or declared not in entry.device_types:
            continue
        if entry.matches and not any(m.holds(software, offered, with_banner=False) for m in entry.matches):
            continue
        evidence = [f"inventory platform {declared}"]
        if software is not None:
            evidence.append(f"identification string {software}")
        return entry.value("medium", evidence)
    return None


def platform_of(result: DeviceResult) -> Platform | None:
    """``result.platform``, or the platform recognized from its banner, offered lists and declared type."""
    if result.platform is not None:
        return result.platform
    return recognize(result.banner, result.offered, result.device.device_type)
