"""The registry of SSH clients the probe can judge with; each lives in its own folder behind :class:`Client`.

Add a client: write ``auditor/probe/clients/<client>/`` implementing
:class:`~auditor.probe.clients.interface.Client` (its data in ``rules/clients/<client>.json``) and list its
instance in :data:`CLIENTS`. Nothing outside a client's folder imports its library.
"""

from __future__ import annotations

from auditor.errors import UsageError
from auditor.probe.clients.asyncssh import ASYNCSSH
from auditor.probe.clients.interface import (
    Client,
    ClientEnvironment,
    DeviceKey,
    EnvironmentRequest,
    VerifyOptions,
    device_key,
)
from auditor.probe.clients.libssh import LIBSSH
from auditor.probe.clients.openssh import OPENSSH
from auditor.probe.clients.paramiko import PARAMIKO
from auditor.probe.clients.ssh2 import SSH2

__all__ = [
    "CLIENTS",
    "PRIMARY_CLIENT",
    "Client",
    "ClientEnvironment",
    "DeviceKey",
    "EnvironmentRequest",
    "VerifyOptions",
    "client_for_package",
    "device_key",
    "get_client",
]

CLIENTS: dict[str, Client] = {client.name: client for client in (PARAMIKO, ASYNCSSH, LIBSSH, OPENSSH, SSH2)}
"""Every client, by registry name."""

PRIMARY_CLIENT = PARAMIKO.name
"""The client whose verdict fills a device's v1 JSON fields (``paramiko``, ``negotiated``, ...)."""


def get_client(name: str) -> Client:
    """The client registered as ``name``.

    Raises:
        UsageError: no such client (the message lists the known ones).
    """
    try:
        return CLIENTS[name]
    except KeyError:
        raise UsageError(f"unknown SSH client {name!r}; known: {', '.join(sorted(CLIENTS))}") from None


def client_for_package(package: str) -> Client | None:
    """The client a lock package brings in directly (``paramiko`` → Paramiko), or None."""
    wanted = package.lower().replace("_", "-")
    return next((c for c in CLIENTS.values() if wanted in c.packages), None)
