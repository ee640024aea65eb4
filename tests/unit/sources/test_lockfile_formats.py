"""The LockfileFormat interface and its registry, on lockfiles the real tools wrote (fixtures/lock)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from auditor.errors import LockfileError
from auditor.model import PROJECT, Constraint, Lockfile
from auditor.sources.environment import target_environment
from auditor.sources.lockfiles import FORMATS, detect_format, find_lockfile, format_named, load_lockfile
from auditor.sources.lockfiles.interface import Cap, ProjectTexts, declared_inputs
from auditor.sources.lockfiles.requirements import input_declarations

LOCKS = Path(__file__).resolve().parents[3] / "fixtures" / "lock"
TOOLS = ("uv", "poetry", "pdm", "pylock", "pipenv", "pip-compile", "uv-pip-compile", "uv-export")


def lock_path(tool: str, case: str = "netmiko-4.4.0") -> Path:
    return find_lockfile(LOCKS / case / tool)


def test_names_are_unique_and_every_format_has_a_fixture() -> None:
    names = [fmt.name for fmt in FORMATS]
    assert len(names) == len(set(names))
    assert {load_lockfile(lock_path(tool)).format for tool in TOOLS} == set(names)


@pytest.mark.parametrize("tool", TOOLS)
def test_exactly_one_format_sniffs_each_real_lockfile(tool: str) -> None:
    path = lock_path(tool)
    text = path.read_text(encoding="utf-8")
    renamed = path.with_name("deps.lock")  # an unconventional name: only the content can tell
    claims = [fmt.name for fmt in FORMATS if fmt.sniff(renamed, text)]
    assert claims == [detect_format(path, text).name]


@pytest.mark.parametrize("tool", TOOLS)
def test_only_poetry_and_pdm_record_each_packages_constraints(tool: str) -> None:
    """Poetry and PDM locks carry every package's declared specifiers; the others leave them to requires-dist."""
    lock = load_lockfile(lock_path(tool))
    recorded = {pkg.constraints is not None for pkg in lock.packages.values() if pkg.source == "registry"}
    assert recorded == {lock.format in {"poetry", "pdm"}}


@pytest.mark.parametrize("tool", TOOLS)
def test_lock_reads_the_cap_where_the_format_writes_it(tool: str, tmp_path: Path) -> None:
    """The fix loop, offline: a cap written at the format's site is a declaration the next load sees."""
    project = Path(shutil.copytree(LOCKS / "netmiko-4.4.0" / tool, tmp_path / tool))
    lock = load_lockfile(project)
    fmt = format_named(lock.format)
    site = fmt.cap_site(lock.path)
    assert site.writable
    texts = ProjectTexts()
    written = fmt.write_cap(lock.path, texts, Cap("paramiko", "<5", ">=2.9.5"))
    assert written.file.name == site.file
    for changed in texts.changed():
        changed.write_text(texts.text(changed), encoding="utf-8")
    capped = [c for c in load_lockfile(project).declarations if c.by == PROJECT and c.package == "paramiko"]
    assert capped, f"{tool}: nothing declares paramiko after the cap was written"
    combined = SpecifierSet(",".join(c.specifier for c in capped if c.specifier))
    assert "5.0.0" not in combined and "4.9" in combined


@pytest.mark.parametrize(("tool", "kept"), [("pylock", "pylock.toml"), ("uv-export", "requirements.txt")])
def test_a_lock_alone_has_no_writable_cap_site(tool: str, kept: str, tmp_path: Path) -> None:
    shutil.copy(LOCKS / "netmiko-4.4.0" / tool / kept, tmp_path / kept)
    fmt = detect_format(tmp_path / kept, (tmp_path / kept).read_text(encoding="utf-8"))
    site = fmt.cap_site(tmp_path / kept)
    assert not site.writable
    assert kept in site.why
    with pytest.raises(ValueError, match="cannot write a cap"):
        fmt.write_cap(tmp_path / kept, ProjectTexts(), Cap("paramiko", "<5", ""))


def test_requirements_in_includes_are_declarations(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("-r base.in\n-c constraints.txt\nnetmiko==4.4.0\n", encoding="utf-8")
    (tmp_path / "base.in").write_text("scrapli[paramiko]>=2024.1.30\n", encoding="utf-8")
    (tmp_path / "constraints.txt").write_text("paramiko<5  # kept below 5\n", encoding="utf-8")
    found = {
        (c.package, c.kind, c.specifier, c.file)
        for c in input_declarations(tmp_path / "requirements.in", target_environment())
    }
    assert found == {
        ("scrapli", "dependency", ">=2024.1.30", "base.in"),
        ("paramiko", "constraint", "<5", "constraints.txt"),
        ("netmiko", "dependency", "==4.4.0", "requirements.in"),
    }


def test_resolution_inputs_keep_extras_and_sort_kinds(tmp_path: Path) -> None:
    declarations = (
        Constraint(PROJECT, "scrapli", ">=2024.1.30,<2026", None, "dependency", "pyproject.toml", 7, ("paramiko",)),
        Constraint(PROJECT, "paramiko", "<5", "python_version >= '3.10'", "constraint", "pyproject.toml", 9),
        Constraint(PROJECT, "cryptography", ">=44", None, "override", "pyproject.toml", 10),
        Constraint("netmiko", "paramiko", ">=2.9.5", None, "requires-dist", "poetry.lock", 3),
    )
    lock = Lockfile(path=tmp_path / "poetry.lock", format="poetry", packages={}, declarations=declarations)
    inputs = declared_inputs(lock)
    assert inputs.dependencies == ("scrapli[paramiko]>=2024.1.30,<2026",)
    assert inputs.constraints == ("paramiko<5 ; python_version >= '3.10'",)
    assert inputs.overrides == ("cryptography>=44",)


def test_pdm_overrides_are_read_as_overrides(tmp_path: Path) -> None:
    project = Path(shutil.copytree(LOCKS / "netmiko-4.4.0" / "pdm", tmp_path / "pdm"))
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('\n[tool.pdm.resolution.overrides]\nparamiko = ">=2.9.5,<6"\n')
    overrides = [c for c in load_lockfile(project).declarations if c.kind == "override"]
    assert [(c.package, SpecifierSet(c.specifier)) for c in overrides] == [("paramiko", SpecifierSet(">=2.9.5,<6"))]
    assert overrides[0].line is not None


@pytest.mark.parametrize(
    ("path", "command"),
    [
        (
            "netmiko-4.4.0/pip-compile/requirements.txt",
            "pip-compile --generate-hashes --no-emit-find-links --no-emit-index-url --output-file=requirements.txt "
            "--strip-extras requirements.in",
        ),
        ("netmiko-4.4.0/uv-pip-compile/requirements.txt", "pip-compile requirements.in"),  # no header: the default
        # --frozen would export the old resolution again: after a cap the lock must be resolved anew.
        ("paramiko-direct/pylock/pylock.toml", "uv export --format pylock.toml -o pylock.toml"),
    ],
)
def test_the_regenerate_command_is_the_one_in_the_header(path: str, command: str) -> None:
    lock = LOCKS / path
    fmt = detect_format(lock, lock.read_text(encoding="utf-8"))
    site = fmt.cap_site(lock)
    assert site.regenerate == command
    assert f"'{command}'" in fmt.cap_advice(site, "paramiko<5")


def test_poetry_git_path_and_url_dependencies_resolve_as_direct_references(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["tool @ https://downloads.invalid/tool-1.0-py3-none-any.whl"]\n\n'
        "[tool.poetry.dependencies]\n"
        'python = ">=3.10"\n'
        'netmiko = "4.4.0"\n'
        'devinv = {path = "../devinv"}\n'
        'nettools = {git = "https://git.invalid/nettools.git", tag = "v2", subdirectory = "pkg"}\n'
        '[tool.poetry.group.dev.dependencies]\nlabkit = {url = "https://downloads.invalid/labkit-0.3.tar.gz"}\n',
        encoding="utf-8",
    )
    lock = Lockfile(path=tmp_path / "poetry.lock", format="poetry", packages={})
    lock = format_named("poetry").attach_declarations(lock, target_environment())
    inputs = format_named("poetry").resolution_inputs(lock)
    assert set(inputs.dependencies) == {
        "tool @ https://downloads.invalid/tool-1.0-py3-none-any.whl",
        "netmiko==4.4.0",
        f"devinv @ {(tmp_path.parent / 'devinv').resolve().as_uri()}",
        "nettools @ git+https://git.invalid/nettools.git@v2#subdirectory=pkg",
        "labkit @ https://downloads.invalid/labkit-0.3.tar.gz",
    }


@pytest.mark.parametrize(
    ("workspace", "found"), [('[tool.uv.workspace]\nmembers = ["packages/*"]\n', True), ("", False)]
)
def test_a_member_finds_its_workspace_lock_and_only_a_member_does(workspace: str, found: bool, tmp_path: Path) -> None:
    shutil.copy(lock_path("uv"), tmp_path / "uv.lock")
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "ws"\nversion = "0"\n\n{workspace}', encoding="utf-8")
    member = tmp_path / "packages" / "netops"
    member.mkdir(parents=True)
    (member / "pyproject.toml").write_text('[project]\nname = "netops"\nversion = "0"\n', encoding="utf-8")
    if found:
        assert find_lockfile(member) == tmp_path / "uv.lock"
    else:
        with pytest.raises(LockfileError, match="no lockfile found"):
            find_lockfile(member)
