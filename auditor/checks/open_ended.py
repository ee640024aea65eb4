"""Rule ``open-ended-range``: an SSH-stack package whose effective range admits the next major release.

Error (warning for crypto libraries, a note for scp and any package whose policy in
``rules/ssh-stack.toml`` or ``[tool.sshdrift.open-ended]`` says so, with the reason quoted) when the intersection of every
applicable constraint admits the major series above the locked version: a rebuild may pull it.
Every edge is listed (who declared what) with the path from the project. When the effective range
is capped, each edge that is open-ended on its own is a ``note``: the cap hangs on the other edge
(netmiko 4.7.0's ``<5.0`` caps scp's bare ``paramiko``; a netmiko upgrade may remove it).

Example message: ``paramiko 4.0.0: the effective range '>=2.9.5' admits paramiko 5 and later: netmiko
declares 'paramiko>=2.9.5', scp declares 'paramiko' (any version); path: netmiko → paramiko``.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.checks.constraints import PackageRange, admits_next_major, next_major, specifier_set
from auditor.checks.context import RuleContext
from auditor.checks.fix_hints import cap_hint
from auditor.checks.interface import CatalogEntry, Rule
from auditor.model import PROJECT, Constraint, Finding, Lockfile, Severity

RULE = "open-ended-range"


def describe_edge(constraint: Constraint, versions: dict[str, str] | None = None) -> str:
    """``netmiko 4.4.0 declares 'paramiko>=2.9.5'`` / ``the project declares ...`` / ``... (any version)``."""
    who = "the project" if constraint.by == PROJECT else constraint.by
    if versions and constraint.by in versions:
        who = f"{who} {versions[constraint.by]}"
    what = (
        f"'{constraint.package}{constraint.specifier}'"
        if constraint.specifier
        else f"'{constraint.package}' (any version)"
    )
    kind = "" if constraint.kind in ("requires-dist", "dependency") else f" [{constraint.kind}]"
    return f"{who} declares {what}{kind}"


def _path_text(path: Iterable[str]) -> str:
    return " → ".join(("<project>", *path))


def _policy_text(item: PackageRange) -> str:
    """``; a note by policy: <reason>`` when the package's severity is not its role's default, else ""."""
    if not item.stack.policy:
        return ""
    level = item.stack.open_ended_severity.value
    return f"; {'an' if level == 'error' else 'a'} {level} by policy: {item.stack.policy}"


def check(ranges: Iterable[PackageRange], lockfile: Lockfile) -> list[Finding]:
    """Findings of rule ``open-ended-range`` for the given effective ranges of ``lockfile``."""
    versions = {name: pkg.version for name, pkg in lockfile.packages.items()}
    findings: list[Finding] = []
    for item in ranges:
        upper = next_major(item.version)
        via = tuple(c for c in item.dependents if c != PROJECT)
        if admits_next_major(item.effective, item.version):
            edges = "; ".join(describe_edge(c, versions) for c in item.constraints) or "nothing constrains it"
            cap = f"{item.name}<{upper}"
            findings.append(
                Finding(
                    rule=RULE,
                    severity=item.stack.open_ended_severity,
                    package=item.name,
                    message=(
                        f"{item.name} {item.version} is locked, but its effective range "
                        f"'{item.effective or 'any version'}' admits {item.name} {upper} and later, "
                        f"so a rebuild may cross a major release: {edges}; path: {_path_text(item.path)}"
                        + _policy_text(item)
                    ),
                    via=via,
                    file=lockfile.path.name,
                    line=item.line,
                    fix=cap_hint(lockfile, cap, fixable=item.stack.open_ended_severity is Severity.ERROR),
                )
            )
            continue
        capping = [c for c in item.constraints if not admits_next_major(specifier_set(c.specifier), item.version)]
        for constraint in item.constraints:
            if constraint.by == PROJECT or not admits_next_major(specifier_set(constraint.specifier), item.version):
                continue
            caps = ", ".join(describe_edge(c, versions) for c in capping)
            findings.append(
                Finding(
                    rule=RULE,
                    severity=Severity.NOTE,
                    package=item.name,
                    message=(
                        f"{describe_edge(constraint, versions)}, open-ended above {item.name} {item.version}; "
                        f"today {caps} caps it below {upper}, and an upgrade that drops that cap re-opens it; "
                        f"path: {_path_text(item.path)}"
                    ),
                    via=(constraint.by,),
                    file=lockfile.path.name,
                    line=item.line,
                    key=" ".join(x for x in (constraint.by, constraint.kind, constraint.marker) if x),
                )
            )
    return findings


class OpenEndedRange(Rule):
    """``open-ended-range``: the effective range admits the next major release."""

    order = 10
    entry = CatalogEntry(
        id=RULE,
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
        severity_policy=(
            "a warning for the crypto libraries every project depends on open-endedly (cryptography, bcrypt, "
            "pynacl, invoke: rules/ssh-stack.toml); a note for scp (0.x for over a decade, no algorithm of its "
            "own) and for an open edge another edge caps (netmiko 4.7.0's <5.0 caps scp's bare paramiko); "
            "[tool.sshdrift.open-ended] sets a package's severity"
        ),
    )

    def ran(self, context: RuleContext) -> bool:
        """True when there is a lockfile."""
        return context.lockfile is not None

    def find(self, context: RuleContext) -> list[Finding]:
        """Findings for ``context.ranges`` of ``context.lockfile`` (none without a lockfile)."""
        return check(context.ranges, context.lockfile) if context.lockfile is not None else []
