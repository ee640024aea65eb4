"""A ``downgrade``'s fix names the command of the project's own locker that shows who requires the package.

The change rules run over the real fixture lockfiles of every format (``fixtures/lock/netmiko-4.4.0``);
each expected command was checked by running the locker on a small locked project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checks.change_rules import Downgrade
from auditor.checks.context import RuleContext
from auditor.checks.drift import change_findings
from auditor.model import Finding
from auditor.report_parts import Change, ChangeSet
from auditor.sources.lockfiles import FORMATS, load_lockfile
from auditor.sources.lockfiles.interface import LockfileFormat
from auditor.sources.ssh_stack import ssh_stack

LOCKS = Path(__file__).resolve().parents[3] / "fixtures" / "lock" / "netmiko-4.4.0"

# Fixture directory → what the fix must say for netmiko.
EXPECTED = {
    "uv": "with 'uv tree --frozen --invert --package netmiko'",
    "poetry": "with 'poetry show --tree --why netmiko'",
    "pdm": "with 'pdm list --tree --reverse --resolve netmiko'",
    "pipenv": "with 'pipenv graph --reverse' after 'pipenv sync'",
    "pip-compile": "from the '# via' comments under netmiko in requirements.txt",
    "uv-pip-compile": "from the '# via' comments under netmiko in requirements.txt",
    "uv-export": "from the '# via' comments under netmiko in requirements.txt",
    "pylock": "with 'uv tree --frozen --invert --package netmiko' in the uv project pylock.toml was exported from",
}

# netmiko moves down (loses 4.7.0's cap) and scp leaves the resolution: both are `downgrade` findings.
CHANGES = (Change("netmiko", "4.7.0", "4.4.0"), Change("scp", "0.16.2", None))


def downgrades(tool: str) -> list[Finding]:
    """The ``downgrade`` rule's findings over CHANGES, with the fixture lockfile of ``tool`` in the context."""
    lockfile = load_lockfile(LOCKS / tool)
    changes = ChangeSet(
        changes=CHANGES, description="this change", stack=frozenset(ssh_stack()), file=lockfile.path.name
    )
    return Downgrade().find(RuleContext(lockfile=lockfile, changes=changes))


@pytest.mark.parametrize("tool", sorted(EXPECTED))
def test_the_fix_names_the_lockers_command(tool: str) -> None:
    netmiko, scp = downgrades(tool)
    assert netmiko.package == "netmiko" and EXPECTED[tool] in (netmiko.fix or ""), netmiko.fix
    assert scp.package == "scp" and EXPECTED[tool].replace("netmiko", "scp") in (scp.fix or ""), scp.fix


@pytest.mark.parametrize("tool", ["poetry", "pdm", "pipenv", "pip-compile", "uv-pip-compile", "uv-export"])
def test_a_project_not_locked_by_uv_is_not_told_to_run_uv_tree(tool: str) -> None:
    assert all("uv tree" not in (f.fix or "") for f in downgrades(tool))


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("poetry.lock", "'poetry show --tree --why netmiko'"),
        ("pdm.lock", "'pdm list --tree --reverse --resolve netmiko'"),
        ("Pipfile.lock", "'pipenv graph --reverse' after 'pipenv sync'"),
        ("requirements-dev.txt", "'# via' comments under netmiko in requirements-dev.txt"),
        ("pylock.dev.toml", "in the uv project pylock.dev.toml was exported from"),
        ("uv.lock", "'uv tree --frozen --invert --package netmiko'"),
    ],
)
def test_without_the_format_the_file_name_says_it(file: str, expected: str) -> None:
    """A caller that passes only the lockfile's name (``whatif``) still gets its locker's command."""
    (finding,) = change_findings([CHANGES[0]], context="after adding paramiko>=5", file=file)
    assert expected in (finding.fix or ""), finding.fix


def test_the_format_wins_over_an_unconventional_name() -> None:
    (finding,) = change_findings([CHANGES[0]], context="today", file="locked.toml", lock_format="poetry")
    assert "'poetry show --tree --why netmiko'" in (finding.fix or "")


def test_an_unknown_lock_names_no_tool() -> None:
    (finding,) = change_findings([CHANGES[0]], context="today", file="locked.toml")
    assert "uv tree" not in (finding.fix or "") and "reverse dependency tree" in (finding.fix or "")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_every_format_says_how_to_find_who_requires_a_package(fmt: LockfileFormat) -> None:
    assert "paramiko" in fmt.dependents_hint("paramiko", "the.lock")
    assert "{package}" not in fmt.dependents_hint("paramiko", "the.lock")


@pytest.mark.parametrize("tool", ["pip-compile", "uv-pip-compile", "uv-export"])
def test_the_via_comments_the_fix_points_at_name_who_requires_it(tool: str) -> None:
    """pip-compile, uv pip compile and uv export write '# via' lines under each pin: paramiko's name netmiko."""
    lines = (LOCKS / tool / "requirements.txt").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("paramiko=="))
    end = next(i for i in range(start + 1, len(lines)) if lines[i][:1].isalnum())
    comments = [line.strip() for line in lines[start + 1 : end] if line.strip().startswith("#")]
    assert comments[0] == "# via" and {"#   netmiko", "#   scp"} <= set(comments), comments
