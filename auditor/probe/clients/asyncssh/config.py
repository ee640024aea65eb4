"""What asyncssh offers a host after the algorithm lines of the ssh_config files it reads.

asyncssh reads OpenSSH client configuration itself (``asyncssh.connect(config=...)``; with no ``config``
argument it loads ``~/.ssh/config`` when that file is readable, never ``/etc/ssh/ssh_config``), and its
``KexAlgorithms``, ``Ciphers``, ``MACs`` and ``HostKeyAlgorithms`` change the KEXINIT it sends, unlike
Paramiko's. asyncssh's rules (its ``connection.py``, ``_expand_algs`` and ``_select_algs``, 2.3.0 and later,
:data:`CONFIG_SINCE`; earlier releases read no ssh_config at all):

* the first value obtained for a keyword wins, over the files in order and the ``Host``/``Match`` blocks
  that apply to the host as the caller names it: asyncssh's own parser reads the files
  (:func:`algorithm_values`), so its matching rules are the ones applied;
* a value is a comma-separated list of patterns with ``*`` and ``?`` (``WildcardPattern``), each standing
  for every algorithm the release implements that it matches (a pattern matching none is skipped);
* a leading ``+`` appends the matches to the default list, ``-`` removes them from it, ``^`` puts them
  first; without a prefix the matches are the whole list; duplicates keep their first place;
* ``Ciphers`` and ``MACs`` apply to both directions.

The pseudo-algorithms asyncssh adds to its kex list on the wire (``ext-info-c``,
``kex-strict-c-v00@openssh.com``) are not algorithms and stay at the end of the list as captured.
Matches of one wildcard follow this data's (alphabetical) order of what the release implements, where
asyncssh follows its own registration order: only the preferred algorithm among several that one
wildcard adds can differ, never whether the list reaches a server.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from auditor.device_model import Offered
from auditor.errors import ConfigError

CONFIG_SINCE = "2.3.0"
"""The first asyncssh release that reads ssh_config (its ``config.py`` and ``connect(config=...)``; 2.2.1 has neither:
checked by importing both releases from the package index, 2026-12-02)."""

CONFIG_OPTION = "ssh_config"
"""The :attr:`~auditor.probe.clients.interface.ClientEnvironment.options` key of each ssh_config file asyncssh reads."""

FIELDS: Mapping[str, tuple[str, ...]] = {
    "kex": ("kex",),
    "host_key": ("host_key",),
    "cipher": ("cipher_c2s", "cipher_s2c"),
    "mac": ("mac_c2s", "mac_s2c"),
}
"""Category of what a release implements → the :class:`Offered` fields one list of it sets (both directions)."""

CONFIG_KEYWORDS: Mapping[str, str] = {
    "kexalgorithms": "kex",
    "hostkeyalgorithms": "host_key",
    "ciphers": "cipher",
    "macs": "mac",
}
"""ssh_config keyword (lower case) → its category."""

CODE_KEYWORDS: Mapping[str, str] = {
    "kex_algs": "kex",
    "server_host_key_algs": "host_key",
    "encryption_algs": "cipher",
    "mac_algs": "mac",
}
"""asyncssh's ``connect`` keyword → its category."""

MARKERS = frozenset({"ext-info-c", "kex-strict-c-v00@openssh.com"})
"""Names asyncssh appends to its kex list that are signals, not algorithms (RFC 8308 §2.1, OpenSSH PROTOCOL)."""


def default_config_files(home: Path | None = None) -> tuple[Path, ...]:
    """The files asyncssh reads when the caller gives none: ``~/.ssh/config`` when readable, else none.

    Args:
        home: the home directory (default the user's, ``~``).

    Returns:
        ``(home/.ssh/config,)`` when that file is readable, else ``()``.
    """
    path = (home if home is not None else Path("~").expanduser()) / ".ssh" / "config"
    return (path,) if os.access(path, os.R_OK) else ()


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern))


def expand(value: str, default: Sequence[str], supported: Sequence[str]) -> tuple[str, ...]:
    """The list asyncssh uses for one config ``value`` (see the module docstring).

    Args:
        value: the keyword's value, e.g. ``+diffie-hellman-group14-sha1,ssh-rsa``.
        default: the release's default list for the category, in preference order, without markers.
        supported: every algorithm of the category the release implements.

    Returns:
        The algorithms in preference order; may be empty (asyncssh then refuses to connect).
    """
    if value == "default":
        return tuple(default)  # asyncssh's _select_algs: "default" is the release's default list
    prefix = value[:1] if value[:1] in ("+", "-", "^") else ""
    matched: list[str] = []
    for pattern in value[len(prefix) :].split(","):
        regex = _wildcard(pattern)  # as asyncssh: a space stays part of the pattern
        matched += [name for name in supported if regex.fullmatch(name)]
    if prefix == "^":
        names = [*matched, *default]
    elif prefix == "+":
        names = [*default, *matched]
    elif prefix == "-":
        names = [name for name in default if name not in matched]
    else:
        names = matched
    return tuple(dict.fromkeys(names))


_SPELLING = {
    "kexalgorithms": "KexAlgorithms",
    "hostkeyalgorithms": "HostKeyAlgorithms",
    "ciphers": "Ciphers",
    "macs": "MACs",
}
"""Our lower-case keyword (:data:`CONFIG_KEYWORDS`) → asyncssh's spelling of it in its parsed configuration."""


@functools.lru_cache(maxsize=8192)
def algorithm_values(files: tuple[Path, ...], host: str, port: int = 22) -> tuple[tuple[str, str], ...]:
    """The algorithm keywords (lower case) that ``files`` set for ``host``:``port``, as asyncssh reads them.

    asyncssh's own parser decides (its public ``SSHClientConnectionOptions(config=...)``, with no credentials
    and no known_hosts): its ``Host`` and ``Match`` matching (case-sensitive patterns, comma lists, ``!``
    criteria, ``Match host`` against ``HostName``, ``%h``), its ``Include`` rules and "the first value obtained
    wins". Only the values are taken; what they mean for a release is :func:`expand`'s (that release's data).

    Args:
        files: the ssh_config files, in the order asyncssh reads them.
        host: the host as the inventory names it.
        port: the device's port (``Match`` may test it).

    Returns:
        E.g. ``(("kexalgorithms", "+diffie-hellman-group14-sha1"),)``; only keywords the files set for the host
        (a tuple: the result is cached and shared). sshdrift's own asyncssh parses, whatever release is judged
        (2.3.0 to 2.24.1 read these four keywords alike); ``Match final`` re-matching is not followed, and a
        ``Match exec`` command runs, as asyncssh would run it.

    Raises:
        ConfigError: asyncssh cannot read a file (the message names that file and asyncssh's reason).
    """
    try:
        settings = _parsed(files, host, port)
    except (OSError, ValueError) as exc:
        bad = next((path for path in files if _unreadable(path, host, port)), files[0] if files else Path("ssh_config"))
        raise ConfigError(
            f"{bad}: asyncssh cannot read it ({exc}); fix the file or pass another --ssh-config"
        ) from None
    out: list[tuple[str, str]] = []
    for keyword, spelling in _SPELLING.items():
        value = settings.get(spelling)
        if isinstance(value, str) and value:
            out.append((keyword, value))
    return tuple(out)


def _parsed(files: tuple[Path, ...], host: str, port: int) -> Any:
    """The configuration asyncssh parses from ``files`` for ``host``:``port`` (no credentials, no known_hosts).

    Raises:
        OSError, ValueError: asyncssh cannot read a file (its ``ConfigParseError`` is a ValueError).
    """
    import asyncssh  # sshdrift's own asyncssh reads the files; the judged release's data expands the values

    built = asyncssh.SSHClientConnectionOptions(
        config=[str(path) for path in files],
        host=host,
        port=port,
        known_hosts=None,
        password=None,
        client_keys=None,
        agent_path=None,
    )
    return built.config


def _unreadable(path: Path, host: str, port: int) -> bool:
    """Whether asyncssh fails on ``path`` read alone (to name the culprit of several files)."""
    try:
        _parsed((path,), host, port)
    except (OSError, ValueError):
        return True
    return False


GENERIC_HOST = "sshdrift.invalid"
"""The host name a configuration is checked for (RFC 6761): only ``Host *`` and its like match it."""


def check_config(files: Sequence[Path]) -> None:
    """Parse ``files`` once as asyncssh will, so that a file it rejects stops the run before any device is probed.

    Raises:
        ConfigError: asyncssh cannot read a file (exit 3; the message names it).
    """
    if files:
        algorithm_values(tuple(files), GENERIC_HOST)


def configured_offer(
    offer: Offered, supported: Mapping[str, Sequence[str]], files: Sequence[Path], host: str, port: int = 22
) -> Offered:
    """``offer`` (the release's default KEXINIT) after the algorithm lines ``files`` set for ``host``.

    Args:
        offer: the release's captured default offer (markers included).
        supported: what the release implements by category (``kex``, ``host_key``, ``cipher``, ``mac``).
        files: the ssh_config files asyncssh reads, in order.
        host: the host as the inventory names it (``Host`` patterns match it).
        port: the device's port.

    Returns:
        The offer asyncssh sends that host (:func:`algorithm_values` read by asyncssh, :func:`expand` per release).

    Raises:
        ConfigError: asyncssh cannot read a file.
    """
    values = [(CONFIG_KEYWORDS[keyword], value) for keyword, value in algorithm_values(tuple(files), host, port)]
    return _expanded(offer, offer, supported, values)


def _expanded(
    offer: Offered, base: Offered, supported: Mapping[str, Sequence[str]], values: Sequence[tuple[str, str]]
) -> Offered:
    """``offer`` with each ``(category, value)`` of ``values`` expanded (:func:`expand`) against ``base``'s list.

    Markers of ``offer`` stay at the end of its kex list, as asyncssh appends them when it sends its KEXINIT.
    """
    changes: dict[str, tuple[str, ...]] = {}
    for category, value in values:
        fields = FIELDS[category]
        markers = tuple(n for n in getattr(offer, fields[0]) if n in MARKERS)
        default = [n for n in getattr(base, fields[0]) if n not in MARKERS]
        names = expand(value, default, supported.get(category, ()))
        for field in fields:
            changes[field] = (*names, *markers)
    return replace(offer, **changes) if changes else offer


CATEGORY_KEYWORD: Mapping[str, str] = {
    "kex": "KexAlgorithms",
    "host_key": "HostKeyAlgorithms",
    "cipher_c2s": "Ciphers",
    "cipher_s2c": "Ciphers",
    "mac_c2s": "MACs",
    "mac_s2c": "MACs",
}
"""The category a negotiation fails in → the ssh_config keyword that widens it (spelling of ssh_config(5))."""


def with_additions(offer: Offered, supported: Mapping[str, Sequence[str]], additions: Mapping[str, str]) -> Offered:
    """``offer`` after ``Keyword +name`` lines (what :meth:`AsyncsshClient.widening_hint` tries).

    Args:
        offer: the release's default offer (markers kept at the end of the kex list).
        supported: what the release implements by category.
        additions: an ssh_config keyword (``KexAlgorithms``) → the one name its ``+`` line appends.

    Returns:
        The widened offer.

    Raises:
        KeyError: a keyword that is not an algorithm keyword of :data:`CONFIG_KEYWORDS`.
    """
    values = [(CONFIG_KEYWORDS[keyword.lower()], f"+{name}") for keyword, name in additions.items()]
    return _expanded(offer, offer, supported, values)


def with_code_options(
    offer: Offered, default: Offered, supported: Mapping[str, Sequence[str]], algorithms: Mapping[str, str]
) -> Offered:
    """``offer`` with the categories the code's ``connect`` keywords set (:mod:`auditor.probe.code_options`).

    A keyword wins over ssh_config for its category and is read against the release's default list, as
    asyncssh's ``_select_algs`` does (a list value joined with commas names the algorithms in order).

    Args:
        offer: the offer so far (ssh_config applied); its markers are kept.
        default: the release's default offer.
        supported: what the release implements by category.
        algorithms: ``{"kex_algs": "diffie-hellman-group14-sha1,..."}``; other keys are ignored.

    Returns:
        ``offer`` with each keyword's categories replaced (both directions for ciphers and MACs).
    """
    values = [(CODE_KEYWORDS[keyword], value) for keyword, value in algorithms.items() if keyword in CODE_KEYWORDS]
    return _expanded(offer, default, supported, values)
