"""Rule ``narrowed-offer``: the project's code disables algorithms so that Paramiko cannot negotiate.

``disabled_algorithms`` (``SSHClient.connect``, ``Transport``, and netmiko's ``ConnectHandler``, which hands
it to Paramiko) removes names from the client's KEXINIT: Paramiko's ``Transport._filter_algorithm`` drops
them from ``_preferred_kex``/``_keys``/``_ciphers``/``_macs``/``_compression`` (keys ``kex``, ``keys``,
``ciphers``, ``macs``, ``compression``; a disabled host-key algorithm takes its ``-cert-v01@openssh.com``
variant with it). This rule applies each literal ``disabled_algorithms`` of the code to the offer of the
Paramiko release judged (``rules/paramiko-algorithms.json``) and reports, with the call's file and line:

* a category left empty: no handshake can succeed, whatever the device;
* devices the default offer negotiates with but the narrowed offer does not (RFC 4253 §7.1, as
  :func:`auditor.probe.negotiation.negotiate`). The inventory does not say which call site reaches which
  device, so every call site is applied to every device; the finding says so.

A live probe (``audit --devices``) verifies the same narrowing with a real handshake
(:mod:`auditor.probe.narrowing`, which also parses ``disabled_algorithms`` and narrows the offer): a
device it cut off is incompatible, verified, its reasons naming the line, and counted here as verified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from auditor.checks.interface import CatalogEntry, Rule
from auditor.choices import DeviceStatus
from auditor.errors import AuditorError
from auditor.model import Finding, Severity

if TYPE_CHECKING:
    from auditor.checks.context import RuleContext
    from auditor.device_model import DeviceResult, Offered
    from auditor.probe.results import NoOverlap
    from auditor.sources.project_code import ApiUse

RULE = "narrowed-offer"


def empty_categories(offer: Offered) -> list[str]:
    """The categories of ``offer`` with no real algorithm left (markers do not count)."""
    # Start-up: the device model and the KEXINIT parser load only when a call narrows the offer.
    from auditor.device_model import CATEGORIES
    from auditor.probe.kexinit import PSEUDO_KEX

    return [c for c in CATEGORIES if not [n for n in getattr(offer, c) if n not in PSEUDO_KEX]]


def _text(disabled: Mapping[str, frozenset[str]]) -> str:
    return "{" + ", ".join(f"'{k}': {sorted(v)}" for k, v in sorted(disabled.items())) + "}"


def _empty_finding(use: ApiUse, version: str, disabled: Mapping[str, frozenset[str]], empty: list[str]) -> Finding:
    return Finding(
        rule=RULE,
        severity=Severity.ERROR,
        package="paramiko",
        message=(
            f"{use.name}(disabled_algorithms={_text(disabled)}) leaves paramiko {version} nothing to offer for "
            f"{', '.join(empty)}: every handshake through this call fails"
        ),
        file=use.file,
        line=use.line,
        fix="disable fewer algorithms: Paramiko can only remove from its offer, never add",
        key=f"{use.line}:empty",
    )


def _device_finding(
    use: ApiUse, version: str, disabled: Mapping[str, frozenset[str]], cut: list[tuple[str, NoOverlap, bool]]
) -> Finding:
    shown = "; ".join(f"{name}: no common {failure.category}" for name, failure, _ in cut[:5])
    more = f" and {len(cut) - 5} more" if len(cut) > 5 else ""
    verified = sum(1 for _, _, by_handshake in cut if by_handshake)
    how = f"verified by a real handshake with the same disabled_algorithms for {verified}" if verified else "predicted"
    return Finding(
        rule=RULE,
        severity=Severity.ERROR,
        package="paramiko",
        message=(
            f"{use.name}(disabled_algorithms={_text(disabled)}) cuts off {len(cut)} device(s) paramiko {version} "
            f"negotiates with by default ({shown}{more}); {how}, applied to every device (the inventory does "
            "not map devices to call sites)"
        ),
        file=use.file,
        line=use.line,
        fix="keep the algorithms these devices need enabled, or narrow the offer only for the devices that need it",
        key=f"{use.line}:devices",
    )


def _cut_off(devices: Sequence[DeviceResult], narrowed: Offered, use: ApiUse) -> list[tuple[str, NoOverlap, bool]]:
    """``(device name, failure, verified)`` for devices the narrowed offer cannot negotiate with.

    A device counts when the default offer reaches it (``compatible``), or when a real handshake with
    this narrowing made it ``incompatible`` (a reason names ``use``'s line: ``verified`` True).
    """
    # Start-up: the negotiation (and its result types) loads only when a call narrows the offer.
    from auditor.probe.negotiation import negotiate
    from auditor.probe.results import NoOverlap

    out = []
    for result in devices:
        by_handshake = result.status is DeviceStatus.INCOMPATIBLE and result.verified and _names(result, use)
        if (result.status is not DeviceStatus.COMPATIBLE and not by_handshake) or result.offered is None:
            continue
        outcome = negotiate(narrowed, result.offered, require_mac_with_aead=True)
        if isinstance(outcome, NoOverlap):
            out.append((result.device.name, outcome, by_handshake))
    return out


def _names(result: DeviceResult, use: ApiUse) -> bool:
    """Whether a reason of ``result`` names ``use``'s line as the one that narrowed the offer."""
    return any(f" {use.where} " in reason or f" {use.where}," in reason for reason in result.reasons)


def narrowing_findings(uses: Iterable[ApiUse], version: str | None, devices: Sequence[DeviceResult]) -> list[Finding]:
    """Findings for each literal ``disabled_algorithms`` in ``uses`` against Paramiko ``version``'s default offer.

    Args:
        uses: the project's SSH-stack API uses.
        version: the Paramiko release judged (the locked one), or None (nothing to judge).
        devices: device results (probed or predicted from a fleet snapshot) for that release.

    Returns:
        An error per call that empties a category, else one per call that cuts off compatible devices.
    """
    uses = tuple(uses)
    if version is None or not uses:
        return []
    # Start-up: the probe's narrowing (and the device model) loads only for a project that calls the SSH stack.
    from auditor.probe.narrowing import disabled_of, narrow

    offer: Offered | None = None
    findings = []
    for use in uses:
        disabled = disabled_of(use)
        if disabled is None:
            continue
        if offer is None:
            # Start-up: the client's offers (the probe's client registry) load only for a call that narrows them.
            from auditor.probe.algorithms import client_offer

            try:
                offer = client_offer(version)
            except AuditorError:
                return []  # a release outside the data: the device rules already say so
        narrowed = narrow(offer, disabled)
        empty = empty_categories(narrowed)
        if empty:
            findings.append(_empty_finding(use, version, disabled, empty))
            continue
        cut = _cut_off([d for d in devices if d.paramiko in (None, version)], narrowed, use)
        if cut:
            findings.append(_device_finding(use, version, disabled, cut))
    return findings


class NarrowedOffer(Rule):
    """``narrowed-offer``: literal ``disabled_algorithms`` that leave Paramiko nothing to negotiate with."""

    order = 140
    entry = CatalogEntry(
        id=RULE,
        name="NarrowedOffer",
        short="The project's disabled_algorithms leave the locked Paramiko no algorithm in a category, or cut off devices.",
        full=(
            "disabled_algorithms (SSHClient.connect, Transport, netmiko ConnectHandler) removes names from "
            "Paramiko's KEXINIT. Applied to the locked release's offer: a category left empty fails every "
            "handshake; devices the default offer reaches but the narrowed one does not are listed (predicted, "
            "every call site against every device). Disable fewer algorithms."
        ),
        example=(
            "legacy.py:12: SSHClient.connect(disabled_algorithms={'kex': [...]}) cuts off 1 device(s) paramiko "
            "5.1.0 negotiates with by default (r1: no common kex)"
        ),
        default_severity="error",
    )

    def ran(self, context: RuleContext) -> bool:
        """True when the project's code was read and a lockfile pins Paramiko."""
        return context.code is not None and context.lockfile is not None and "paramiko" in context.lockfile.packages

    def find(self, context: RuleContext) -> list[Finding]:
        """Findings for ``context.code`` against the locked Paramiko's offer and ``context.devices``."""
        if not self.ran(context):
            return []
        assert context.code is not None and context.lockfile is not None
        version = context.lockfile.packages["paramiko"].version
        return narrowing_findings(context.code.uses, version, context.devices)
