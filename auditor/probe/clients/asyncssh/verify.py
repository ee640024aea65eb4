"""Verification: real asyncssh handshakes in a subprocess of the interpreter that holds the release asked for.

The handshakes live in :mod:`auditor.probe.clients.asyncssh.worker`, a script that interpreter runs (asyncssh
is asyncio-based: one process handles every device concurrently). This module feeds it the job as JSON on
stdin and reads one JSON line per device back, advancing the progress as lines arrive.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from auditor.device_model import Device, DeviceStatus, Negotiated
from auditor.errors import ConfigError
from auditor.probe.clients.interface import DeviceKey, device_key
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

WORKER = Path(__file__).with_name("worker.py")
"""The script the target interpreter runs."""

IMPLICIT_MAC = "<implicit>"
"""What :mod:`auditor.probe.negotiation` calls the MAC of an AEAD cipher (asyncssh reports the cipher's name)."""

_START_SECONDS = 60.0
"""Allowance for the worker to start (import asyncssh and cryptography)."""


def verify_devices(
    devices: Sequence[Device],
    *,
    python: Path,
    version: str,
    timeout: float,
    concurrency: int,
    progress: Progress | None,
    jump_key: Path | None = None,
    known_hosts: Path | None = None,
    config: Sequence[str] = (),
    algorithms: Mapping[str, str] | None = None,
) -> dict[DeviceKey, HandshakeOutcome]:
    """Run ``asyncssh.connect`` without credentials against each device with ``python``'s asyncssh.

    Devices behind jump hosts are reached through their whole chain (see :mod:`.worker`).

    Args:
        devices: the devices to handshake with (one connection at a time per host:port).
        python: the interpreter whose asyncssh to use; it must import exactly ``version``.
        version: the asyncssh release expected.
        timeout: seconds per device for connect + identification string + key exchange + the refused login.
        concurrency: handshakes at once.
        progress: advanced by one per finished device.
        jump_key: private key for jump hosts (else the agent and default keys).
        known_hosts: gateways' keys are checked against it (a changed key fails the chain's devices).
        config: ssh_config files whose algorithm lines asyncssh applies to each device (as ``connect(config=...)``
            would); empty: none.
        algorithms: ``connect`` keywords of the project's code (``{"kex_algs": "a,b"}``), which win over ``config``.

    Returns:
        ``(name, host, port)`` → outcome for every device whose handshake finished.

    Raises:
        ConfigError: ``python`` cannot run the worker, or imports another asyncssh than ``version``.
    """
    if not devices:
        return {}
    by_key = {device_key(d): d for d in devices}
    job = {
        "timeout": timeout,
        "concurrency": concurrency,
        "devices": [[*key, list(device.jumps)] for key, device in by_key.items()],
        "jump_key": str(jump_key) if jump_key is not None else None,
        "known_hosts": str(known_hosts) if known_hosts is not None else None,
        "config": list(config),
        "algorithms": dict(algorithms or {}),
    }
    hops = max((len(d.jumps) for d in by_key.values()), default=0)
    budget = _START_SECONDS + timeout * (len(by_key) / max(1, concurrency) + 2 + hops)
    try:
        proc = subprocess.run(
            [str(python), "-W", "ignore", str(WORKER)],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=budget,
            check=False,
        )
    except OSError as exc:
        raise ConfigError(
            f"{python}: cannot run it for the asyncssh handshakes ({exc.strerror}); check --python"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return _outcomes(out, by_key, version, progress)
    lines = proc.stdout.splitlines()
    if not lines:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError(f"{python}: the asyncssh handshake worker did not start ({last}); check that interpreter")
    hello = json.loads(lines[0])
    if hello.get("hello") != version:
        raise ConfigError(f"{python}: imports asyncssh {hello.get('hello')}, not {version}; check --python")
    return _outcomes(proc.stdout, by_key, version, progress)


def _outcomes(
    stdout: str, by_key: dict[DeviceKey, Device], version: str, progress: Progress | None
) -> dict[DeviceKey, HandshakeOutcome]:
    outcomes: dict[DeviceKey, HandshakeOutcome] = {}
    for line in stdout.splitlines():
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "key" not in data:
            continue
        name, host, port = data["key"]
        device = by_key.get((str(name), str(host), int(port)))
        if device is None:
            continue
        outcomes[device_key(device)] = outcome_from_json(device, version, data)
        if progress is not None:
            progress.advance()
    return outcomes


def outcome_from_json(device: Device, version: str, data: dict[str, Any]) -> HandshakeOutcome:
    """One worker line as a :class:`HandshakeOutcome` (``client`` ``asyncssh``).

    The negotiated MAC of an AEAD cipher (asyncssh names the cipher) becomes :data:`IMPLICIT_MAC`; an RSA
    host key's signature algorithm (``ssh-rsa`` or ``rsa-sha2-*``) is not visible, so it is left empty
    (never compared with the prediction); the kex comes from asyncssh's log (empty, and not compared, when
    the line was not seen). asyncssh's "No matching ... found, sent ... and received ..." keeps its first
    clause (both lists are in the report already).
    """
    negotiated = None
    raw = data.get("negotiated")
    if isinstance(raw, dict):
        mac = raw.get("mac") or ""
        host_key = raw.get("host_key") or ""
        negotiated = Negotiated(
            kex=raw.get("kex") or "",
            host_key="" if host_key == "ssh-rsa" else host_key,
            cipher=raw.get("cipher") or "",
            mac=IMPLICIT_MAC if mac == raw.get("cipher") else mac,
            compression=raw.get("compression") or "none",
        )
    key = data.get("host_key") or {}
    reason = data.get("reason")
    return HandshakeOutcome(
        device,
        DeviceStatus(data.get("status", "error")),
        version,
        negotiated=negotiated,
        # "No matching kex algorithm found, sent A,B,... and received X,Y": the lists are in the report already.
        reason=reason.split(", sent ", 1)[0] if isinstance(reason, str) else None,
        host_key_type=key.get("type"),
        host_key_base64=key.get("base64"),
        host_key_fingerprint=key.get("fingerprint"),
        banner=data.get("banner"),
        client="asyncssh",
    )
