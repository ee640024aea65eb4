"""The algorithm lists the project's code hands asyncssh: the offer its asyncssh really sends.

asyncssh takes its algorithm lists from keywords of ``asyncssh.connect`` (and of
``SSHClientConnectionOptions``, ``create_connection``, ``connect_reverse``): ``kex_algs``,
``encryption_algs``, ``mac_algs`` and ``server_host_key_algs``. A list names the algorithms exactly; a
string is a comma-separated pattern list where a leading ``+`` appends to the default, ``-`` removes and
``^`` puts first (asyncssh's ``_select_algs``/``_expand_algs``). Projects that reach legacy devices with
asyncssh widen its offer there (``kex_algs=["diffie-hellman-group14-sha1", ...]``): judging them with the
default offer calls devices incompatible that the project reaches every day.

Only literal values count (:attr:`auditor.sources.project_code.Argument.literal`); a call that passes a
variable or ``**options`` for them is judged with the default offer, as is a call that passes none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.probe.clients.asyncssh.config import CODE_KEYWORDS

if TYPE_CHECKING:  # Start-up: the code reader (ast) loads only when a project's code is read
    from auditor.sources.project_code import ApiUse, ProjectCode

ASYNCSSH_CALLS = frozenset(
    {
        "asyncssh.connect",
        "asyncssh.connect_reverse",
        "asyncssh.create_connection",
        "asyncssh.SSHClientConnectionOptions",
    }
)
"""The asyncssh entry points whose keywords set the client's algorithm lists."""

ALGORITHM_KEYWORDS: tuple[str, ...] = tuple(CODE_KEYWORDS)
"""asyncssh's keywords that set a KEXINIT name-list (``compression_algs`` never decides reachability)."""


@dataclass(frozen=True)
class CodeOptions:
    """One distinct set of literal algorithm keywords the project's code passes to asyncssh, with its call sites."""

    client: str
    """The client whose offer they set (``asyncssh``)."""
    options: tuple[tuple[str, str], ...]
    """``(keyword, value)`` sorted by keyword; a list value joined with commas, a string value as written."""
    sites: tuple[str, ...]
    """``file:line`` of each call passing them, in source order."""

    @property
    def keywords(self) -> str:
        """``kex_algs='a,b', mac_algs='-hmac-sha1'``: the values without the call sites."""
        return ", ".join(f"{keyword}={value!r}" for keyword, value in self.options)

    def describe(self) -> str:
        """``kex_algs='diffie-hellman-group14-sha1,...' at netops/legacy.py:12`` (at most three sites shown)."""
        values = self.keywords
        shown = ", ".join(self.sites[:3]) + (f" and {len(self.sites) - 3} more" if len(self.sites) > 3 else "")
        return f"{values} at {shown}"


@dataclass(frozen=True)
class ClientCodeOptions:
    """What the project's code makes a client offer: each distinct option set, and whether the default is used too."""

    variants: tuple[CodeOptions, ...]
    """Each distinct set of literal algorithm keywords, in source order."""
    default_too: bool
    """True when some call passes none of them (or passes them as variables): the default offer is judged as well."""


def _literal_value(use: ApiUse, keyword: str) -> str | None:
    """``keyword``'s value as asyncssh reads it (a list joined with commas), None when absent.

    Raises:
        ValueError: present, but not a literal string or list of strings (its value is unknown here).
    """
    argument = use.argument(keyword)
    if argument is None:
        return None
    value = argument.value
    if argument.literal and isinstance(value, str):
        return value
    if argument.literal and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise ValueError(keyword)


def code_options(code: ProjectCode | None, client: str = "asyncssh") -> ClientCodeOptions | None:
    """The algorithm keywords the project's code passes to asyncssh, or None when no call to it was found.

    Args:
        code: what :func:`auditor.sources.project_code.read_project_code` found, or None (no project).
        client: the client (only ``asyncssh`` takes such keywords).

    Returns:
        The distinct literal option sets with their call sites, and whether some call uses the default offer
        (passes none, or passes one that is not a literal, or ``**options``); None when the code makes no
        asyncssh call.
    """
    if code is None or client != "asyncssh":
        return None
    calls = [use for use in code.uses if use.kind == "call" and use.name in ASYNCSSH_CALLS]
    if not calls:
        return None
    found: dict[tuple[tuple[str, str], ...], list[str]] = {}
    default_too = False
    for use in calls:
        try:
            pairs = tuple(sorted((k, v) for k in ALGORITHM_KEYWORDS if (v := _literal_value(use, k)) is not None))
        except ValueError:
            default_too = True
            continue
        # A call with **options may set them from the mapping, one without any uses the default offer.
        default_too = default_too or use.spread or not pairs
        if pairs:
            found.setdefault(pairs, []).append(use.where)
    variants = tuple(CodeOptions(client, pairs, tuple(sites)) for pairs, sites in found.items())
    return ClientCodeOptions(variants, default_too or not variants)


def all_code_options(code: ProjectCode | None, clients: Sequence[str] = ("asyncssh",)) -> dict[str, ClientCodeOptions]:
    """:func:`code_options` for each of ``clients`` that the code calls.

    Args:
        code: the project's code uses, or None (no project).
        clients: the clients to look for (only ``asyncssh`` takes algorithm keywords).

    Returns:
        Client name → its :class:`ClientCodeOptions`; clients the code never calls are absent.
    """
    out: dict[str, ClientCodeOptions] = {}
    for client in clients:
        found = code_options(code, client)
        if found is not None:
            out[client] = found
    return out
