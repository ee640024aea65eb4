"""Read the OpenSSH ``-o`` options and the libssh algorithm settings an Ansible project passes (``--ansible-cfg FILE``).

Where they live (Ansible's configuration reference, ``ssh_connection`` plugin):

* ``ansible.cfg`` ``[ssh_connection]`` ``ssh_args``, ``ssh_common_args``, ``ssh_extra_args``
  (read with :mod:`configparser`, no interpolation, as Ansible does);
* the inventory variables ``ansible_ssh_common_args`` / ``ansible_ssh_extra_args`` /
  ``ansible_ssh_args`` in the inventory named by ``[defaults] inventory`` and in the
  ``group_vars`` / ``host_vars`` directories beside ansible.cfg and beside that inventory.

Every ``-o Keyword=value`` (or ``-oKeyword=value``, ``-o "Keyword value"``) becomes a
:class:`~auditor.sources.ssh_config.ConfigOption` with its file and line.

For ``network_cli`` over libssh (ansible-pylibssh), :func:`read_libssh_settings` reads the
``[libssh_connection]`` keys and ``ansible_libssh_*`` variables that widen what libssh offers
(``key_exchange_algorithms``, ``hostkeys``).
"""

from __future__ import annotations

import configparser
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import ConfigError
from auditor.sources.ssh_config import ConfigOption

SSH_CONNECTION_KEYS = ("ssh_args", "ssh_common_args", "ssh_extra_args")
_INVENTORY_VARIABLE = re.compile(r"\b(ansible_ssh_(?:common_|extra_)?args)\s*[:=]\s*(.+?)\s*$")
_TEXT_SUFFIXES = ("", ".ini", ".cfg", ".yml", ".yaml", ".txt", ".hosts")


def ssh_options(args: str) -> list[tuple[str, str]]:
    """The ``(Keyword, value)`` pairs of every ``-o`` option in an OpenSSH command-line fragment.

    >>> ssh_options("-C -o ControlMaster=auto -oKexAlgorithms=+diffie-hellman-group1-sha1")
    [('ControlMaster', 'auto'), ('KexAlgorithms', '+diffie-hellman-group1-sha1')]
    """
    try:
        tokens = shlex.split(args)
    except ValueError:  # an unbalanced quote: still find what we can
        tokens = args.split()
    found: list[tuple[str, str]] = []
    pending = False
    for token in tokens:
        if pending:
            option, pending = token, False
        elif token == "-o":
            pending = True
            continue
        elif token.startswith("-o") and len(token) > 2:
            option = token[2:]
        else:
            continue
        match = re.match(r"\s*(\w+)\s*(?:=\s*|\s+)(.*)$", option)
        if match:
            found.append((match.group(1), match.group(2).strip().strip("'\"")))
    return found


def _key_lines(lines: list[str], section: str) -> dict[str, int]:
    """1-based line of each key in ``[section]`` (configparser keeps no line numbers)."""
    out: dict[str, int] = {}
    current = None
    for number, raw in enumerate(lines, start=1):
        header = re.match(r"^\s*\[([^\]]+)\]", raw)
        if header:
            current = header.group(1).strip()
            continue
        if current == section:
            key = re.match(r"^\s*([\w.-]+)\s*[=:]", raw)
            if key:
                out.setdefault(key.group(1).lower(), number)
    return out


def _read_cfg(path: Path) -> tuple[configparser.ConfigParser, list[str]]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        text = path.read_text(encoding="utf-8")
        parser.read_string(text, source=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot read this ansible.cfg ({exc}); check the path given to --ansible-cfg"
        ) from exc
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"{path}: not a valid ansible.cfg ({first}); fix the file") from exc
    return parser, text.splitlines()


def _variable_files(base: Path) -> Iterator[Path]:
    for name in ("group_vars", "host_vars"):
        folder = base / name
        if folder.is_dir():
            yield from (p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix.lower() in _TEXT_SUFFIXES)


def _inventory_files(cfg: Path, parser: configparser.ConfigParser) -> Iterator[Path]:
    yield from _variable_files(cfg.parent)
    raw = parser.get("defaults", "inventory", fallback="")
    for item in (x.strip() for x in raw.split(",")):
        if not item:
            continue
        inventory = Path(item).expanduser()
        if not inventory.is_absolute():
            inventory = cfg.parent / inventory
        if inventory.is_file():
            yield inventory
            base = inventory.parent
        elif inventory.is_dir():
            yield from (p for p in sorted(inventory.iterdir()) if p.is_file() and p.suffix.lower() in _TEXT_SUFFIXES)
            base = inventory
        else:
            continue
        if base != cfg.parent:
            yield from _variable_files(base)


def _scan_variables(path: Path) -> Iterator[ConfigOption]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return  # not a text inventory (a script, a binary): nothing Paramiko could be handed from it
    for number, raw in enumerate(lines, start=1):
        if raw.lstrip().startswith(("#", ";")):
            continue
        match = _INVENTORY_VARIABLE.search(raw)
        if match is None:
            continue
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        for key, arg in ssh_options(value):
            yield ConfigOption(path, number, key, arg, None, context=match.group(1))


def read_ansible_ssh_options(path: Path) -> list[ConfigOption]:
    """Every ``-o`` option the Ansible project at ``path`` (an ansible.cfg) passes to SSH, with file and line.

    Raises:
        ConfigError: ``path`` cannot be read or is not valid INI.
    """
    parser, lines = _read_cfg(path)
    options: list[ConfigOption] = []
    if parser.has_section("ssh_connection"):
        where = _key_lines(lines, "ssh_connection")
        for key in SSH_CONNECTION_KEYS:
            value = parser.get("ssh_connection", key, fallback=None)
            if not value:
                continue
            for name, arg in ssh_options(value):
                options.append(ConfigOption(path, where.get(key, 1), name, arg, "[ssh_connection]", context=key))
    seen: set[Path] = set()
    for file in _inventory_files(path, parser):
        resolved = file.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        options += _scan_variables(file)
    return options


LIBSSH_SETTINGS: dict[str, tuple[str, str]] = {
    "key_exchange_algorithms": ("key_exchange_algorithms", "ansible_libssh_key_exchange_algorithms"),
    "hostkeys": ("hostkeys", "ansible_libssh_hostkeys"),
    "publickey_accepted_algorithms": ("publickey_algorithms", "ansible_libssh_publickey_algorithms"),
}
"""Option of ansible.netcommon's ``libssh`` connection → (``[libssh_connection]`` ini key, inventory variable).

Source: the plugin's documented options (ansible.netcommon ``plugins/connection/libssh.py``): each
option reads the ini key, then ``ANSIBLE_LIBSSH_<OPTION>``, then the variable, the variable winning.
"""

_LIBSSH_VARIABLE = re.compile(
    r"\b(ansible_libssh_(?:key_exchange_algorithms|hostkeys|publickey_algorithms))\s*[:=]\s*(.+?)\s*$"
)


@dataclass(frozen=True)
class LibsshSettings:
    """The algorithm settings an Ansible project gives libssh (``network_cli`` with ``ssh_type=libssh``).

    Each is the :class:`ConfigOption` that wins (an inventory variable over the ansible.cfg key), or None.
    """

    key_exchange_algorithms: ConfigOption | None = None
    """``ansible_libssh_key_exchange_algorithms`` / ``[libssh_connection] key_exchange_algorithms``."""
    hostkeys: ConfigOption | None = None
    """``ansible_libssh_hostkeys`` / ``[libssh_connection] hostkeys``."""
    publickey_accepted_algorithms: ConfigOption | None = None
    """``ansible_libssh_publickey_algorithms`` / ``[libssh_connection] publickey_algorithms`` (user auth only)."""

    def value(self, option: str) -> str | None:
        """The value of ``option`` (``key_exchange_algorithms``, ``hostkeys``, ...), or None when unset."""
        found: ConfigOption | None = getattr(self, option, None)
        return found.value if found is not None else None


def _libssh_variables(path: Path) -> Iterator[ConfigOption]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    for number, raw in enumerate(lines, start=1):
        if raw.lstrip().startswith(("#", ";")):
            continue
        match = _LIBSSH_VARIABLE.search(raw)
        if match is None:
            continue
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        yield ConfigOption(path, number, match.group(1), value, None, context=match.group(1))


def read_libssh_settings(path: Path) -> LibsshSettings:
    """The libssh algorithm settings of the Ansible project whose ansible.cfg is ``path``.

    Reads ``[libssh_connection]`` of the file (:data:`LIBSSH_SETTINGS`) and the ``ansible_libssh_*``
    variables of its inventory, ``group_vars`` and ``host_vars`` (the same files as
    :func:`read_ansible_ssh_options`); a variable wins over the ini key, as in Ansible. A variable set
    differently for different hosts is taken from the last file read (the report names it).

    Raises:
        ConfigError: ``path`` cannot be read or is not valid INI.
    """
    parser, lines = _read_cfg(path)
    found: dict[str, ConfigOption] = {}
    if parser.has_section("libssh_connection"):
        where = _key_lines(lines, "libssh_connection")
        for option, (ini_key, _) in LIBSSH_SETTINGS.items():
            value = parser.get("libssh_connection", ini_key, fallback=None)
            if value:
                found[option] = ConfigOption(
                    path, where.get(ini_key, 1), ini_key, value.strip(), "[libssh_connection]", context=ini_key
                )
    by_variable = {variable: option for option, (_, variable) in LIBSSH_SETTINGS.items()}
    seen: set[Path] = set()
    for file in _inventory_files(path, parser):
        resolved = file.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        for setting in _libssh_variables(file):
            found[by_variable[setting.key]] = setting
    return LibsshSettings(**found)
