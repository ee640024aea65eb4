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

Prediction only: verified handshakes use Paramiko's default offer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from auditor.checks.interface import CatalogEntry, Rule
from auditor.errors import AuditorError
from auditor.model import CATEGORIES, DeviceResult, DeviceStatus, Finding, Offered, Severity
from auditor.probe.kexinit import PSEUDO_KEX

if TYPE_CHECKING:
    from auditor.checks.context import RuleContext
    from auditor.probe.results import NoOverlap
    from auditor.sources.project_code import ApiUse

RULE = "narrowed-offer"

DISABLED_KEYS: Mapping[str, tuple[str, ...]] = {
    "kex": ("kex",),
    "keys": ("host_key",),
    "ciphers": ("cipher_c2s", "cipher_s2c"),
    "macs": ("mac_c2s", "mac_s2c"),
    "compression": ("compression_c2s", "compression_s2c"),
}
"""``disabled_algorithms`` key → the KEXINIT categories it narrows (Paramiko ``Transport._filter_algorithm``)."""

_CERT = "-cert-v01@openssh.com"


def disabled_of(use: ApiUse) -> dict[str, frozenset[str]] | None:
    """The literal ``disabled_algorithms`` of a Paramiko or netmiko call, by key; None when absent or not literal."""
    if use.kind != "call" or use.package not in ("paramiko", "netmiko"):
        return None
    arg = use.argument("disabled_algorithms")
    if arg is None or not arg.literal or not isinstance(arg.value, dict):
        return None
    out = {}
    for key, names in arg.value.items():
        if key in DISABLED_KEYS and isinstance(names, (list, tuple, set, frozenset)):
            out[key] = frozenset(str(n) for n in names)
    return out or None


def narrow(offer: Offered, disabled: Mapping[str, frozenset[str]]) -> Offered:
    """``offer`` without the ``disabled`` names (markers such as ``ext-info-c`` kept, as Paramiko appends them)."""
    changes: dict[str, tuple[str, ...]] = {}
    for key, names in disabled.items():
        for category in DISABLED_KEYS[key]:
            kept = tuple(
                n
                for n in getattr(offer, category)
                if n not in names and not (n.endswith(_CERT) and n[: -len(_CERT)] in names)
            )
            changes[category] = kept
    return replace(offer, **changes)


def empty_categories(offer: Offered) -> list[str]:
    """The categories of ``offer`` with no real algorithm left (markers do not count)."""
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
    use: ApiUse, version: str, disabled: Mapping[str, frozenset[str]], cut: list[tuple[str, NoOverlap]]
) -> Finding:
    shown = "; ".join(f"{name}: no common {failure.category}" for name, failure in cut[:5])
    more = f" and {len(cut) - 5} more" if len(cut) > 5 else ""
    return Finding(
        rule=RULE,
        severity=Severity.ERROR,
        package="paramiko",
        message=(
            f"{use.name}(disabled_algorithms={_text(disabled)}) cuts off {len(cut)} device(s) paramiko {version} "
            f"negotiates with by default ({shown}{more}); predicted, applied to every device (the inventory does "
            "not map devices to call sites)"
        ),
        file=use.file,
        line=use.line,
        fix="keep the algorithms these devices need enabled, or narrow the offer only for the devices that need it",
        key=f"{use.line}:devices",
    )


def _cut_off(devices: Sequence[DeviceResult], narrowed: Offered) -> list[tuple[str, NoOverlap]]:
    """``(device name, failure)`` for compatible devices the narrowed offer cannot negotiate with."""
    # Start-up: the negotiation (and its result types) loads only when a call narrows the offer.
    from auditor.probe.negotiation import negotiate
    from auditor.probe.results import NoOverlap

    out = []
    for result in devices:
        if result.status is not DeviceStatus.COMPATIBLE or result.offered is None:
            continue
        outcome = negotiate(narrowed, result.offered, require_mac_with_aead=True)
        if isinstance(outcome, NoOverlap):
            out.append((result.device.name, outcome))
    return out


def narrowing_findings(uses: Iterable[ApiUse], version: str | None, devices: Sequence[DeviceResult]) -> list[Finding]:
    """Findings for each literal ``disabled_algorithms`` in ``uses`` against Paramiko ``version``'s default offer.

    Args:
        uses: the project's SSH-stack API uses.
        version: the Paramiko release judged (the locked one), or None (nothing to judge).
        devices: device results (probed or predicted from a fleet snapshot) for that release.

    Returns:
        An error per call that empties a category, else one per call that cuts off compatible devices.
    """
    if version is None:
        return []
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
        cut = _cut_off([d for d in devices if d.paramiko in (None, version)], narrowed)
        if cut:
            findings.append(_device_finding(use, version, disabled, cut))
    return findings


class NarrowedOffer(Rule):
    """``narrowed-offer``: literal ``disabled_algorithms`` that leave Paramiko nothing to negotiate with."""

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
