from __future__ import annotations

import re

import pytest

from auditor.formats import render
from auditor.model import Finding, Report, Severity
from auditor.settings import OutputFormat
from tests.unit.formats.sample import empty_report, full_report


@pytest.fixture(autouse=True)
def _width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


def test_plain_text_has_every_section_and_no_ansi() -> None:
    text = render(full_report(), OutputFormat.TABLE)
    assert "\x1b[" not in text
    for heading in ("SSH stack", "Findings", "Devices", "Changes", "Skipped", "Notes"):
        assert heading in text
    assert text.splitlines()[0].startswith("sshdrift audit  .  uv.lock (uv)")
    assert "netmiko: >=2.9.5" in text and "scp: any" in text
    assert "fix: add 'paramiko<5'" in text
    assert "no acceptable kex algorithm: server offers" in text
    assert "via ops@127.0.0.1:2222" in text
    assert "4.0.0" in text and "5.1.0" in text and "(removed)" in text
    assert "\nFAIL  7 errors, 6 warnings, 1 note;" in text
    assert all(len(line) <= 120 for line in text.splitlines())


def test_markup_in_messages_is_not_interpreted() -> None:
    report = Report(
        command="lock", findings=(Finding("downgrade", Severity.WARNING, "[bold]x[/bold] [red]", package="p"),)
    )
    assert "[bold]x[/bold] [red]" in render(report, OutputFormat.TABLE)


def test_color_only_when_asked() -> None:
    assert "\x1b[" in render(full_report(), OutputFormat.TABLE, color=True)


def test_narrow_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = render(full_report(), OutputFormat.TABLE)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "ios15" in text and "incompatible" in text


def test_clean_report_is_short() -> None:
    lines = render(empty_report(), OutputFormat.TABLE).strip().splitlines()
    assert lines == ["sshdrift lock  /tmp/p  uv.lock (uv)", "", "OK  0 errors, 0 warnings"]


def test_report_with_nothing_at_all() -> None:
    """No project, packages, findings, devices or skips (an empty inventory slice): header and verdict only."""
    text = render(Report(command="probe"), OutputFormat.TABLE)
    assert text.strip().splitlines() == ["sshdrift probe", "", "OK  0 errors, 0 warnings"]
    for heading in ("SSH stack", "Findings", "Devices", "Changes", "Skipped", "Notes"):
        assert heading not in text


def test_no_color_keeps_bold_and_drops_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR (no-color.org), as rich's console honours it: emphasis stays, colours go."""
    coloured = render(full_report(), OutputFormat.TABLE, color=True)
    assert "\x1b[1;31mFAIL\x1b[0m" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    plain = render(full_report(), OutputFormat.TABLE, color=True)
    assert "\x1b[1mFAIL\x1b[0m" in plain
    assert not re.search(r"\x1b\[[0-9;]*3[0-7][;m]", plain)
