"""Upper-bound edits keep every byte outside the edited requirement (tomlkit round trip)."""

from __future__ import annotations

import sys

import pytest
import tomlkit
from packaging.requirements import Requirement

from auditor.sources.lockfiles import edit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

UV_PROJECT = """\
# Provisioning backend
[project]
name = "netops"   # the service
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
    # device driver
    'netmiko==4.4.0',  # pinned by ops
    "paramiko>=3.5 ; python_version >= '3.10'",
    "PyYAML>=6",
]

[dependency-groups]
dev = ["pytest>=8", "Paramiko"]

[tool.ruff]
line-length = 100
"""


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Pairs of differing lines; the files must have the same number of lines."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


@pytest.mark.parametrize(
    ("requirement", "bound", "expected"),
    [
        ("paramiko", "<5", "paramiko<5"),
        ("paramiko>=2.9.5", "<5", "paramiko>=2.9.5,<5"),
        ("paramiko[gssapi]>=3", "<5", "paramiko[gssapi]>=3,<5"),
        ("paramiko>=3 ; python_version >= '3.10'", "<5", "paramiko>=3,<5 ; python_version >= '3.10'"),
        ("paramiko>=3; python_version >= '3.10'", "<5", "paramiko>=3,<5; python_version >= '3.10'"),
        ("paramiko (>=3)", "<5", "paramiko (>=3,<5)"),
        ("netmiko == 4.4.0", "<5", "netmiko == 4.4.0,<5"),
        ("paramiko>=3  ", "<5", "paramiko>=3,<5  "),
    ],
)
def test_bounded_requirement(requirement: str, bound: str, expected: str) -> None:
    out = edit.bounded_requirement(requirement, bound)
    assert out == expected
    assert Requirement(out).specifier.contains("4.4.0")
    assert not Requirement(out).specifier.contains("5.0.0")


def test_bounded_requirement_rejects_url() -> None:
    with pytest.raises(ValueError, match="direct reference"):
        edit.bounded_requirement("paramiko @ https://example.invalid/p.whl", "<5")


def test_bound_declared_edits_only_that_requirement() -> None:
    after, places = edit.bound_declared(UV_PROJECT, "paramiko", "<5")
    assert places == ["[project] dependencies", "[dependency-groups] dev"]
    assert changed_lines(UV_PROJECT, after) == [
        (
            "    \"paramiko>=3.5 ; python_version >= '3.10'\",\n",
            "    \"paramiko>=3.5,<5 ; python_version >= '3.10'\",\n",
        ),
        ('dev = ["pytest>=8", "Paramiko"]\n', 'dev = ["pytest>=8", "Paramiko<5"]\n'),
    ]


def test_bound_declared_keeps_literal_quotes() -> None:
    after, places = edit.bound_declared(UV_PROJECT, "netmiko", "<5")
    assert places == ["[project] dependencies"]
    assert changed_lines(UV_PROJECT, after) == [
        ("    'netmiko==4.4.0',  # pinned by ops\n", "    'netmiko==4.4.0,<5',  # pinned by ops\n")
    ]


def test_bound_declared_unknown_package_is_unchanged() -> None:
    assert edit.bound_declared(UV_PROJECT, "scp", "<1") == (UV_PROJECT, [])


def test_add_uv_constraint_creates_table_at_end() -> None:
    after = edit.add_uv_constraint(UV_PROJECT, "bcrypt", "<5")
    assert after.startswith(UV_PROJECT)
    assert after[len(UV_PROJECT) :] == '\n[tool.uv]\nconstraint-dependencies = ["bcrypt<5"]\n'
    assert tomllib.loads(after)["tool"]["uv"]["constraint-dependencies"] == ["bcrypt<5"]


def test_add_uv_constraint_appends_and_joins() -> None:
    text = UV_PROJECT + '\n[tool.uv]\n# caps\nconstraint-dependencies = ["cryptography<47", "paramiko>=3"]\n'
    joined = edit.add_uv_constraint(text, "paramiko", "<5")
    assert changed_lines(text, joined) == [
        (
            'constraint-dependencies = ["cryptography<47", "paramiko>=3"]\n',
            'constraint-dependencies = ["cryptography<47", "paramiko>=3,<5"]\n',
        )
    ]
    appended = edit.add_uv_constraint(text, "bcrypt", "<5")
    assert changed_lines(text, appended) == [
        (
            'constraint-dependencies = ["cryptography<47", "paramiko>=3"]\n',
            'constraint-dependencies = ["cryptography<47", "paramiko>=3", "bcrypt<5"]\n',
        )
    ]


def test_add_uv_constraint_key_missing_in_existing_table() -> None:
    text = '[project]\nname = "x"\n\n[tool.uv]\npackage = false  # app\n\n[tool.other]\na = 1\n'
    after = edit.add_uv_constraint(text, "paramiko", "<5")
    data = tomllib.loads(after)
    assert data["tool"]["uv"] == {"package": False, "constraint-dependencies": ["paramiko<5"]}
    assert data["tool"]["other"] == {"a": 1}
    assert "package = false  # app\n" in after


POETRY = """\
[tool.poetry]
name = "netops"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.10"
netmiko = "4.4.0"   # ops pin
scrapli = { version = "^2024.1", extras = ["paramiko"] }
ncclient = "*"
"""


def test_bound_poetry_string_inline_star_and_missing() -> None:
    after, existed = edit.bound_poetry(POETRY, "netmiko", "<5")
    assert existed
    assert changed_lines(POETRY, after) == [('netmiko = "4.4.0"   # ops pin\n', 'netmiko = "4.4.0,<5"   # ops pin\n')]
    after, _ = edit.bound_poetry(POETRY, "scrapli", "<2026")
    assert tomllib.loads(after)["tool"]["poetry"]["dependencies"]["scrapli"] == {
        "version": "^2024.1,<2026",
        "extras": ["paramiko"],
    }
    after, _ = edit.bound_poetry(POETRY, "ncclient", "<1")
    assert changed_lines(POETRY, after) == [('ncclient = "*"\n', 'ncclient = "<1"\n')]
    after, existed = edit.bound_poetry(POETRY, "paramiko", "<5")
    assert not existed
    assert after.startswith(POETRY)
    assert tomllib.loads(after)["tool"]["poetry"]["dependencies"]["paramiko"] == "<5"


def test_bound_poetry_without_table() -> None:
    with pytest.raises(ValueError, match=r"tool\.poetry\.dependencies"):
        edit.bound_poetry(UV_PROJECT, "paramiko", "<5")


def test_set_pdm_override() -> None:
    after = edit.set_pdm_override(UV_PROJECT, "paramiko", ">=2.9.5,<5")
    assert after.startswith(UV_PROJECT)
    assert tomllib.loads(after)["tool"]["pdm"]["resolution"]["overrides"] == {"paramiko": ">=2.9.5,<5"}
    again = edit.set_pdm_override(after, "Paramiko", ">=3,<5")
    assert tomllib.loads(again)["tool"]["pdm"]["resolution"]["overrides"] == {"paramiko": ">=3,<5"}
    with_table = UV_PROJECT + "\n[tool.pdm.resolution]\nrespect-source-order = true\n"
    out = edit.set_pdm_override(with_table, "paramiko", "<5")
    assert tomllib.loads(out)["tool"]["pdm"]["resolution"] == {
        "respect-source-order": True,
        "overrides": {"paramiko": "<5"},
    }


def test_add_constraint_line() -> None:
    text = "# security caps\ncryptography<47\nparamiko>=3  # floor\n"
    assert (
        edit.add_constraint_line(text, "paramiko", "<5")
        == "# security caps\ncryptography<47\nparamiko>=3,<5  # floor\n"
    )
    assert edit.add_constraint_line(text, "bcrypt", "<5") == text + "bcrypt<5\n"
    assert edit.add_constraint_line("", "paramiko", "<5") == "paramiko<5\n"
    assert edit.add_constraint_line("cryptography<47", "paramiko", "<5") == "cryptography<47\nparamiko<5\n"
    crlf = "cryptography<47\r\nparamiko>=3  # floor\r\nscp\r\n"
    assert edit.add_constraint_line(crlf, "paramiko", "<5") == "cryptography<47\r\nparamiko>=3,<5  # floor\r\nscp\r\n"


def test_unified_diff() -> None:
    after, _ = edit.bound_declared(UV_PROJECT, "netmiko", "<5")
    diff = edit.unified_diff("pyproject.toml", UV_PROJECT, after)
    assert diff.startswith("--- a/pyproject.toml\n+++ b/pyproject.toml\n")
    assert "-    'netmiko==4.4.0',  # pinned by ops\n+    'netmiko==4.4.0,<5',  # pinned by ops\n" in diff
    assert edit.unified_diff("x", "same\n", "same\n") == ""


def test_round_trip_is_identity_for_untouched_documents() -> None:
    assert tomlkit.dumps(tomlkit.parse(UV_PROJECT)) == UV_PROJECT


def test_append_project_dependency_keeps_the_rest() -> None:
    after = edit.append_project_dependency(UV_PROJECT, "scp<1")
    assert tomllib.loads(after)["project"]["dependencies"][-1] == "scp<1"
    assert [line for line in after.splitlines() if line not in UV_PROJECT.splitlines()] == ['    "scp<1",']
    bare = edit.append_project_dependency('[project]\nname = "x"\n', "paramiko<5")
    assert tomllib.loads(bare)["project"]["dependencies"] == ["paramiko<5"]
    with pytest.raises(ValueError, match=r"\[project\]"):
        edit.append_project_dependency("[tool.ruff]\nline-length = 100\n", "paramiko<5")


PIPFILE = """\
[[source]]
url = "https://index.invalid/simple"
verify_ssl = true
name = "index"

[packages]
netmiko = "==4.4.0"  # ops pin
scrapli = {version = ">=2024.1.30", extras = ["paramiko"]}
ncclient = "*"

[dev-packages]
Paramiko = ">=3.5"

[requires]
python_version = "3.11"
"""


def test_bound_pipfile_string_inline_star_and_dev() -> None:
    after, places = edit.bound_pipfile(PIPFILE, "netmiko", "<5")
    assert places == ["[packages]"]
    assert changed_lines(PIPFILE, after) == [
        ('netmiko = "==4.4.0"  # ops pin\n', 'netmiko = "==4.4.0,<5"  # ops pin\n')
    ]
    after, _ = edit.bound_pipfile(PIPFILE, "scrapli", "<2026")
    assert tomllib.loads(after)["packages"]["scrapli"] == {"version": ">=2024.1.30,<2026", "extras": ["paramiko"]}
    after, _ = edit.bound_pipfile(PIPFILE, "ncclient", "<1")
    assert changed_lines(PIPFILE, after) == [('ncclient = "*"\n', 'ncclient = "<1"\n')]
    after, places = edit.bound_pipfile(PIPFILE, "paramiko", "<5")
    assert places == ["[dev-packages]"]
    assert tomllib.loads(after)["dev-packages"]["Paramiko"] == ">=3.5,<5"


def test_bound_pipfile_adds_a_missing_package_to_packages() -> None:
    after, places = edit.bound_pipfile(PIPFILE, "scp", "<1")
    assert places == ["[packages] (added as a dependency)"]
    data = tomllib.loads(after)
    assert data["packages"]["scp"] == "<1"
    assert data["requires"] == {"python_version": "3.11"}
    bare, _ = edit.bound_pipfile('[requires]\npython_version = "3.11"\n', "scp", "<1")
    assert tomllib.loads(bare)["packages"] == {"scp": "<1"}


def test_drop_requirements_everywhere_the_project_declares_them() -> None:
    text = (
        '[project]\nname = "x"\ndependencies = [\n    "netmiko==4.4.0",\n    "paramiko>=3.5",  # floor\n]\n\n'
        '[project.optional-dependencies]\nssh = ["Paramiko[gssapi]<6"]\n\n'
        '[dependency-groups]\ndev = ["pytest"]\n\n'
        '[tool.uv]\nconstraint-dependencies = ["paramiko<5", "scp<1"]\n'
    )
    after, labels = edit.drop_requirements(text, {"paramiko"})
    assert labels == [
        "[project] dependencies",
        "[project.optional-dependencies] ssh",
        "[tool.uv] constraint-dependencies",
    ]
    data = tomllib.loads(after)
    assert data["project"]["dependencies"] == ["netmiko==4.4.0"]
    assert data["project"]["optional-dependencies"]["ssh"] == []
    assert data["tool"]["uv"]["constraint-dependencies"] == ["scp<1"]
    assert data["dependency-groups"]["dev"] == ["pytest"]
    assert edit.drop_requirements(text, {"ncclient"}) == (text, [])
