"""Rule ``ignored-ssh-option``: algorithm options that Paramiko never uses for negotiation.

Paramiko's ``SSHConfig`` parses any keyword, but ``Transport`` builds its KEXINIT only from
its own preferred lists minus ``disabled_algorithms`` (Paramiko ≥ 2.6): ssh_config's
``KexAlgorithms``, ``HostKeyAlgorithms``, ``Ciphers``, ``MACs``, ``PubkeyAcceptedAlgorithms``
(and the older ``PubkeyAcceptedKeyTypes``), ``HostbasedAcceptedAlgorithms``
(``HostbasedKeyTypes``), ``CASignatureAlgorithms`` and ``RequiredRSASize`` (ssh_config(5),
OpenSSH 9.x) change nothing for netmiko, napalm or ncclient. The incident this project
exists for: ``KexAlgorithms +diffie-hellman-group14-sha1`` cannot bring back an algorithm
paramiko 5.0.0 removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.checks.breaking_release import BreakingRelease
from auditor.checks.context import RuleContext
from auditor.checks.interface import CatalogEntry, Rule
from auditor.model import Finding, Severity
from auditor.sources.ssh_config import ConfigOption

RULE = "ignored-ssh-option"


@dataclass(frozen=True)
class IgnoredOption:
    """An ssh_config keyword Paramiko ignores, and Paramiko's nearest equivalent."""

    keyword: str
    """Canonical spelling (ssh_config(5))."""
    disabled_key: str | None
    """The ``disabled_algorithms`` key that removes such algorithms in Paramiko, or None."""
    removed_category: str | None
    """The category of :attr:`auditor.checks.breaking_release.BreakingRelease.removed` (``kex``,
    ``host-key``, ``cipher``, ``MAC``) naming releases that removed such algorithms."""


IGNORED: dict[str, IgnoredOption] = {
    o.keyword.lower(): o
    for o in (
        IgnoredOption("KexAlgorithms", "kex", "kex"),
        IgnoredOption("HostKeyAlgorithms", "keys", "host-key"),
        IgnoredOption("Ciphers", "ciphers", "cipher"),
        IgnoredOption("MACs", "macs", "MAC"),
        IgnoredOption("PubkeyAcceptedAlgorithms", "pubkeys", None),
        IgnoredOption("PubkeyAcceptedKeyTypes", "pubkeys", None),
        IgnoredOption("HostbasedAcceptedAlgorithms", None, None),
        IgnoredOption("HostbasedKeyTypes", None, None),
        IgnoredOption("CASignatureAlgorithms", None, None),
        IgnoredOption("RequiredRSASize", None, None),
    )
}
"""Lower-cased keyword → what Paramiko offers instead."""


def _removed_in(
    category: str | None, algorithms: Iterable[str], releases: Sequence[BreakingRelease]
) -> list[tuple[str, BreakingRelease]]:
    """``(algorithm, release)`` for each algorithm one of ``releases`` removed (rules/releases.toml), oldest first."""
    if category is None:
        return []
    out = []
    wanted = list(algorithms)
    # The options this rule reports are the ones Paramiko ignores: only Paramiko's removals make them futile.
    for release in (r for r in releases if r.package == "paramiko"):
        removed = set(dict(release.removed).get(category, ()))
        out += [(a, release) for a in wanted if a in removed]
    return out


def _algorithms(value: str) -> tuple[str, list[str]]:
    """The list's modifier (``+``, ``-``, ``^`` or ``""``) and its algorithm names."""
    modifier = value[:1] if value[:1] in "+-^" else ""
    names = [a.strip() for a in value[len(modifier) :].split(",") if a.strip()]
    return modifier, names


def _where(option: ConfigOption) -> str:
    if option.context == "ssh_config":
        return f" in {option.block}" if option.block else ""
    return f" in {option.context}"


def _why(option: ConfigOption) -> str:
    if option.context == "ssh_config":
        return "Paramiko's SSHConfig parses it but Paramiko never uses it for negotiation"
    return (
        "it reaches only the OpenSSH client (connection: ssh); Paramiko (connection: paramiko, or "
        "network_cli over Paramiko) never uses it for negotiation"
    )


def _finding(option: ConfigOption, spec: IgnoredOption, releases: Sequence[BreakingRelease]) -> Finding:
    modifier, names = _algorithms(option.value)
    message = f"{option.key} {option.value}{_where(option)}: {_why(option)}"
    removed = _removed_in(spec.removed_category, names, releases) if modifier in ("+", "") else []
    if removed:
        gone = ", ".join(f"{a} (removed in {r.package} {r.version})" for a, r in removed)
        first = min((r for _, r in removed), key=lambda r: r.version)
        message += f"; it cannot re-enable {gone}"
        fix = (
            f"no option re-enables an algorithm Paramiko removed: pin {first.package}<{first.version} (for example in "
            f"[tool.uv] constraint-dependencies) until the device offers something newer"
        )
    elif spec.disabled_key is not None and modifier in ("-", "^", ""):
        fix = (
            f"to restrict {spec.disabled_key} in Paramiko pass disabled_algorithms={{'{spec.disabled_key}': [...]}} "
            "(netmiko: ConnectHandler(..., disabled_algorithms=...)); Paramiko can only remove algorithms, never add"
        )
    elif spec.disabled_key is not None:
        fix = (
            "remove the option: Paramiko already offers every algorithm it supports; to re-enable one a release "
            "removed, pin that Paramiko range (check with 'sshdrift whatif')"
        )
    else:
        fix = "remove the option: Paramiko has no equivalent setting; enforce it on the device instead"
    path = str(option.file)
    return Finding(
        rule=RULE, severity=Severity.WARNING, message=message, file=path, line=option.line, fix=fix, key=option.keyword
    )


def option_findings(options: Iterable[ConfigOption], releases: Sequence[BreakingRelease]) -> list[Finding]:
    """One warning per option in ``options`` that Paramiko never uses for negotiation.

    Each finding names the file (as given) and the 1-based line, and says what to do instead
    (``disabled_algorithms``, or pinning Paramiko when one of ``releases`` removed the algorithm).
    """
    out = []
    # Only Paramiko's own removals: other clients' breaking releases (ansible-pylibssh 1.3.0) are not the cause.
    paramiko_releases = [r for r in releases if r.package == "paramiko"]
    for option in options:
        spec = IGNORED.get(option.keyword)
        if spec is not None:
            out.append(_finding(option, spec, paramiko_releases))
    return out


class IgnoredSshOption(Rule):
    """``ignored-ssh-option``: ssh_config / ansible.cfg algorithm options Paramiko never applies."""

    order = 60
    entry = CatalogEntry(
        id=RULE,
        name="IgnoredSshOption",
        short="An ssh_config or ansible.cfg option that Paramiko never uses for negotiation.",
        full=(
            "Paramiko's SSHConfig parses options such as KexAlgorithms, HostKeyAlgorithms, Ciphers and MACs "
            "but Transport never applies them, so adding '+diffie-hellman-group14-sha1' changes nothing. "
            "Paramiko can only remove algorithms (disabled_algorithms), never re-enable what a release "
            "removed: pin a Paramiko that still supports the algorithm instead."
        ),
        example="ssh_config:3: KexAlgorithms is ignored by Paramiko; pin paramiko<5 to keep diffie-hellman-group14-sha1",
        default_severity="warning",
    )

    def ran(self, context: RuleContext) -> bool:
        """True when some ssh_config or ansible.cfg option was read."""
        return bool(context.ssh_options)

    def find(self, context: RuleContext) -> list[Finding]:
        """Findings for ``context.ssh_options`` (read from ``--ssh-config`` and ``--ansible-cfg``)."""
        return option_findings(context.ssh_options, context.releases)
