"""Everything sshdrift's own process does with Paramiko: known_hosts, ``ProxyJump`` specs, jump-host connections.

This is the one module of our process that imports paramiko (at import time); callers outside the
client folder reach it through :mod:`auditor.probe.sshlib`, only when a command needs it, so CLI
start-up stays fast. Handshakes with the Paramiko *under audit* do not happen here: they run in
:mod:`auditor.probe.clients.paramiko.worker` under that release's interpreter.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import hmac
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko

from auditor.errors import ConfigError

# Paramiko's transport thread logs a traceback when a connection fails; without a handler of its own,
# Python's last-resort handler would print it on the user's terminal.
_PARAMIKO_LOGGER = logging.getLogger("paramiko")
_PARAMIKO_LOGGER.addHandler(logging.NullHandler())
_PARAMIKO_LOGGER.propagate = False

DEFAULT_KNOWN_HOSTS = Path("~/.ssh/known_hosts")
PASSPHRASE_ENV = "SSHDRIFT_JUMP_PASSPHRASE"
"""Environment variable holding the jump-host key's passphrase (never printed, never logged)."""


def fingerprint(blob: bytes) -> str:
    """OpenSSH's ``SHA256:<base64 without padding>`` of a public key blob (as ``ssh-keygen -l`` prints it)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def known_hosts_name(host: str, port: int) -> str:
    """The known_hosts name of a server: ``host`` on port 22, else ``[host]:port`` (OpenSSH sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT")."""
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True)
class HostKeyCheck:
    """The known_hosts verdict on one host key."""

    status: str
    """``match`` | ``changed`` (known keys of that type, none equal) | ``unknown`` (no key of that type)."""
    known: tuple[str, ...] = ()
    """``SHA256:`` fingerprints of the known keys of that type for that host."""
    line: int | None = None
    """1-based known_hosts line of the first known key of that type, when known."""


class KnownHosts:
    """An OpenSSH known_hosts file, read through :class:`paramiko.HostKeys`.

    Hashed entries (``|1|salt|hash``) and ``[host]:port`` names are matched by Paramiko. Key types
    the running Paramiko cannot load (e.g. ``ssh-dss`` since Paramiko 4.0) are kept as raw blobs and
    matched by name with Paramiko's own :meth:`~paramiko.HostKeys.hash_host`, so a changed DSA key is
    still caught. ``@cert-authority`` and ``@revoked`` lines are ignored.
    """

    def __init__(self, path: Path) -> None:
        """Read ``path``.

        Raises:
            ConfigError: the file cannot be read.
        """
        self.path = path
        self._keys = paramiko.HostKeys()
        self._raw: list[tuple[list[str], str, bytes, int]] = []
        try:
            self._keys.load(str(path))
            text = path.read_text(encoding="utf-8", errors="replace")
        except (OSError, paramiko.SSHException) as exc:
            raise ConfigError(
                f"{path}: cannot read this known_hosts file ({exc}); fix it or pass --known-hosts"
            ) from exc
        for lineno, line in enumerate(text.splitlines(), 1):
            fields = line.strip().split()
            if len(fields) < 3 or fields[0].startswith(("#", "@")):
                continue
            try:
                blob = base64.b64decode(fields[2], validate=True)
            except (binascii.Error, ValueError):
                continue
            self._raw.append((fields[0].split(","), fields[1], blob, lineno))

    def check(self, host: str, port: int, key_type: str, seen: str) -> HostKeyCheck:
        """Compare a server's host key with the file's entries for that server and key type.

        Args:
            host: the server's address as the inventory names it.
            port: its TCP port (``[host]:port`` entries unless 22).
            key_type: the key's type (``ssh-rsa``, ``ssh-ed25519``, ``ecdsa-sha2-nistp256``, ``ssh-dss``),
                not the signature algorithm (``rsa-sha2-512`` is an ``ssh-rsa`` key).
            seen: the key's ``SHA256:`` fingerprint from the handshake.
        """
        name = known_hosts_name(host, port)
        known: list[tuple[bytes, int | None]] = []
        entries = self._keys.lookup(name)
        if entries is not None and key_type in entries:
            known.append((entries[key_type].asbytes(), None))
        for names, raw_type, blob, lineno in self._raw:
            if raw_type == key_type and self._name_matches(name, names):
                known.append((blob, lineno))
        if not known:
            return HostKeyCheck("unknown")
        fingerprints = tuple(dict.fromkeys(fingerprint(blob) for blob, _ in known))
        line = next((lineno for _, lineno in known if lineno is not None), None)
        same = any(hmac.compare_digest(fp.encode(), seen.encode()) for fp in fingerprints)
        return HostKeyCheck("match" if same else "changed", fingerprints, line)

    def keys_for(self, host: str, port: int) -> dict[str, list[tuple[bytes, int]]]:
        """Every key the file holds for ``host`` on ``port``, by key type: ``{type: [(blob, line), ...]}``.

        Names are matched as OpenSSH writes them (``host`` on port 22, else ``[host]:port``; hashed
        ``|1|salt|hash`` names through :meth:`paramiko.HostKeys.hash_host`); lines are 1-based.
        """
        name = known_hosts_name(host, port)
        out: dict[str, list[tuple[bytes, int]]] = {}
        for names, key_type, blob, lineno in self._raw:
            if self._name_matches(name, names):
                out.setdefault(key_type, []).append((blob, lineno))
        return out

    @staticmethod
    def _name_matches(name: str, names: Sequence[str]) -> bool:
        for entry in names:
            if entry == name:
                return True
            if entry.startswith("|1|"):
                hashed = paramiko.HostKeys.hash_host(name, entry)
                if hmac.compare_digest(hashed.encode("ascii"), entry.encode("ascii")):
                    return True
        return False


def load_known_hosts(path: Path | None) -> KnownHosts | None:
    """``--known-hosts FILE`` when given (it must exist), else ``~/.ssh/known_hosts`` when it exists, else None.

    Raises:
        ConfigError: an explicitly given file is missing or unreadable.
    """
    if path is not None:
        if not path.expanduser().exists() or path.expanduser().is_dir():
            raise ConfigError(f"{path}: no such known_hosts file; pass an existing file to --known-hosts")
        return KnownHosts(path.expanduser())
    default = DEFAULT_KNOWN_HOSTS.expanduser()
    return KnownHosts(default) if default.is_file() else None


def parse_jump(spec: str) -> tuple[str, str, int]:
    """``[user@]host[:port]`` (``[v6addr]:port`` too) → ``(user, host, port)``; user defaults to the login name.

    Raises:
        ConfigError: a whole chain (``a,b``: give one hop at a time) or a bad port.
    """
    if "," in spec:
        raise ConfigError(f"jump host {spec}: one hop expected; split a ProxyJump chain on its commas")
    user, _, rest = spec.rpartition("@")
    host, port_text = rest, ""
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    elif rest.count(":") == 1:
        host, _, port_text = rest.partition(":")
    try:
        port = int(port_text) if port_text else 22
    except ValueError:
        raise ConfigError(f"jump host {spec}: port {port_text!r} is not a number; use user@host:port") from None
    if not host or not 0 < port < 65536:
        raise ConfigError(f"jump host {spec}: expected [user@]host[:port]")
    return (user or getpass.getuser()), host, port


class GatewayKeyChanged(ConnectionError):
    """A jump host's host key is not the one known_hosts holds for it (same key type).

    Attributes: ``spec`` (the hop as written), ``key_type`` (``ssh-ed25519``), ``seen`` (its ``SHA256:``
    fingerprint from the handshake). The message is one line and names the gateway.
    """

    def __init__(self, spec: str, key_type: str, seen: str, known_hosts: str) -> None:
        super().__init__(f"jump host {spec}: its host key {seen} ({key_type}) is not the one in {known_hosts}")
        self.spec = spec
        self.key_type = key_type
        self.seen = seen


class _AcceptUnknown(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """A gateway absent from known_hosts is accepted for this run, never saved; a *changed* key still fails."""

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        """Accept the key without recording it."""
        return


class Gateway:
    """One authenticated SSH connection to a jump host, opening ``direct-tcpip`` channels (RFC 4254 §7.2)."""

    def __init__(self, spec: str, client: Any) -> None:
        self.spec = spec
        self._client = client

    def open_channel(self, host: str, port: int, *, timeout: float) -> Any:
        """A ``direct-tcpip`` channel to ``host:port`` as the gateway sees it (a socket-like object).

        Args:
            host: the target as the gateway resolves it.
            port: its TCP port.
            timeout: seconds to wait for the gateway to open the channel.

        Raises:
            OSError, paramiko.SSHException: the gateway refused or could not reach the target.
        """
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise ConnectionResetError(f"the connection to jump host {self.spec} is closed")
        return transport.open_channel("direct-tcpip", (host, port), ("127.0.0.1", 0), timeout=timeout)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._client.close()


def open_gateway(
    spec: str, *, key_file: Path | None, known_hosts: KnownHosts | None, timeout: float, sock: Any = None
) -> Gateway:
    """Connect and authenticate to jump host ``spec`` (``[user@]host[:port]``), over ``sock`` when given.

    ``sock``: a ``direct-tcpip`` channel of the previous hop (ssh_config(5) ``ProxyJump``, RFC 4254 §7.2),
    or None for a TCP connection of our own.

    Authentication: ``key_file`` (passphrase from :data:`PASSPHRASE_ENV`), else ssh-agent and the
    default keys. The gateway's host key is checked against ``known_hosts`` when it lists the gateway.
    ``timeout`` (seconds) bounds the TCP connect, the banner and the authentication each.

    Returns:
        The connected :class:`Gateway`; close it when done.

    Raises:
        GatewayKeyChanged: its host key is not the one known_hosts holds (a ConnectionError).
        ConnectionError: with a one-line reason (unreachable, authentication failed);
            the message never contains the passphrase.
    """
    user, host, port = parse_jump(spec)
    client = paramiko.SSHClient()
    if known_hosts is not None:
        client.load_host_keys(str(known_hosts.path))
    client.set_missing_host_key_policy(_AcceptUnknown())
    try:
        client.connect(
            hostname=host,
            port=port,
            username=user,
            key_filename=str(key_file) if key_file else None,
            passphrase=os.environ.get(PASSPHRASE_ENV) or None,
            allow_agent=key_file is None,
            look_for_keys=key_file is None,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            sock=sock,
        )
    except paramiko.BadHostKeyException as exc:
        client.close()
        key = exc.key
        where = str(known_hosts.path) if known_hosts else "known_hosts"
        raise GatewayKeyChanged(spec, key.get_name(), fingerprint(key.asbytes()), where) from None
    except paramiko.AuthenticationException:
        client.close()
        raise ConnectionError(
            f"jump host {spec}: authentication failed; load the key into ssh-agent or pass --jump-key"
        ) from None
    except (OSError, EOFError, paramiko.SSHException, ValueError) as exc:
        client.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else (str(exc) or type(exc).__name__)
        raise ConnectionError(f"jump host {spec}: {reason}") from None
    return Gateway(spec, client)
