from __future__ import annotations

import re

from auditor.checks.catalog import DOCS_URL, RULES, rule, rule_table_markdown

DESIGN_RULE_IDS = {
    "open-ended-range",
    "breaking-release",
    "resolution-drift",
    "downgrade",
    "vulnerability",
    "ignored-ssh-option",
    "incompatible-device",
    "legacy-only-device",
    "host-key-changed",
}


def test_every_design_rule_is_documented_once() -> None:
    assert set(RULES) == DESIGN_RULE_IDS
    for rule_id, entry in RULES.items():
        assert entry.id == rule_id
        assert entry.short.endswith(".") and len(entry.full) > len(entry.short)
        assert entry.example and entry.default_severity in ("error", "warning", "note")
        assert re.fullmatch(r"[A-Z][A-Za-z]+", entry.name)
        assert entry.help_uri == f"{DOCS_URL}#rule-{rule_id}"
    assert rule("vulnerability").name == "Vulnerability"


def test_rule_table_has_an_anchor_row_per_rule() -> None:
    table = rule_table_markdown().splitlines()
    assert len(table) == 2 + len(RULES)
    for line, rule_id in zip(table[2:], RULES, strict=True):
        assert line.startswith(f'| <a id="rule-{rule_id}"></a>`{rule_id}` |')
        assert line.count(" | ") == 3  # no unescaped pipe splits a cell
