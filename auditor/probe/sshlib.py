"""sshdrift's own SSH plumbing: known_hosts, ``ProxyJump`` specs, jump-host connections.

These run in our own process with the Paramiko beside sshdrift (not the release under audit); the
library stays behind the client seam in :mod:`auditor.probe.clients.paramiko.glue`, and callers outside
the client folders use the names here. Importing this module imports paramiko: do it inside the
function that needs it, so CLI start-up stays fast.
"""

from __future__ import annotations

from auditor.probe.clients.paramiko.glue import (
    DEFAULT_KNOWN_HOSTS,
    PASSPHRASE_ENV,
    Gateway,
    GatewayKeyChanged,
    HostKeyCheck,
    KnownHosts,
    fingerprint,
    known_hosts_name,
    load_known_hosts,
    open_gateway,
    parse_jump,
)

__all__ = [
    "DEFAULT_KNOWN_HOSTS",
    "PASSPHRASE_ENV",
    "Gateway",
    "GatewayKeyChanged",
    "HostKeyCheck",
    "KnownHosts",
    "fingerprint",
    "known_hosts_name",
    "load_known_hosts",
    "open_gateway",
    "parse_jump",
]
