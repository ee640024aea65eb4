from __future__ import annotations

import re
from pathlib import Path

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
    "terrapin-exposed",
    "auth-signature",
    "removed-api",
    "host-key-policy",
    "narrowed-offer",
    "accepted-risk",
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


README = Path(__file__).resolve().parents[3] / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def test_readme_embeds_the_generated_rule_table() -> None:
    """The SARIF help URIs point at anchors in this table: README.md must carry it verbatim."""
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, f"README.md needs one {START} ... {END} block"
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert block.strip("\n") == rule_table_markdown().strip("\n"), (
        "README.md's rule table differs from auditor.checks.catalog.rule_table_markdown(); paste its output "
        "between the markers"
    )
    for entry in RULES.values():
        # Exactly one target per help URI fragment, or a link could land on the wrong rule.
        assert text.count(f'id="{entry.anchor}"') == 1
    assert DOCS_URL.startswith("https://github.com/") and DOCS_URL in text


def test_registry_ids_are_unique_and_every_rule_reports_only_its_own_id() -> None:
    from auditor.checks.context import RuleContext
    from auditor.checks.registry import RULES as REGISTRY

    ids = [r.id for r in REGISTRY]
    assert len(ids) == len(set(ids)) and list(RULES) == ids
    # An empty context: no lockfile, no devices, no records; no rule may invent findings from nothing.
    empty = RuleContext()
    for registered in REGISTRY:
        assert registered.find(empty) == [], registered.id


def test_the_registry_finds_exactly_the_rules_of_its_packages_in_readme_order() -> None:
    from auditor.checks.context import RuleContext
    from auditor.checks.interface import DeviceRule
    from auditor.checks.registry import all_rules, device_rules, lock_rules, rule_ids

    orders = [r.order for r in all_rules()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert tuple(rule_ids()) == tuple(r.id for r in all_rules()) == tuple(RULES)
    assert {r.id for r in lock_rules()} | {r.id for r in device_rules()} == set(RULES)
    # The device package holds the device rules and only them; each has nothing to judge without devices.
    assert all(isinstance(r, DeviceRule) for r in device_rules())
    assert not any(isinstance(r, DeviceRule) for r in lock_rules())
    assert not any(r.ran(RuleContext()) for r in device_rules())


NEW_RULE = """
from auditor.checks.interface import CatalogEntry, Rule


class Shared(Rule):
    def find(self, context):
        return []


class NewRule(Shared):
    order = 15
    entry = CatalogEntry(
        id="new-rule", name="NewRule", short="s", full="f", example="e", default_severity="note"
    )
"""


def test_a_rule_module_dropped_into_a_package_is_discovered_without_another_edit(tmp_path: Path) -> None:
    """A copy of the rule package plus one new module: discovery finds the new rule in its ``order`` place."""
    import shutil
    import subprocess
    import sys

    import auditor

    copy = tmp_path / "auditor"
    shutil.copytree(Path(auditor.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "checks" / "new_rule.py").write_text(NEW_RULE, encoding="utf-8")
    script = (
        "from auditor.checks.registry import all_rules, lock_rules\n"
        "print(','.join(r.id for r in all_rules()))\n"
        "print(','.join(r.id for r in lock_rules()))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60
    )
    found, lock = (line.split(",") for line in proc.stdout.splitlines())
    ids = list(RULES)
    assert found == [ids[0], "new-rule", *ids[1:]]  # order 15: after open-ended-range (10), before the rest
    assert "new-rule" in lock and "incompatible-device" not in lock


def test_a_lock_run_validates_ignore_ids_without_importing_the_device_rules() -> None:
    script = (
        "import sys\n"
        "from auditor.checks.registry import rule_ids\n"
        "ids = rule_ids()\n"
        "assert 'open-ended-range' in ids\n"
        "print(any(m.startswith('auditor.checks.device_rules') for m in sys.modules))\n"
        "print('terrapin-exposed' in ids, any(m.startswith('auditor.checks.device_rules') for m in sys.modules))\n"
    )
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert proc.stdout.split() == ["False", "True", "True"], proc.stderr


def test_the_script_prints_the_generated_table() -> None:
    import subprocess
    import sys

    script = README.parent / "scripts" / "rule_table.py"
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=60)
    assert proc.stdout == rule_table_markdown()
