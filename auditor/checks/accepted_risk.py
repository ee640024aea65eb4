"""Accepted risks: ``[[tool.sshdrift.ignore]]`` entries and ``--ignore RULE:SUBJECT``, and the ``accepted-risk`` rule.

An entry names a rule and one subject: a ``package`` (optionally at one locked ``version``), a
``device`` (its inventory name) or an ``advisory`` (an OSV id or alias such as ``PYSEC-2026-2858``
or ``CVE-2023-48795``), with a required ``reason`` and an optional ``until`` date (TOML date or
``YYYY-MM-DD``; the entry applies through that day)::

    [[tool.sshdrift.ignore]]
    rule = "open-ended-range"
    package = "bcrypt"
    reason = "bcrypt majors keep the API netmiko uses"
    until = 2027-01-31

A finding an entry matches keeps its place in every report with ``ignored`` set
(:class:`~auditor.model.Suppression`) and does not count toward the exit code. An expired entry
stops applying and the ``accepted-risk`` rule says so; an entry that matches no finding of a rule
that ran is a note too. pip-audit's ``--ignore-vuln`` and code scanning's suppressions are the model.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.checks.context import RuleContext
from auditor.checks.interface import CatalogEntry, Rule
from auditor.errors import ConfigError, UsageError
from auditor.model import Finding, Severity, Suppression
from auditor.settings import Settings

RULE = "accepted-risk"
KINDS: tuple[str, ...] = ("package", "device", "advisory")
"""The subjects an entry may name; exactly one per entry."""
_KEYS = frozenset({"rule", *KINDS, "version", "reason", "until"})
CLI_REASON = "accepted on the command line (--ignore)"
"""The reason an ``--ignore RULE:SUBJECT`` suppression carries."""


@dataclass(frozen=True)
class AcceptedRisk:
    """One accepted risk: which findings of which rule it covers, why, and until when."""

    rule: str
    """A rule id of the catalog."""
    kind: str
    """``package`` | ``device`` | ``advisory``, or ``any`` for ``--ignore RULE:SUBJECT``."""
    subject: str
    """The package name, device name or advisory id (as written)."""
    reason: str
    origin: str
    """Where it was declared, for messages: ``pyproject.toml [[tool.sshdrift.ignore]] #2`` or ``--ignore R:S``."""
    version: str | None = None
    """Only this locked version of ``package`` (exact string match), or None for any."""
    until: dt.date | None = None
    """The last day the entry applies, or None for no end."""

    def describe(self) -> str:
        """``rule open-ended-range, package bcrypt 4.2.0`` (what the entry covers)."""
        subject = self.subject if self.kind == "any" else f"{self.kind} {self.subject}"
        return f"rule {self.rule}, {subject}" + (f" {self.version}" if self.version else "")

    def expired(self, today: dt.date) -> bool:
        """Whether ``today`` is past :attr:`until`."""
        return self.until is not None and today > self.until

    def suppression(self) -> Suppression:
        """The :class:`~auditor.model.Suppression` a matched finding carries."""
        return Suppression(self.reason, self.until.isoformat() if self.until else None)

    def matches(self, finding: Finding, locked: Mapping[str, str]) -> bool:
        """Whether this entry covers ``finding``; ``locked`` maps normalized names to locked versions."""
        if finding.rule != self.rule:
            return False
        kinds = KINDS if self.kind == "any" else (self.kind,)
        return any(_SUBJECT_MATCH[kind](self, finding, locked) for kind in kinds)


def _package_matches(risk: AcceptedRisk, finding: Finding, locked: Mapping[str, str]) -> bool:
    name = canonicalize_name(risk.subject)
    if finding.package is None or canonicalize_name(finding.package) != name:
        return False
    return risk.version is None or locked.get(name) == risk.version


def _device_matches(risk: AcceptedRisk, finding: Finding, locked: Mapping[str, str]) -> bool:
    return finding.device is not None and finding.device == risk.subject


def _advisory_matches(risk: AcceptedRisk, finding: Finding, locked: Mapping[str, str]) -> bool:
    if finding.key is not None and finding.key.casefold() == risk.subject.casefold():
        return True
    # An alias (CVE-...) is not the key; the vulnerability message names it: "paramiko 3.3.1: PYSEC-... (CVE-...): ...".
    pattern = rf"(?<![\w-]){re.escape(risk.subject)}(?![\w-])"
    return re.search(pattern, finding.message, flags=re.IGNORECASE) is not None


_SUBJECT_MATCH = {"package": _package_matches, "device": _device_matches, "advisory": _advisory_matches}


# ------------------------------------------------------------------ reading


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError("until must be a date (YYYY-MM-DD), not a date-time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    raise ValueError(f"until = {value!r} is not a date; write until = 2027-01-31 (YYYY-MM-DD)")


def _entry(table: Any, origin: str, rules: Sequence[str]) -> AcceptedRisk:
    """One ``[[tool.sshdrift.ignore]]`` table as an :class:`AcceptedRisk`; ValueError says what is wrong."""
    if not isinstance(table, Mapping):
        raise ValueError("expected a table with rule, one of package/device/advisory, and reason")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; an entry has {', '.join(sorted(_KEYS))}")
    rule = table.get("rule")
    if not isinstance(rule, str) or rule not in rules or rule == RULE:
        raise ValueError(f"rule = {rule!r} is not a rule id; one of {_ids(rules)}")
    kinds = [k for k in KINDS if k in table]
    if len(kinds) != 1:
        raise ValueError("name exactly one of package, device or advisory")
    subject, reason, version = table[kinds[0]], table.get("reason"), table.get("version")
    if not isinstance(subject, str) or not subject.strip():
        raise ValueError(f"{kinds[0]} must be a non-empty string")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("reason is required: say why the risk is accepted")
    if version is not None and (kinds[0] != "package" or not isinstance(version, str)):
        raise ValueError("version (a string) goes only with package")
    until = _date(table["until"]) if "until" in table else None
    return AcceptedRisk(rule, kinds[0], subject.strip(), reason.strip(), origin, version, until)


def _ids(rules: Sequence[str]) -> str:
    return ", ".join(r for r in rules if r != RULE)


def parse_entries(entries: Sequence[Any], pyproject: str, rules: Sequence[str]) -> tuple[AcceptedRisk, ...]:
    """``[[tool.sshdrift.ignore]]`` tables (as tomllib parsed them) as accepted risks.

    Args:
        entries: the array of tables, in file order.
        pyproject: the file they came from, as it should appear in messages (``pyproject.toml``).
        rules: the registered rule ids an entry may name.

    Raises:
        ConfigError: an entry that is not a table, names an unknown rule or key, names no subject or
            more than one, has no reason, or an ``until`` that is not a date (exit 3); the message
            names the file and the entry's position (1-based).
    """
    out = []
    for index, table in enumerate(entries, 1):
        origin = f"{pyproject} [[tool.sshdrift.ignore]] #{index}"
        try:
            out.append(_entry(table, origin, rules))
        except ValueError as exc:
            shown = {k: v for k, v in table.items() if k != "reason"} if isinstance(table, Mapping) else table
            raise ConfigError(f"{origin} {shown!r}: {exc}; fix or remove the entry") from None
    return tuple(out)


def parse_cli(values: Sequence[str], rules: Sequence[str]) -> tuple[AcceptedRisk, ...]:
    """``--ignore RULE:SUBJECT`` values as accepted risks (SUBJECT: a package, device or advisory id; RULE in ``rules``).

    Raises:
        UsageError: a value without ``:``, an empty subject or an unknown rule (exit 2).
    """
    out = []
    for value in values:
        rule, _, subject = value.partition(":")
        if not subject.strip() or rule not in rules or rule == RULE:
            raise UsageError(
                f"--ignore {value!r}: expected RULE:SUBJECT, RULE one of {_ids(rules)} "
                "and SUBJECT a package, device or advisory id (e.g. open-ended-range:bcrypt)"
            )
        out.append(AcceptedRisk(rule, "any", subject.strip(), CLI_REASON, f"--ignore {value}"))
    return tuple(out)


def accepted_risks(settings: Settings, project_dir: Path | None, rules: Sequence[str]) -> tuple[AcceptedRisk, ...]:
    """The accepted risks of a run: ``settings.ignore_entries`` (from pyproject) then ``settings.ignore`` (CLI).

    Args:
        settings: ``ignore_entries`` (the raw ``[[tool.sshdrift.ignore]]`` tables) and ``ignore``
            (``RULE:SUBJECT`` strings).
        project_dir: the directory whose ``pyproject.toml`` holds the entries, for messages.
        rules: the registered rule ids.

    Raises:
        ConfigError: a malformed entry (exit 3). UsageError: a malformed ``--ignore`` (exit 2).
    """
    pyproject = str(project_dir / "pyproject.toml") if project_dir is not None else "pyproject.toml"
    return (*parse_entries(settings.ignore_entries, pyproject, rules), *parse_cli(settings.ignore, rules))


# ------------------------------------------------------------------ applying


def _note(risk: AcceptedRisk, message: str, fix: str) -> Finding:
    file = risk.origin.split(" [[", 1)[0] if " [[" in risk.origin else None
    return Finding(
        rule=RULE, severity=Severity.NOTE, message=f"{risk.origin} ({risk.describe()}): {message}", file=file, fix=fix
    )


def apply_accepted_risks(findings: Sequence[Finding], context: RuleContext, rules: Sequence[Rule]) -> list[Finding]:
    """``findings`` with ``ignored`` set where an unexpired accepted risk matches, plus a note per unmatched entry.

    The first matching entry (pyproject order, then ``--ignore``) gives the suppression. An entry
    of a rule that had nothing to judge in this run (:meth:`Rule.ran` False for ``context``, e.g. a
    device entry without devices) is not reported as unmatched.
    """
    active = [risk for risk in context.accepted if not risk.expired(context.today)]
    if not active:
        return list(findings)
    locked = {name: pkg.version for name, pkg in context.lockfile.packages.items()} if context.lockfile else {}
    used: set[int] = set()
    out = []
    for finding in findings:
        index = next((i for i, risk in enumerate(active) if risk.matches(finding, locked)), None)
        if index is None or finding.rule == RULE:
            out.append(finding)
            continue
        used.add(index)
        out.append(replace(finding, ignored=active[index].suppression()))
    for index, risk in enumerate(active):
        if index not in used and any(rule.id == risk.rule and rule.ran(context) for rule in rules):
            out.append(
                _note(
                    risk,
                    "matches no finding of this run",
                    "remove the entry if the risk is gone, or correct its rule and subject",
                )
            )
    return out


class AcceptedRiskRule(Rule):
    """``accepted-risk``: an accepted-risk entry that expired (here) or matches nothing (:func:`apply_accepted_risks`)."""

    order = 150
    entry = CatalogEntry(
        id=RULE,
        name="AcceptedRisk",
        short="A [[tool.sshdrift.ignore]] entry or --ignore that expired or matches no finding.",
        full=(
            "An accepted risk hides a finding from the exit code but not from the report. Once its 'until' "
            "date has passed it stops applying and the finding counts again; an entry that matches no "
            "finding is stale. Review the risk, then extend 'until', fix the entry, or remove it."
        ),
        example=(
            "pyproject.toml [[tool.sshdrift.ignore]] #1 (rule open-ended-range, package bcrypt): "
            "expired on 2026-01-31; it no longer applies"
        ),
        default_severity="note",
    )

    def find(self, context: RuleContext) -> list[Finding]:
        """A note per expired entry in ``context.accepted`` (as of ``context.today``)."""
        return [
            _note(
                risk,
                f"expired on {risk.until}; it no longer applies",
                "review the risk, then extend 'until' or remove the entry",
            )
            for risk in context.accepted
            if risk.expired(context.today)
        ]


# ------------------------------------------------------------------ baseline

BASELINE_REASON = "TODO: review; say why this risk is accepted (written by sshdrift baseline)"
"""The placeholder reason ``sshdrift baseline`` writes, for the user to replace."""


def baseline_subject(finding: Finding) -> tuple[str, str] | None:
    """``(kind, subject)`` an entry would name to cover ``finding``: its advisory, device or package.

    None for a finding without one of them (``ignored-ssh-option`` points at a file line).
    """
    if finding.rule == "vulnerability" and finding.key:
        return ("advisory", finding.key)
    if finding.device:
        return ("device", finding.device)
    if finding.package:
        return ("package", finding.package)
    return None


def baseline_entries(findings: Sequence[Finding]) -> tuple[list[dict[str, str]], list[Finding]]:
    """One ``[[tool.sshdrift.ignore]]`` entry per distinct (rule, subject) of ``findings``, with :data:`BASELINE_REASON`.

    Findings already ignored and ``accepted-risk`` notes are left out; so are findings no entry can
    name (returned second, for the caller to mention).

    Returns:
        ``(entries, unnamed)``: entries as ordered ``{"rule", kind, "reason"}`` mappings in finding order.
    """
    entries: list[dict[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    unnamed: list[Finding] = []
    for finding in findings:
        if finding.ignored is not None or finding.rule == RULE:
            continue
        subject = baseline_subject(finding)
        if subject is None:
            unnamed.append(finding)
            continue
        if (finding.rule, *subject) not in seen:
            seen.add((finding.rule, *subject))
            entries.append({"rule": finding.rule, subject[0]: subject[1], "reason": BASELINE_REASON})
    return entries, unnamed
