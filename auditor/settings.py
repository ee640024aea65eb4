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

from auditor.choices import FailOn, Severity, Show
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
    open_ended: tuple[tuple[str, str], ...] = ()
    """``(package, severity)``: the project's severity for an open-ended range on a package
    (``[tool.sshdrift.open-ended]``), over ``rules/ssh-stack.toml``'s policy."""
    paramiko: str = "auto"
    """``auto`` (the project's lock, else ``--python``, else sshdrift's own) | ``installed`` | ``locked`` |
    a version such as ``5.1.0``."""
    clients: tuple[str, ...] = ()
    """``--client NAME`` (repeatable): the SSH clients to judge; empty means the clients the lock brings in."""
    project: Path | None = None
    python: Path | None = None
    """Interpreter of the audited project's environment (``--paramiko installed``)."""
    verify: bool = True
    known_hosts: Path | None = None
    write_known_hosts: Path | None = None
    """``--write-known-hosts FILE``: merge the host keys the run verified into this known_hosts file."""
    shard: tuple[int, int] | None = None
    """``(K, N)``: probe only slice K of N (1-based)."""
    inventory_format: str | None = None
    save_kexinit: Path | None = None
    jump_key: Path | None = None
    """Private key file for jump hosts (else ssh-agent); its passphrase from ``SSHDRIFT_JUMP_PASSPHRASE``."""
    ssh_binary: Path | None = None
    """``--ssh-binary PATH``: the OpenSSH client the ``openssh`` client judges (default: ``ssh`` on PATH)."""
    ignore: tuple[str, ...] = ()
    """``--ignore RULE:SUBJECT`` values (checked by :mod:`auditor.checks.accepted_risk`)."""
    ignore_entries: tuple[Any, ...] = ()
    """``[[tool.sshdrift.ignore]]`` tables as read (checked by :mod:`auditor.checks.accepted_risk`)."""
    include: tuple[str, ...] = ()
    """gitwildmatch patterns: only these of the project's Python files are read (``[tool.sshdrift] include``)."""
    exclude: tuple[str, ...] = ()
    """gitwildmatch patterns of the project's Python files not to read (``[tool.sshdrift] exclude``)."""
    devices: Path | None = None
    """The inventory ``audit`` and ``whatif`` probe (``--devices`` or ``[tool.sshdrift] devices``)."""


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
    "open-ended": "open_ended",
    "paramiko": "paramiko",
    "known-hosts": "known_hosts",
    "ssh-binary": "ssh_binary",
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


def _severities(value: Any) -> tuple[tuple[str, str], ...]:
    # [tool.sshdrift.open-ended]: package = "error" | "warning" | "note".
    if not isinstance(value, dict):
        raise TypeError('expected a table of package = "error" | "warning" | "note"')
    allowed = [s.value for s in Severity]
    for name, level in value.items():
        if level not in allowed:
            raise ValueError(f"{name} = {level!r}: expected one of {', '.join(allowed)}")
    return tuple((str(name), str(level)) for name, level in value.items())


def _choice(kind: type[FailOn] | type[OutputFormat]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        try:
            # Any case, as on the command line: format = "JSON" is json.
            return kind(value.lower() if isinstance(value, str) else value)
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
        "open_ended": _severities,
        "ansible_cfg": lambda v: base / _text(v),
        "fleet": lambda v: base / _text(v),
        "vuln_db": lambda v: base / _text(v),
        "devices": lambda v: base / _text(v),
        "known_hosts": lambda v: base / Path(_text(v)).expanduser(),
        "ssh_binary": lambda v: base / Path(_text(v)).expanduser(),
        "ignore_entries": _tables,
        "include": _names,
        "exclude": _names,
    }
    return converters[name](value)


def parse_shard(text: str) -> tuple[int, int]:
    """``--shard K/N`` as ``(K, N)``: probe only slice K of N of the inventory (1-based).

    Raises:
        UsageError: not two whole numbers, or K outside 1..N (exit 2).
    """
    try:
        k, n = (int(x) for x in text.split("/", 1))
    except ValueError:
        raise UsageError(f"--shard {text!r}: expected K/N, for example 2/8") from None
    if not 1 <= k <= n:
        raise UsageError(f"--shard {text!r}: K must be between 1 and N")
    return (k, n)


def _cli_python_version(value: Any) -> str:
    try:
        return python_version(value)
    except ValueError as exc:
        raise UsageError(f"--python-version {value!r}: {exc}") from None


_CLI_CONVERTERS: Mapping[str, Callable[[Any], Any]] = {
    "python_version": _cli_python_version,
    "shard": parse_shard,
}
"""Command-line values that arrive as text and are checked here (a bad one is a usage error)."""


def _from_tool_table(project_dir: Path) -> dict[str, Any]:
    pyproject = project_dir / "pyproject.toml"
    values: dict[str, Any] = {}
    for key, value in read_tool_table(project_dir).items():
        name = _PYPROJECT_KEYS.get(key)
        if name is None:
            raise ConfigError(
                f"{pyproject}: [tool.sshdrift] has an unknown key '{key}'; known keys: {', '.join(sorted(_PYPROJECT_KEYS))}"
            )
        try:
            values[name] = _coerce(name, value, project_dir)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{pyproject}: [tool.sshdrift] {key} = {value!r} is not valid ({exc})") from exc
    return values


def _one_device_source(values: dict[str, Any], cli: SettingsOverrides, project_dir: Path | None) -> None:
    """Devices (probe live) or a fleet snapshot (predict offline): the command line wins over the table.

    ``--devices`` drops a configured ``fleet``; ``--fleet`` drops configured ``devices``; both
    configured and neither given is a ConfigError, since the two ask opposite things.
    """
    if cli.get("devices") is not None:
        if cli.get("fleet") is None:
            values.pop("fleet", None)
    elif cli.get("fleet") is not None:
        values.pop("devices", None)
    elif "devices" in values and "fleet" in values:
        raise ConfigError(
            f"{(project_dir or Path()) / 'pyproject.toml'}: [tool.sshdrift] sets both devices (probe live) and "
            "fleet (predict offline); keep one, or choose on the command line with --devices or --fleet"
        )


def one_device_source(inventory: Path | None, fleet: Path | None) -> None:
    """Check that a run probes live (``inventory``) or predicts from a snapshot (``fleet``), not both.

    Raises:
        UsageError: both are given (exit 2).
    """
    if inventory is not None and fleet is not None:
        raise UsageError("give either --devices INVENTORY (probe live) or --fleet SNAPSHOT (predict offline), not both")


def build_settings(cli: SettingsOverrides, project: Path | None) -> Settings:
    """Merge command-line values over ``[tool.sshdrift]`` over defaults.

    Args:
        cli: option name → value for the options the user gave (None values and empty lists are
            ignored; ``shard`` and ``python_version`` arrive as text). A command that probes
            devices passes the key ``devices`` (None when not given): then the command line's
            ``--devices``/``--fleet`` wins over the table's ``devices``/``fleet``.
        project: the audited project's directory or lockfile (its directory's ``pyproject.toml``
            is read), or None when there is none.

    Returns:
        The settings of the run.

    Raises:
        ConfigError: an unknown key or a value of the wrong type in ``[tool.sshdrift]``, or both
            ``devices`` and ``fleet`` configured for a command that probes (exit 3).
        UsageError: a bad ``--shard`` or ``--python-version`` (exit 2).
    """
    project_dir = None if project is None else (project if project.is_dir() else project.parent)
    values = _from_tool_table(project_dir) if project_dir is not None else {}
    known = {f.name for f in fields(Settings)}
    for name, value in cli.items():
        if value is None or name not in known:
            continue
        if isinstance(value, (tuple, list)) and not value:
            continue
        convert = _CLI_CONVERTERS.get(name)
        values[name] = convert(value) if convert else tuple(value) if isinstance(value, list) else value
    if "devices" in cli:
        _one_device_source(values, cli, project_dir)
    return replace(Settings(), **values)
