"""One frozen :class:`Settings` per run, built from the command line and ``[tool.sshdrift]``.

Precedence: an option given on the command line, then ``[tool.sshdrift]`` in the audited
project's ``pyproject.toml``, then the defaults below.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from auditor.choices import FailOn, Show
from auditor.choices import OutputFormat as OutputFormat  # re-exported for callers of Settings
from auditor.errors import ConfigError, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Settings:
    """Every option a command may read. Paths are as given (relative to the working directory)."""

    format: OutputFormat = OutputFormat.TABLE
    show: Show = Show.FAILURES
    """Devices the table and Markdown list row by row (``--show``); JSON and SARIF always hold all."""
    output: Path | None = None
    fail_on: FailOn = FailOn.ERROR
    timeout: float = 10.0
    """Seconds for connect + banner + KEXINIT per device, and for each Paramiko handshake."""
    concurrency: int = 64
    """Devices probed at once (never more than one connection per host:port)."""
    offline: bool = False
    python_version: str | None = None
    """Target ``python_full_version`` for markers, e.g. ``3.12``; None = the running interpreter."""
    ssh_config: tuple[Path, ...] = ()
    ansible_cfg: Path | None = None
    fleet: Path | None = None
    """A saved probe JSON report used as an offline fleet snapshot."""
    vuln_db: Path | None = None
    """A directory of OSV records read instead of the online vulnerability service."""
    all_packages: bool = False
    """Audit every locked package for vulnerabilities, not only the SSH stack."""
    vulnerabilities: bool = True
    """Run the ``vulnerability`` rule."""
    ssh_stack_extra: tuple[str, ...] = ()
    """More package names treated as the SSH stack (``[tool.sshdrift] ssh-stack``)."""
    paramiko: str = "installed"
    """``installed`` | ``locked`` | a version such as ``5.1.0``."""
    project: Path | None = None
    python: Path | None = None
    """Interpreter of the audited project's environment (``--paramiko installed``)."""
    verify: bool = True
    known_hosts: Path | None = None
    shard: tuple[int, int] | None = None
    """``(K, N)``: probe only slice K of N (1-based)."""
    inventory_format: str | None = None
    save_kexinit: Path | None = None
    jump_key: Path | None = None
    """Private key file for jump hosts (else ssh-agent); its passphrase from ``SSHDRIFT_JUMP_PASSPHRASE``."""
    ignore: tuple[str, ...] = ()
    """``--ignore RULE:SUBJECT`` values (checked by :mod:`auditor.checks.accepted_risk`)."""
    ignore_entries: tuple[Any, ...] = ()
    """``[[tool.sshdrift.ignore]]`` tables as read (checked by :mod:`auditor.checks.accepted_risk`)."""
    include: tuple[str, ...] = ()
    """gitwildmatch patterns: only these of the project's Python files are read (``[tool.sshdrift] include``)."""
    exclude: tuple[str, ...] = ()
    """gitwildmatch patterns of the project's Python files not to read (``[tool.sshdrift] exclude``)."""


SettingsOverrides = Mapping[str, Any]

_PYPROJECT_KEYS: Mapping[str, str] = {
    "format": "format",
    "fail-on": "fail_on",
    "timeout": "timeout",
    "concurrency": "concurrency",
    "offline": "offline",
    "python-version": "python_version",
    "ssh-config": "ssh_config",
    "ansible-cfg": "ansible_cfg",
    "fleet": "fleet",
    "vuln-db": "vuln_db",
    "all-packages": "all_packages",
    "vulnerabilities": "vulnerabilities",
    "ssh-stack": "ssh_stack_extra",
    "paramiko": "paramiko",
    "known-hosts": "known_hosts",
    "devices": "devices",
    "inventory-format": "inventory_format",
    "ignore": "ignore_entries",
    "include": "include",
    "exclude": "exclude",
}


def read_tool_table(project_dir: Path) -> dict[str, Any]:
    """Return ``[tool.sshdrift]`` of ``project_dir/pyproject.toml`` ({} when absent).

    Raises:
        ConfigError: the pyproject is not valid TOML or the table is not a table.
    """
    pyproject = project_dir / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: not valid TOML ({exc}); fix the file and run again") from exc
    table = data.get("tool", {}).get("sshdrift", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.sshdrift] must be a table")
    return table


def _boolean(value: Any) -> bool:
    # bool("false") is True: a quoted TOML boolean must be an error, not the opposite setting.
    if not isinstance(value, bool):
        raise TypeError("expected true or false")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError("expected a number of seconds above 0")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("expected a whole number of at least 1")
    return value


def _names(value: Any) -> tuple[str, ...]:
    # A bare string is one name, not its characters.
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise TypeError("expected a string or a list of strings")
    return tuple(items)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _tables(value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise TypeError("expected an array of tables: [[tool.sshdrift.ignore]]")
    return tuple(value)


def _choice(kind: type[FailOn] | type[OutputFormat]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        try:
            return kind(value)
        except ValueError:
            raise ValueError(f"expected one of: {', '.join(m.value for m in kind)}") from None

    return convert


def python_version(value: Any) -> str:
    """Validate a ``--python-version`` value: ``3.X`` or ``3.X.Y`` (PEP 508 ``python_version`` / ``python_full_version``).

    Raises:
        TypeError, ValueError: not a string of that shape.
    """
    text = _text(value)
    parts = text.split(".")
    if not (2 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and parts[0] == "3"):
        raise ValueError("expected a Python 3 version such as 3.12 or 3.12.4")
    return text


def _coerce(name: str, value: Any, base: Path) -> Any:
    converters: dict[str, Callable[[Any], Any]] = {
        "format": _choice(OutputFormat),
        "fail_on": _choice(FailOn),
        "timeout": _seconds,
        "concurrency": _count,
        "offline": _boolean,
        "all_packages": _boolean,
        "vulnerabilities": _boolean,
        "python_version": python_version,
        "paramiko": _text,
        "inventory_format": _text,
        "ssh_config": lambda v: tuple(base / p for p in _names(v)),
        "ssh_stack_extra": _names,
        "ansible_cfg": lambda v: base / _text(v),
        "fleet": lambda v: base / _text(v),
        "vuln_db": lambda v: base / _text(v),
        "known_hosts": lambda v: base / Path(_text(v)).expanduser(),
        "ignore_entries": _tables,
        "include": _names,
        "exclude": _names,
    }
    return converters[name](value)


def build_settings(cli: SettingsOverrides, project_dir: Path | None) -> tuple[Settings, dict[str, Any]]:
    """Merge command-line values over ``[tool.sshdrift]`` over defaults.

    Args:
        cli: option name → value for the options the user gave (None values are ignored).
        project_dir: the audited project's directory, or None when there is none.

    Returns:
        The settings, and the extra ``[tool.sshdrift]`` keys a command may use (``devices``).

    Raises:
        ConfigError: an unknown key or a value of the wrong type in ``[tool.sshdrift]``.
    """
    values: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    if project_dir is not None:
        pyproject = project_dir / "pyproject.toml"
        for key, value in read_tool_table(project_dir).items():
            name = _PYPROJECT_KEYS.get(key)
            if name is None:
                raise ConfigError(
                    f"{pyproject}: [tool.sshdrift] has an unknown key '{key}'; "
                    f"known keys: {', '.join(sorted(_PYPROJECT_KEYS))}"
                )
            try:
                if name == "devices":
                    extras["devices"] = project_dir / _text(value)
                    continue
                values[name] = _coerce(name, value, project_dir)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{pyproject}: [tool.sshdrift] {key} = {value!r} is not valid ({exc})") from exc
    known = {f.name for f in fields(Settings)}
    for name, value in cli.items():
        if value is None or name not in known:
            continue
        if isinstance(value, (tuple, list)) and not value:
            continue
        if name == "python_version":
            try:
                python_version(value)
            except ValueError as exc:
                raise UsageError(f"--python-version {value!r}: {exc}") from None
        values[name] = tuple(value) if isinstance(value, list) else value
    return replace(Settings(), **values), extras
