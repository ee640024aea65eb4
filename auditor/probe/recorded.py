"""Verified mode on one connection per device: the grab read from the verification handshake's own bytes.

A client whose handshake records what the server sends (:func:`~auditor.probe.clients.interface.records_hello`,
Paramiko today) is run first, with :attr:`~auditor.probe.clients.interface.VerifyOptions.record_hello`; each
device's identification string and KEXINIT are then parsed from that recording by our own reader
(:func:`auditor.probe.grab.grab_from_hello`), so the device sees one TCP connection from that client instead
of a bare grab followed by a handshake. Only devices whose recording cannot tell what the grab would have
seen (refused, DNS, a reset before any byte, a client that gave up first) are grabbed on a connection of
their own. The per-host limit holds in both: one connection at a time per host:port.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from auditor.device_model import Device
from auditor.probe.clients.interface import Client, ClientEnvironment, DeviceKey, VerifyOptions, device_key
from auditor.probe.grab import grab_devices, grab_from_hello
from auditor.probe.results import GrabResult, HandshakeOutcome
from auditor.progress import Progress


def grab_by_handshake(
    devices: Sequence[Device],
    judged: Client,
    environment: ClientEnvironment,
    options: VerifyOptions,
    progress: Progress,
    *,
    save_dir: Path | None = None,
) -> tuple[list[GrabResult], dict[DeviceKey, HandshakeOutcome]]:
    """Handshake with every device once, recording; return the grab results and the handshake outcomes.

    Args:
        devices: direct devices (no jump host), in input order.
        judged: a client that records (:func:`~auditor.probe.clients.interface.records_hello`).
        environment: its environment, ready to verify (``python`` set).
        options: timeout (seconds per device), concurrency and the rest, as for :meth:`Client.verify`.
        progress: one phase for the handshakes and, when some devices need it, one for their bare grab.
        save_dir: ``--save-kexinit DIR``: keep each raw KEXINIT payload there.

    Returns:
        One :data:`GrabResult` per device in input order (as :func:`auditor.probe.grab.grab_devices` gives),
        and :func:`device_key` → outcome for every finished handshake, its recording dropped.

    Raises:
        ConfigError: the environment cannot run the handshakes at all (as :meth:`Client.verify`).
    """
    progress.start(f"verifying with {judged.name} {environment.version}", len(devices))
    try:
        outcomes = judged.verify(devices, environment, replace(options, record_hello=True), progress)
    finally:
        progress.stop()
    results: list[GrabResult | None] = []
    for device in devices:
        outcome = outcomes.get(device_key(device))
        hello = outcome.hello if outcome is not None else None
        results.append(grab_from_hello(device, hello, timeout=options.timeout, save_dir=save_dir) if hello else None)
    missing = [index for index, result in enumerate(results) if result is None]
    if missing:
        regrabbed = grab_devices(
            [devices[index] for index in missing],
            timeout=options.timeout,
            concurrency=options.concurrency,
            progress=progress,
            save_dir=save_dir,
        )
        for index, result in zip(missing, regrabbed, strict=True):
            results[index] = result
    grabs = [result for result in results if result is not None]
    return grabs, {key: replace(outcome, hello=None) for key, outcome in outcomes.items()}
