"""Verification: run real Paramiko handshakes in subprocesses of the interpreter that holds the Paramiko asked for.

The handshakes themselves live in :mod:`auditor.probe.clients.paramiko.worker`, a script executed by that
interpreter (Paramiko 2.0.9 … newest cannot all be imported into our own process). This module
splits the devices over a few worker processes (many devices each; the same host:port always to
the same worker, which handshakes with it one connection at a time), feeds each its job as JSON
on stdin, and reads one JSON line per device back, advancing the progress as lines arrive.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import subprocess
import threading
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from auditor.device_model import Device, DeviceStatus, Negotiated
from auditor.errors import ConfigError
from auditor.probe.clients.interface import DeviceKey, device_key
from auditor.probe.results import HandshakeOutcome, ServerHello
from auditor.progress import Progress

WORKER = Path(__file__).with_name("worker.py")
"""The script the target interpreter runs."""


_DEVICES_PER_WORKER = 16
_MAX_THREADS_PER_WORKER = 16
_START_SECONDS = 60.0
"""Allowance for a worker to start (import paramiko and cryptography) before its first device."""


def verify_devices(
    devices: Sequence[Device],
    *,
    python: Path,
    paramiko: str,
    timeout: float,
    concurrency: int,
    progress: Progress | None,
    jump_key: Path | None,
    known_hosts: Path | None = None,
    record: bool = False,
    disabled_algorithms: Mapping[str, Sequence[str]] | None = None,
) -> dict[DeviceKey, HandshakeOutcome]:
    """Run ``Transport.start_client`` (no authentication) against each device with ``python``'s Paramiko.

    Args:
        devices: the devices to handshake with (duplicates of a host:port are handshaked one at a time).
        python: the interpreter whose Paramiko to use (see :func:`auditor.probe.clients.paramiko.environments.resolve`).
        paramiko: the version ``python`` is expected to import; a mismatch is a :class:`ConfigError`.
        timeout: seconds per device for connect + banner + key exchange (Paramiko's banner and handshake
            timeouts are set from it).
        concurrency: handshakes at once, over all workers.
        progress: advanced by one per finished device (its phase is started and stopped by the caller).
        jump_key: private key file for jump hosts (else ssh-agent and the default keys); its passphrase
            comes from ``SSHDRIFT_JUMP_PASSPHRASE``.
        known_hosts: checked for jump hosts' keys (a changed gateway key fails its devices).
        record: fill each outcome's ``hello`` with the server's bytes as Paramiko read them (one
            connection then serves as grab and verification).
        disabled_algorithms: passed to ``Transport(sock, disabled_algorithms=...)`` (the project's code's
            narrowing, Paramiko 2.6+), or None for the default offer.

    Returns:
        ``(name, host, port)`` → outcome, for every device whose handshake finished. A device whose
        worker stopped early has no entry (the caller reports it as not verified).

    Raises:
        ConfigError: ``python`` cannot run the worker, or imports another Paramiko than ``paramiko``.
    """
    if not devices:
        return {}
    workers = max(1, min(os.cpu_count() or 1, math.ceil(len(devices) / _DEVICES_PER_WORKER), concurrency))
    threads = max(1, min(_MAX_THREADS_PER_WORKER, math.ceil(concurrency / workers)))
    buckets: list[list[Device]] = [[] for _ in range(workers)]
    for device in devices:
        # One endpoint → one worker, so "one connection at a time per host:port" holds across workers.
        buckets[zlib.crc32(f"{device.host}:{device.port}".encode()) % workers].append(device)
    results: dict[DeviceKey, HandshakeOutcome] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def run(bucket: list[Device]) -> None:
        try:
            outcomes = _run_worker(
                bucket,
                python=python,
                paramiko=paramiko,
                timeout=timeout,
                threads=threads,
                progress=progress,
                jump_key=jump_key,
                known_hosts=known_hosts,
                record=record,
                disabled_algorithms=disabled_algorithms,
            )
        except ConfigError as exc:
            with lock:
                failures.append(exc.message)
            return
        with lock:
            results.update(outcomes)

    pool = [threading.Thread(target=run, args=(bucket,), daemon=True) for bucket in buckets if bucket]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures and not results:
        raise ConfigError(failures[0])
    return results


def _run_worker(
    devices: list[Device],
    *,
    python: Path,
    paramiko: str,
    timeout: float,
    threads: int,
    progress: Progress | None,
    jump_key: Path | None,
    known_hosts: Path | None,
    record: bool = False,
    disabled_algorithms: Mapping[str, Sequence[str]] | None = None,
) -> dict[DeviceKey, HandshakeOutcome]:
    """One worker process for ``devices``; stops it when it outlives its time budget."""
    job = {
        "timeout": timeout,
        "threads": threads,
        "jump_key": str(jump_key) if jump_key else None,
        "known_hosts": str(known_hosts) if known_hosts else None,
        "record": record,
        "disabled_algorithms": {k: list(v) for k, v in disabled_algorithms.items()} if disabled_algorithms else None,
        "devices": [
            {"id": i, "host": d.host, "port": d.port, "jump": d.jump, "jumps": list(d.jumps)}
            for i, d in enumerate(devices)
        ],
    }
    # Each thread's devices run one after another; jump hosts add one connection each.
    budget = _START_SECONDS + timeout * (math.ceil(len(devices) / threads) + 2)
    try:
        process = subprocess.Popen(
            [str(python), "-I", "-B", str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        raise ConfigError(f"{python}: cannot run it for the handshakes ({exc.strerror}); check --python") from exc
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    stderr_chunks: list[str] = []
    stderr = process.stderr
    drain = threading.Thread(target=lambda: stderr_chunks.append(stderr.read()), daemon=True)
    drain.start()
    timer = threading.Timer(budget, process.kill)
    timer.daemon = True
    timer.start()
    outcomes: dict[DeviceKey, HandshakeOutcome] = {}
    header: dict[str, Any] | None = None
    try:
        try:
            process.stdin.write(json.dumps(job))
            process.stdin.close()
        except BrokenPipeError:
            pass
        for line in process.stdout:
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            if header is None:
                header = data
                if data.get("paramiko") != paramiko:
                    process.kill()
                    raise ConfigError(
                        f"{python}: imports paramiko {data.get('paramiko')}, not {paramiko}; "
                        "its environment changed, run again"
                    )
                continue
            index = int(data["id"])
            if not 0 <= index < len(devices):
                continue
            device = devices[index]
            outcomes[device_key(device)] = outcome_from_json(device, paramiko, data)
            if progress is not None:
                progress.advance()
        process.wait()
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        drain.join(timeout=5)
        process.stdout.close()
        stderr.close()
    if header is None:
        last = ("".join(stderr_chunks).strip().splitlines() or [f"exit status {process.returncode}"])[-1]
        raise ConfigError(f"{python}: the handshake worker did not start ({last}); check that interpreter")
    return outcomes


def outcome_from_json(device: Device, paramiko: str, data: dict[str, Any]) -> HandshakeOutcome:
    """A worker's JSON line (see :mod:`auditor.probe.clients.paramiko.worker`) as a :class:`HandshakeOutcome`."""
    negotiated = None
    raw = data.get("negotiated")
    if isinstance(raw, dict) and raw.get("kex") and raw.get("host_key"):
        negotiated = Negotiated(
            kex=str(raw["kex"]),
            host_key=str(raw["host_key"]),
            cipher=str(raw.get("cipher") or ""),
            mac=str(raw.get("mac") or ""),
            compression=str(raw.get("compression") or "none"),
        )
    try:
        status = DeviceStatus(str(data.get("status")))
    except ValueError:
        status = DeviceStatus.ERROR
    return HandshakeOutcome(
        device=device,
        status=status,
        version=paramiko,
        negotiated=negotiated,
        reason=data.get("reason"),
        banner=data.get("banner"),
        host_key_type=data.get("host_key_type"),
        host_key_base64=data.get("host_key_base64"),
        host_key_fingerprint=data.get("fingerprint"),
        server_sig_algs=_names(data.get("server_sig_algs")),
        hello=server_hello(data.get("hello")),
    )


def server_hello(value: Any) -> ServerHello | None:
    """A worker's ``hello`` JSON value (see :mod:`auditor.probe.clients.paramiko.worker`) as a :class:`ServerHello`.

    Returns:
        The recorded connection, or None when absent or malformed (the caller then grabs on its own).
    """
    if not isinstance(value, dict):
        return None
    try:
        chunks = tuple((float(at), base64.b64decode(text, validate=True)) for at, text in value.get("chunks") or ())
        return ServerHello(
            started_at=float(value["at"]),
            connected=bool(value.get("connected")),
            chunks=chunks,
            ended=value["ended"] if value.get("ended") in ("eof", "reset") else None,
            timed_out=bool(value.get("timed_out")),
        )
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None


def _names(value: Any) -> tuple[str, ...] | None:
    """A worker's name list (``server_sig_algs``) as a tuple, None when absent or not a list."""
    return tuple(str(name) for name in value) if isinstance(value, list) else None
