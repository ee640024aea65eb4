"""Client offers narrowed by the project's own code, applied to the probe's predictions and real handshakes.

``disabled_algorithms`` (Paramiko's ``SSHClient.connect`` and ``Transport``, netmiko's ``ConnectHandler``,
which hands it to Paramiko) removes names from the client's KEXINIT: ``Transport._filter_algorithm``
drops them from ``_preferred_kex``/``_keys``/``_ciphers``/``_macs``/``_compression`` (keys ``kex``,
``keys``, ``ciphers``, ``macs``, ``compression``), and a disabled host-key algorithm takes its
``-cert-v01@openssh.com`` variant with it. ``pubkeys`` (netmiko's ``disable_sha2_fix``) narrows only what
user authentication signs with: a handshake without credentials never uses it, so it is not applied here
(rule ``removed-api`` judges it).

:func:`code_narrowings` reads the literal values the code reader found (:mod:`auditor.sources.project_code`),
one :class:`Narrowing` per distinct value with every call site that passes it. The probe
(:func:`auditor.probe.service.probe_devices`) then verifies each device the client's default offer
reaches once more per narrowing, with ``Transport(sock, disabled_algorithms=...)`` in the real handshake,
and predicts with the narrowed offer; a device the narrowed offer cannot negotiate with is incompatible,
its reasons naming the lines. The inventory does not say which call site reaches which device, so every
narrowing applies to every device (the reason says so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from auditor.device_model import Device, DeviceResult, DeviceStatus, Offered
from auditor.errors import AuditorError

if TYPE_CHECKING:
    from auditor.probe.clients.interface import ClientEnvironment, DeviceKey
    from auditor.probe.results import GrabResult, HandshakeOutcome, Prediction
    from auditor.sources.project_code import ApiUse, ProjectCode

DISABLED_KEYS: Mapping[str, tuple[str, ...]] = {
    "kex": ("kex",),
    "keys": ("host_key",),
    "ciphers": ("cipher_c2s", "cipher_s2c"),
    "macs": ("mac_c2s", "mac_s2c"),
    "compression": ("compression_c2s", "compression_s2c"),
}
"""``disabled_algorithms`` key → the KEXINIT categories it narrows (Paramiko ``Transport._filter_algorithm``)."""

NARROWING_PACKAGES: Mapping[str, str] = {"paramiko": "paramiko", "netmiko": "paramiko"}
"""Package whose calls pass ``disabled_algorithms`` → the client whose offer it narrows."""

_CERT = "-cert-v01@openssh.com"

NARROWED_BY = "the project's code narrows the "
"""How the reason :meth:`Narrowing.reason` adds to a verdict begins (rules recognize it by this)."""


def disabled_of(use: ApiUse) -> dict[str, frozenset[str]] | None:
    """The literal ``disabled_algorithms`` of a Paramiko or netmiko call, by KEXINIT key; None when absent or not literal.

    Only :data:`DISABLED_KEYS` keys are kept (``pubkeys`` changes authentication, not the KEXINIT).
    """
    if use.kind != "call" or use.package not in NARROWING_PACKAGES:
        return None
    arg = use.argument("disabled_algorithms")
    if arg is None or not arg.literal or not isinstance(arg.value, dict):
        return None
    out = {}
    for key, names in arg.value.items():
        if key in DISABLED_KEYS and isinstance(names, (list, tuple, set, frozenset)):
            out[key] = frozenset(str(n) for n in names)
    return out or None


def narrow(offer: Offered, disabled: Mapping[str, Iterable[str]]) -> Offered:
    """``offer`` without the ``disabled`` names (markers such as ``ext-info-c`` kept, as Paramiko appends them)."""
    changes: dict[str, tuple[str, ...]] = {}
    for key, values in disabled.items():
        names = frozenset(values)
        for category in DISABLED_KEYS.get(key, ()):
            changes[category] = tuple(
                n
                for n in getattr(offer, category)
                if n not in names and not (n.endswith(_CERT) and n[: -len(_CERT)] in names)
            )
    return replace(offer, **changes)


@dataclass(frozen=True)
class Narrowing:
    """One distinct literal ``disabled_algorithms`` of the project's code, with every call site passing it."""

    client: str
    """The client whose offer it narrows (``paramiko``)."""
    disabled: tuple[tuple[str, tuple[str, ...]], ...]
    """``(key, names)`` sorted by key, names sorted: ``(("kex", ("diffie-hellman-group14-sha256",)),)``."""
    sites: tuple[str, ...]
    """``file:line`` of each call passing it, in source order."""

    def as_dict(self) -> dict[str, list[str]]:
        """The value as Paramiko takes it: ``{"kex": ["diffie-hellman-group14-sha256"]}``."""
        return {key: list(names) for key, names in self.disabled}

    @property
    def text(self) -> str:
        """``{'kex': ['diffie-hellman-group14-sha256']}``, as the code would write it."""
        return "{" + ", ".join(f"'{key}': {list(names)}" for key, names in self.disabled) + "}"

    def reason(self) -> str:
        """The verdict's reason naming the lines that narrowed the offer."""
        shown = ", ".join(self.sites[:3]) + (f" and {len(self.sites) - 3} more" if len(self.sites) > 3 else "")
        return (
            f"{NARROWED_BY}{self.client} offer: {shown} passes disabled_algorithms={self.text} "
            "(applied to every device: the inventory does not map devices to call sites)"
        )


def code_narrowings(code: ProjectCode | None) -> tuple[Narrowing, ...]:
    """Every distinct literal ``disabled_algorithms`` of the project's code (:func:`disabled_of`), in source order.

    Args:
        code: what :func:`auditor.sources.project_code.read_project_code` found, or None (no project).

    Returns:
        One :class:`Narrowing` per distinct value and client, with all its call sites.
    """
    if code is None:
        return ()
    found: dict[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], list[str]] = {}
    for use in code.uses:
        disabled = disabled_of(use)
        if disabled is None:
            continue
        value = tuple((key, tuple(sorted(names))) for key, names in sorted(disabled.items()))
        found.setdefault((NARROWING_PACKAGES[use.package], value), []).append(use.where)
    return tuple(Narrowing(client, value, tuple(sites)) for (client, value), sites in found.items())


Verifier = Callable[[Sequence[Device], "Narrowing"], Mapping["DeviceKey", "HandshakeOutcome"]]
"""Runs the client's real handshakes with ``devices`` under a narrowing (``disabled_algorithms`` set)."""


@dataclass
class Narrowed:
    """Predictions and handshake outcomes after the code's narrowings, and the reason per device they changed."""

    predictions: dict[int, Prediction | AuditorError]
    outcomes: dict[DeviceKey, HandshakeOutcome]
    reasons: dict[int, str] = field(default_factory=dict)
    """Grab index → the narrowing's reason (:meth:`Narrowing.reason`), for devices it made incompatible."""

    def annotate(self, index: int, result: DeviceResult) -> DeviceResult:
        """``result`` (of grab ``index``) with the narrowing's reason appended to it and to each verdict."""
        reason = self.reasons.get(index)
        if reason is None:
            return result
        verdicts = tuple(replace(v, reasons=(*v.reasons, reason)) for v in result.verdicts)
        return replace(result, reasons=(*result.reasons, reason), verdicts=verdicts)


def apply_narrowings(
    narrowings: Sequence[Narrowing],
    grabs: Sequence[GrabResult],
    environment: ClientEnvironment,
    predictions: Mapping[int, Prediction | AuditorError],
    outcomes: Mapping[DeviceKey, HandshakeOutcome],
    verify: Verifier | None,
) -> Narrowed:
    """Apply each of ``narrowings`` of ``environment.client`` to the devices its default offer reaches.

    Args:
        narrowings: the code's narrowings (others' clients are ignored).
        grabs: the probe's grabs, by index.
        environment: the client release judged (its offer data, backend).
        predictions: the default offer's predictions, by grab index.
        outcomes: the default offer's real handshakes, by device key.
        verify: runs real handshakes under a narrowing, or None (``--no-verify``: predictions only).

    Returns:
        For each device some narrowing cannot negotiate with (verified when ``verify`` is given, else
        predicted): the narrowed prediction and outcome in place of the default's, and the reason.
    """
    # Start-up: the lock path loads this module (rule narrowed-offer); the probe's types load only here.
    from auditor.probe.results import Grabbed

    out = Narrowed(dict(predictions), dict(outcomes))
    for narrowing in (n for n in narrowings if n.client == environment.client):
        reached = _reached(grabs, out, verify is not None)
        if not reached:
            break
        narrowed = verify([grabs[i].device for i in reached], narrowing) if verify is not None else {}
        for index in reached:
            grab = grabs[index]
            assert isinstance(grab, Grabbed)
            prediction = _predict(environment, grab.kexinit.offered, narrowing)
            key = (grab.device.name, grab.device.host, grab.device.port)
            outcome = narrowed.get(key)
            if outcome is not None:
                failed = outcome.status is DeviceStatus.INCOMPATIBLE
            else:
                failed = verify is None and not isinstance(prediction, AuditorError) and prediction.failure is not None
            if failed:
                out.predictions[index] = prediction
                if outcome is not None:
                    out.outcomes[key] = outcome
                out.reasons[index] = narrowing.reason()
    return out


def _reached(grabs: Sequence[GrabResult], state: Narrowed, verified: bool) -> list[int]:
    """Indexes of grabbed devices still compatible (by handshake when ``verified``, else by prediction)."""
    from auditor.probe.results import Grabbed, Prediction

    out = []
    for index, grab in enumerate(grabs):
        if not isinstance(grab, Grabbed) or index in state.reasons:
            continue
        if verified:
            outcome = state.outcomes.get((grab.device.name, grab.device.host, grab.device.port))
            if outcome is not None and outcome.status is DeviceStatus.COMPATIBLE:
                out.append(index)
        else:
            prediction = state.predictions.get(index)
            if isinstance(prediction, Prediction) and prediction.failure is None:
                out.append(index)
    return out


def _predict(environment: ClientEnvironment, server: Offered, narrowing: Narrowing) -> Prediction | AuditorError:
    """The prediction for ``server`` with ``environment``'s offer narrowed (an error of missing data kept)."""
    from auditor.probe.negotiation import predict

    try:
        return predict(
            environment.version,
            server,
            environment.client,
            backend=environment.backend,
            options=environment.options,
            disabled=narrowing.as_dict(),
        )
    except AuditorError as exc:
        return exc
