from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from auditor.errors import ConfigError
from auditor.sources.project_code import (
    ansible_host_key_options,
    canonical,
    read_module,
    read_project_code,
    select_files,
)
from tests.code_projects import netops_project

RESOLUTION = [
    ("import paramiko\nparamiko.DSSKey.generate(1024)", [(2, "call", "paramiko.DSSKey.generate")]),
    ("import paramiko as pm\nx = pm.DSSKey", [(2, "reference", "paramiko.DSSKey")]),
    ("from paramiko import DSSKey\nDSSKey", [(1, "import", "paramiko.DSSKey"), (2, "reference", "paramiko.DSSKey")]),
    (
        "from paramiko.dsskey import DSSKey as D",
        [(1, "import", "paramiko.dsskey"), (1, "import", "paramiko.DSSKey")],
    ),
    ("import paramiko.dsskey", [(1, "import", "paramiko.dsskey")]),
    (
        "import paramiko\nc = paramiko.SSHClient()\nc.connect('h')",
        [(2, "call", "paramiko.SSHClient"), (3, "call", "paramiko.SSHClient.connect")],
    ),
    (
        "from paramiko.client import SSHClient\nwith SSHClient() as c:\n    c.connect('h')",
        [
            (1, "import", "paramiko.client"),
            (1, "import", "paramiko.SSHClient"),
            (2, "call", "paramiko.SSHClient"),
            (3, "call", "paramiko.SSHClient.connect"),
        ],
    ),
    (
        "import paramiko\nclass A:\n    def __init__(self):\n        self.t = paramiko.Transport(('h', 22))\n"
        "    def go(self):\n        self.t.connect(gss_host='x')",
        [(4, "call", "paramiko.Transport"), (6, "call", "paramiko.Transport.connect")],
    ),
    (
        "import paramiko\ndef f(c: paramiko.SSHClient):\n    c.connect('h')",
        [(2, "reference", "paramiko.SSHClient"), (3, "call", "paramiko.SSHClient.connect")],
    ),
    (
        "import paramiko\nparamiko.SSHClient().connect('h')",
        [(2, "call", "paramiko.SSHClient.connect"), (2, "call", "paramiko.SSHClient")],
    ),
    (
        "import napalm\nd = napalm.get_network_driver('ios')\nd('h', optional_args={'ssh_strict': False})",
        [(2, "call", "napalm.get_network_driver"), (3, "call", "napalm.NetworkDriver")],
    ),
    # Not the stack: a local name that merely looks like it, a relative import, an unrelated package.
    ("from .paramiko import SSHClient\nSSHClient().connect()", []),
    ("import requests\nrequests.get('paramiko')", []),
]


@pytest.mark.parametrize(("source", "expected"), RESOLUTION)
def test_names_resolve_through_imports_and_bindings(source: str, expected: list[tuple[int, str, str]]) -> None:
    assert [(u.line, u.kind, u.name) for u in read_module(source, "m.py")] == expected


def test_literal_and_non_literal_arguments() -> None:
    source = textwrap.dedent(
        """\
        from netmiko import ConnectHandler
        ConnectHandler(
            device_type="cisco_ios",
            host=HOST,
            disabled_algorithms={"pubkeys": ["rsa-sha2-256", "rsa-sha2-512"]},
            disable_sha2_fix=True,
        )
        """
    )
    (use,) = [u for u in read_module(source, "m.py") if u.kind == "call"]
    assert use.name == "netmiko.ConnectHandler" and use.line == 2
    host = use.argument("host")
    assert host is not None and not host.literal
    algorithms = use.argument("disabled_algorithms")
    assert algorithms is not None and algorithms.value == {"pubkeys": ["rsa-sha2-256", "rsa-sha2-512"]}
    assert algorithms.line == 5
    flag = use.argument("disable_sha2_fix")
    assert flag is not None and flag.literal and flag.value is True


def test_a_spread_dict_display_contributes_its_keys() -> None:
    source = textwrap.dedent(
        """\
        from netmiko import ConnectHandler
        cisco = {"device_type": "cisco_ios", "host": "r1", "disable_sha2_fix": True}
        ConnectHandler(**cisco, fast_cli=False)
        ConnectHandler(**settings_from_yaml)
        """
    )
    known, unknown = [u for u in read_module(source, "m.py") if u.kind == "call"]
    assert [a.name for a in known.arguments] == ["device_type", "host", "disable_sha2_fix", "fast_cli"]
    flag = known.argument("disable_sha2_fix")
    assert flag is not None and flag.value is True and flag.line == 2
    assert not known.spread and unknown.spread and unknown.arguments == ()


def test_canonical_drops_the_submodule_of_a_class() -> None:
    assert canonical("paramiko.client.SSHClient.connect") == "paramiko.SSHClient.connect"
    assert canonical("paramiko.dsskey") == "paramiko.dsskey"
    assert canonical("scrapli.driver.core.IOSXEDriver") == "scrapli.driver.core.IOSXEDriver"


def test_gitignore_and_exclude_outside_git(tmp_path: Path) -> None:
    project = netops_project(tmp_path, "3.5.1")
    files = select_files(project)
    assert "generated/old_client.py" not in files  # .gitignore: generated/
    assert "tests/test_backup.py" in files and "netops/backup.py" in files
    assert "tests/test_backup.py" not in select_files(project, exclude=["tests/**"])
    assert select_files(project, include=["netops/*.py"], exclude=["netops/__init__.py"]) == [
        "netops/backup.py",
        "netops/legacy_switches.py",
        "netops/nornir_tasks.py",
    ]


def test_gitignore_inside_a_git_work_tree(tmp_path: Path) -> None:
    project = netops_project(tmp_path, "3.5.1")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / ".git" / "info" / "exclude").write_text("tests/\n", encoding="utf-8")
    (project / ".venv" / "lib").mkdir(parents=True)
    (project / ".venv" / "lib" / "paramiko_shim.py").write_text("import paramiko\n", encoding="utf-8")
    files = select_files(project)
    assert "generated/old_client.py" not in files
    assert "tests/test_backup.py" not in files  # git's own exclude file counts too
    assert not any(f.startswith(".venv/") for f in files)
    assert "netops/backup.py" in files  # untracked, not ignored


def test_python_files_found_deep_in_a_git_work_tree_and_none_beside_a_virtual_environment(tmp_path: Path) -> None:
    # The reader asks git only when some *.py exists outside .venv & co; the listing stays git's either way.
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "shim.py").write_text("import paramiko\n", encoding="utf-8")
    (tmp_path / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    assert select_files(tmp_path) == []
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "job.py").write_text("import netmiko\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("ignored.py\n", encoding="utf-8")
    (tmp_path / "ignored.py").write_text("import paramiko\n", encoding="utf-8")
    assert select_files(tmp_path) == ["a/b/job.py"]


def test_read_project_code_counts_and_unreadable(tmp_path: Path) -> None:
    project = netops_project(tmp_path, "3.5.1")
    (project / "broken.py").write_text("import paramiko\ndef (:\n", encoding="utf-8")
    (project / "plain.py").write_text("print('no ssh here')\n", encoding="utf-8")
    code = read_project_code(project)
    assert code.files == 7
    assert code.parsed == 4  # backup, legacy_switches, nornir_tasks, tests/test_backup
    assert [f for f, _ in code.unreadable] == ["broken.py"]
    assert "not valid Python" in code.unreadable[0][1]
    assert {u.file for u in code.uses} == {
        "netops/backup.py",
        "netops/legacy_switches.py",
        "netops/nornir_tasks.py",
        "tests/test_backup.py",
    }


def test_ansible_host_key_options(tmp_path: Path) -> None:
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text(
        "[defaults]\ninventory = hosts\nhost_key_checking = False\n\n[paramiko_connection]\nhost_key_auto_add = True\n",
        encoding="utf-8",
    )
    options = ansible_host_key_options(cfg)
    assert [(o.context, o.key, o.value, o.line) for o in options] == [
        ("defaults", "host_key_checking", "False", 3),
        ("paramiko_connection", "host_key_auto_add", "True", 6),
    ]
    bad = tmp_path / "bad.cfg"
    bad.write_text("host_key_checking = False\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.cfg: cannot be read as ansible\.cfg"):
        ansible_host_key_options(bad)
