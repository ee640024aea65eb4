"""The KEXINIT grab for devices behind ProxyJump chains: each hop opened through the one before it, shared.

A device's chain (:attr:`auditor.device_model.Device.jumps`, ssh_config(5) ``ProxyJump``: ``gw1,gw2``) is opened
hop by hop: an authenticated connection to the first gateway, then each next gateway over a
``direct-tcpip`` channel (RFC 4254 §7.2) of the previous one, and finally the device over a channel of
the last one; :func:`auditor.probe.grab.grab_over_socket` reads the device's banner and KEXINIT. A chain
is never shortened: the device's address is resolved only by the last gateway.

Every distinct chain is opened once, all of them at the same time, and shared by every device behind it
(a common prefix is shared too): a dead bastion costs one timeout, not one per device. Each hop's host
key is checked against known_hosts; a changed one is a :class:`~auditor.probe.results.ProtocolFailure`
carrying a :class:`~auditor.device_model.GatewayKeyChange` that names the gateway (the ``host-key-changed``
rule reports it). Any other gateway failure makes its devices ``unreachable`` with the gateway's reason.
Jump-host secrets come from ssh-agent, ``--jump-key`` and ``SSHDRIFT_JUMP_PASSPHRASE`` only, and no
message carries them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.device_model import Device, GatewayKeyChange
from auditor.errors import ConfigError
from auditor.probe.results import GrabResult, ProtocolFailure, Unreachable
from auditor.progress import NullProgress, Progress

if TYPE_CHECKING:
    from auditor.probe.sshlib import Gateway, GatewayKeyChanged, KnownHosts

_CHANNELS_PER_GATEWAY = 8
"""Channels open at once through one gateway (sshd's default MaxSessions is 10)."""
_MAX_THREADS = 32
"""Threads opening chains and grabbing devices at once (each waits on the network, not the CPU)."""

Chain = tuple[str, ...]
"""A ProxyJump chain, first hop first, each ``[user@]host[:port]``."""


class _GatewayError(Exception):
    """A chain that could not be opened: either its reason (one line) or a gateway's changed host key."""

    def __init__(self, reason: str, changed: GatewayKeyChange | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.changed = changed


class Chains:
    """The gateways of every chain, opened once each (prefixes shared) and closed together.

    Thread-safe: any number of threads may ask for chains; one opens a given chain while the others
    wait for it, and a failure is remembered, so a dead gateway is tried once per run.
    """

    def __init__(self, *, key_file: Path | None, known_hosts: KnownHosts | None, timeout: float) -> None:
        """Remember how to open gateways; nothing is opened yet.

        Args:
            key_file: ``--jump-key`` (else ssh-agent and the default keys).
            known_hosts: each hop's host key is checked against it (None: not checked).
            timeout: seconds per hop for connect, banner and authentication each.
        """
        self._key_file = key_file
        self._known_hosts = known_hosts
        self._timeout = timeout
        self._lock = threading.Lock()
        self._locks: dict[Chain, threading.Lock] = {}
        self._open: dict[Chain, Gateway] = {}
        self._failed: dict[Chain, _GatewayError] = {}
        self._channels: dict[Chain, threading.BoundedSemaphore] = {}

    def gateway(self, chain: Chain) -> Gateway:
        """The authenticated connection to the last hop of ``chain``, reached through all the hops before it.

        Raises:
            _GatewayError: a hop could not be reached, refused us or showed a changed host key.
        """
        with self._lock:
            lock = self._locks.setdefault(chain, threading.Lock())
        with lock:
            if chain in self._failed:
                raise self._failed[chain]
            if chain not in self._open:
                try:
                    self._open[chain] = self._open_last_hop(chain)
                except _GatewayError as exc:
                    self._failed[chain] = exc
                    raise
                self._channels[chain] = threading.BoundedSemaphore(_CHANNELS_PER_GATEWAY)
            return self._open[chain]

    def try_open(self, chain: Chain) -> None:
        """Open ``chain`` now, remembering a failure for its devices instead of raising it."""
        try:
            self.gateway(chain)
        except _GatewayError:
            return

    def channels(self, chain: Chain) -> threading.BoundedSemaphore:
        """The limit on channels open at once through ``chain``'s last gateway (open it first)."""
        return self._channels[chain]

    def _open_last_hop(self, chain: Chain) -> Gateway:
        from auditor.probe import sshlib

        spec = chain[-1]
        sock = None
        through = ""
        try:
            if len(chain) > 1:
                previous = self.gateway(chain[:-1])
                through = f" (through {previous.spec})"
                _, host, port = sshlib.parse_jump(spec)
                sock = previous.open_channel(host, port, timeout=self._timeout)
            gateway = sshlib.open_gateway(
                spec, key_file=self._key_file, known_hosts=self._known_hosts, timeout=self._timeout, sock=sock
            )
        except sshlib.GatewayKeyChanged as exc:
            raise _GatewayError(str(exc), self._change(exc)) from None
        except _GatewayError:
            raise
        except (ConnectionError, ConfigError) as exc:
            raise _GatewayError(f"{exc}{through}") from None
        except Exception as exc:  # ChannelException, SSHException, OSError: the previous hop could not reach it
            reason = str(exc) or type(exc).__name__
            raise _GatewayError(f"jump host {spec}{through}: {reason}") from None
        gateway.spec = ",".join(chain)
        return gateway

    def _change(self, exc: GatewayKeyChanged) -> GatewayKeyChange:
        """The known_hosts facts of a gateway's changed key, for the ``host-key-changed`` finding."""
        from auditor.probe import sshlib

        _, host, port = sshlib.parse_jump(exc.spec)
        known = self._known_hosts
        check = known.check(host, port, exc.key_type, exc.seen) if known is not None else None
        return GatewayKeyChange(
            gateway=exc.spec,
            host=host,
            port=port,
            key_type=exc.key_type,
            seen=exc.seen,
            file=str(known.path) if known is not None else "known_hosts",
            known=check.known if check is not None else (),
            line=check.line if check is not None else None,
        )

    def close(self) -> None:
        """Close every open gateway, the farthest hops first (idempotent)."""
        with self._lock:
            gateways = sorted(self._open.items(), key=lambda item: -len(item[0]))
            self._open = {}
        for _, gateway in gateways:
            gateway.close()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _grab_one(device: Device, chains: Chains, *, timeout: float, save_dir: Path | None) -> GrabResult:
    """One device through its chain: the gateway's failure, the channel's, or what the device sent."""
    from auditor.probe.grab import grab_over_socket

    chain = tuple(device.jumps)
    try:
        gateway = chains.gateway(chain)
    except _GatewayError as exc:
        if exc.changed is not None:
            return ProtocolFailure(device, exc.reason, None, _now(), gateway_key=exc.changed)
        return Unreachable(device, exc.reason, _now())
    with chains.channels(chain):
        try:
            channel = gateway.open_channel(device.host, device.port, timeout=timeout)
        except Exception as exc:  # ChannelException, SSHException, OSError: the target was not reached
            reason = str(exc) or type(exc).__name__
            return Unreachable(device, f"through jump host {gateway.spec}: {reason}", _now())
        return grab_over_socket(channel, device, timeout=timeout, save_dir=save_dir)


def grab_through_jumps(
    devices: Sequence[Device],
    *,
    timeout: float,
    key_file: Path | None,
    known_hosts: Path | None,
    save_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[GrabResult]:
    """Grab the identification string and KEXINIT of devices behind ProxyJump chains, in input order.

    Args:
        devices: devices whose ``jumps`` is set (each hop ``[user@]host[:port]``, first hop first).
        timeout: seconds per hop (connect, banner, authentication), and per device for channel + banner + KEXINIT.
        key_file: private key for the gateways (else ssh-agent and default keys); its passphrase
            from ``SSHDRIFT_JUMP_PASSPHRASE``.
        known_hosts: the file every hop's host key is checked against (None: the user's, if any).
        save_dir: ``--save-kexinit DIR``.
        progress: advanced once per device.

    Returns:
        One result per device, in input order: :class:`Grabbed` from the device itself, :class:`Unreachable`
        (a hop or the device not reached, naming the hop), or :class:`ProtocolFailure` (the device broke
        the protocol, or a gateway's host key changed: ``gateway_key`` set). Never raises for a device or gateway.

    Raises:
        ConfigError: ``known_hosts`` was given and cannot be read.
    """
    from auditor.probe import sshlib

    reporter = progress or NullProgress()
    chains = Chains(key_file=key_file, known_hosts=sshlib.load_known_hosts(known_hosts), timeout=timeout)
    distinct = list(dict.fromkeys(tuple(device.jumps) for device in devices))

    def grab(device: Device) -> GrabResult:
        result = _grab_one(device, chains, timeout=timeout, save_dir=save_dir)
        reporter.advance()
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(1, min(_MAX_THREADS, len(distinct)))) as pool:
            list(pool.map(chains.try_open, distinct))  # every gateway at once, before any device waits on one
        with ThreadPoolExecutor(max_workers=max(1, min(_MAX_THREADS, len(devices)))) as pool:
            return list(pool.map(grab, devices))
    finally:
        chains.close()
