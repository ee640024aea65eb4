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
