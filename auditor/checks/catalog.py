"""The rule catalog, generated from the registry: SARIF ``tool.driver.rules``, the README table, help URIs.

Each rule's documentation is its :class:`~auditor.checks.interface.CatalogEntry`, written once in
the rule's module; :data:`RULES` lists them in registry order. Rule ids are stable (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from auditor.checks.interface import DOCS_URL, CatalogEntry
from auditor.checks.registry import all_rules

Rule = CatalogEntry
"""The documentation of one rule (the name SARIF and older callers use)."""

RULES: Mapping[str, CatalogEntry] = {rule.entry.id: rule.entry for rule in all_rules()}
"""Every rule's catalog entry by id, in README order."""


def rule(rule_id: str) -> CatalogEntry:
    """Return the catalog entry of ``rule_id``.

    Raises:
        KeyError: an id that is not in the catalog (a bug: every rule must be registered).
    """
    return RULES[rule_id]


def _severity(entry: CatalogEntry) -> str:
    return f"{entry.default_severity}; {entry.severity_policy}" if entry.severity_policy else entry.default_severity


def rule_table_markdown() -> str:
    """The README's rule table: one row per rule with an anchor (``rule-<id>``), severity, summary and example.

    The README embeds this text verbatim between ``<!-- rules:start -->`` and ``<!-- rules:end -->``;
    a test compares the two, and ``python scripts/rule_table.py --write`` rewrites the block.
    """
    lines = ["| Rule | Severity | What it reports | Example |", "|---|---|---|---|"]
    for entry in RULES.values():
        cells = [_severity(entry), entry.short, f"`{entry.example}`"]
        escaped = " | ".join(cell.replace("|", "\\|") for cell in cells)
        lines.append(f'| <a id="{entry.anchor}"></a>`{entry.id}` | {escaped} |')
    return "\n".join(lines) + "\n"


__all__ = ["DOCS_URL", "RULES", "CatalogEntry", "Rule", "rule", "rule_table_markdown"]
