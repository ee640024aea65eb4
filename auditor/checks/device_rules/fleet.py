"""Offline prediction against a **fleet snapshot**: a saved probe/audit JSON report.

Devices are often reachable only from inside the network while CI and pre-commit hooks run
elsewhere. A probe's JSON report keeps each device's offered name-lists, so negotiation with any
Paramiko release can be predicted from data alone (RFC 4253 §7.1 via
:func:`auditor.probe.negotiation.predict`): no network, no handshake, in milliseconds. The note
says how old the snapshot is, from the devices' ``probed_at``, because a device re-configured since
then is not what the snapshot shows.

The predicted results go to the device rules like probed ones (``incompatible-device``,
``legacy-only-device``); ``host-key-changed`` needs a handshake and is never raised from a snapshot.
Reading and judging the snapshot is :func:`auditor.analysis.fleet.fleet_client_results` (one prediction path for
every client, :func:`auditor.probe.service.judge_snapshot`); this module keeps the age note and the single-release
prediction the base-change gate uses. It reads nothing.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from auditor.device_model import DeviceResult
from auditor.probe.negotiation import predict
from auditor.probe.platforms import platform_of


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _age(delta_seconds: float) -> str:
    if delta_seconds < 0:
        return "in the future (check the clock)"
    minutes = int(delta_seconds // 60)
    if minutes < 60:
        return f"{minutes} minute(s) old"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hour(s) old"
    return f"{hours // 24} day(s) old"


def age_note(snapshot: Path, results: list[DeviceResult], now: datetime | None = None) -> str:
    """One line: which snapshot, how many devices, when they were probed and how old that is."""
    now = now or datetime.now(timezone.utc)
    times = [t for t in (_parse_time(r.probed_at) for r in results) if t is not None]
    head = f"fleet snapshot {snapshot}: {len(results)} device(s), prediction only (no handshake)"
    if not times:
        return f"{head}; probe time unknown (no probed_at), so its age is unknown"
    oldest, newest = min(times), max(times)
    when = oldest.strftime("%Y-%m-%dT%H:%M:%SZ")
    age = _age((now - oldest).total_seconds())
    if (newest - oldest).total_seconds() > 3600:
        when += f" to {newest.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return f"{head}; probed {when}, {age}"


def predicted_result(snapshot_result: DeviceResult, paramiko_version: str) -> DeviceResult:
    """One snapshot device predicted for ``paramiko_version`` (``verified`` False).

    A device without offered name-lists in the snapshot (unreachable or broken when it was
    probed) keeps its status and reason, marked as coming from the snapshot.
    """
    device = snapshot_result.device
    if snapshot_result.offered is None:
        kept = tuple(f"in the snapshot: {r}" for r in snapshot_result.reasons) or ("in the snapshot: not probed",)
        return DeviceResult(
            device=device,
            status=snapshot_result.status,
            banner=snapshot_result.banner,
            paramiko=paramiko_version,
            reasons=kept,
            probed_at=snapshot_result.probed_at,
            platform=platform_of(snapshot_result),
        )
    prediction = predict(paramiko_version, snapshot_result.offered)
    reasons = (prediction.failure.reason(paramiko_version),) if prediction.failure is not None else ()
    return DeviceResult(
        device=device,
        status=prediction.status,
        banner=snapshot_result.banner,
        offered=snapshot_result.offered,
        paramiko=paramiko_version,
        negotiated=prediction.negotiated,
        verified=False,
        reasons=reasons,
        host_key_fingerprint=snapshot_result.host_key_fingerprint,
        strict_kex=snapshot_result.strict_kex,
        probed_at=snapshot_result.probed_at,
        platform=platform_of(snapshot_result),
    )
