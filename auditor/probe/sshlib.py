"""sshdrift's own SSH plumbing: known_hosts, ``ProxyJump`` specs, jump-host connections.

These run in our own process with the Paramiko beside sshdrift (not the release under audit); the
library stays behind the client seam in :mod:`auditor.probe.clients.paramiko.glue`, and callers outside
the client folders use the names here. Importing this module imports paramiko: do it inside the
function that needs it, so CLI start-up stays fast. known_hosts alone needs no paramiko: read it through
:mod:`auditor.probe.known_hosts`.
"""

from __future__ import annotations

from auditor.probe.clients.paramiko.glue import (
    PASSPHRASE_ENV,
    Gateway,
    GatewayKeyChanged,
    open_gateway,
    parse_jump,
)
from auditor.probe.known_hosts import (
    DEFAULT_KNOWN_HOSTS,
    HostKeyCheck,
    KnownHosts,
    fingerprint,
    known_hosts_name,
    load_known_hosts,
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
