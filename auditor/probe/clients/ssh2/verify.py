"""Verification with libssh2: one real ``Session.handshake`` per device in the environment of the release judged.

Each device gets its own short-lived process of that environment's interpreter running
:mod:`auditor.probe.clients.ssh2.worker`, ``concurrency`` at a time, one at a time per host:port.

Failure mapping (libssh2's errors as ssh2-python raises them):

* the handshake completed: ``compatible``, with ``Session.methods`` as the negotiated algorithms;
* ``KexFailureError: Unable to exchange encryption keys``: ``incompatible`` (libssh2 names no category:
  the reason is completed from the grabbed lists by the probe);
* the TCP connection failed, a timeout, a disconnect before the banner: ``unreachable``;
* anything else: ``error``.

A device behind a jump host is not verified (scrapli's ssh2 transport opens the socket itself): it gets no
outcome, and the probe reports it as predicted only.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from auditor.device_model import Device, DeviceStatus, Negotiated
from auditor.probe.clients.interface import DeviceKey, VerifyOptions, device_key
from auditor.probe.negotiation import IMPLICIT_MAC
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

WORKER = Path(__file__).with_name("worker.py")
"""The script the release's interpreter runs, once per device."""

START_SECONDS = 20.0
"""Allowance for the worker to start and import ssh2, on top of the handshake timeout."""

_UNREACHABLE = re.compile(
    r"(?:^connect:|Timeout|timed out|SocketDisconnect|SocketRecv|banner|Connection reset|refused)", re.IGNORECASE
)


def classify(report: dict[str, Any] | None, timeout: float) -> tuple[DeviceStatus, str | None]:
    """``(status, reason)`` of one worker report (None: it printed none in time)."""
    if report is None:
        return DeviceStatus.UNREACHABLE, f"handshake timed out after {timeout:g} s"
    if report.get("connected"):
        return DeviceStatus.COMPATIBLE, None
    reason = str(report.get("error") or "the handshake failed without a message")
    if reason.startswith(("KexFailureError", "MethodNotSupported")):
        return DeviceStatus.INCOMPATIBLE, reason
    if _UNREACHABLE.search(reason):
        return DeviceStatus.UNREACHABLE, reason
    return DeviceStatus.ERROR, reason


def negotiated_from_report(report: dict[str, Any]) -> Negotiated | None:
    """``Session.methods`` of a completed handshake as :class:`Negotiated` (``INTEGRATED-AES-GCM`` → implicit MAC)."""
    raw = report.get("negotiated")
    if not isinstance(raw, dict) or not raw.get("kex") or not raw.get("host_key"):
        return None
    mac = str(raw.get("mac") or "")
    return Negotiated(
        kex=str(raw["kex"]),
        host_key=str(raw["host_key"]),
        cipher=str(raw.get("cipher") or ""),
        mac=IMPLICIT_MAC if mac.upper().startswith("INTEGRATED") else mac,
        compression=str(raw.get("compression") or "none"),
    )


def handshake(device: Device, *, python: Path, version: str, timeout: float) -> HandshakeOutcome:
    """Run the worker for one device and fold its report into a :class:`HandshakeOutcome`. Never raises."""
    job = {"host": device.host, "port": device.port, "timeout": timeout}
    report: dict[str, Any] | None = None
    try:
        done = subprocess.run(
            [str(python), "-I", "-B", str(WORKER), json.dumps(job)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout + START_SECONDS,
            check=False,
        )
        lines = done.stdout.strip().splitlines()
        if lines:
            report = json.loads(lines[-1])
        elif done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            return HandshakeOutcome(
                device, DeviceStatus.ERROR, version, reason=f"the ssh2 worker failed: {last}", client="ssh2"
            )
    except subprocess.TimeoutExpired:
        report = None
    except (OSError, ValueError) as exc:
        return HandshakeOutcome(
            device, DeviceStatus.ERROR, version, reason=f"the ssh2 worker failed: {exc}", client="ssh2"
        )
    status, reason = classify(report, timeout)
    compatible = status is DeviceStatus.COMPATIBLE and report is not None
    return HandshakeOutcome(
        device=device,
        status=status,
        version=version,
        negotiated=negotiated_from_report(report) if compatible and report is not None else None,
        reason=reason,
        host_key_base64=report.get("host_key_base64") if report else None,
        client="ssh2",
    )


def verify_devices(
    devices: Sequence[Device],
    *,
    python: Path,
    version: str,
    options: VerifyOptions,
    progress: Progress | None,
) -> dict[DeviceKey, HandshakeOutcome]:
    """One ``Session.handshake`` per device (not behind a jump host), without credentials, with ``python``'s ssh2.

    Args:
        devices: the devices (duplicates of a host:port run one after another).
        python: the interpreter of the release's environment.
        version: the ssh2-python release ``python`` imports (the outcome's ``version``).
        options: timeout (seconds per device) and concurrency.
        progress: advanced by one per finished device (a skipped jump-host device too).

    Returns:
        ``(name, host, port)`` → outcome for every device not behind a jump host.
    """
    results: dict[DeviceKey, HandshakeOutcome] = {}
    lock = threading.Lock()
    endpoint_locks = {(d.host, d.port): threading.Lock() for d in devices}

    def run(device: Device) -> None:
        if not device.jump:
            with endpoint_locks[(device.host, device.port)]:
                outcome = handshake(device, python=python, version=version, timeout=options.timeout)
            with lock:
                results[device_key(device)] = outcome
        if progress is not None:
            progress.advance()

    with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
        list(pool.map(run, devices))
    return results
