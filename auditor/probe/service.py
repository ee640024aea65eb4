"""The probe as one call: grab every device, predict for the chosen Paramiko, verify with a real handshake, fold.

Order of work (DESIGN "Flow"): resolve the interpreter first (so a bad ``--paramiko`` fails before
any network traffic), then the banner/KEXINIT grab (direct devices over asyncio, jump-host devices
through their gateway), the prediction from data for the exact Paramiko version (RFC 4253 §7.1),
the verification (``Transport.start_client`` in a subprocess of that version's interpreter) for
every device whose grab succeeded, and finally one :class:`DeviceResult` per device plus the device
findings. A device that cannot be reached or breaks the protocol becomes a result of its own and
never costs another device its result.

When the prediction and the real handshake disagree, the result says so loudly (``predicted`` is
set and the first reason names the disagreement): it is a bug in sshdrift's data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.errors import AuditorError
from auditor.model import Device, DeviceResult, DeviceStatus, Finding, Negotiated, Offered
from auditor.probe.platforms import recognize
from auditor.probe.results import (
    CATEGORY_LABELS,
    Grabbed,
    GrabResult,
    HandshakeOutcome,
    Prediction,
    ProtocolFailure,
    Unreachable,
)
from auditor.progress import Progress
from auditor.settings import Settings

if TYPE_CHECKING:
    from auditor.probe.paramiko_glue import KnownHosts

DISAGREEMENT = "prediction disagrees with the real handshake: a bug in sshdrift's data"
"""Prefix of the reason added when data and reality differ (please report it)."""

_MESSAGE_CATEGORY = {
    "kex algorithm": "kex",
    "host key": "host_key",
    "ciphers": "cipher_c2s",
    "macs": "mac_c2s",
    "compression": "compression_c2s",
}
"""Paramiko's "no acceptable ..." words → our category."""


def probe_devices(
    devices: Sequence[Device],
    settings: Settings,
    progress: Progress,
    *,
    paramiko: str | None = None,
) -> tuple[list[DeviceResult], list[Finding]]:
    """Probe ``devices`` for one Paramiko and return their results (input order) and device findings.

    Args:
        devices: the inventory slice to probe.
        settings: ``timeout`` (seconds per device, for the grab and for the handshake), ``concurrency``,
            ``verify``, ``python``/``project``/``offline`` (to find the interpreter), ``save_kexinit``,
            ``known_hosts``, ``jump_key``.
        progress: receives one phase for the grab and one for the verification.
        paramiko: ``installed`` | ``locked`` | ``X.Y.Z``; default ``settings.paramiko``.

    Returns:
        ``(results, findings)``: one :class:`DeviceResult` per device, and the ``incompatible-device``,
        ``legacy-only-device`` and ``host-key-changed`` findings.

    Raises:
        AuditorError: the Paramiko asked for cannot be found or installed (before any device is probed),
            or a known_hosts / ssh_config file is unreadable.
    """
    from auditor.checks.devices import device_findings
    from auditor.probe.environments import installed_version, interpreter_for, locked_version

    spec = paramiko or settings.paramiko
    python: Path | None = None
    if settings.verify:
        python, version = interpreter_for(spec, settings=settings)
    elif spec == "installed":
        import sys

        version = installed_version(settings.python or Path(sys.executable))
    elif spec == "locked":
        version = locked_version(settings)
    else:
        version = spec  # an exact release: predict() below rejects one it has no data for
    # Host keys come only from verified handshakes; without them known_hosts (and paramiko) is not needed.
    known_hosts = _known_hosts(settings) if devices and settings.verify else None

    grabs = _grab(devices, settings, progress)
    predictions: dict[int, Prediction | AuditorError] = {}
    for index, grab in enumerate(grabs):
        if isinstance(grab, Grabbed):
            predictions[index] = _predict(version, grab.kexinit.offered)
    if not settings.verify:
        failed = [p for p in predictions.values() if isinstance(p, AuditorError)]
        if failed:
            raise failed[0]

    outcomes: dict[tuple[str, str, int], HandshakeOutcome] = {}
    if settings.verify and python is not None:
        from auditor.probe.handshake import verify_devices

        targets = [grab.device for grab in grabs if isinstance(grab, Grabbed)]
        if targets:
            progress.start(f"verifying with paramiko {version}", len(targets))
            try:
                outcomes = verify_devices(
                    targets,
                    python=python,
                    paramiko=version,
                    timeout=settings.timeout,
                    concurrency=settings.concurrency,
                    progress=progress,
                    jump_key=settings.jump_key,
                    known_hosts=known_hosts.path if known_hosts is not None else None,
                )
            finally:
                progress.stop()

    results = []
    for index, grab in enumerate(grabs):
        outcome = outcomes.get((grab.device.name, grab.device.host, grab.device.port))
        results.append(fold(grab, predictions.get(index), outcome, version, verify=settings.verify))
    return results, device_findings(results, known_hosts=known_hosts)


def _known_hosts(settings: Settings) -> KnownHosts | None:
    from auditor.probe.paramiko_glue import load_known_hosts

    return load_known_hosts(settings.known_hosts)


def _grab(devices: Sequence[Device], settings: Settings, progress: Progress) -> list[GrabResult]:
    """Grab every device, direct ones over asyncio and jump-host ones through their gateways, in input order."""
    from auditor.probe.grab import grab_devices

    direct = [(i, d) for i, d in enumerate(devices) if not d.jump]
    jumped = [(i, d) for i, d in enumerate(devices) if d.jump]
    results: list[GrabResult | None] = [None] * len(devices)
    if direct:
        grabbed = grab_devices(
            [d for _, d in direct],
            timeout=settings.timeout,
            concurrency=settings.concurrency,
            progress=progress,
            save_dir=settings.save_kexinit,
        )
        for (index, _), result in zip(direct, grabbed, strict=True):
            results[index] = result
    if jumped:
        from auditor.probe.jump import grab_through_jumps

        progress.start("reading KEXINIT through jump hosts", len(jumped))
        try:
            through = grab_through_jumps(
                [d for _, d in jumped],
                timeout=settings.timeout,
                key_file=settings.jump_key,
                known_hosts=settings.known_hosts,
                save_dir=settings.save_kexinit,
                progress=progress,
            )
        finally:
            progress.stop()
        for (index, _), result in zip(jumped, through, strict=True):
            results[index] = result
    return [r for r in results if r is not None]


def _predict(version: str, offered: Offered) -> Prediction | AuditorError:
    from auditor.probe.negotiation import predict

    try:
        return predict(version, offered)
    except AuditorError as exc:
        return exc


def fold(
    grab: GrabResult,
    prediction: Prediction | AuditorError | None,
    outcome: HandshakeOutcome | None,
    version: str,
    *,
    verify: bool,
) -> DeviceResult:
    """One device's grab, prediction and handshake outcome as its :class:`DeviceResult`.

    The verified outcome decides the status when there is one; the prediction otherwise. A
    disagreement between them sets ``predicted`` and puts :data:`DISAGREEMENT` first in the reasons.
    """
    device = grab.device
    if isinstance(grab, Unreachable):
        return DeviceResult(
            device, DeviceStatus.UNREACHABLE, paramiko=version, reasons=(grab.reason,), probed_at=grab.probed_at
        )
    if isinstance(grab, ProtocolFailure):
        return DeviceResult(
            device,
            DeviceStatus.ERROR,
            banner=grab.banner,
            paramiko=version,
            reasons=(grab.reason,),
            probed_at=grab.probed_at,
        )
    offered = grab.kexinit.offered
    base = DeviceResult(
        device,
        DeviceStatus.ERROR,
        banner=grab.banner,
        offered=offered,
        paramiko=version,
        strict_kex=grab.kexinit.strict_kex,
        probed_at=grab.probed_at,
        platform=recognize(grab.banner, offered, device.device_type),
    )
    predicted = prediction if isinstance(prediction, Prediction) else None
    reasons: list[str] = []
    if isinstance(prediction, AuditorError):
        reasons.append(f"no prediction: {prediction.message}")
    predicted_reason = (
        predicted.failure.reason(version) if predicted is not None and predicted.failure is not None else None
    )

    if outcome is None:
        if predicted is None:
            reasons.append("not verified: the handshake gave no result" if verify else "not verified (--no-verify)")
            return replace(base, reasons=tuple(reasons))
        if predicted_reason:
            reasons.append(predicted_reason)
        if verify:
            reasons.append(f"not verified: the paramiko {version} handshake gave no result within the time allowed")
        return replace(base, status=predicted.status, negotiated=predicted.negotiated, reasons=tuple(reasons))

    handshake = f"paramiko {version} handshake: {outcome.reason}" if outcome.reason else ""
    if outcome.status in (DeviceStatus.UNREACHABLE, DeviceStatus.ERROR):
        what = "could not reach the device" if outcome.status is DeviceStatus.UNREACHABLE else "failed"
        reasons.append(f"the paramiko {version} handshake {what}: {outcome.reason or 'no reason given'}")
        if predicted is not None:
            reasons.append(
                f"predicted from data: {predicted.status.value}"
                + (f" ({predicted_reason})" if predicted_reason else "")
            )
        return replace(
            base,
            status=outcome.status,
            verified=outcome.status is DeviceStatus.ERROR,
            host_key_fingerprint=outcome.host_key_fingerprint,
            reasons=tuple(reasons),
        )

    disagreement = _disagreement(predicted, outcome) if predicted is not None else None
    if disagreement:
        reasons.insert(0, f"{DISAGREEMENT} ({disagreement}); please report it")
    if outcome.status is DeviceStatus.INCOMPATIBLE:
        agreeing = predicted_reason if predicted is not None and not disagreement else None
        reasons.append(agreeing or _reason_from_handshake(outcome, offered))
        reasons.append(f"verified by a real {handshake}" if handshake else "verified by a real handshake")
    return replace(
        base,
        status=outcome.status,
        negotiated=outcome.negotiated,
        verified=True,
        reasons=tuple(reasons),
        host_key_fingerprint=outcome.host_key_fingerprint,
        predicted=predicted.status if disagreement and predicted is not None else None,
    )


def failed_category(reason: str | None) -> str | None:
    """The category of a Paramiko "no acceptable X" message (``kex``, ``host_key``, ``cipher_c2s``, ...)."""
    match = re.search(r"no acceptable ([a-z ]+?)\)?$", (reason or "").strip())
    return _MESSAGE_CATEGORY.get(match.group(1).strip()) if match else None


def _reason_from_handshake(outcome: HandshakeOutcome, offered: Offered) -> str:
    """A "no acceptable X: server offers ..." line from the handshake's message and the grabbed lists."""
    category = failed_category(outcome.reason)
    if category is None:
        return outcome.reason or "negotiation failed"
    label = CATEGORY_LABELS.get(category, category)
    return f"no acceptable {label}: server offers {', '.join(getattr(offered, category)) or 'nothing'}"


def _disagreement(predicted: Prediction, outcome: HandshakeOutcome) -> str | None:
    """How the prediction and a compatible/incompatible handshake differ, or None when they agree."""
    if predicted.status is not outcome.status:
        return f"predicted {predicted.status.value}, the handshake was {outcome.status.value}"
    if predicted.failure is not None:
        seen = failed_category(outcome.reason)
        same = seen is None or CATEGORY_LABELS.get(seen) == CATEGORY_LABELS.get(predicted.failure.category)
        if not same:
            return f"predicted no acceptable {CATEGORY_LABELS.get(predicted.failure.category)}, the handshake said {outcome.reason}"
        return None
    if predicted.negotiated is not None and outcome.negotiated is not None:
        differing = _negotiated_difference(predicted.negotiated, outcome.negotiated)
        if differing:
            return differing
    return None


def _negotiated_difference(predicted: Negotiated, real: Negotiated) -> str | None:
    for field in ("kex", "host_key", "cipher", "mac"):
        want, got = getattr(predicted, field), getattr(real, field)
        if got and want != got:
            return f"predicted {field} {want}, the handshake negotiated {got}"
    return None
