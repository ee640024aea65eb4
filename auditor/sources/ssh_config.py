"""Read ssh_config files with line numbers (``--ssh-config FILE``, ``[tool.sshdrift] ssh-config``).

Paramiko's own :class:`paramiko.config.SSHConfig` decides whether a file is readable the way
netmiko and napalm will read it (imported lazily: only :mod:`auditor.probe.sshlib`
imports Paramiko at import time). Paramiko keeps no line numbers and ignores ``Include``, so a
light scanner following ssh_config(5) records every option with its file, line and the
``Host``/``Match`` block it sits in, and follows ``Include`` (globs, ``~``; relative paths
against the including file's directory, then ``~/.ssh``, as OpenSSH does for user files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import ConfigError

# ssh_config(5): "keyword arguments" or "keyword=arguments", keywords case-insensitive.
_LINE = re.compile(r"^\s*(\w+)(?:\s*=\s*|\s+)(.+?)\s*$")
_MAX_INCLUDE_DEPTH = 16


@dataclass(frozen=True)
class ConfigOption:
    """One ``Keyword value`` line of an ssh_config (or an ``-o`` option found in ansible.cfg)."""

    file: Path
    """The file the option was read from, as given (or as resolved from an ``Include``)."""
    line: int
    """1-based line number in ``file``."""
    key: str
    """The keyword as written, e.g. ``KexAlgorithms``."""
    value: str
    """The arguments, surrounding quotes removed."""
    block: str | None = None
    """``Host cisco-*`` or ``Match host r1`` when inside such a block; None for global options."""
    context: str = "ssh_config"
    """Where it came from: ``ssh_config``, or the ansible.cfg key / inventory variable."""

    @property
    def keyword(self) -> str:
        """The keyword lower-cased, for comparisons (ssh_config keywords are case-insensitive)."""
        return self.key.lower()


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _check_with_paramiko(path: Path, text: str) -> None:
    """Parse ``text`` as Paramiko would; a line it rejects becomes a one-line ConfigError."""
    from paramiko.config import SSHConfig
    from paramiko.ssh_exception import ConfigParseError

    try:
        SSHConfig.from_text(text)
    except ConfigParseError as exc:
        raise ConfigError(
            f"{path}: Paramiko cannot parse this ssh_config ({exc}); fix that line, or netmiko will fail the same way"
        ) from exc


def _include_targets(pattern: str, including: Path) -> list[Path]:
    expanded = Path(pattern).expanduser()
    if expanded.is_absolute():
        candidates = [expanded]
    else:
        candidates = [including.parent / expanded, Path("~/.ssh").expanduser() / expanded]
    for candidate in candidates:
        anchor = Path(candidate.anchor)
        matches = sorted(anchor.glob(str(candidate.relative_to(anchor))))
        if matches:
            return [m for m in matches if m.is_file()]
    return []  # OpenSSH ignores an Include that matches nothing


def _scan(path: Path, depth: int, seen: set[Path], block: str | None) -> list[ConfigOption]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read this ssh_config ({exc}); check the path given to --ssh-config") from exc
    options: list[ConfigOption] = []
    current = block
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(raw)
        if match is None:
            raise ConfigError(f"{path}: line {number}: expected 'Keyword value', got {stripped!r}; fix the line")
        key, value = match.group(1), _unquote(match.group(2))
        lowered = key.lower()
        if lowered in ("host", "match"):
            current = f"{key} {value}"
            options.append(ConfigOption(path, number, key, value, None))
            continue
        options.append(ConfigOption(path, number, key, value, current))
        if lowered == "include":
            if depth >= _MAX_INCLUDE_DEPTH:
                raise ConfigError(
                    f"{path}: line {number}: Include nested more than {_MAX_INCLUDE_DEPTH} deep; check for a loop"
                )
            for pattern in value.split():
                for target in _include_targets(pattern, path):
                    resolved = target.resolve()
                    if resolved in seen:
                        continue
                    seen.add(resolved)
                    # An included file's options apply inside the including block (ssh_config(5)).
                    options += _scan(target, depth + 1, seen, current)
    if depth == 0:
        _check_with_paramiko(path, text)
    return options


def read_ssh_config(path: Path) -> list[ConfigOption]:
    """Every option of the ssh_config at ``path`` and the files it includes, in file order.

    ``Host`` and ``Match`` lines are returned too (with ``block`` None); every other option
    carries the block it belongs to.

    Raises:
        ConfigError: the file cannot be read, a line is not ``Keyword value``, or Paramiko's
            SSHConfig rejects it.
    """
    return _scan(path, 0, {path.resolve()}, None)


# ssh_config(5) PATTERNS: ``*`` any run of characters, ``?`` one character; ``!`` negates.
def _pattern_matches(pattern: str, name: str) -> bool:
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, name, re.IGNORECASE) is not None


def _patterns_match(patterns: list[str], name: str) -> bool:
    """A pattern list: some pattern matches and no negated one does (ssh_config(5) PATTERNS)."""
    matched = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if _pattern_matches(pattern[1:], name):
                return False
        elif _pattern_matches(pattern, name):
            matched = True
    return matched


def _match_applies(criteria: list[str], name: str) -> bool:
    """Whether ``Match`` criteria hold for host ``name``.

    ``all``, ``host``/``originalhost`` pattern lists and ``final`` are judged; any other criterion (``user``,
    ``exec``, ``localuser``, ``address``...) depends on more than the host name, so the block is taken as
    not matching.
    """
    words = iter(criteria)
    for word in words:
        keyword = word.lower()
        if keyword in ("all", "final"):
            continue
        if keyword not in ("host", "originalhost"):
            return False
        if not _patterns_match(next(words, "").split(","), name):
            return False
    return True


def block_applies(block: str | None, name: str) -> bool:
    """Whether the options of ``block`` (``Host PATTERNS`` or ``Match CRITERIA``, None: global) apply to host ``name``.

    Follows ssh_config(5): ``Host`` takes whitespace-separated patterns with ``*``, ``?`` and ``!``; ``Match``
    is judged by :func:`_match_applies` (host criteria only).
    """
    if block is None:
        return True
    keyword, _, rest = block.partition(" ")
    if keyword.lower() == "host":
        return _patterns_match(rest.split(), name)
    return _match_applies(rest.split(), name)


def first_value(options: list[ConfigOption], name: str, keyword: str) -> ConfigOption | None:
    """The option ``keyword`` (lower-case) that applies to host ``name``: the first one obtained, as ssh_config(5) says.

    ``options`` are :func:`read_ssh_config`'s, in file order; global options and the blocks that match count.
    """
    for option in options:
        if option.keyword == keyword and option.keyword not in ("host", "match") and block_applies(option.block, name):
            return option
    return None


def _split_hop(hop: str) -> tuple[str, str, str]:
    """``[ssh://][user@]host[:port]`` (``[v6]:port`` too) → ``(user, host, port)`` as text, empty when absent."""
    user, _, rest = hop.removeprefix("ssh://").rpartition("@")
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        return user, host, tail[1:] if tail.startswith(":") else ""
    if rest.count(":") == 1:
        host, _, port = rest.partition(":")
        return user, host, port
    return user, rest, ""


class ProxyJumps:
    """The ``ProxyJump`` chains that ssh_config files give hosts (``--ssh-config FILE``, repeatable).

    Each file is read once (with its ``Include`` files); the first file whose options set ``ProxyJump`` for a
    host decides (``none``: a direct connection). The chain is split on its commas, never shortened, and each
    hop named by a ``Host`` alias gets that alias's ``HostName``, ``User`` and ``Port`` unless it writes its
    own, as ssh(1) does when it connects to the hop.
    """

    def __init__(self, files: list[Path]) -> None:
        """Read ``files``.

        Raises:
            ConfigError: a file cannot be read or parsed (see :func:`read_ssh_config`).
        """
        self._files = [read_ssh_config(path) for path in files]

    def chain(self, name: str) -> tuple[str, ...]:
        """The chain for host ``name`` (first hop first, each ``[user@]host[:port]``); ``()`` for a direct connection.

        Raises:
            ConfigError: a ``ProxyJump`` with an empty hop (naming the file and line).
        """
        for options in self._files:
            found = first_value(options, name, "proxyjump")
            if found is None:
                continue
            if found.value.strip().lower() == "none":
                return ()
            hops = [hop.strip() for hop in found.value.split(",")]
            if not all(_split_hop(hop)[1] for hop in hops):
                raise ConfigError(
                    f"{found.file}: line {found.line}: ProxyJump {found.value!r} has an empty hop; "
                    "write gw1,gw2 with one [user@]host[:port] per hop"
                )
            return tuple(self._resolve(hop, options) for hop in hops)
        return ()

    @staticmethod
    def _resolve(hop: str, options: list[ConfigOption]) -> str:
        """``hop`` with its alias's ``HostName``, ``User`` and ``Port`` where the hop does not write them."""
        user, alias, port = _split_hop(hop)
        hostname = first_value(options, alias, "hostname")
        host = hostname.value.replace("%h", alias) if hostname else alias
        if not user and (found := first_value(options, alias, "user")):
            user = found.value
        if not port and (found := first_value(options, alias, "port")):
            port = found.value
        where = f"[{host}]" if ":" in host and port else host
        return f"{user + '@' if user else ''}{where}{':' + port if port else ''}"
