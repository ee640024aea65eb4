"""Everything sshdrift's own process does with Paramiko: known_hosts, ``ProxyJump`` specs, jump-host connections.

This is the one module of our process that imports paramiko (at import time); callers outside the
client folder reach it through :mod:`auditor.probe.sshlib`, only when a command needs it, so CLI
start-up stays fast. Handshakes with the Paramiko *under audit* do not happen here: they run in
:mod:`auditor.probe.clients.paramiko.worker` under that release's interpreter.
"""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path
from typing import Any

import paramiko

from auditor.errors import ConfigError
from auditor.probe.known_hosts import (
    KnownHosts,
    fingerprint,
)

# Paramiko's transport thread logs a traceback when a connection fails; without a handler of its own,
# Python's last-resort handler would print it on the user's terminal.
_PARAMIKO_LOGGER = logging.getLogger("paramiko")
_PARAMIKO_LOGGER.addHandler(logging.NullHandler())
_PARAMIKO_LOGGER.propagate = False

PASSPHRASE_ENV = "SSHDRIFT_JUMP_PASSPHRASE"
"""Environment variable holding the jump-host key's passphrase (never printed, never logged)."""


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
