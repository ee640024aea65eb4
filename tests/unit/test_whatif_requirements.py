"""whatif's requirement in place of the project's own: extras and marker carried over unless it names its own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from auditor.analysis.whatif import WhatIf
from auditor.errors import ResolverError
from auditor.model import Lockfile
from auditor.report_parts import WhatIfRequirement, WhatIfSummary
from auditor.resolution import add_requirements_to_pyproject, merge_requirement
from auditor.sources.lockfiles import edit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.mark.parametrize(
    ("asked", "replaced", "resolved", "extras", "marker"),
    [
        # The bug: the project's netmiko[par4] (the extra caps paramiko<5) must survive 'netmiko>=4.8'.
        ("netmiko>=4.8", ["netmiko[par4]==4.8.0"], "netmiko[par4]>=4.8", ("par4",), None),
        # The union of the extras of every requirement replaced (main dependencies and a group).
        (
            "netmiko>=4.8",
            ["netmiko[par4]==4.8.0", "Netmiko[bulk_encrypt]>=4.8"],
            "netmiko[bulk_encrypt,par4]>=4.8",
            ("bulk_encrypt", "par4"),
            None,
        ),
        # The user's extras win: nothing is carried over.
        ("netmiko[bulk-encrypt]>=4.8", ["netmiko[par4]==4.8.0"], "netmiko[bulk-encrypt]>=4.8", (), None),
        # A marker is carried over the same way.
        (
            "netmiko>=4.8",
            ["netmiko==4.4.0 ; sys_platform == 'linux'"],
            'netmiko>=4.8; sys_platform == "linux"',
            (),
            'sys_platform == "linux"',
        ),
        # The user's marker wins; the extras still come over.
        (
            "netmiko>=4.8 ; python_version >= '3.11'",
            ["netmiko[par4]==4.8.0 ; sys_platform == 'linux'"],
            'netmiko[par4]>=4.8; python_version >= "3.11"',
            ("par4",),
            None,
        ),
        # One requirement replaced applies everywhere: so does the new one.
        ("netmiko>=4.8", ["netmiko==4.4.0 ; sys_platform == 'linux'", "netmiko==4.4.0"], "netmiko>=4.8", (), None),
        # Two markers: the requirement held where either did.
        (
            "netmiko>=4.8",
            ["netmiko==4.4.0 ; sys_platform == 'linux'", "netmiko==4.4.0 ; sys_platform == 'darwin'"],
            'netmiko>=4.8; sys_platform == "linux" or sys_platform == "darwin"',
            (),
            'sys_platform == "linux" or sys_platform == "darwin"',
        ),
        # The same marker twice is one marker.
        (
            "netmiko>=4.8",
            ["netmiko==4.4.0 ; sys_platform == 'linux'", "netmiko[par4]==4.8.0; sys_platform=='linux'"],
            'netmiko[par4]>=4.8; sys_platform == "linux"',
            ("par4",),
            'sys_platform == "linux"',
        ),
        # Nothing to carry: the requirement stays exactly as given (spacing included).
        (
            "paramiko == 5.1.0",
            ["paramiko>=3.5", "not a requirement ((", "netmiko[par4]==4.8.0"],
            "paramiko == 5.1.0",
            (),
            None,
        ),
        ("paramiko==5.1.0", [], "paramiko==5.1.0", (), None),
        # A direct reference keeps its URL and takes the extras.
        (
            "netmiko @ https://index.invalid/netmiko-4.8.0-py3-none-any.whl",
            ["netmiko[par4]==4.8.0"],
            "netmiko[par4] @ https://index.invalid/netmiko-4.8.0-py3-none-any.whl",
            ("par4",),
            None,
        ),
    ],
)
def test_merge_requirement_whatif(
    asked: str, replaced: list[str], resolved: str, extras: tuple[str, ...], marker: str | None
) -> None:
    merged = merge_requirement(asked, replaced)
    assert merged.resolved == resolved
    assert merged.carried_extras == extras
    assert merged.carried_marker == marker
    assert merged.carried is bool(extras or marker)
    assert merged.asked == asked
    # Only the project's own requirements on the package count as replaced.
    assert all(Requirement(r).name.lower() == Requirement(asked).name.lower() for r in merged.replaced)
    # What goes into the copy is PEP 508 that names the user's specifier or URL.
    parsed = Requirement(merged.resolved)
    assert parsed.specifier == Requirement(asked).specifier and parsed.url == Requirement(asked).url
    if marker:
        assert parsed.marker == Marker(marker)


def test_merge_requirement_whatif_rejects_an_invalid_requirement() -> None:
    with pytest.raises(ResolverError, match=r"'netmiko>>4': not a valid requirement"):
        merge_requirement("netmiko>>4", ["netmiko[par4]==4.8.0"])


def test_merge_requirement_whatif_keeps_an_extra_only_one_declaration_asks_for() -> None:
    """An extra only some replaced requirements ask for is still kept: the project installs it."""
    merged = merge_requirement("scrapli>=2025.1", ["scrapli==2025.1.30", "scrapli[asyncssh]==2025.1.30"])
    assert merged.resolved == "scrapli[asyncssh]>=2025.1"
    assert merged.replaced == ("scrapli==2025.1.30", "scrapli[asyncssh]==2025.1.30")


PYPROJECT = """\
[project]
name = "netops"
version = "0.1.0"
dependencies = [
    "netmiko[par4]==4.8.0 ; python_version >= '3.10'",  # the cap through the extra
    "pyyaml>=6",
]

[project.optional-dependencies]
bulk = ["netmiko[bulk-encrypt]>=4.8 ; python_version >= '3.10'"]

[dependency-groups]
dev = ["pytest", {include-group = "lint"}]
lint = ["ruff"]

[tool.uv]
constraint-dependencies = ["netmiko[par4]<5 ; sys_platform == 'win32'"]
"""


def test_add_requirements_to_pyproject_whatif_keeps_extras_and_marker() -> None:
    text, merged = add_requirements_to_pyproject(PYPROJECT, ["netmiko>=4.8", "paramiko<5"])
    data = tomllib.loads(text)
    # The constraint's marker is a cap's, not a requirement's: it is set aside and not carried over.
    assert data["project"]["dependencies"] == [
        "pyyaml>=6",
        'netmiko[bulk-encrypt,par4]>=4.8; python_version >= "3.10"',
        "paramiko<5",
    ]
    assert data["project"]["optional-dependencies"]["bulk"] == []
    assert data["tool"]["uv"]["constraint-dependencies"] == []
    assert [m.replaced for m in merged] == [
        ("netmiko[par4]==4.8.0 ; python_version >= '3.10'", "netmiko[bulk-encrypt]>=4.8 ; python_version >= '3.10'"),
        (),
    ]
    assert [m.carried for m in merged] == [True, False]


def test_add_requirements_to_pyproject_whatif_the_users_extras_and_marker_win() -> None:
    text, (merged,) = add_requirements_to_pyproject(PYPROJECT, ["netmiko[bulk-encrypt]>=4.8; sys_platform == 'linux'"])
    assert "netmiko[bulk-encrypt]>=4.8; sys_platform == 'linux'" in tomllib.loads(text)["project"]["dependencies"]
    assert not merged.carried


def test_declared_requirements_whatif_leaves_caps_out() -> None:
    assert edit.declared_requirements(PYPROJECT, {"netmiko"}) == [
        "netmiko[par4]==4.8.0 ; python_version >= '3.10'",
        "netmiko[bulk-encrypt]>=4.8 ; python_version >= '3.10'",
    ]
    assert edit.declared_requirements(PYPROJECT, {"ruff"}) == ["ruff"]
    assert edit.declared_requirements(PYPROJECT, {"paramiko"}) == []
    assert edit.declared_requirements("[project\n", {"netmiko"}) == []


def _whatif(*requirements: WhatIfRequirement) -> WhatIf:
    lock = Lockfile(path=Path("requirements.txt"), format="requirements", packages={})
    return WhatIf(
        lock,
        (),
        "after whatif x",
        frozenset(),
        "uv-pip-compile",
        requirements=requirements,
        lockfile_name="requirements.txt",
    )


def test_whatif_notes_say_what_was_carried_over_and_what_could_not_be() -> None:
    carried = merge_requirement("netmiko>=4.8", ["netmiko[par4]==4.8.0 ; sys_platform == 'linux'"])
    unknown = merge_requirement("paramiko>=4", [], declarations_known=False)
    plain = merge_requirement("scp>=0.15", ["scp==0.15.0"])
    notes = _whatif(carried, unknown, plain).carried_notes()
    assert notes == [
        "whatif netmiko>=4.8 kept the extras par4 and the marker 'sys_platform == \"linux\"' of your "
        "'netmiko[par4]==4.8.0; sys_platform == \"linux\"': resolved as 'netmiko[par4]>=4.8; sys_platform == \"linux\"' "
        "(name extras or a marker in the requirement to ask for others)",
        "whatif paramiko>=4: requirements.txt records pins only (no file beside it declares the project's "
        "requirements), not the extras or marker your project asks of paramiko, so none were kept; name them in "
        "the requirement (e.g. paramiko[EXTRA]) if you use any",
    ]
    summary = WhatIfSummary(("netmiko>=4.8",), False, "4.0.0", "4.0.0", (carried,)).to_json()
    assert summary["requirements"] == ["netmiko>=4.8"]
    assert summary["resolved"] == [
        {
            "asked": "netmiko>=4.8",
            "resolved": 'netmiko[par4]>=4.8; sys_platform == "linux"',
            "replaced": ["netmiko[par4]==4.8.0 ; sys_platform == 'linux'"],
            "carried_extras": ["par4"],
            "carried_marker": 'sys_platform == "linux"',
            "declarations_known": True,
        }
    ]
