"""Print the README rule table generated from the rule registry, or rewrite README.md's block with ``--write``.

Usage: ``uv run python scripts/rule_table.py [--write]``. The block sits between
``<!-- rules:start -->`` and ``<!-- rules:end -->``; tests/unit/checks/test_catalog.py fails when it differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from auditor.checks.catalog import rule_table_markdown
from auditor.fileio import write_atomic

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def main(argv: list[str]) -> int:
    """Print the table (exit 0), or with ``--write`` replace README.md's block atomically (exit 0; 1 without markers)."""
    table = rule_table_markdown()
    if "--write" not in argv:
        sys.stdout.write(table)
        return 0
    text = README.read_text(encoding="utf-8")
    if text.count(START) != 1 or text.count(END) != 1:
        sys.stderr.write(f"{README}: needs exactly one {START} ... {END} block\n")
        return 1
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    write_atomic(README, f"{head}{START}\n{table}{END}{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
