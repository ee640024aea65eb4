"""Read the audited project's own Python code: where it calls into the SSH stack, with the literal options.

:func:`read_project_code` lists the project's ``*.py`` files (git's view when the project is in a git
work tree: tracked and untracked files minus what ``.gitignore`` ignores; else a walk that honours the
project's own ``.gitignore`` through :mod:`pathspec`), keeps those ``[tool.sshdrift]`` ``include`` /
``exclude`` select, and parses only the files that import an SSH-stack package (:data:`PACKAGES`) with
:mod:`ast`. Nothing is imported or run.

Each use of the stack's API becomes an :class:`ApiUse`: the qualified name it resolves to
(``paramiko.DSSKey``, ``paramiko.SSHClient.connect``, ``netmiko.ConnectHandler``), the file and line,
and for a call its arguments, with the value when it is a literal (:func:`ast.literal_eval`). Names are
resolved through the module's imports and a flow-insensitive record of assignments
(``client = paramiko.SSHClient()`` makes ``client.connect(...)`` a ``paramiko.SSHClient.connect`` call;
so do ``with ... as client``, ``self.client = ...`` and parameter annotations). A class imported from
a submodule is named as the package exports it (``paramiko.client.SSHClient`` → ``paramiko.SSHClient``).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.errors import ConfigError
from auditor.sources.ssh_config import ConfigOption

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

PACKAGES: tuple[str, ...] = ("paramiko", "netmiko", "scrapli", "napalm", "ncclient", "asyncssh", "nornir_netmiko")
"""Top-level import names whose API the reader records (the SSH stack's client libraries)."""

_NAMES = "|".join(PACKAGES).encode()
_IMPORTS = re.compile(rb"^[ \t]*(?:from[ \t]+(?:" + _NAMES + rb")\b|import[ \t][^\n]*\b(?:" + _NAMES + rb")\b)", re.M)
"""A line importing an SSH-stack package: only files with one can use its API (names resolve through imports)."""
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules", ".tox", ".nox"})
_RETURNS_CLASS = {"napalm.get_network_driver": "napalm.NetworkDriver"}
"""Factories that return a class rather than an instance (napalm's driver lookup)."""


@dataclass(frozen=True)
class Argument:
    """One argument of a call: a keyword, or a positional one named ``#0``, ``#1``, ..."""

    name: str
    literal: bool
    """True when the value is a Python literal (:func:`ast.literal_eval` accepts it)."""
    value: Any = None
    """The literal's value (str, int, bool, None, list, tuple, dict, set); None when not a literal."""
    line: int = 0
    """1-based line of the value."""


@dataclass(frozen=True)
class ApiUse:
    """One place the project's code uses the SSH stack's API."""

    file: str
    """Path relative to the project root, ``/``-separated."""
    line: int
    """1-based line of the name (the call's first line)."""
    name: str
    """The qualified name it resolves to, e.g. ``paramiko.SSHClient.connect``; a module for an import."""
    kind: str
    """``import`` (``import paramiko.dsskey``) | ``reference`` (an attribute or name) | ``call``."""
    arguments: tuple[Argument, ...] = ()
    spread: bool = False
    """True when the call passes ``**mapping``: keywords not in :attr:`arguments` may be set too."""

    @property
    def package(self) -> str:
        """The top-level package the name belongs to (``paramiko``)."""
        return self.name.split(".", 1)[0]

    def argument(self, name: str) -> Argument | None:
        """The argument called ``name`` (a keyword, or ``#N`` for the N-th positional one), or None."""
        return next((a for a in self.arguments if a.name == name), None)

    @property
    def where(self) -> str:
        """``file:line``."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ProjectCode:
    """What :func:`read_project_code` found in one project."""

    root: Path
    files: int
    """Python files selected (after .gitignore and include/exclude)."""
    parsed: int
    """Files that import an SSH-stack package and were parsed."""
    uses: tuple[ApiUse, ...]
    """Every use, by file then line."""
    unreadable: tuple[tuple[str, str], ...] = ()
    """``(file, reason)`` for files that could not be decoded or parsed (a syntax error)."""
    options: tuple[ConfigOption, ...] = ()
    """Host-key settings of ``--ansible-cfg`` (:func:`ansible_host_key_options`), with file and line."""


def canonical(name: str) -> str:
    """``paramiko.client.SSHClient.connect`` → ``paramiko.SSHClient.connect``: a class as the package exports it.

    A submodule component (lower case) directly followed by a class (upper-case initial) is dropped.
    """
    parts = name.split(".")
    if len(parts) >= 3 and parts[1].islower() and parts[2][:1].isupper():
        del parts[1]
    return ".".join(parts)


class _ModuleReader(ast.NodeVisitor):
    """Collect the :class:`ApiUse` records of one module, in source order."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.names: dict[str, str] = {}
        """Local name or dotted target → qualified module, class or function."""
        self.instances: dict[str, str] = {}
        """Local name or dotted target → qualified class of the instance it holds."""
        self.mappings: dict[str, ast.Dict] = {}
        """Local name or dotted target → the dict display assigned to it (``device = {"host": ...}``), for ``**device``."""
        self.uses: list[ApiUse] = []

    # ---------------------------------------------------------------- resolution

    def dotted(self, node: ast.expr) -> str | None:
        """``a.b.c`` for a chain of names and attributes, else None."""
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None

    def resolve(self, node: ast.expr) -> str | None:
        """The qualified stack name ``node`` denotes (a module, class, function or method), or None."""
        if isinstance(node, ast.Call):
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call):
            cls = self.instance_of(node.value)
            return None if cls is None else f"{cls}.{node.attr}"
        text = self.dotted(node)
        if text is None:
            return None
        parts = text.split(".")
        for cut in range(len(parts), 0, -1):
            head, rest = ".".join(parts[:cut]), parts[cut:]
            for table in (self.instances, self.names):
                if head in table:
                    return canonical(".".join([table[head], *rest]))
        return None

    def instance_of(self, node: ast.expr) -> str | None:
        """The qualified class of the instance ``node`` evaluates to, when known."""
        if isinstance(node, ast.Call):
            called = self.resolve(node.func)
            if called is None:
                return None
            if called in _RETURNS_CLASS:
                return None
            return called if called.rsplit(".", 1)[-1][:1].isupper() else None
        text = self.dotted(node)
        return self.instances.get(text) if text is not None else None

    def bind(self, target: ast.expr, value: ast.expr) -> None:
        """Record what ``target = value`` binds, when ``value`` is a stack class, instance or factory result."""
        key = self.dotted(target)
        if key is not None and isinstance(value, ast.Dict):
            self.mappings[key] = value
        if key is None:
            if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
                for t, v in zip(target.elts, value.elts, strict=False):
                    self.bind(t, v)
            return
        if isinstance(value, ast.Call):
            called = self.resolve(value.func)
            if called in _RETURNS_CLASS:
                self.names[key] = _RETURNS_CLASS[called]
                return
        cls = self.instance_of(value)
        if cls is not None:
            self.instances[key] = cls
            return
        resolved = self.resolve(value)
        if resolved is not None:
            self.names[key] = resolved

    # ---------------------------------------------------------------- recording

    def record(
        self, node: ast.expr, name: str, kind: str, arguments: tuple[Argument, ...] = (), spread: bool = False
    ) -> None:
        """Append one use at ``node``'s line."""
        self.uses.append(ApiUse(self.file, node.lineno, name, kind, arguments, spread))

    def arguments(self, call: ast.Call) -> tuple[tuple[Argument, ...], bool]:
        """The call's positional (``#N``) and keyword arguments with literal values, and whether some are unknown.

        ``**name`` of a dict display assigned to ``name`` in the module (netmiko's ``ConnectHandler(**device)``)
        contributes its string keys; any other ``**mapping`` makes the keywords unknown (the ``spread`` flag).
        """
        out = [_argument(f"#{i}", arg) for i, arg in enumerate(call.args) if not isinstance(arg, ast.Starred)]
        spread = False
        for keyword in call.keywords:
            if keyword.arg is not None:
                out.append(_argument(keyword.arg, keyword.value))
                continue
            text = self.dotted(keyword.value)
            mapping = self.mappings.get(text) if text is not None else None
            if mapping is None:
                spread = True
                continue
            for key, value in zip(mapping.keys, mapping.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    out.append(_argument(key.value, value))
                else:  # `**other` inside the display, or a computed key
                    spread = True
        return tuple(out), spread

    # ---------------------------------------------------------------- visitors

    def visit_Import(self, node: ast.Import) -> None:
        """``import paramiko`` / ``import paramiko.dsskey as d``."""
        for alias in node.names:
            top = alias.name.split(".", 1)[0]
            if top not in PACKAGES:
                continue
            if alias.asname:
                self.names[alias.asname] = alias.name
            else:
                self.names[top] = top
            if "." in alias.name:
                self.uses.append(ApiUse(self.file, node.lineno, alias.name, "import"))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        """``from paramiko import DSSKey`` / ``from paramiko.client import SSHClient``."""
        module = node.module or ""
        if node.level or module.split(".", 1)[0] not in PACKAGES:
            return
        if "." in module:
            self.uses.append(ApiUse(self.file, node.lineno, module, "import"))
        for alias in node.names:
            if alias.name == "*":
                continue
            qualified = canonical(f"{module}.{alias.name}")
            self.names[alias.asname or alias.name] = qualified
            self.uses.append(ApiUse(self.file, node.lineno, qualified, "import"))

    def visit_Assign(self, node: ast.Assign) -> None:
        """Record uses in the value, then bind every target."""
        self.visit(node.value)
        for target in node.targets:
            self.bind(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        """``client: paramiko.SSHClient = ...``: bind from the value, else from the annotation."""
        if node.value is not None:
            self.visit(node.value)
            self.bind(node.target, node.value)
        key, cls = self.dotted(node.target), self.resolve(node.annotation)
        if key is not None and cls is not None and key not in self.instances:
            self.instances[key] = cls

    def visit_withitem(self, node: ast.withitem) -> None:
        """``with paramiko.SSHClient() as client``."""
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self.bind(node.optional_vars, node.context_expr)

    def visit_arg(self, node: ast.arg) -> None:
        """A parameter annotated with a stack class holds an instance of it."""
        if node.annotation is not None:
            self.visit(node.annotation)
            cls = self.resolve(node.annotation)
            if cls is not None:
                self.instances[node.arg] = cls

    def visit_Call(self, node: ast.Call) -> None:
        """A call of a stack name: record it with its arguments, then look inside the arguments."""
        name = self.resolve(node.func)
        if name is None:
            self.visit(node.func)
        else:
            arguments, spread = self.arguments(node)
            self.record(node, name, "call", arguments, spread)
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
                self.visit(node.func.value)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword.value)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        """A reference such as ``paramiko.DSSKey`` (not called)."""
        name = self.resolve(node)
        if name is None:
            self.generic_visit(node)
        elif "." in name:
            self.record(node, name, "reference")

    def visit_Name(self, node: ast.Name) -> None:
        """A bare name imported from the stack (``DSSKey``), used without a call."""
        name = self.names.get(node.id)
        if name is not None and "." in name and isinstance(node.ctx, ast.Load):
            self.record(node, name, "reference")


def _argument(name: str, node: ast.expr) -> Argument:
    try:
        return Argument(name, True, ast.literal_eval(node), node.lineno)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return Argument(name, False, None, node.lineno)


def read_module(text: str, file: str) -> list[ApiUse]:
    """Every SSH-stack API use in one module's source ``text``, in source order.

    Args:
        text: the module's source.
        file: its path as the uses should name it.

    Raises:
        SyntaxError: ``text`` is not valid Python (as :func:`ast.parse`).
    """
    tree = ast.parse(text, filename=file)
    reader = _ModuleReader(file)
    reader.visit(tree)
    return reader.uses


# -------------------------------------------------------------------- file selection


def _git_files(root: Path) -> list[str] | None:
    """The ``*.py`` files git does not ignore under ``root`` (tracked + untracked), or None outside a work tree."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return [p for p in os.fsdecode(out.stdout).split("\0") if p and (root / p).is_file()]


def _gitignore(root: Path) -> GitIgnoreSpec | None:
    """The project's own ``.gitignore`` (root only), or None when it has none."""
    path = root / ".gitignore"
    if not path.is_file():
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(path.read_text(encoding="utf-8", errors="replace").splitlines())


def _walk_files(root: Path) -> list[str]:
    """The ``*.py`` files under ``root`` that ``.gitignore`` does not ignore (outside a git work tree)."""
    ignored = _gitignore(root)
    found: list[str] = []
    for current, dirs, files in os.walk(root):
        rel = Path(current).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        dirs[:] = sorted(
            d for d in dirs if d not in _SKIP_DIRS and not (ignored and ignored.match_file(f"{prefix}{d}/"))
        )
        for name in sorted(files):
            if name.endswith(".py") and not (ignored and ignored.match_file(prefix + name)):
                found.append(prefix + name)
    return found


def _has_python_file(root: Path) -> bool:
    """Whether any ``*.py`` file is under ``root`` outside the directories never read; stops at the first."""
    for _current, dirs, files in os.walk(root):
        if any(name.endswith(".py") for name in files):
            return True
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
    return False


def select_files(root: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """The project's Python files the reader looks at, relative to ``root``, sorted.

    Args:
        root: the project directory.
        include: gitwildmatch patterns (``[tool.sshdrift] include``); when given, only matching files.
        exclude: gitwildmatch patterns (``[tool.sshdrift] exclude``); matching files are left out.

    Returns:
        ``/``-separated paths: git's view in a work tree (``git ls-files --cached --others
        --exclude-standard``: what ``.gitignore`` and ``.git/info/exclude`` ignore is left out), else
        a walk honouring ``root/.gitignore``. Virtual environments and ``.git`` are never read.
    """
    # A project without a single Python file lists none either way: git is not asked (start-up of the hook).
    files = _git_files(root) if _has_python_file(root) else []
    if files is None:
        files = _walk_files(root)
    files = [f for f in files if not _SKIP_DIRS.intersection(f.split("/")[:-1])]
    if include or exclude:
        import pathspec

        keep = pathspec.GitIgnoreSpec.from_lines(include) if include else None
        drop = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
        files = [f for f in files if (keep is None or keep.match_file(f)) and not (drop and drop.match_file(f))]
    return sorted(files)


def _read_files(root: Path, files: Iterable[str]) -> Iterator[tuple[str, list[ApiUse] | str]]:
    """``(file, uses)`` for each file mentioning the stack, or ``(file, reason)`` when it cannot be parsed."""
    for rel in files:
        try:
            data = (root / rel).read_bytes()
        except OSError as exc:
            yield rel, f"cannot be read ({exc.strerror or exc})"
            continue
        if _IMPORTS.search(data) is None:
            continue
        try:
            yield rel, read_module(data.decode("utf-8"), rel)
        except UnicodeDecodeError:
            yield rel, "not UTF-8 text"
        except (SyntaxError, ValueError) as exc:
            yield rel, f"not valid Python ({exc.__class__.__name__}: {exc})"


ANSIBLE_HOST_KEY_KEYS: tuple[tuple[str, str], ...] = (
    ("defaults", "host_key_checking"),
    ("paramiko_connection", "host_key_checking"),
    ("paramiko_connection", "host_key_auto_add"),
    ("libssh_connection", "host_key_checking"),
    ("libssh_connection", "host_key_auto_add"),
)
"""``(section, key)`` of the ansible.cfg settings that decide host-key checking (Ansible's configuration
reference: ``HOST_KEY_CHECKING``; the ``paramiko_ssh`` and ``ansible.netcommon.libssh`` connection plugins)."""


def _line_of(lines: Sequence[str], section: str, key: str) -> int:
    """1-based line of ``key`` in ``[section]`` (configparser keeps none); 1 when not found."""
    current = None
    for number, raw in enumerate(lines, start=1):
        header = re.match(r"^\s*\[([^\]]+)\]", raw)
        if header:
            current = header.group(1).strip()
        elif current == section and re.match(rf"^\s*{re.escape(key)}\s*[=:]", raw, re.IGNORECASE):
            return number
    return 1


def ansible_host_key_options(path: Path) -> tuple[ConfigOption, ...]:
    """The host-key settings of an ansible.cfg (:data:`ANSIBLE_HOST_KEY_KEYS`), each with its line.

    ``context`` is the section (``defaults``), ``key`` the setting, ``value`` as written.

    Raises:
        ConfigError: the file cannot be read or is not an INI file.
    """
    import configparser  # Start-up: only with --ansible-cfg.

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        text = path.read_text(encoding="utf-8")
        parser.read_string(text, source=str(path))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise ConfigError(f"{path}: cannot be read as ansible.cfg ({exc}); check --ansible-cfg") from exc
    lines = text.splitlines()
    return tuple(
        ConfigOption(path, _line_of(lines, section, key), key, parser.get(section, key), None, section)
        for section, key in ANSIBLE_HOST_KEY_KEYS
        if parser.has_option(section, key)
    )


def read_project_code(
    root: Path, include: Sequence[str] = (), exclude: Sequence[str] = (), *, ansible_cfg: Path | None = None
) -> ProjectCode:
    """Read the SSH-stack API uses of the project at ``root``.

    Args:
        root: the project directory.
        include: ``[tool.sshdrift] include`` patterns (see :func:`select_files`).
        exclude: ``[tool.sshdrift] exclude`` patterns.
        ansible_cfg: an ansible.cfg whose host-key settings to read too, or None.

    Returns:
        The uses, by file then line; files that cannot be parsed are listed in ``unreadable``, never raised.

    Raises:
        ConfigError: ``ansible_cfg`` cannot be read.
    """
    files = select_files(root, include, exclude)
    uses: list[ApiUse] = []
    unreadable: list[tuple[str, str]] = []
    parsed = 0
    for rel, result in _read_files(root, files):
        if isinstance(result, str):
            unreadable.append((rel, result))
        else:
            parsed += 1
            uses += result
    options = ansible_host_key_options(ansible_cfg) if ansible_cfg is not None and ansible_cfg.is_file() else ()
    return ProjectCode(root, len(files), parsed, tuple(uses), tuple(unreadable), options)
