"""Lockfile parsers on lockfiles the real tools wrote (fixtures/lock), and Poetry constraint syntax."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from auditor.errors import LockfileError
from auditor.model import PROJECT
from auditor.sources.environment import target_environment
from auditor.sources.lockfiles import detect_format, find_lockfile, load_lockfile
from auditor.sources.lockfiles.declarations import read_declarations
from auditor.sources.lockfiles.poetry import poetry_to_pep440

LOCKS = Path(__file__).resolve().parents[3] / "fixtures" / "lock"
TOOLS = {
    "uv": ("uv.lock", "uv"),
    "poetry": ("poetry.lock", "poetry"),
    "pdm": ("pdm.lock", "pdm"),
    "pylock": ("pylock.toml", "pylock"),
    "pipenv": ("Pipfile.lock", "pipfile"),
    "pip-compile": ("requirements.txt", "requirements"),
    "uv-pip-compile": ("requirements.txt", "requirements"),
    "uv-export": ("requirements.txt", "requirements"),
}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_every_format_pins_netmiko_and_paramiko(tool: str) -> None:
    directory = LOCKS / "netmiko-4.4.0" / tool
    name, fmt = TOOLS[tool]
    assert find_lockfile(directory).name == name
    lock = load_lockfile(directory)
    assert lock.format == fmt
    assert lock.packages["netmiko"].version == "4.4.0"
    assert lock.packages["paramiko"].version.split(".")[0] in ("4", "5")
    assert lock.roots == ("netmiko",)
    own = [c for c in lock.declarations if c.package == "netmiko"]
    assert [(c.by, c.specifier) for c in own] == [(PROJECT, "==4.4.0")]
    assert own[0].line is not None


@pytest.mark.parametrize("tool", ["uv", "poetry", "pdm", "pip-compile", "uv-pip-compile", "uv-export"])
def test_formats_with_edges_link_netmiko_to_paramiko(tool: str) -> None:
    lock = load_lockfile(LOCKS / "netmiko-4.4.0" / tool)
    assert "paramiko" in lock.packages["netmiko"].dependencies
    assert "paramiko" in lock.packages["scp"].dependencies


@pytest.mark.parametrize("tool", ["poetry", "pdm"])
def test_poetry_and_pdm_record_the_declared_constraint(tool: str) -> None:
    lock = load_lockfile(LOCKS / "netmiko-4.4.0" / tool)
    constraints = lock.packages["netmiko"].constraints
    assert constraints is not None
    assert [c.specifier for c in constraints if c.package == "paramiko"] == [">=2.9.5"]


def test_poetry_extra_edge_is_kept_with_its_marker() -> None:
    lock = load_lockfile(LOCKS / "netmiko-4.8.0-par4" / "poetry")
    constraints = lock.packages["netmiko"].constraints or ()
    kinds = {c.kind: c.specifier for c in constraints if c.package == "paramiko"}
    assert kinds == {"requires-dist": ">=3.5.1", "extra:par4": "<5.0,>=4.0"}


def test_uv_constraint_dependencies_are_declarations() -> None:
    lock = load_lockfile(LOCKS / "uv-constraint" / "uv")
    caps = [c for c in lock.declarations if c.kind == "constraint"]
    assert [(c.package, c.specifier, c.file) for c in caps] == [("paramiko", "<5", "pyproject.toml")]


def test_uv_manifest_is_read_without_a_pyproject(tmp_path: Path) -> None:
    shutil.copy(LOCKS / "uv-constraint" / "uv" / "uv.lock", tmp_path / "uv.lock")
    lock = load_lockfile(tmp_path)
    assert [(c.package, c.specifier, c.kind) for c in lock.declarations if c.kind == "constraint"] == [
        ("paramiko", "<5", "constraint")
    ]
    assert lock.roots == ("netmiko",)


@pytest.mark.parametrize(
    ("tool", "new_name"),
    [
        ("uv", "locked.toml"),
        ("poetry", "deps.lock"),
        ("pdm", "x.lock"),
        ("pipenv", "env.json"),
        ("pip-compile", "pins"),
    ],
)
def test_content_sniffing_for_unconventional_names(tool: str, new_name: str, tmp_path: Path) -> None:
    source = find_lockfile(LOCKS / "netmiko-4.4.0" / tool)
    target = tmp_path / new_name
    shutil.copy(source, target)
    assert detect_format(target, target.read_text()).name == TOOLS[tool][1]


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("~1.2.3", ">=1.2.3,<1.3"),
        ("~1", ">=1,<2"),
        ("*", ""),
        ("1.2.3", "==1.2.3"),
        (">=2.9.5", ">=2.9.5"),
        (">= 1.0, < 2.0", ">=1.0,<2.0"),
        ("1.2.*", "==1.2.*"),
        # A union keeps every alternative: the smallest range holding them all.
        ("^1.0 || ^2.0", ">=1.0,<3"),
        (">=1 || ^2.0", ">=1"),  # one open alternative leaves the union open-ended
        ("^2.9 || >=3,<4", ">=2.9,<4"),
        ("~1.2 || 1.4.*", ">=1.2,<1.5"),
        ("1.2.3 || 1.3.0", ">=1.2.3,<=1.3.0"),
    ],
)
def test_poetry_constraint_syntax(poetry: str, pep440: str) -> None:
    assert SpecifierSet(poetry_to_pep440(poetry)) == SpecifierSet(pep440)


def test_tool_poetry_dependencies_are_converted(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.poetry]\nname = "netops"\n\n[tool.poetry.dependencies]\npython = "^3.10"\nnetmiko = "^4.4"\n'
        'paramiko = {version = "~3.5", markers = "sys_platform != \'win32\'"}\n'
    )
    declared = read_declarations(pyproject, target_environment())
    got = {c.package: (c.specifier, c.line) for c in declared.constraints}
    assert got == {"netmiko": (str(SpecifierSet(">=4.4,<5")), 6), "paramiko": (str(SpecifierSet(">=3.5,<3.6")), 7)}
    assert declared.name == "netops"


def test_markers_follow_the_target_python(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\nversion = "0"\ndependencies = [\n'
        "  \"paramiko<4; python_version < '3.11'\",\n  \"paramiko>=4; python_version >= '3.11'\",\n]\n"
    )
    old = read_declarations(pyproject, target_environment("3.10"))
    new = read_declarations(pyproject, target_environment("3.12"))
    assert [c.specifier for c in old.constraints] == ["<4"]
    assert [c.specifier for c in new.constraints] == [">=4"]


def test_requirements_unpinned_line_is_rejected(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("paramiko>=3.5\n")
    with pytest.raises(LockfileError, match=r"line 1: package 'paramiko' has no version"):
        load_lockfile(lock)


def test_requirements_includes_and_constraints(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("scp==0.15.0\n    # via netmiko\n")
    (tmp_path / "caps.txt").write_text("paramiko<5\n")
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        "--index-url https://index.invalid/simple\n-r base.txt\n-c caps.txt\n"
        "netmiko==4.4.0 \\\n    --hash=sha256:00\n    # via -r requirements.in\nparamiko==4.0.0\n    # via\n"
        "    #   netmiko\n    #   scp\n"
    )
    parsed = load_lockfile(lock)
    assert {n: p.version for n, p in parsed.packages.items()} == {
        "scp": "0.15.0",
        "netmiko": "4.4.0",
        "paramiko": "4.0.0",
    }
    assert parsed.packages["scp"].dependencies == ("paramiko",)
    assert [(c.package, c.specifier, c.kind, c.file) for c in parsed.declarations] == [
        ("paramiko", "<5", "constraint", "caps.txt")
    ]


def test_uv_export_local_wheel_and_directory_lines(tmp_path: Path) -> None:
    """``uv export`` writes a local wheel as a bare ``file://`` line with hashes: a pin from the file name."""
    lock = tmp_path / "requirements.txt"
    digest = "0" * 64
    lock.write_text(
        f"netmiko==4.4.0 \\\n    --hash=sha256:{digest}\n    # via devapp\n"
        f"file:///w/dist/devinv-2.0.0-py3-none-any.whl \\\n    --hash=sha256:{digest}\n    # via devapp\n"
        "./libs/helper\n"
        "https://downloads.invalid/scp-0.15.0.tar.gz\n"
        "paramiko==4.0.0\n    # via netmiko\n",
        encoding="utf-8",
    )
    packages = load_lockfile(lock).packages
    assert {name: (p.version, p.source, p.line) for name, p in packages.items()} == {
        "netmiko": ("4.4.0", "registry", 1),
        "devinv": ("2.0.0", "path", 4),
        "scp": ("0.15.0", "url", 8),
        "paramiko": ("4.0.0", "registry", 9),
    }


def test_a_bad_requirement_line_is_one_line(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("netmiko==4.4.0\nnot a [requirement\n", encoding="utf-8")
    with pytest.raises(LockfileError) as info:
        load_lockfile(lock)
    assert "\n" not in info.value.message
    assert info.value.message.startswith(f"{lock}: line 2: 'not a [requirement' is not a requirement (")
