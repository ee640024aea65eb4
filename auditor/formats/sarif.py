"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps).

Follows OASIS SARIF 2.1.0 (sarif-schema-2.1.0.json): one run; ``tool.driver.rules`` from
:mod:`auditor.checks.catalog` (every rule, so ``ruleIndex`` is stable); one result per
finding with a physical location in the lockfile, pyproject, inventory or ssh_config (line
when known). A location under the working directory is relative to it through the ``%SRCROOT%``
base id, because GitHub code scanning maps a relative URI from the repository root, the job's
working directory, and ignores ``originalUriBaseIds``; :mod:`auditor.formats.github` places its
annotations the same way. A file elsewhere is an absolute ``file:`` URI. Devices that
could not be probed and skipped checks become tool execution notifications, never results
(they are not findings, and must not look like a pass either). An ignored finding (an accepted
risk) stays a result with an ``external`` suppression carrying its reason, so code scanning
shows it as dismissed rather than losing it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.checks.catalog import DOCS_URL, RULES
from auditor.choices import DeviceStatus
from auditor.formats.locations import Location, Locator, relative_to
from auditor.formats.summary import device_address
from auditor.model import Finding, Report

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
BASE_ID = "%SRCROOT%"


def _driver() -> dict[str, Any]:
    rules = []
    for rule in RULES.values():
        rules.append(
            {
                "id": rule.id,
                "name": rule.name,
                "shortDescription": {"text": rule.short},
                "fullDescription": {"text": rule.full},
                "helpUri": rule.help_uri,
                "help": {
                    "text": f"{rule.full}\n\nExample: {rule.example}",
                    "markdown": f"{rule.full}\n\nExample: `{rule.example}`\n\n[Documentation]({rule.help_uri})",
                },
                "defaultConfiguration": {"level": rule.default_severity},
            }
        )
    return {
        "name": "sshdrift",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": DOCS_URL,
        "rules": rules,
    }


def _artifact(location: Location, base: Path) -> dict[str, Any]:
    rel = relative_to(location.path, base)
    if rel is not None:
        return {"uri": rel, "uriBaseId": BASE_ID}
    return {"uri": location.path.as_uri()}


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.via:
        text += f" (via {', '.join(finding.via)})"
    if finding.fix:
        text += f" Fix: {finding.fix}"
    return text


def fingerprint(finding: Finding, artifact: dict[str, Any] | None) -> str:
    """The ``sshdrift/v2`` partial fingerprint of ``finding``: 32 hex digits of a SHA-256.

    SARIF 2.1.0 §3.27.17: code scanning merges results with equal fingerprints into one alert and
    tracks it across runs, so the value is unique per distinct result and stable while the
    problem stays. It hashes the rule, the subject (package, device), :attr:`Finding.key` (the
    release, advisory, option or constraint that tells the rule's findings apart) and the
    location: the file as the SARIF artifact names it, plus the line only for a finding with no
    package or device (an ssh_config option is identified by where it is; a lockfile line moves
    with every relock and must not re-open the alert).

    Args:
        finding: the result's finding.
        artifact: the result's ``artifactLocation`` (``uri`` and optional ``uriBaseId``), or None.
    """
    where = artifact["uri"] if artifact else (finding.file or "")
    line = "" if finding.package or finding.device or finding.line is None else str(finding.line)
    parts = (finding.rule, finding.package or "", finding.device or "", finding.key or "", where, line)
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def _suppression(finding: Finding) -> list[dict[str, Any]]:
    """SARIF §3.35: an accepted risk is an external suppression (it lives in pyproject.toml), with its reason."""
    if finding.ignored is None:
        return []
    justification = finding.ignored.reason
    if finding.ignored.until:
        justification += f" (until {finding.ignored.until})"
    return [{"kind": "external", "status": "accepted", "justification": justification}]


def _properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if finding.package:
        properties["package"] = finding.package
    if finding.device:
        properties["device"] = finding.device
    if finding.via:
        properties["via"] = list(finding.via)
    return properties


def _result(finding: Finding, locator: Locator, rule_index: dict[str, int], base: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": finding.severity.value,
        "message": {"text": _message(finding)},
    }
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    location = locator.of(finding)
    artifact = None
    if location is not None:
        artifact = _artifact(location, base)
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if location.line is not None and location.line >= 1:
            physical["region"] = {"startLine": location.line}
        result["locations"] = [{"physicalLocation": physical}]
    properties = _properties(finding)
    if properties:
        result["properties"] = properties
    result["partialFingerprints"] = {"sshdrift/v2": fingerprint(finding, artifact)}
    suppressions = _suppression(finding)
    if suppressions:
        result["suppressions"] = suppressions
    return result


def _notifications(report: Report) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for skipped in report.skipped:
        notes.append({"level": "warning", "message": {"text": f"{skipped.subject}: {skipped.reason}"}})
    for device in report.devices:
        if device.status in (DeviceStatus.UNREACHABLE, DeviceStatus.ERROR):
            reason = "; ".join(device.reasons) or device.status.value
            notes.append(
                {
                    "level": "warning",
                    "message": {"text": f"{device.device.name} ({device_address(device)}): {reason}"},
                }
            )
    return notes


def to_sarif(report: Report) -> dict[str, Any]:
    """Return the SARIF 2.1.0 log of ``report`` as a JSON-ready dict.

    Every rule of the catalog is listed in ``tool.driver.rules``; each finding is a result
    with ``ruleId``, ``ruleIndex``, ``level`` (error|warning|note), ``message.text`` and a
    physical location when one is known.
    """
    rule_index = {rule_id: i for i, rule_id in enumerate(RULES)}
    base = Path.cwd().absolute()
    locator = Locator(report)
    run: dict[str, Any] = {
        "tool": {"driver": _driver()},
        "results": [_result(f, locator, rule_index, base) for f in report.findings],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": _notifications(report),
            }
        ],
        "properties": {"command": report.command},
        # SARIF §3.14.14: a base URI must end with a slash to be used as a directory.
        "originalUriBaseIds": {BASE_ID: {"uri": base.as_uri().rstrip("/") + "/"}},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report, *, color: bool = False) -> str:
    """Return the SARIF 2.1.0 log as indented JSON with a final newline (``color`` is ignored)."""
    return json.dumps(to_sarif(report), indent=2) + "\n"
