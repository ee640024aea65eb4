"""The probe as one call: grab every device, predict for the chosen client release, verify with a real handshake, fold.

Order of work (DESIGN "Flow"): settle the client's environment first (so a bad ``--paramiko`` fails
before any network traffic), then the banner/KEXINIT grab (direct devices over asyncio, jump-host
devices through their gateway), the prediction from the client's offer data for the exact release
(RFC 4253 §7.1), the verification (the client's real handshake, :meth:`Client.verify`) for every
device whose grab succeeded, and finally one :class:`DeviceResult` per device with one
:class:`Verdict` per client judged. A device that cannot be reached or breaks the protocol becomes a
result of its own and never costs another device its result. Findings are made from the results by
:mod:`auditor.checks.device_rules.devices`; the probe makes none.

When the prediction and the real handshake disagree, the result says so loudly (``predicted`` is
set and the first reason names the disagreement): it is a bug in sshdrift's data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.device_model import Device, DeviceResult, DeviceStatus, KexInit, Negotiated, Offered, Verdict
from auditor.errors import AuditorError
from auditor.model import Lockfile
from auditor.probe.clients import (
    PRIMARY_CLIENT,
    Client,
    ClientEnvironment,
    DeviceKey,
    EnvironmentRequest,
    VerifyOptions,
    device_key,
    get_client,
)
from auditor.probe.clients.interface import records_hello
from auditor.probe.narrowing import Narrowing, Verifier, apply_narrowings
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
    from auditor.probe.code_options import ClientCodeOptions
    from auditor.probe.known_hosts import KnownHosts

DISAGREEMENT = "prediction disagrees with the real handshake: a bug in sshdrift's data"
"""Prefix of the reason added when data and reality differ (please report it)."""


@dataclass(frozen=True)
class Judge:
    """One client a probe judges with: its registry name, which release, and where that choice came from."""

    client: str
    """The registry name (:data:`auditor.probe.clients.CLIENTS`), e.g. ``asyncssh``."""
    spec: str
    """``installed`` (``--python``, else sshdrift's own), ``locked`` (``--project``'s lockfile) or ``X.Y.Z``."""
    source: str | None = None
    """For the verdict (``uv.lock (scrapli → asyncssh)``); None: what the environment says."""
    lock: Path | None = None
    """The lockfile that pins ``spec``: its backend pins (and Python) make the environment."""
    via: str | None = None
    """Appended to the environment's own source when ``source`` is None: what brought an unpinned client in
    (``uv.lock (scrapli)`` for the system OpenSSH scrapli runs)."""
    lockfile: Lockfile | None = dataclass_field(default=None, compare=False, repr=False)
    """``lock`` as the engine already parsed it (passed on, so the client does not read it again)."""


STATUS_RANK: Mapping[DeviceStatus, int] = {
    DeviceStatus.COMPATIBLE: 0,
    DeviceStatus.UNREACHABLE: 1,
    DeviceStatus.ERROR: 2,
    DeviceStatus.INCOMPATIBLE: 3,
}
"""How bad each status is: a device's status is the worst over the clients judged."""


def probe_devices(
    devices: Sequence[Device],
    settings: Settings,
    progress: Progress,
    *,
    paramiko: str | None = None,
    client: str = PRIMARY_CLIENT,
    source: str | None = None,
    judges: Sequence[Judge] | None = None,
    narrowings: Sequence[Narrowing] = (),
    code_options: Mapping[str, ClientCodeOptions] | None = None,
) -> list[DeviceResult]:
    """Probe ``devices`` for one or more client releases and return their results, in input order.

    Every client's environment is settled first (a bad release fails before any network traffic),
    then each device is grabbed once, and each client predicts and verifies on the same grab.

    Args:
        devices: the inventory slice to probe.
        settings: ``timeout`` (seconds per device, for the grab and for the handshake), ``concurrency``,
            ``verify``, ``python``/``project``/``python_version``/``offline`` (to find the release),
            ``save_kexinit``, ``known_hosts``, ``jump_key``.
        progress: receives one phase for the grab and one per client for the verification.
        paramiko: ``installed`` | ``locked`` | ``X.Y.Z``; default ``settings.paramiko`` (``auto`` is
            ``installed`` here; the engine resolves ``auto`` to the project's clients). Ignored with ``judges``.
        client: the registry name of the client to judge with. Ignored with ``judges``.
        source: where the release came from, for the verdict (``uv.lock``). Ignored with ``judges``.
        judges: the clients to judge with, each with its spec and source; default the one client above.
        narrowings: the project's code's ``disabled_algorithms`` (:func:`auditor.probe.narrowing.code_narrowings`):
            each is verified (and predicted) once more for its client's devices that the default offer reaches;
            a device it cannot negotiate with is incompatible, its reasons naming the lines.
        code_options: by client, the algorithm keywords the project's code passes it
            (:func:`auditor.probe.code_options.all_code_options`): the client is judged once per distinct set,
            each a verdict of its own (and with its default offer too when some call passes none).

    Returns:
        One :class:`DeviceResult` per device with one verdict per judge in ``verdicts``; its status is the
        worst verdict's (:data:`STATUS_RANK`), its v1 fields the primary client's (``paramiko`` None when
        Paramiko is not judged). Findings are made from them by :mod:`auditor.checks.device_rules.devices`.

    Raises:
        AuditorError: a release asked for cannot be found or installed (before any device is probed),
            a known_hosts / ssh_config file is unreadable, or (``--no-verify``) there is no offer data for it.
    """
    if judges is None:
        spec = paramiko or settings.paramiko
        judges = (Judge(client, "installed" if spec == "auto" else spec, source),)
    environments = code_variants([_environment(judge, settings) for judge in judges], code_options or {})
    # Host keys come only from verified handshakes; without them known_hosts (and paramiko) is not needed.
    known_hosts = _known_hosts(settings) if devices and settings.verify else None

    # Verified mode reads the grab from the first recording client's own handshakes: one connection per device.
    recorder = next((e for e in environments if records_hello(get_client(e.client))), None) if settings.verify else None
    grabs, recorded = _grab(devices, settings, progress, recorder, known_hosts)
    per_client = [
        _judge_grabs(
            grabs, environment, settings, known_hosts, progress, recorded if environment is recorder else {}, narrowings
        )
        for environment in environments
    ]
    return [merge_verdicts(results) for results in zip(*per_client, strict=True)]


def code_variants(
    environments: Sequence[ClientEnvironment], code_options: Mapping[str, ClientCodeOptions]
) -> list[ClientEnvironment]:
    """Each environment, replaced by one per distinct set of the code's algorithm keywords for its client.

    A variant carries the keywords in its ``options`` (the client applies them to predictions and handshakes)
    and names the call sites in its ``source``; the plain environment stays when some call uses the default.

    Args:
        environments: one settled environment per judge.
        code_options: by client, what the project's code passes it (:func:`auditor.probe.code_options.all_code_options`).

    Returns:
        The environments to judge with, in order, each client's variants where its plain environment stood.
    """
    out: list[ClientEnvironment] = []
    for environment in environments:
        found = code_options.get(environment.client)
        if found is None:
            out.append(environment)
            continue
        out += [
            replace(
                environment,
                options=(*environment.options, *variant.options),
                source=f"{environment.source}; with the project's code's {variant.describe()}",
                variant=variant.keywords,
            )
            for variant in found.variants
        ]
        if found.default_too:
            out.append(environment)
    return out


def judge_snapshot(
    saved: Sequence[DeviceResult],
    settings: Settings,
    progress: Progress,
    judges: Sequence[Judge],
    code_options: Mapping[str, ClientCodeOptions] | None = None,
) -> tuple[list[DeviceResult], list[tuple[str, str]]]:
    """Predict, from data alone, every device of a saved report (a fleet snapshot) for each of ``judges``.

    The snapshot's offered name-lists stand in for the grab; each client predicts on them as a live probe
    with ``--no-verify`` does (its offer for the device's host and the project's options included), and a
    device's status is the worst verdict's (:func:`merge_verdicts`). A device the snapshot has no lists for
    (unreachable or broken when probed) keeps that status, its reasons marked ``in the snapshot:``.

    Args:
        saved: the snapshot's device results (:func:`auditor.sources.saved_report.load_report`).
        settings: ``python``, ``project``, ``python_version``, ``offline``, ``ssh_config`` (to settle each release;
            nothing is installed: no handshake runs).
        progress: unused beyond what the environments report (kept for symmetry with :func:`probe_devices`).
        judges: the clients and releases to predict for.
        code_options: the algorithm keywords of the project's code, by client (see :func:`code_variants`).

    Returns:
        ``(results, skipped)``: one :class:`DeviceResult` per saved device, in order, ``verified`` False, the
        snapshot's host-key fingerprint kept (empty when no client could be settled); and ``(client, why)`` for
        each client whose release cannot be settled on this machine (the system ssh on a runner without one).

    Raises:
        AuditorError: a release without offer data (exit 3); ConfigError: an ssh_config file asyncssh cannot read.
    """
    settings = replace(settings, verify=False)
    grabs = [_snapshot_grab(result) for result in saved]
    settled: list[ClientEnvironment] = []
    skipped: list[tuple[str, str]] = []
    for judge in judges:
        try:
            settled.append(_environment(judge, settings))
        except AuditorError as exc:
            # A client this machine cannot name (no ssh on a CI runner) must not cost the others' predictions.
            skipped.append((judge.client, exc.message))
    environments = code_variants(settled, code_options or {})
    if not environments:
        return [], skipped
    per_client = [_judge_grabs(grabs, environment, settings, None, progress, {}) for environment in environments]
    merged = [merge_verdicts(results) for results in zip(*per_client, strict=True)]
    return [_as_saved(result, old) for result, old in zip(merged, saved, strict=True)], skipped


def _as_saved(result: DeviceResult, saved: DeviceResult) -> DeviceResult:
    """A snapshot device's prediction with what only the snapshot knows.

    That is its host key, and for a device the snapshot holds no lists of, its status and reasons as saved
    (marked ``in the snapshot:``) in every verdict.
    """
    result = replace(result, host_key_fingerprint=saved.host_key_fingerprint)
    if saved.offered is not None:
        return result
    kept = tuple(f"in the snapshot: {r}" for r in saved.reasons) or ("in the snapshot: not probed",)
    verdicts = tuple(replace(v, status=saved.status, reasons=kept) for v in result.judged)
    return replace(result, status=saved.status, reasons=kept, verdicts=verdicts)


def _snapshot_grab(result: DeviceResult) -> GrabResult:
    """A saved device result as the grab it came from: its offered lists, or why there are none."""
    probed_at = result.probed_at or ""
    if result.offered is not None:
        kexinit = KexInit(
            cookie=bytes(16), offered=result.offered, languages_c2s=(), languages_s2c=(), first_kex_packet_follows=False
        )
        return Grabbed(result.device, result.banner or "", kexinit, b"", 0.0, probed_at)
    reason = "; ".join(f"in the snapshot: {r}" for r in result.reasons) or "in the snapshot: not probed"
    if result.status is DeviceStatus.UNREACHABLE:
        return Unreachable(result.device, reason, probed_at, banner=result.banner)
    return ProtocolFailure(result.device, reason, result.banner, probed_at)


def _environment(judge: Judge, settings: Settings) -> ClientEnvironment:
    """The environment of ``judge``'s release (made with uv when verifying), its source set."""
    request = EnvironmentRequest(
        spec=judge.spec,
        python=settings.python,
        project=settings.project,
        python_version=settings.python_version,
        offline=settings.offline,
        lock=judge.lock,
        lockfile=judge.lockfile,
        ansible_cfg=settings.ansible_cfg,
        ssh_config=settings.ssh_config,
    )
    environment = get_client(judge.client).environment(request, verify=settings.verify)
    if judge.source:
        environment = replace(environment, source=judge.source)
    elif judge.via:
        environment = replace(environment, source=f"{environment.source}; brought in by {judge.via}")
    read = [value for key, value in environment.options if key == "ssh_config"]
    if read:
        environment = replace(environment, source=f"{environment.source}; asyncssh reads {', '.join(read)}")
    return environment


def _judge_grabs(
    grabs: Sequence[GrabResult],
    environment: ClientEnvironment,
    settings: Settings,
    known_hosts: KnownHosts | None,
    progress: Progress,
    recorded: Mapping[DeviceKey, HandshakeOutcome],
    narrowings: Sequence[Narrowing] = (),
) -> list[DeviceResult]:
    """One client's results for every grab: prediction from data, then (unless ``--no-verify``) real handshakes.

    ``recorded`` holds this client's handshakes already run by :func:`_grab` (the grab read from them).
    The code's ``narrowings`` of this client then replace both for the devices they cut off
    (:func:`auditor.probe.narrowing.apply_narrowings`).
    """
    judged = get_client(environment.client)
    predictions = _predictions(
        grabs, environment, known_hosts.path if known_hosts is not None else settings.known_hosts
    )
    if not settings.verify:
        failed = [p for p in predictions.values() if isinstance(p, AuditorError)]
        if failed:
            raise failed[0]
    outcomes = _verify(judged, grabs, environment, settings, known_hosts, progress, recorded) if settings.verify else {}
    verifier = _narrowed_verifier(judged, environment, settings, known_hosts, progress) if settings.verify else None
    narrowed = apply_narrowings(narrowings, grabs, environment, predictions, outcomes, verifier)
    return [
        narrowed.annotate(
            index,
            fold(
                grab,
                narrowed.predictions.get(index),
                narrowed.outcomes.get(device_key(grab.device)),
                environment.version,
                verify=settings.verify,
                environment=environment,
            ),
        )
        for index, grab in enumerate(grabs)
    ]


def _narrowed_verifier(
    judged: Client,
    environment: ClientEnvironment,
    settings: Settings,
    known_hosts: KnownHosts | None,
    progress: Progress,
) -> Verifier:
    """Real handshakes of ``judged`` with some devices under one of the code's narrowings, in one progress phase."""

    def verify(devices: Sequence[Device], narrowing: Narrowing) -> Mapping[DeviceKey, HandshakeOutcome]:
        options = replace(_verify_options(settings, known_hosts), disabled_algorithms=narrowing.as_dict())
        what = f"verifying with {judged.name} {environment.version} and the code's disabled_algorithms={narrowing.text}"
        progress.start(what, len(devices))
        try:
            return judged.verify(devices, environment, options, progress)
        finally:
            progress.stop()

    return verify


def _other_clients_reasons(verdicts: Sequence[Verdict], known: Sequence[str]) -> list[str]:
    """The reasons of every non-primary (or code-configured), non-compatible verdict not already in ``known``.

    Each is ``client version: reason``, ``client version with kex_algs='a,b': reason`` for a code variant
    (:attr:`auditor.device_model.Verdict.label`).
    """
    return [
        f"{verdict.label}: {reason}"
        for verdict in verdicts
        if (verdict.client != PRIMARY_CLIENT or verdict.variant) and verdict.status is not DeviceStatus.COMPATIBLE
        for reason in verdict.reasons
        if reason not in known
    ]


def merge_verdicts(results: Sequence[DeviceResult]) -> DeviceResult:
    """One device's results of several clients (one verdict each) as one result with every verdict.

    The status is the worst verdict's (:data:`STATUS_RANK`); the v1 fields (``paramiko``, ``negotiated``,
    ``verified``) are the primary client's, or None/empty when it was not judged; ``reasons`` are the
    primary client's followed by every other non-compatible client's, each prefixed ``client version:``
    (each verdict keeps its own reasons unprefixed).

    Args:
        results: one :class:`DeviceResult` per client for the same device, from :func:`fold`.

    Returns:
        The merged result (``results[0]`` itself when there is one and it is the primary client's).
    """
    verdicts = tuple(v for r in results for v in r.judged)
    primary = next((r for r in results if r.judged and r.judged[0].client == PRIMARY_CLIENT), None)
    if primary is not None and len(results) == 1:
        return primary
    base = primary or replace(results[0], paramiko=None, negotiated=None, verified=False, reasons=())
    return replace(
        base,
        status=max((v.status for v in verdicts), key=STATUS_RANK.__getitem__, default=base.status),
        reasons=(*base.reasons, *_other_clients_reasons(verdicts, base.reasons)),
        verdicts=verdicts,
        host_key_fingerprint=next((r.host_key_fingerprint for r in results if r.host_key_fingerprint), None),
        host_keys=tuple(dict.fromkeys(key for r in results for key in r.host_keys)),
        predicted=next((r.predicted for r in results if r.predicted is not None), None),
    )


def _predictions(
    grabs: Sequence[GrabResult], environment: ClientEnvironment, known_hosts: Path | None = None
) -> dict[int, Prediction | AuditorError]:
    """The prediction for every grabbed device, by index (a missing release's data is kept as the error).

    ``known_hosts`` is what a host-aware client (the system ssh) reads for each device.
    """
    from auditor.probe.negotiation import predict

    out: dict[int, Prediction | AuditorError] = {}
    for index, grab in enumerate(grabs):
        if isinstance(grab, Grabbed):
            try:
                out[index] = predict(
                    environment.version,
                    grab.kexinit.offered,
                    environment.client,
                    backend=environment.backend,
                    device=grab.device,
                    known_hosts=known_hosts,
                    options=environment.options,
                )
            except AuditorError as exc:
                out[index] = exc
    return out


def _verify(
    judged: Client,
    grabs: Sequence[GrabResult],
    environment: ClientEnvironment,
    settings: Settings,
    known_hosts: KnownHosts | None,
    progress: Progress,
    done: Mapping[DeviceKey, HandshakeOutcome],
) -> Mapping[DeviceKey, HandshakeOutcome]:
    """The client's real handshakes with every grabbed device not in ``done``, in one progress phase, plus ``done``."""
    targets = [grab.device for grab in grabs if isinstance(grab, Grabbed) and device_key(grab.device) not in done]
    if not targets:
        return done
    progress.start(f"verifying with {judged.name} {environment.version}", len(targets))
    try:
        return {**done, **judged.verify(targets, environment, _verify_options(settings, known_hosts), progress)}
    finally:
        progress.stop()


def _verify_options(settings: Settings, known_hosts: KnownHosts | None) -> VerifyOptions:
    return VerifyOptions(
        timeout=settings.timeout,
        concurrency=settings.concurrency,
        jump_key=settings.jump_key,
        known_hosts=known_hosts.path if known_hosts is not None else None,
    )


def _known_hosts(settings: Settings) -> KnownHosts | None:
    from auditor.probe.known_hosts import load_known_hosts

    return load_known_hosts(settings.known_hosts)


def _grab(
    devices: Sequence[Device],
    settings: Settings,
    progress: Progress,
    recorder: ClientEnvironment | None = None,
    known_hosts: KnownHosts | None = None,
) -> tuple[list[GrabResult], Mapping[DeviceKey, HandshakeOutcome]]:
    """Grab every device, direct ones over asyncio and jump-host ones through their gateways, in input order.

    With ``recorder`` (verified mode, a client that records), direct devices are grabbed from that client's
    own handshakes (:func:`auditor.probe.recorded.grab_by_handshake`), whose outcomes are returned too.
    """
    direct = [(i, d) for i, d in enumerate(devices) if not d.jump]
    jumped = [(i, d) for i, d in enumerate(devices) if d.jump]
    results: list[GrabResult | None] = [None] * len(devices)
    recorded: Mapping[DeviceKey, HandshakeOutcome] = {}
    if direct:
        grabbed, recorded = _grab_direct([d for _, d in direct], settings, progress, recorder, known_hosts)
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
    return [r for r in results if r is not None], recorded


def _grab_direct(
    devices: Sequence[Device],
    settings: Settings,
    progress: Progress,
    recorder: ClientEnvironment | None,
    known_hosts: KnownHosts | None,
) -> tuple[list[GrabResult], Mapping[DeviceKey, HandshakeOutcome]]:
    """Direct devices' grabs: from ``recorder``'s own handshakes when given, else a bare grab over asyncio."""
    if recorder is not None:
        from auditor.probe.recorded import grab_by_handshake

        options = _verify_options(settings, known_hosts)
        return grab_by_handshake(
            devices, get_client(recorder.client), recorder, options, progress, save_dir=settings.save_kexinit
        )
    from auditor.probe.grab import grab_devices

    grabbed = grab_devices(
        devices,
        timeout=settings.timeout,
        concurrency=settings.concurrency,
        progress=progress,
        save_dir=settings.save_kexinit,
    )
    return grabbed, {}


def fold(
    grab: GrabResult,
    prediction: Prediction | AuditorError | None,
    outcome: HandshakeOutcome | None,
    version: str,
    *,
    verify: bool,
    environment: ClientEnvironment | None = None,
) -> DeviceResult:
    """One device's grab, prediction and handshake outcome as its :class:`DeviceResult` and :class:`Verdict`.

    The verified outcome decides the status when there is one; the prediction otherwise. A
    disagreement between them sets ``predicted`` and puts :data:`DISAGREEMENT` first in the reasons.

    Args:
        grab: what the grab read (or why it could not).
        prediction: from the client's offer data, the error of a release without data, or None.
        outcome: the client's real handshake, or None (not verified, or no result in time).
        version: the client release judged.
        verify: whether handshakes were asked for (``--no-verify`` is said in the reasons).
        environment: the client environment judged with (client, backend, source), for the verdict;
            None means the primary client with nothing known of its backend.
    """
    environment = environment or ClientEnvironment(PRIMARY_CLIENT, version)
    judged = get_client(environment.client)
    device = grab.device
    if isinstance(grab, Unreachable):
        result = DeviceResult(
            device,
            DeviceStatus.UNREACHABLE,
            banner=grab.banner,
            paramiko=version,
            reasons=(grab.reason,),
            probed_at=grab.probed_at,
        )
    elif isinstance(grab, ProtocolFailure):
        result = DeviceResult(
            device,
            DeviceStatus.ERROR,
            banner=grab.banner,
            paramiko=version,
            reasons=(grab.reason,),
            probed_at=grab.probed_at,
            gateway_key_changed=grab.gateway_key,
        )
    else:
        base = DeviceResult(
            device,
            DeviceStatus.ERROR,
            banner=grab.banner,
            offered=grab.kexinit.offered,
            paramiko=version,
            strict_kex=grab.kexinit.strict_kex,
            probed_at=grab.probed_at,
            platform=recognize(grab.banner, grab.kexinit.offered, device.device_type),
        )
        result = _judge(base, prediction, outcome, judged, verify=verify)
    return _with_verdict(result, environment)


def _with_verdict(result: DeviceResult, environment: ClientEnvironment) -> DeviceResult:
    """``result`` with its client's :class:`Verdict` (the v1 fields plus client, backend and source)."""
    verdict = Verdict(
        client=environment.client,
        version=result.paramiko,
        status=result.status,
        backend=environment.backend,
        source=environment.source or None,
        backend_source=environment.backend_source or None,
        negotiated=result.negotiated,
        verified=result.verified,
        reasons=result.reasons,
        variant=environment.variant,
    )
    return replace(result, verdicts=(verdict,))


def _judge(
    base: DeviceResult,
    prediction: Prediction | AuditorError | None,
    outcome: HandshakeOutcome | None,
    judged: Client,
    *,
    verify: bool,
) -> DeviceResult:
    """A grabbed device's status: from the handshake when there is one, else from the prediction."""
    version = base.paramiko or "?"
    predicted = prediction if isinstance(prediction, Prediction) else None
    reasons: list[str] = []
    if isinstance(prediction, AuditorError):
        reasons.append(f"no prediction: {prediction.message}")
    predicted_reason = (
        predicted.failure.reason(version, judged.name)
        if predicted is not None and predicted.failure is not None
        else None
    )
    if outcome is None:
        if predicted is None:
            reasons.append("not verified: the handshake gave no result" if verify else "not verified (--no-verify)")
            return replace(base, reasons=tuple(reasons))
        if predicted_reason:
            reasons.append(predicted_reason)
        if verify:
            reasons.append(
                f"not verified: the {judged.name} {version} handshake gave no result within the time allowed"
            )
        return replace(base, status=predicted.status, negotiated=predicted.negotiated, reasons=tuple(reasons))
    if outcome.status in (DeviceStatus.UNREACHABLE, DeviceStatus.ERROR):
        return _failed_handshake(base, predicted, predicted_reason, outcome, judged, reasons)
    return _negotiated(base, predicted, predicted_reason, outcome, judged, reasons)


def _failed_handshake(
    base: DeviceResult,
    predicted: Prediction | None,
    predicted_reason: str | None,
    outcome: HandshakeOutcome,
    judged: Client,
    reasons: list[str],
) -> DeviceResult:
    """A handshake that could not reach the device or failed outside negotiation: its status wins."""
    what = "could not reach the device" if outcome.status is DeviceStatus.UNREACHABLE else "failed"
    reasons.append(f"the {judged.name} {base.paramiko} handshake {what}: {outcome.reason or 'no reason given'}")
    if predicted is not None:
        reasons.append(
            f"predicted from data: {predicted.status.value}" + (f" ({predicted_reason})" if predicted_reason else "")
        )
    return replace(
        base,
        status=outcome.status,
        verified=outcome.status is DeviceStatus.ERROR,
        host_key_fingerprint=outcome.host_key_fingerprint,
        reasons=tuple(reasons),
    )


def _negotiated(
    base: DeviceResult,
    predicted: Prediction | None,
    predicted_reason: str | None,
    outcome: HandshakeOutcome,
    judged: Client,
    reasons: list[str],
) -> DeviceResult:
    """A handshake that negotiated or found no overlap: verified, compared with the prediction."""
    disagreement = _disagreement(predicted, outcome, judged) if predicted is not None else None
    if disagreement:
        reasons.insert(0, f"{DISAGREEMENT} ({disagreement}); please report it")
    if outcome.status is DeviceStatus.INCOMPATIBLE:
        agreeing = predicted_reason if predicted is not None and not disagreement else None
        assert base.offered is not None
        reasons.append(agreeing or _reason_from_handshake(outcome, base.offered, judged))
        handshake = f"{judged.name} {base.paramiko} handshake: {outcome.reason}" if outcome.reason else ""
        reasons.append(f"verified by a real {handshake}" if handshake else "verified by a real handshake")
    return replace(
        base,
        status=outcome.status,
        negotiated=outcome.negotiated,
        verified=True,
        reasons=tuple(reasons),
        host_key_fingerprint=outcome.host_key_fingerprint,
        host_keys=_host_keys(outcome),
        predicted=predicted.status if disagreement and predicted is not None else None,
        server_sig_algs=outcome.server_sig_algs,
    )


def _host_keys(outcome: HandshakeOutcome) -> tuple[tuple[str, str], ...]:
    """``((key type, base64),)`` of the host key a completed handshake saw, else ``()``."""
    if outcome.status is not DeviceStatus.COMPATIBLE or not outcome.host_key_type or not outcome.host_key_base64:
        return ()
    return ((outcome.host_key_type, outcome.host_key_base64),)


def _reason_from_handshake(outcome: HandshakeOutcome, offered: Offered, judged: Client) -> str:
    """A "no acceptable X: server offers ..." line from the handshake's message and the grabbed lists."""
    category = judged.failure_category(outcome.reason)
    if category is None:
        return outcome.reason or "negotiation failed"
    label = CATEGORY_LABELS.get(category, category)
    return f"no acceptable {label}: server offers {', '.join(getattr(offered, category)) or 'nothing'}"


def _disagreement(predicted: Prediction, outcome: HandshakeOutcome, judged: Client) -> str | None:
    """How the prediction and a compatible/incompatible handshake differ, or None when they agree."""
    if predicted.status is not outcome.status:
        return f"predicted {predicted.status.value}, the handshake was {outcome.status.value}"
    if predicted.failure is not None:
        seen = judged.failure_category(outcome.reason)
        same = seen is None or CATEGORY_LABELS.get(seen) == CATEGORY_LABELS.get(predicted.failure.category)
        if not same:
            return f"predicted no acceptable {CATEGORY_LABELS.get(predicted.failure.category)}, the handshake said {outcome.reason}"
        return None
    if predicted.negotiated is not None and outcome.negotiated is not None:
        return _negotiated_difference(predicted.negotiated, outcome.negotiated)
    return None


def _negotiated_difference(predicted: Negotiated, real: Negotiated) -> str | None:
    for field in ("kex", "host_key", "cipher", "mac"):
        want, got = getattr(predicted, field), getattr(real, field)
        if got and want != got:
            return f"predicted {field} {want}, the handshake negotiated {got}"
    return None
