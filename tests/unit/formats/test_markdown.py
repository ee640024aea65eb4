from __future__ import annotations

from auditor.formats import render
from auditor.formats.markdown import cell
from auditor.model import Finding, Report, Severity
from auditor.settings import OutputFormat
from tests.unit.formats.sample import empty_report, full_report


def test_cell_escaping() -> None:
    assert cell("a|b") == "a\\|b"
    assert cell("<script>") == "&lt;script&gt;"
    assert cell("one\ntwo") == "one<br>two"
    assert cell("") == " "


def _rows(text: str, heading: str) -> list[list[str]]:
    lines = text.splitlines()
    start = lines.index(heading) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    # Split on unescaped pipes only.
    out = []
    for row in rows[2:]:
        parts, current, prev = [], "", ""
        for ch in row[1:-1]:
            if ch == "|" and prev != "\\":
                parts.append(current.strip())
                current = ""
            else:
                current += ch
            prev = ch
        parts.append(current.strip())
        out.append(parts)
    return out


def test_sections_and_tables_keep_their_shape() -> None:
    text = render(full_report(), OutputFormat.MARKDOWN)
    assert text.startswith("### sshdrift audit: :x: failing\n")
    assert "**7 errors, 6 warnings, 1 note; 4 devices:" in text
    findings = _rows(text, "#### Findings")
    assert len(findings) == 14 and all(len(r) == 5 for r in findings)
    assert findings[0][0] == ":x: error"
    assert any("ssh-rsa \\| sha1 kex" in r[3] for r in findings)
    # The default --show failures lists the devices with something to fix; the others are grouped.
    devices = _rows(text, "#### Devices")
    assert [r[0] for r in devices] == ["**xe17**", "**ios15**"] and all(len(r) == 7 for r in devices)
    assert devices[1][2] == ":x: incompatible"
    assert "no acceptable kex algorithm" in devices[1][5]
    assert "- :warning: 1 device unreachable: connection refused: gone (127.0.0.1:2299 via ops@127.0.0.1:2222)" in text
    assert _rows(text, "#### Changes")[0] == ["`paramiko`", "4.0.0", "5.1.0"]
    assert "<details><summary>SSH stack</summary>" in text
    assert "- vulnerability: skipped, --offline" in text


def test_clean_and_warning_verdicts() -> None:
    assert render(empty_report(), OutputFormat.MARKDOWN).startswith("### sshdrift lock: :white_check_mark: clean")
    report = Report(command="lock", findings=(Finding("downgrade", Severity.WARNING, "x", package="netmiko"),))
    assert ":warning: needs attention" in render(report, OutputFormat.MARKDOWN)


def test_a_diff_too_long_for_a_comment_is_cut_outside_its_fence() -> None:
    hunk = "".join(f"-    'paramiko>={i}.0',\n+    'paramiko>={i}.0,<5',\n" for i in range(3_000))
    report = Report(command="fix", diff=f"--- pyproject.toml\n+++ pyproject.toml\n@@ -1 +1 @@\n{hunk}")
    text = render(report, OutputFormat.MARKDOWN)
    assert len(text) < 65_536
    body = text.split("#### Diff\n\n", 1)[1]
    fenced, after = body.split("\n```\n", 1)
    assert fenced.startswith("```diff\n--- pyproject.toml\n") and "not shown" not in fenced
    assert after.lstrip().startswith("_") and "more diff lines not shown" in after
    shown = fenced.count("\n")  # the lines after "```diff"
    cut = int(after.split(" more", 1)[0].lstrip("\n_").replace(",", ""))
    assert shown + cut == 6_003
