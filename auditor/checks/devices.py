"""Device rules over probe results: ``incompatible-device``, ``legacy-only-device``, ``host-key-changed``.

* ``incompatible-device`` (error): the Paramiko the project will run has no algorithm in common
  with the device in some category (RFC 4253 §7.1). The message names the category, what the
  device offers and what that Paramiko offers; the fix names the upper bound that keeps the
  device reachable (e.g. ``pin paramiko<5``) and what the device could enable instead.
* ``legacy-only-device`` (warning): negotiation succeeds today, but in some category every
  algorithm both sides share is gone from a named later release's default client, so that upgrade
  cuts the device off.
* ``host-key-changed`` (error): the host key seen in the verified handshake is not the one
  known_hosts holds for that host and port (same key type).

Release facts come from ``rules/paramiko-algorithms.json`` through :mod:`auditor.probe.algorithms`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from auditor.errors import AuditorError
from auditor.model import DeviceResult, DeviceStatus, Finding, Offered, Severity
from auditor.probe.results import CATEGORY_LABELS, NoOverlap

if TYPE_CHECKING:
    from auditor.probe.paramiko_glue import KnownHosts

LEGACY_CATEGORIES: tuple[str, ...] = ("kex", "host_key", "cipher_c2s", "mac_c2s")
"""Categories where a release's removal can cut a device off (compression is always ``none``)."""

_KEY_TYPES = {
    "rsa-sha2-256": "ssh-rsa",
    "rsa-sha2-512": "ssh-rsa",
    "rsa-sha2-256-cert-v01@openssh.com": "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com": "ssh-rsa-cert-v01@openssh.com",
}
"""Host-key algorithm → key type where they differ (RFC 8332: rsa-sha2-* sign with ``ssh-rsa`` keys)."""


def key_type_of(host_key_algorithm: str) -> str:
    """The key type (known_hosts field) behind a negotiated host-key algorithm."""
    return _KEY_TYPES.get(host_key_algorithm, host_key_algorithm)


def device_findings(results: Sequence[DeviceResult], *, known_hosts: KnownHosts | None) -> list[Finding]:
    """All device findings for ``results``, in result order.

    Args:
        results: probe results for one Paramiko version each (``DeviceResult.paramiko``).
        known_hosts: the file to compare verified host keys with (None: no ``host-key-changed`` check).

    Returns:
        ``incompatible-device``, ``legacy-only-device`` and ``host-key-changed`` findings.
    """
    findings: list[Finding] = []
    for result in results:
        if result.status is DeviceStatus.INCOMPATIBLE:
            findings.append(incompatible_finding(result))
        elif result.status is DeviceStatus.COMPATIBLE:
            legacy = legacy_finding(result)
            if legacy is not None:
                findings.append(legacy)
        changed = host_key_finding(result, known_hosts)
        if changed is not None:
            findings.append(changed)
    return findings


def _label(result: DeviceResult) -> str:
    device = result.device
    return (
        f"{device.name} ({device.host}:{device.port})" if device.name != device.host else f"{device.host}:{device.port}"
    )


def _prediction_failure(result: DeviceResult) -> NoOverlap | None:
    """The category with no overlap, recomputed from the offered lists and the release's data."""
    if result.offered is None or result.paramiko is None:
        return None
    from auditor.probe.negotiation import predict

    try:
        return predict(result.paramiko, result.offered).failure
    except AuditorError:
        return None


def incompatible_finding(result: DeviceResult) -> Finding:
    """The ``incompatible-device`` finding of an incompatible result."""
    paramiko = result.paramiko or "?"
    failure = _prediction_failure(result)
    if failure is not None:
        detail = failure.reason(paramiko)
    else:
        detail = result.reasons[0] if result.reasons else "no common algorithm"
    fix = _fix(result, failure)
    how = "verified by a real handshake" if result.verified else "predicted from data, not verified"
    return Finding(
        rule="incompatible-device",
        severity=Severity.ERROR,
        message=f"{_label(result)}: paramiko {paramiko} cannot negotiate: {detail} ({how})",
        package="paramiko",
        device=result.device.name,
        fix=fix,
    )


def _fix(result: DeviceResult, failure: NoOverlap | None) -> str:
    """``pin paramiko<N`` (the first release that cannot negotiate) and what the device could enable."""
    parts: list[str] = []
    boundary = _first_breaking_release(result)
    if boundary is not None:
        parts.append(
            f"pin paramiko<{upper_bound(boundary)} ({boundary} is the first release that cannot negotiate with it)"
        )
    if failure is not None and failure.client:
        label = CATEGORY_LABELS.get(failure.category, failure.category)
        parts.append(f"or enable a {label} paramiko {result.paramiko} offers on the device (e.g. {failure.client[0]})")
    return "; ".join(parts) or "upgrade the device's SSH server to offer algorithms this Paramiko supports"


def upper_bound(release: Version) -> str:
    """The shortest specifier bound excluding ``release`` and later: ``5`` for 5.0.0, ``4.1`` for 4.1.0, else the release."""
    if release.micro == 0:
        return f"{release.major}" if release.minor == 0 else f"{release.major}.{release.minor}"
    return str(release)


def _first_breaking_release(result: DeviceResult) -> Version | None:
    """The earliest release after the last one that negotiates with the device (from data), or None."""
    if result.offered is None or result.paramiko is None:
        return None
    return _first_breaking_release_for(result.paramiko, result.offered)


@functools.cache
def _first_breaking_release_for(paramiko: str, offered: Offered) -> Version | None:
    """:func:`_first_breaking_release` by value: a fleet repeats a few offers, and each costs a prediction per release."""
    from auditor.probe.algorithms import known_releases
    from auditor.probe.negotiation import predict

    try:
        current = Version(paramiko)
        releases = sorted((Version(r), r) for r in known_releases())
    except (InvalidVersion, AuditorError):
        return None
    last_ok: Version | None = None
    for version, text in releases:
        if version >= current:
            break
        try:
            if predict(text, offered).failure is None:
                last_ok = version
        except AuditorError:
            continue
    if last_ok is None:
        return None
    return next((version for version, _ in releases if version > last_ok), None)


def legacy_finding(result: DeviceResult) -> Finding | None:
    """``legacy-only-device`` when, in some category, every shared algorithm is gone from a later release.

    The category's shared algorithms are those both the release's default client and the device
    offer; the finding names the release by which the last of them is gone.
    """
    if result.offered is None or result.paramiko is None:
        return None
    from auditor.probe.algorithms import client_offer, first_release_without

    try:
        client = client_offer(result.paramiko)
    except AuditorError:
        return None
    worst: tuple[Version, str, str, tuple[str, ...]] | None = None
    for category in LEGACY_CATEGORIES:
        server = set(getattr(result.offered, category))
        shared = tuple(name for name in getattr(client, category) if name in server)
        if not shared:
            continue
        removals: list[str] = []
        for name in shared:
            try:
                removed = first_release_without(name, category, result.paramiko)
            except (AuditorError, ValueError):
                removed = None
            if removed is None:
                break
            removals.append(removed)
        else:
            release = max(removals, key=Version)
            if worst is None or Version(release) < worst[0]:
                worst = (Version(release), release, category, shared)
    if worst is None:
        return None
    _, release, category, shared = worst
    label = CATEGORY_LABELS.get(category, category)
    return Finding(
        rule="legacy-only-device",
        severity=Severity.WARNING,
        message=(
            f"{_label(result)}: negotiates with paramiko {result.paramiko} only through {', '.join(shared)} "
            f"({label}), which paramiko {release} no longer offers: that upgrade cuts the device off"
        ),
        package="paramiko",
        device=result.device.name,
        fix=f"keep paramiko<{upper_bound(Version(release))} until the device offers a newer {label}",
    )


def host_key_finding(result: DeviceResult, known_hosts: KnownHosts | None) -> Finding | None:
    """``host-key-changed`` when the verified host key differs from known_hosts' key of the same type."""
    if known_hosts is None or result.host_key_fingerprint is None or result.negotiated is None:
        return None
    device = result.device
    key_type = key_type_of(result.negotiated.host_key)
    check = known_hosts.check(device.host, device.port, key_type, result.host_key_fingerprint)
    if check.status != "changed":
        return None
    where = f"{known_hosts.path}" + (f" line {check.line}" if check.line else "")
    return Finding(
        rule="host-key-changed",
        severity=Severity.ERROR,
        message=(
            f"{_label(result)}: host key {result.host_key_fingerprint} ({key_type}) does not match {where} "
            f"({', '.join(check.known)})"
        ),
        device=device.name,
        file=str(known_hosts.path),
        line=check.line,
        fix="confirm the new fingerprint out of band; if the device was re-keyed, update known_hosts "
        f"(ssh-keygen -R '{_known_name(device.host, device.port)}')",
    )


def _known_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def offered_summary(offered: Offered, category: str) -> str:
    """``a, b, c`` for a category of an offer (``nothing`` when empty)."""
    return ", ".join(getattr(offered, category)) or "nothing"
