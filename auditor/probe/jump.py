"""The KEXINIT grab for devices behind a jump host: one authenticated connection per gateway, one channel per device.

The grab travels through a ``direct-tcpip`` channel (RFC 4254 §7.2) of one Paramiko connection
to each gateway (:mod:`auditor.probe.sshlib`), shared by all the devices behind it; :func:`auditor.probe.grab.grab_over_socket`
does the reading. A gateway that cannot be reached or refuses us makes each of its devices
``unreachable`` with the gateway's reason; other devices are unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from auditor.errors import ConfigError
from auditor.model import Device
from auditor.probe.results import GrabResult, Unreachable
from auditor.progress import NullProgress, Progress

_CHANNELS_PER_GATEWAY = 8
"""Channels open at once through one gateway (sshd's default MaxSessions is 10)."""


def grab_through_jumps(
    devices: Sequence[Device],
    *,
    timeout: float,
    key_file: Path | None,
    known_hosts: Path | None,
    save_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[GrabResult]:
    """Grab the identification string and KEXINIT of devices that have a ``jump``, in input order.

    Args:
        devices: devices whose ``jump`` is set (``[user@]host[:port]``).
        timeout: seconds for the gateway connection, and per device for channel + banner + KEXINIT.
        key_file: private key for the gateways (else ssh-agent and default keys).
        known_hosts: the file the gateways' host keys are checked against (None: the user's, if any).
        save_dir: ``--save-kexinit DIR``.
        progress: advanced once per device.

    Returns:
        One result per device, in input order; never raises for a device or gateway failure.
    """
    from auditor.probe import sshlib
    from auditor.probe.grab import grab_over_socket

    reporter = progress or NullProgress()
    known = sshlib.load_known_hosts(known_hosts)
    results: list[GrabResult | None] = [None] * len(devices)
    by_gateway: dict[str, list[int]] = {}
    for index, device in enumerate(devices):
        by_gateway.setdefault(device.jump or "", []).append(index)

    def now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")

    for spec, indexes in by_gateway.items():
        try:
            gateway = sshlib.open_gateway(spec, key_file=key_file, known_hosts=known, timeout=timeout)
        except (ConnectionError, ConfigError) as exc:
            for index in indexes:
                results[index] = Unreachable(devices[index], str(exc), now())
                reporter.advance()
            continue

        def grab_one(index: int, gateway: sshlib.Gateway = gateway) -> None:
            device = devices[index]
            try:
                channel = gateway.open_channel(device.host, device.port, timeout=timeout)
            except Exception as exc:  # ChannelException, SSHException, OSError: the target was not reached
                reason = str(exc) or type(exc).__name__
                results[index] = Unreachable(device, f"through jump host {gateway.spec}: {reason}", now())
            else:
                results[index] = grab_over_socket(channel, device, timeout=timeout, save_dir=save_dir)
            reporter.advance()

        try:
            with ThreadPoolExecutor(max_workers=min(_CHANNELS_PER_GATEWAY, len(indexes))) as pool:
                list(pool.map(grab_one, indexes))
        finally:
            gateway.close()
    return [r for r in results if r is not None]
