from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import ConfigError
from auditor.model import FailOn
from auditor.settings import OutputFormat, Settings, build_settings


def _project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "p"\nversion = "0"\n\n[tool.sshdrift]\n{table}\n')
    return tmp_path


def test_defaults_without_project() -> None:
    assert build_settings({}, None) == Settings()


def test_pyproject_table_applies_and_cli_wins(tmp_path: Path) -> None:
    project = _project(
        tmp_path, 'fail-on = "warning"\ntimeout = 3\nformat = "json"\ndevices = "hosts.yaml"\nssh-stack = ["mylib"]'
    )
    settings = build_settings({"timeout": 7.5, "format": None}, project)
    assert settings.fail_on is FailOn.WARNING
    assert settings.timeout == 7.5  # the command line wins
    assert settings.format is OutputFormat.JSON  # None on the command line means "not given"
    assert settings.ssh_stack_extra == ("mylib",)
    assert settings.devices == project / "hosts.yaml"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("colour = true", "unknown key 'colour'"),
        ('fail-on = "loud"', "fail-on = 'loud' is not valid"),
        ('timeout = "soon"', "timeout = 'soon' is not valid"),
        ("timeout = -1", "timeout = -1 is not valid"),
        ("concurrency = 0", "concurrency = 0 is not valid"),
        ("concurrency = 2.5", "concurrency = 2.5 is not valid"),
        ('offline = "false"', "offline = 'false' is not valid (expected true or false)"),
        ("ssh-stack = [1]", "ssh-stack = [1] is not valid"),
        ("devices = 3", "devices = 3 is not valid"),
        ('format = "yaml"', "format = 'yaml' is not valid"),
    ],
)
def test_bad_tool_table_is_one_line_config_error(tmp_path: Path, table: str, message: str) -> None:
    project = _project(tmp_path, table)
    with pytest.raises(ConfigError) as info:
        build_settings({}, project)
    assert message in str(info.value)
    assert str(info.value).startswith(str(project / "pyproject.toml"))
    assert "\n" not in str(info.value)


def test_invalid_pyproject_toml_is_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.sshdrift\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        build_settings({}, tmp_path)


def test_a_bare_string_is_one_name(tmp_path: Path) -> None:
    project = _project(tmp_path, 'ssh-stack = "mylib"\nssh-config = "ssh/config"\nknown-hosts = "/etc/ssh/known"')
    settings = build_settings({}, project)
    assert settings.ssh_stack_extra == ("mylib",)
    assert settings.ssh_config == (project / "ssh" / "config",)
    assert settings.known_hosts == Path("/etc/ssh/known")


@pytest.mark.parametrize("value", ["banana", "3.1x", "2.7", "3", "3.12.4.1"])
def test_python_version_is_checked(tmp_path: Path, value: str) -> None:
    from auditor.errors import UsageError

    with pytest.raises(UsageError, match="--python-version"):
        build_settings({"python_version": value}, None)
    project = _project(tmp_path, f'python-version = "{value}"')
    with pytest.raises(ConfigError, match="Python 3 version"):
        build_settings({}, project)


def test_good_python_versions_pass() -> None:
    assert build_settings({"python_version": "3.12"}, None).python_version == "3.12"
    assert build_settings({"python_version": "3.10.14"}, None).python_version == "3.10.14"


def test_bad_choice_lists_the_valid_values(tmp_path: Path) -> None:
    project = _project(tmp_path, 'fail-on = "warn"')
    with pytest.raises(ConfigError, match="expected one of: error, warning, note, never") as info:
        build_settings({}, project)
    assert "FailOn" not in str(info.value)


def test_choices_in_the_tool_table_take_any_case(tmp_path: Path) -> None:
    settings = build_settings({}, _project(tmp_path, 'format = "JSON"\nfail-on = "Warning"'))
    assert settings.format is OutputFormat.JSON
    assert settings.fail_on is FailOn.WARNING
