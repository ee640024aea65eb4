from __future__ import annotations

import pytest

from auditor.checks.fix_hints import cap_hint


@pytest.mark.parametrize("fmt", ["uv", "pylock", "poetry", "pdm", "requirements"])
def test_only_caps_that_fix_writes_offer_it(fmt: str) -> None:
    assert "sshdrift fix" in cap_hint(fmt, "paramiko<5")
    assert "sshdrift fix" not in cap_hint(fmt, "cryptography<48", fixable=False)
    assert "cryptography<48" in cap_hint(fmt, "cryptography<48", fixable=False)


@pytest.mark.parametrize(
    ("fmt", "table"),
    [
        ("uv", "[tool.uv] constraint-dependencies"),
        ("poetry", "[tool.poetry.dependencies]"),
        ("pdm", "[tool.pdm.resolution.overrides]"),
    ],
)
def test_hint_names_the_table_fix_writes(fmt: str, table: str) -> None:
    assert table in cap_hint(fmt, "paramiko<5")
