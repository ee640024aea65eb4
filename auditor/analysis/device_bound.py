"""The upper bound on Paramiko that keeps every device reachable, and the release uv would then lock.

``sshdrift demo`` computes it from the probe's device results; it is sshdrift's data (the known
Paramiko releases and what each offers) applied to each device's KEXINIT, not a resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from auditor.checks.device_rules.devices import upper_bound
from auditor.device_model import DeviceResult, DeviceStatus, Negotiated, Offered
from auditor.model import PackageReport
from auditor.probe.algorithms import known_releases
from auditor.probe.negotiation import predict


@dataclass(frozen=True)
class FixPlan:
    """The computed fix for devices the locked Paramiko cannot reach."""

    bound: str
    """Upper bound to add, e.g. ``<5``."""
    target: str
    """The newest known release the bound and the effective range admit: what ``uv lock`` would pick."""
    outcomes: tuple[tuple[str, Negotiated | None], ...]
    """Per device name, the negotiation predicted for ``target`` (None: it would fail)."""
    declared: str
    """The constraints declared on Paramiko today, e.g. ``netmiko >=2.9.5, scp (any)``."""


def _offers(results: Sequence[DeviceResult]) -> list[tuple[str, Offered]]:
    """``(device name, its KEXINIT name-lists)`` for every device the probe read an offer from (errors left out)."""
    return [(r.device.name, r.offered) for r in results if r.offered is not None and r.status is not DeviceStatus.ERROR]


def _newest_reaching(
    releases: Sequence[str], effective: SpecifierSet, offered: Sequence[tuple[str, Offered]]
) -> str | None:
    """The newest of ``releases`` (ascending) that ``effective`` admits and that negotiates with every offer.

    Negotiation is predicted from sshdrift's data per RFC 4253 §7.1; None when no release fits.
    """
    reaching = [
        r
        for r in releases
        if Version(r) in effective and all(predict(r, server).failure is None for _, server in offered)
    ]
    return reaching[-1] if reaching else None


def _declared(paramiko: PackageReport | None) -> str:
    """The constraints declared on Paramiko, e.g. ``netmiko >=2.9.5, scp (any)``; empty without an entry."""
    return ", ".join(f"{c.by} {c.specifier or '(any)'}" for c in paramiko.constraints) if paramiko else ""


def plan_fix(paramiko: PackageReport | None, locked: str, results: Sequence[DeviceResult]) -> FixPlan | str:
    """Compute the upper bound that keeps every device reachable, and the release uv would then lock.

    Every known, final Paramiko release that the project's effective range admits is predicted
    against each device's offered name-lists (RFC 4253 §7.1 on sshdrift's data). The release uv
    would lock under the fix is the newest one that negotiates with every device; the bound is the
    next known release above it (the first that cuts a device off).

    Args:
        paramiko: the lock audit's Paramiko entry (its effective range and constraints), if any.
        locked: the locked Paramiko version.
        results: the device results of the probe (their offered lists).

    Returns:
        A :class:`FixPlan`, or a one-line note when there is nothing to fix or no release fits.
    """
    if not any(r.status is DeviceStatus.INCOMPATIBLE for r in results):
        return f"paramiko {locked} negotiates with every reachable device: nothing to fix for them"
    offered = _offers(results)
    effective = SpecifierSet(paramiko.effective_range if paramiko else "")
    releases = [r for r in known_releases() if not Version(r).is_prerelease]
    target = _newest_reaching(releases, effective, offered)
    if target is None:
        return f"no Paramiko release that paramiko{effective} admits reaches every device"
    above = [r for r in releases if Version(r) > Version(target)]
    if Version(target) > Version(locked) or not above:
        return f"fix: lock paramiko {target} or later (e.g. 'uv lock --upgrade-package paramiko')"
    return FixPlan(
        bound="<" + upper_bound(Version(above[0])),
        target=target,
        outcomes=tuple((name, predict(target, server).negotiated) for name, server in offered),
        declared=_declared(paramiko),
    )
