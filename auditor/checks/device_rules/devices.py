"""Device rules over probe results: ``incompatible-device``, ``legacy-only-device``, ``host-key-changed``.

* ``incompatible-device`` (error): the Paramiko the project will run has no algorithm in common
  with the device in some category (RFC 4253 §7.1). The message names the category, what the
  device offers and what that Paramiko offers; the fix names the client side (the upper bound that
  keeps the device reachable, e.g. ``pin paramiko<5``, a capping extra such as ``netmiko[par4]``, or
  the first later release that negotiates) and the device side: what the recognized platform can
  enable, with the vendor's source (``rules/remediation.toml`` via :mod:`auditor.checks.device_rules.remediation`).
* ``legacy-only-device`` (warning): negotiation succeeds today, but in some category every
  algorithm both sides share is gone from a named later release's default client, so that upgrade
  cuts the device off.
* ``host-key-changed`` (error): the host key seen in the verified handshake is not the one
  known_hosts holds for that host and port (same key type), or a jump host of the device's ProxyJump
  chain presented another key than known_hosts holds for it (the finding names that gateway).

Release facts come from ``rules/clients/paramiko.json`` through :mod:`auditor.probe.algorithms`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace

from packaging.version import InvalidVersion, Version

from auditor.checks.context import RuleContext
from auditor.checks.device_rules.auth_signature import AuthSignature
from auditor.checks.device_rules.host_keys import HostKeyVerdict, KnownHostsFile, device_key, host_key_verdicts
from auditor.checks.device_rules.remediation import client_extra, device_advice
from auditor.checks.device_rules.terrapin import TerrapinExposed
from auditor.checks.interface import CatalogEntry, DeviceRule, device_label
from auditor.device_model import PRIMARY_CLIENT, DeviceResult, DeviceStatus, Offered, Verdict
from auditor.errors import AuditorError
from auditor.model import Finding, Lockfile, Severity
from auditor.probe.algorithms import client_offer, first_release_without, known_releases
from auditor.probe.clients import CLIENTS, get_client
from auditor.probe.clients.backend import backend_needed
from auditor.probe.clients.interface import Backend
from auditor.probe.narrowing import NARROWED_BY
from auditor.probe.negotiation import predict
from auditor.probe.platforms import platform_of
from auditor.probe.results import CATEGORY_LABELS, NoOverlap

LEGACY_CATEGORIES: tuple[str, ...] = ("kex", "host_key", "cipher_c2s", "mac_c2s")
"""Categories where a release's removal can cut a device off (compression is always ``none``)."""


def device_findings(results: Sequence[DeviceResult], *, known_hosts: KnownHostsFile | None = None) -> list[Finding]:
    """Every rule of :data:`DEVICE_RULES` over ``results``, in result order (for callers that hold results, not a context).

    Args:
        results: probe results for one Paramiko version each (``DeviceResult.paramiko``).
        known_hosts: a loaded known_hosts file to compare verified host keys with (None: no
            ``host-key-changed`` check).

    Returns:
        Their findings (``incompatible-device``, ``legacy-only-device``, ``host-key-changed``,
        ``terrapin-exposed``, ``auth-signature``), per result in rule order.
    """
    context = RuleContext(devices=tuple(results), host_keys=host_key_verdicts(results, known_hosts))
    findings: list[Finding] = []
    for result in results:
        for rule in DEVICE_RULES:
            findings += rule.find_one(result, context)
    return findings


def verdict_view(result: DeviceResult, verdict: Verdict) -> DeviceResult:
    """``result`` as ``verdict``'s client saw it: its status, release (in ``paramiko``), negotiation and reasons."""
    return replace(
        result,
        status=verdict.status,
        paramiko=verdict.version,
        negotiated=verdict.negotiated,
        verified=verdict.verified,
        reasons=verdict.reasons,
    )


def _package(client: str) -> str:
    """The lock package a client's fix pins (``paramiko``, ``asyncssh``); the client name when unknown."""
    try:
        packages = get_client(client).packages
    except AuditorError:
        return client
    return packages[0] if packages else client


def _key(client: str, variant: str = "") -> str | None:
    """:attr:`Finding.key` of a client's device finding (see :attr:`auditor.device_model.Verdict.finding_key`)."""
    return Verdict(client, None, DeviceStatus.INCOMPATIBLE, variant=variant).finding_key


def _prediction_failure(result: DeviceResult, client: str = PRIMARY_CLIENT, backend: Backend = ()) -> NoOverlap | None:
    """The category with no overlap, recomputed from the offered lists and the release's data (with ``backend``)."""
    if result.offered is None or result.paramiko is None:
        return None
    try:
        return predict(result.paramiko, result.offered, client, backend).failure
    except AuditorError:
        return None


def incompatible_finding(
    result: DeviceResult,
    lockfile: Lockfile | None = None,
    client: str = PRIMARY_CLIENT,
    backend: Backend = (),
    variant: str = "",
) -> Finding:
    """The ``incompatible-device`` finding of an incompatible result (``lockfile``: for a client extra in the fix).

    ``result.paramiko`` is the release of ``client`` judged (see :func:`verdict_view`), ``backend`` the
    verdict's backend versions: the reason and the fix use the offer of that release with that backend.
    ``variant``: the code's keywords the verdict was judged with, named in the message and the key (:func:`_key`).
    """
    version = result.paramiko or "?"
    failure = _prediction_failure(result, client, backend)
    if failure is not None and not variant:
        detail = failure.reason(version, client)
    else:
        # The release's default offer is not what was judged (the code's keywords): the verdict's own reason is.
        detail = result.reasons[0] if result.reasons else "no common algorithm"
    fix = _fix(result, failure, lockfile, client, backend)
    if variant:
        fix = (
            f"the project's code passes {variant} to {client} (the verdict's source names the lines): add one of "
            f"the device's algorithms there; {fix}"
        )
    how = "verified by a real handshake" if result.verified else "predicted from data, not verified"
    narrowed = next((r for r in result.reasons if r.startswith(NARROWED_BY)), None)
    if narrowed is not None:
        # The code's disabled_algorithms cut it off, not the release: the fix is in the code.
        how += " with the project's disabled_algorithms"
        fix = f"{narrowed}; keep the algorithms this device needs enabled there (rule narrowed-offer names the line)"
    return Finding(
        rule="incompatible-device",
        severity=Severity.ERROR,
        message=(
            f"{device_label(result)}: {client} {version}{f' with {variant}' if variant else ''} cannot negotiate: "
            f"{detail} ({how})"
        ),
        package=_package(client),
        device=result.device.name,
        fix=fix,
        key=_key(client, variant),
    )


def _fix(
    result: DeviceResult,
    failure: NoOverlap | None,
    lockfile: Lockfile | None = None,
    client: str = PRIMARY_CLIENT,
    backend: Backend = (),
) -> str:
    """Both sides of the fix: the client change (pin, extra or upgrade), then what the device can enable.

    The client alternatives are joined by "or" only when there are several; the device side names
    only what the recognized platform can take (``rules/remediation.toml``), with the vendor's source.
    """
    changes = (
        _setting_side(result, failure, client)
        + _backend_side(result, client, backend)
        + _client_side(result, lockfile, client, backend)
    )
    device = _device_side(result, failure, client)
    parts = [" or ".join(changes)] if changes else []
    if device:
        parts.append(device)
    return "; ".join(parts) or f"upgrade the device's SSH server to offer algorithms this {client} supports"


def _setting_side(result: DeviceResult, failure: NoOverlap | None, client: str) -> list[str]:
    """The project's own setting that turns the missing algorithm back on, where the client has one.

    Its ``widening_hint``: libssh, Ansible's ``ansible_libssh_key_exchange_algorithms`` / ``ansible_libssh_hostkeys``;
    asyncssh, ``KexAlgorithms +name`` lines of ssh_config; Paramiko ignores ssh_config and has none.
    """
    widen = getattr(CLIENTS.get(client), "widening_hint", None)
    if failure is None or result.paramiko is None or result.offered is None or not callable(widen):
        return []
    try:
        hint = widen(result.paramiko, result.offered)
    except AuditorError:
        return []
    return [str(hint)] if hint else []


def _backend_side(result: DeviceResult, client: str, backend: Backend) -> list[str]:
    """The backend upgrade that lets the judged release negotiate (the lock's cryptography too old for ML-KEM)."""
    if result.offered is None or result.paramiko is None:
        return []
    need = backend_needed(client, result.paramiko, result.offered, backend)
    if need is None:
        return []
    return [
        f"upgrade {need.package} to >={need.floor} ({client} {result.paramiko} offers what the device needs only "
        f"with {need.package} {need.floor} or later; the lock has {need.pinned or 'no pin'})"
    ]


def _client_side(
    result: DeviceResult, lockfile: Lockfile | None, client: str = PRIMARY_CLIENT, backend: Backend = ()
) -> list[str]:
    """The client-side alternatives: the pin below the first failing release, a capping extra, a later release."""
    out: list[str] = []
    package = _package(client)
    boundary = _first_breaking_release(result, client)
    if boundary is not None:
        out.append(
            f"pin {package}<{upper_bound(boundary)} ({boundary} is the first release that cannot negotiate with it)"
        )
        extra = client_extra(lockfile, package, boundary)
        if extra is not None:
            locked = lockfile.packages[extra.package].version if lockfile is not None else extra.since
            out.append(
                f"require {extra.package}[{extra.extra}] ({extra.package} {locked}'s extra that holds "
                f"{extra.client}{extra.requires}; {extra.source})"
            )
    later = _first_working_release_after(result, client)
    if later is not None:
        assert result.offered is not None
        need = backend_needed(client, later, result.offered, backend)
        with_backend = f" with {need.package}>={need.floor}" if need is not None else ""
        out.append(f"upgrade to {package}>={later}{with_backend} (the first later release that negotiates with it)")
    return out


def _device_side(result: DeviceResult, failure: NoOverlap | None, client: str = PRIMARY_CLIENT) -> str | None:
    """What the device could enable for the failed category, from its recognized platform, or None."""
    if failure is None or not failure.client or result.offered is None:
        return None
    platform = platform_of(result)
    advice = device_advice(platform, failure.category, failure.client, failure.server, result.banner)
    if platform is None or advice is None:
        label = CATEGORY_LABELS.get(failure.category, failure.category)
        return (
            f"on the device (platform not recognized): enable a {label} {client} {result.paramiko} offers, "
            "if its SSH server has one"
            if platform is None
            else None
        )
    return f"on the device ({platform.title}, {platform.certainty} certainty): {advice.text} ({advice.source})"


def upper_bound(release: Version) -> str:
    """The shortest specifier bound excluding ``release`` and later: ``5`` for 5.0.0, ``4.1`` for 4.1.0, else the release."""
    if release.micro == 0:
        return f"{release.major}" if release.minor == 0 else f"{release.major}.{release.minor}"
    return str(release)


def _first_breaking_release(result: DeviceResult, client: str = PRIMARY_CLIENT) -> Version | None:
    """The earliest release after the last one before the judged one that negotiates with the device, or None."""
    current = _judged_version(result)
    if current is None or result.offered is None:
        return None
    table = _negotiating_releases(result.offered, client)
    last_ok = max((version for version, _, ok in table if ok and version < current), default=None)
    if last_ok is None:
        return None
    return next((version for version, _, _ in table if version > last_ok), None)


def _first_working_release_after(result: DeviceResult, client: str = PRIMARY_CLIENT) -> str | None:
    """The earliest final release after the judged one that negotiates with the device (from data), or None."""
    current = _judged_version(result)
    if current is None or result.offered is None:
        return None
    table = _negotiating_releases(result.offered, client)
    return next((text for version, text, ok in table if ok and version > current and not version.is_prerelease), None)


def _judged_version(result: DeviceResult) -> Version | None:
    """The judged release of ``result`` as a PEP 440 version, or None when there is none or it is not one."""
    if result.paramiko is None:
        return None
    try:
        return Version(result.paramiko)
    except InvalidVersion:
        return None


@functools.cache
def _negotiating_releases(offered: Offered, client: str) -> tuple[tuple[Version, str, bool], ...]:
    """``(version, release, negotiates)`` for every release of ``client`` with data, oldest first.

    ``negotiates`` is whether the release's default client negotiates with ``offered`` (predicted from
    data; a release whose prediction fails counts as not negotiating). Cached by value: a fleet repeats
    a few offers, and each costs a prediction per release. Empty when ``client`` has no data.
    """
    try:
        releases = sorted((Version(r), r) for r in known_releases(client))
    except (InvalidVersion, AuditorError):
        return ()
    return tuple((version, text, _negotiates(text, offered, client)) for version, text in releases)


def _negotiates(release: str, offered: Offered, client: str) -> bool:
    try:
        return predict(release, offered, client).failure is None
    except AuditorError:
        return False


def legacy_finding(result: DeviceResult, client: str = PRIMARY_CLIENT, variant: str = "") -> Finding | None:
    """``legacy-only-device`` when, in some category, every shared algorithm is gone from a later release.

    ``variant``: the code's keywords the verdict was judged with (see :func:`_key`).

    The category's shared algorithms are those both the release's default client and the device
    offer; the finding names the release by which the last of them is gone.
    """
    if result.offered is None or result.paramiko is None:
        return None
    try:
        offer = client_offer(result.paramiko, client)
    except AuditorError:
        return None
    worst: tuple[Version, str, str, tuple[str, ...]] | None = None
    for category in LEGACY_CATEGORIES:
        server = set(getattr(result.offered, category))
        shared = tuple(name for name in getattr(offer, category) if name in server)
        if not shared:
            continue
        removals: list[str] = []
        for name in shared:
            try:
                removed = first_release_without(name, category, result.paramiko, client)
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
            f"{device_label(result)}: negotiates with {client} {result.paramiko} only through {', '.join(shared)} "
            f"({label}), which {client} {release} no longer offers: that upgrade cuts the device off"
        ),
        package=_package(client),
        device=result.device.name,
        fix=f"keep {_package(client)}<{upper_bound(Version(release))} until the device offers a newer {label}",
        key=_key(client, variant),
    )


def host_key_finding(result: DeviceResult, verdict: HostKeyVerdict | None) -> Finding | None:
    """``host-key-changed`` when known_hosts' ``verdict`` on the verified host key is ``changed``."""
    if verdict is None or verdict.status != "changed" or result.host_key_fingerprint is None:
        return None
    device = result.device
    where = verdict.file + (f" line {verdict.line}" if verdict.line else "")
    return Finding(
        rule="host-key-changed",
        severity=Severity.ERROR,
        message=(
            f"{device_label(result)}: host key {result.host_key_fingerprint} ({verdict.key_type}) does not match {where} "
            f"({', '.join(verdict.known)})"
        ),
        device=device.name,
        file=verdict.file,
        line=verdict.line,
        fix="confirm the new fingerprint out of band; if the device was re-keyed, update known_hosts "
        f"(ssh-keygen -R '{_known_name(device.host, device.port)}')",
    )


def gateway_key_finding(result: DeviceResult) -> Finding | None:
    """``host-key-changed`` naming the jump host of ``result``'s chain whose key is not known_hosts' (None: none)."""
    change = result.gateway_key_changed
    if change is None:
        return None
    where = change.file + (f" line {change.line}" if change.line else "")
    known = f" ({', '.join(change.known)})" if change.known else ""
    return Finding(
        rule="host-key-changed",
        severity=Severity.ERROR,
        message=(
            f"{device_label(result)}: jump host {change.gateway} presented host key {change.seen} ({change.key_type}), "
            f"which does not match {where}{known}; the device was not probed"
        ),
        device=result.device.name,
        file=change.file,
        line=change.line,
        fix="confirm the gateway's new fingerprint out of band; if it was re-keyed, update known_hosts "
        f"(ssh-keygen -R '{_known_name(change.host, change.port)}')",
    )


def _known_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


class IncompatibleDevice(DeviceRule):
    """``incompatible-device``: no common algorithm in some category (RFC 4253 §7.1)."""

    order = 70
    entry = CatalogEntry(
        id="incompatible-device",
        name="IncompatibleDevice",
        short="The Paramiko the project will run cannot negotiate with this device.",
        full=(
            "The device's KEXINIT (its offered kex, host-key, cipher and MAC name-lists) has no algorithm in "
            "common with the client's list in at least one category (RFC 4253 section 7.1). Pin a Paramiko "
            "that still offers one of the device's algorithms, or upgrade the device's SSH server."
        ),
        example="r1: no acceptable kex algorithm: server offers diffie-hellman-group14-sha1; paramiko 5.1.0 offers ...",
        default_severity="error",
    )

    def find_one(self, result: DeviceResult, context: RuleContext) -> list[Finding]:
        """One error per client whose verdict on the result is ``incompatible`` (:attr:`Finding.key`: the client)."""
        return [
            incompatible_finding(
                verdict_view(result, verdict), context.lockfile, verdict.client, verdict.backend, verdict.variant
            )
            for verdict in result.judged
            if verdict.status is DeviceStatus.INCOMPATIBLE
        ]


class LegacyOnlyDevice(DeviceRule):
    """``legacy-only-device``: negotiates today only through algorithms a later release removed."""

    order = 80
    entry = CatalogEntry(
        id="legacy-only-device",
        name="LegacyOnlyDevice",
        short="The device negotiates today only through algorithms a later Paramiko release removed.",
        full=(
            "Negotiation succeeds with the locked Paramiko, but only through algorithms (for example SHA-1 "
            "kex or ssh-rsa host keys) that a later release removed, so the next upgrade cuts the device "
            "off. Plan the device's SSH upgrade, or keep an upper bound on paramiko."
        ),
        example="r1: negotiates only diffie-hellman-group14-sha1 / ssh-rsa, removed in paramiko 5.0.0",
        default_severity="warning",
    )

    def find_one(self, result: DeviceResult, context: RuleContext) -> list[Finding]:
        """One warning per client whose ``compatible`` verdict rests on algorithms a later release removed."""
        found = []
        for verdict in result.judged:
            if verdict.status is DeviceStatus.COMPATIBLE:
                legacy = legacy_finding(verdict_view(result, verdict), verdict.client, verdict.variant)
                if legacy is not None:
                    found.append(legacy)
        return found


class HostKeyChanged(DeviceRule):
    """``host-key-changed``: the verified host key is not the one known_hosts holds."""

    order = 90
    entry = CatalogEntry(
        id="host-key-changed",
        name="HostKeyChanged",
        short="The device's host key differs from the one in known_hosts.",
        full=(
            "The host key seen during the verified handshake does not match the known_hosts entry for this "
            "host and port: either the device was replaced or re-keyed, or someone is in the middle. Confirm "
            "the new fingerprint out of band before updating known_hosts."
        ),
        example="r1: host key SHA256:abc... does not match known_hosts line 4",
        default_severity="error",
    )

    def find_one(self, result: DeviceResult, context: RuleContext) -> list[Finding]:
        """One error when known_hosts' verdict on the result's host key, or a gateway's of its chain, is ``changed``."""
        changed = gateway_key_finding(result) or host_key_finding(result, context.host_keys.get(device_key(result)))
        return [changed] if changed is not None else []


DEVICE_RULES: tuple[DeviceRule, ...] = (
    IncompatibleDevice(),
    LegacyOnlyDevice(),
    HostKeyChanged(),
    TerrapinExposed(),
    AuthSignature(),
)
"""The device rules in the order :func:`device_findings` applies them to each result."""
