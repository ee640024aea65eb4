"""The one place that describes every rule: id, short and full description, an example.

SARIF ``tool.driver.rules``, the README's rule table and the help URIs are all generated
from :data:`RULES`, so a rule is documented exactly once. Rule ids are stable (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DOCS_URL = "https://github.com/sshdrift/sshdrift"
"""Base URL of the project's README; rule help URIs are anchors into its rule table."""


@dataclass(frozen=True)
class Rule:
    """Documentation of one rule."""

    id: str
    """Stable rule id, e.g. ``open-ended-range``."""
    name: str
    """PascalCase name (SARIF ``reportingDescriptor.name``)."""
    short: str
    """One sentence: what the rule reports."""
    full: str
    """Why it matters and what to do, in a few sentences."""
    example: str
    """A message as the rule prints it."""
    default_severity: str
    """``error`` | ``warning`` | ``note``: the usual severity (SARIF ``defaultConfiguration.level``)."""

    @property
    def anchor(self) -> str:
        """The README heading anchor of this rule, ``rule-<id>``."""
        return f"rule-{self.id}"

    @property
    def help_uri(self) -> str:
        """Absolute URL of this rule's entry in the README rule table."""
        return f"{DOCS_URL}#{self.anchor}"


_RULES: tuple[Rule, ...] = (
    Rule(
        id="open-ended-range",
        name="OpenEndedRange",
        short="An SSH-stack package may move to its next major release on any rebuild.",
        full=(
            "The intersection of every constraint declared on this SSH-stack package (by the project and by "
            "each dependent) has no upper bound below the next major release, so a fresh resolution may pick "
            "a release that removes algorithms your devices need. Add an upper bound (for example "
            "paramiko<5) to the project's own dependencies or constraints."
        ),
        example="paramiko 4.0.0: effective range >=2.9.5 (netmiko) admits 5.x; add 'paramiko<5' to your constraints",
        default_severity="error",
    ),
    Rule(
        id="breaking-release",
        name="BreakingRelease",
        short="The lock, or a rebuild within the allowed range, crosses a known breaking release.",
        full=(
            "A release between the locked version and the newest the range allows removes algorithms a "
            "client needs to negotiate (for example paramiko 5.0.0 removed every SHA-1 kex and ssh-rsa host "
            "keys). Probe your devices with that release before upgrading (sshdrift whatif)."
        ),
        example="paramiko 5.0.0 removes diffie-hellman-group14-sha1 and ssh-rsa; the range >=2.9.5 allows it",
        default_severity="error",
    ),
    Rule(
        id="resolution-drift",
        name="ResolutionDrift",
        short="A fresh resolution (today or as of a date) moves an SSH-stack package across a major or breaking release.",
        full=(
            "Re-resolving the project's declared requirements (as a rebuild without the lockfile would) "
            "selects different versions of SSH-stack packages. What you test is not what a rebuild ships; "
            "commit the lockfile and install from it, or cap the range."
        ),
        example="paramiko: locked 4.0.0, a fresh resolution today gives 5.1.0 (crosses 5.0.0)",
        # error when the move crosses a major version or a known breaking release; warning otherwise.
        default_severity="error",
    ),
    Rule(
        id="downgrade",
        name="Downgrade",
        short="A resolution moves an SSH-stack package to an older version.",
        full=(
            "A new constraint (often a security pin elsewhere) made the resolver choose an older release of "
            "an SSH-stack package, which can silently drop fixes or change its declared constraints. Check "
            "why with 'uv tree --invert --package NAME' and pin deliberately."
        ),
        example="netmiko: 4.7.0 -> 4.6.0 after adding paramiko>=5.0.0",
        default_severity="warning",
    ),
    Rule(
        id="vulnerability",
        name="Vulnerability",
        short="A locked SSH-stack package has a known vulnerability.",
        full=(
            "The locked version is affected by a published advisory (OSV / PyPA advisory database). When the "
            "only fixed release is past a breaking release, upgrading will also cut off devices that need "
            "the removed algorithms; the finding names them when devices were probed."
        ),
        example="paramiko 4.0.0: PYSEC-2026-2858 (CVE-2026-44405): fixed only in 5.0.0, a breaking release",
        default_severity="error",
    ),
    Rule(
        id="ignored-ssh-option",
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
)

RULES: Mapping[str, Rule] = {rule.id: rule for rule in _RULES}
"""Every rule by id, in README order."""


def rule(rule_id: str) -> Rule:
    """Return the rule documented as ``rule_id``.

    Raises:
        KeyError: an id that is not in the catalog (a bug: every rule must be documented).
    """
    return RULES[rule_id]


def rule_table_markdown() -> str:
    """The README's rule table: one row per rule with an anchor (``rule-<id>``), severity, summary and example.

    The README embeds this text verbatim; a test compares the two so that the table cannot drift
    from the catalog the SARIF help URIs point into.
    """
    lines = ["| Rule | Default severity | What it reports | Example |", "|---|---|---|---|"]
    for entry in RULES.values():
        example = entry.example.replace("|", "\\|")
        lines.append(
            f'| <a id="{entry.anchor}"></a>`{entry.id}` | {entry.default_severity} | {entry.short} | `{example}` |'
        )
    return "\n".join(lines) + "\n"
