"""Inventory readers: one fixture file per format, one table of bad entries, and shards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.device_model import Device
from auditor.errors import ExitCode, InventoryError, UsageError
from auditor.sources.inventories import FORMATS, detect_format, load_inventory, shard, split_target
from auditor.sources.inventories.interface import InventoryFormat
from auditor.sources.inventories.registry import REGISTRY

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "inventory"


def summary(devices: list[Device]) -> list[tuple[str, str, int, str | None, int | None]]:
    return [(d.name, d.host, d.port, d.jump, d.line) for d in devices]


EACH_FORMAT: list[tuple[str, str, list[tuple[str, str, int, str | None, int | None]]]] = [
    (
        "hosts.txt",
        "text",
        [
            ("10.0.0.1", "10.0.0.1", 22, None, 2),
            ("r2.lab.example:2222", "r2.lab.example", 2222, None, 3),
            ("[2001:db8::5]:830", "2001:db8::5", 830, None, 4),
            ("2001:db8::6", "2001:db8::6", 22, None, 5),
            ("edge.lab.example", "edge.lab.example", 22, "ops@bastion.lab.example:2200", 7),
            ("core-r3", "10.0.0.3", 2202, None, 10),
            ("edge-v6", "2001:db8::7", 830, "ops@bastion.lab.example", 11),
        ],
    ),
    (
        "devices.yaml",
        "yaml",
        [
            ("r1", "10.0.0.1", 22, None, 2),
            ("r2", "10.0.0.2", 2222, None, 4),
            ("behind-gw", "192.168.50.7", 22, "admin@gw.lab.example:2200", 7),
        ],
    ),
    (
        "devices.csv",
        "csv",
        [
            ("r1", "10.0.0.1", 22, None, 2),
            ("r2", "10.0.0.2", 2222, None, 3),
            ("behind-gw", "192.168.50.7", 22, "admin@gw.lab.example:2200", 4),
        ],
    ),
    (
        "ansible_hosts.ini",
        "ansible",
        [
            ("r1", "10.0.0.1", 22, None, 3),
            ("r2", "10.0.0.2", 2222, None, 4),
            ("core01.lab.example", "core01.lab.example", 22, None, 5),
            ("core02.lab.example", "core02.lab.example", 22, None, 5),
            ("sw1.lab.example", "sw1.lab.example", 2022, None, 8),
            ("far1", "172.16.0.9", 830, "ops@bastion.lab.example:2200", 12),
        ],
    ),
    (
        "ansible.yaml",
        "ansible",
        [
            ("r1", "10.0.0.1", 22, None, 7),
            ("r2", "10.0.0.2", 2222, None, 9),
            ("far1", "172.16.0.9", 22, "ops@bastion.lab.example:2200", 16),
            ("far2", "172.16.0.10", 22, "jumper@gw2.lab.example", 18),
        ],
    ),
    (
        "nornir/hosts.yaml",
        "nornir",
        [
            ("r1", "10.0.0.1", 830, None, 2),
            ("r2", "10.0.0.2", 2222, None, 6),
            ("edge", "10.9.9.9", 830, "ops@bastion.lab.example", 11),
        ],
    ),
    (
        "netmiko.yaml",
        "netmiko",
        [
            ("10.0.0.1", "10.0.0.1", 22, None, 2),
            ("10.0.0.2", "10.0.0.2", 2222, None, 6),
            ("10.0.0.3", "10.0.0.3", 22, None, 9),
        ],
    ),
]
"""One fixture per format: (file, detected format, (name, host, port, jump, line) of each device)."""


@pytest.mark.parametrize(("fixture", "fmt", "expected"), EACH_FORMAT)
def test_each_format(fixture: str, fmt: str, expected: list[tuple[str, str, int, str | None, int | None]]) -> None:
    path = FIXTURES / fixture
    assert detect_format(path, path.read_text(encoding="utf-8")) == fmt
    detected = load_inventory(path)
    assert summary(detected) == expected
    assert all(d.file == str(path) for d in detected)
    assert summary(load_inventory(path, fmt=fmt)) == expected


def test_device_types_and_no_secrets() -> None:
    ansible = {d.name: d for d in load_inventory(FIXTURES / "ansible_hosts.ini")}
    assert ansible["r1"].device_type == "cisco.ios.ios"
    assert ansible["sw1.lab.example"].device_type is None
    nornir = {d.name: d for d in load_inventory(FIXTURES / "nornir" / "hosts.yaml")}
    assert nornir["edge"].device_type == "ios"
    netmiko = load_inventory(FIXTURES / "netmiko.yaml")
    assert [d.device_type for d in netmiko] == ["cisco_ios", "juniper_junos", "arista_eos"]
    for device in [*ansible.values(), *nornir.values(), *netmiko]:
        assert "never-read" not in repr(device)


def test_forcing_a_format_reads_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text("10.0.0.1:2222\n", encoding="utf-8")
    assert summary(load_inventory(path, fmt="text")) == [("10.0.0.1:2222", "10.0.0.1", 2222, None, 1)]


# --------------------------------------------------------------------------- bad entries


@pytest.mark.parametrize(
    ("fixture", "fmt", "line", "reason"),
    [
        ("text_port_range.txt", None, 2, "port 99999 is outside 1-65535"),
        ("text_unclosed_bracket.txt", None, 2, "'\\[' without '\\]'"),
        ("text_extra_words.txt", None, 1, "unexpected 'words' after the target; write \\[name\\] host"),
        ("text_bad_host.txt", None, 1, "host 'host!' is neither a hostname nor an IP address"),
        ("text_port_word.txt", None, 1, "'2222' after 'r1.lab.example' looks like a port; write host:port"),
        ("text_jump_only.txt", None, 1, "missing host"),
        ("yaml_missing_host.yaml", None, 3, "missing host"),
        ("yaml_port_not_number.yaml", None, 1, "port 'ssh' is not a number"),
        ("yaml_syntax.yaml", None, 3, "not valid YAML"),
        ("yaml_bad_jump.yaml", None, 1, "is not \\[user@\\]host\\[:port\\]"),
        ("yaml_empty_hop.yaml", None, 1, "jump 'gw1,,gw2' has an empty hop"),
        ("text_bad_second_hop.txt", None, 1, "hop 'user@@gw2' is not \\[user@\\]host\\[:port\\]"),
        # issue 11: a key or column we do not read is a typo until proven otherwise, with the likely fix
        ("yaml_unknown_key.yaml", None, 3, "unknown key 'prot'; did you mean 'port'\\?$"),
        ("yaml_hostname.yaml", None, 2, "unknown key 'hostname'; did you mean 'host'\\?$"),
        ("yaml_devices_unknown_key.yaml", None, 6, "unknown key 'jmp'; did you mean 'jump'\\?$"),
        ("yaml_unrelated_key.yaml", None, 3, "unknown key 'colour'; use name, host, port, jump"),
        ("csv_unknown_column.csv", None, 1, "unknown column 'prot'; did you mean 'port'\\?$"),
        ("csv_hostname_column.csv", None, 2, "unknown column 'hostname'; did you mean 'host'\\?$"),
        ("csv_missing_host.csv", None, 3, "missing host"),
        ("csv_port_zero.csv", None, 2, "port 0 is outside 1-65535"),
        ("csv_too_many_columns.csv", None, 2, "5 columns, the header has 4"),
        ("ansible_port.ini", None, 3, "port 'abc' is not a number"),
        ("ansible_header.ini", "ansible", 1, "bad section header"),
        ("ansible_no_value.ini", None, 2, "expected key=value"),
        ("ansible_unknown_key.yaml", None, 4, "unknown key 'hostz'"),
        ("nornir_unknown_group.yaml", None, 1, "group 'missing' is not in groups.yaml"),
        ("netmiko_missing_host.yaml", None, 3, "missing host"),
    ],
)
def test_bad_entry(fixture: str, fmt: str | None, line: int, reason: str) -> None:
    path = FIXTURES / "bad" / fixture
    with pytest.raises(InventoryError, match=reason) as caught:
        load_inventory(path, fmt=fmt)
    error = caught.value
    assert error.exit_code is ExitCode.BAD_INPUT
    assert error.message.startswith(f"{path}: line {line}: ")
    assert "\n" not in error.message
    assert "; " in error.message  # ... then the next step


@pytest.mark.parametrize("fixture", ["yaml_unknown_key.yaml", "csv_unknown_column.csv", "text_port_word.txt"])
def test_cli_refuses_a_bad_inventory_in_one_line(tmp_path: Path, fixture: str) -> None:
    """`sshdrift probe BAD --no-verify`: exit 3 (bad input), one error line naming the file, no traceback."""
    path = FIXTURES / "bad" / fixture
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "probe", str(path), "--no-verify", "--timeout", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "CI": "1", "SSHDRIFT_CACHE_DIR": str(tmp_path / "cache")},
        timeout=120,
        check=False,
    )
    assert proc.returncode == ExitCode.BAD_INPUT
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"sshdrift: error: {path}: line ")
    assert "Traceback" not in proc.stderr


def test_keys_other_tools_keep_are_known_and_never_read(tmp_path: Path) -> None:
    """Credential keys beside the address are not typos (netmiko-like YAML without device_type, CMDB exports)."""
    listed = tmp_path / "devices.yaml"
    listed.write_text("- name: r1\n  host: 127.0.0.1\n  username: ops\n  password: never-read\n", encoding="utf-8")
    table = tmp_path / "devices.csv"
    table.write_text("name,host,port,username,password,\nr1,127.0.0.1,2201,ops,never-read,\n", encoding="utf-8")
    for path, port in ((listed, 22), (table, 2201)):
        (device,) = load_inventory(path)
        assert (device.name, device.host, device.port) == ("r1", "127.0.0.1", port)
        assert "never-read" not in repr(device)


def test_nornir_keeps_its_hostname(tmp_path: Path) -> None:
    """`hostname` is Nornir's own key: valid there, while the plain YAML format points it to `host`."""
    path = tmp_path / "hosts.yaml"
    path.write_text("r1:\n  hostname: 127.0.0.1\n  port: 2201\n  platform: ios\n", encoding="utf-8")
    assert summary(load_inventory(path)) == [("r1", "127.0.0.1", 2201, None, 1)]
    with pytest.raises(InventoryError, match="unknown key 'hostname'; did you mean 'host'"):
        load_inventory(path, fmt="yaml")


def test_every_registered_format_has_a_fixture() -> None:
    """A new format module registers itself and brings a fixture row to `test_each_format`."""
    assert {fmt for _fixture, fmt, _expected in EACH_FORMAT} == set(FORMATS) == set(REGISTRY)
    assert all(isinstance(fmt, InventoryFormat) and fmt.name == name for name, fmt in REGISTRY.items())


# --------------------------------------------------------------------------- jump chains (issue 9 item 4)

TWO_HOPS = ("ops@gw1.lab.example:2200", "gw2.lab.example")


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("hosts.txt", "text"),
        ("devices.yaml", "yaml"),
        ("hops-list.yaml", "yaml"),
        ("devices.csv", "csv"),
        ("ansible_hosts.ini", "ansible"),
        ("ansible.yaml", "ansible"),
        ("nornir/hosts.yaml", "nornir"),
        ("netmiko.yaml", "netmiko"),
    ],
)
def test_a_jump_chain_keeps_every_hop(fixture: str, fmt: str) -> None:
    """`jump: gw1,gw2` is two gateways in order (ssh_config(5) ProxyJump); none is ever dropped."""
    path = FIXTURES / "chains" / fixture
    assert detect_format(path, path.read_text(encoding="utf-8")) == fmt
    (device,) = load_inventory(path)
    assert (device.host, device.port, device.jumps) == ("172.16.0.9", 830, TWO_HOPS)
    assert device.jump == TWO_HOPS[0]


def test_every_format_has_a_chain_fixture() -> None:
    chains = FIXTURES / "chains"
    found = {detect_format(p, p.read_text(encoding="utf-8")) for p in chains.rglob("*.*") if p.name != "groups.yaml"}
    assert found == set(FORMATS)


def test_a_single_jump_is_a_chain_of_one_and_direct_is_empty() -> None:
    devices = {d.name: d for d in load_inventory(FIXTURES / "hosts.txt")}
    assert devices["edge.lab.example"].jumps == ("ops@bastion.lab.example:2200",)
    assert devices["10.0.0.1"].jumps == ()
    assert devices["10.0.0.1"].jump is None


def test_device_keeps_jump_and_jumps_one_fact() -> None:
    assert Device("r1", "10.0.0.1", jump="gw").jumps == ("gw",)
    assert Device("r1", "10.0.0.1", jumps=TWO_HOPS).jump == TWO_HOPS[0]
    assert Device("r1", "10.0.0.1", jump=TWO_HOPS[0], jumps=TWO_HOPS).jumps == TWO_HOPS
    with pytest.raises(ValueError, match="not the first hop"):
        Device("r1", "10.0.0.1", jump="gw9", jumps=TWO_HOPS)


def test_missing_file_and_empty_inventory(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="no such inventory file"):
        load_inventory(tmp_path / "absent.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(InventoryError, match="no devices found"):
        load_inventory(empty)


def test_unknown_forced_format() -> None:
    with pytest.raises(UsageError, match="expected one of text, yaml"):
        load_inventory(FIXTURES / "hosts.txt", fmt="toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("r1", ("r1", None)),
        ("r1:2222", ("r1", 2222)),
        ("[::1]:22", ("::1", 22)),
        ("[::1]", ("::1", None)),
        ("fe80::1", ("fe80::1", None)),
    ],
)
def test_split_target(text: str, expected: tuple[str, int | None]) -> None:
    assert split_target(text) == expected


# --------------------------------------------------------------------------- shards


def _many(count: int) -> list[Device]:
    return [Device(name=f"r{i}", host=f"10.0.{i // 256}.{i % 256}", port=22) for i in range(count)]


def test_shards_partition_the_inventory_deterministically() -> None:
    devices = _many(1000)
    slices = [shard(devices, k, 8) for k in range(1, 9)]
    assert sorted(d.name for part in slices for d in part) == sorted(d.name for d in devices)
    assert all(60 < len(part) < 190 for part in slices)  # a fair hash, not one slice holding everything
    assert shard(list(reversed(devices)), 3, 8) == list(reversed(slices[2]))
    assert shard(devices[:500], 3, 8) == [d for d in slices[2] if d in devices[:500]]
    assert shard(devices, 1, 1) == devices


@pytest.mark.parametrize(("k", "n"), [(0, 4), (5, 4), (1, 0)])
def test_bad_shard(k: int, n: int) -> None:
    with pytest.raises(UsageError):
        shard(_many(3), k, n)


def test_text_and_csv_inventories_do_not_import_yaml(tmp_path: Path) -> None:
    """PyYAML costs ~40 ms at start-up; `sshdrift probe hosts.txt` must not pay it."""
    text = tmp_path / "hosts.txt"
    text.write_text("127.0.0.1:2222\n", encoding="utf-8")
    table = tmp_path / "hosts.csv"
    table.write_text("name,host,port\nr1,127.0.0.1,22\n", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from auditor.sources.inventories import load_inventory; "
        f"assert len(load_inventory(Path({str(text)!r}))) == len(load_inventory(Path({str(table)!r}))) == 1; "
        "print(sorted(m for m in sys.modules if m == 'yaml' or m.startswith('yaml.')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        # An INI inventory without a [group] header is still Ansible: its host variables say so.
        ("hosts", "r1 ansible_host=127.0.0.1 ansible_port=2201\n", "ansible"),
        # A CSV with a header is CSV whatever its suffix.
        ("devices.txt", "name,host,port\nr1,127.0.0.1,2201\n", "csv"),
        # netmiko's own inventory shape: a mapping of names to device dictionaries.
        ("devices.yaml", "r1:\n  device_type: cisco_ios\n  host: 127.0.0.1\n  port: 2201\n", "netmiko"),
        # Nornir's hostname key, in a file not called hosts.yaml.
        ("lab.yaml", "r1:\n  hostname: 127.0.0.1\n  port: 2201\n", "nornir"),
        ("hosts.txt", "127.0.0.1:2201\n", "text"),
    ],
)
def test_detection_by_content(tmp_path: Path, name: str, text: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert detect_format(path, text) == fmt
    assert summary(load_inventory(path))[0][1:3] == ("127.0.0.1", 2201)


def test_shards_are_the_same_in_every_process() -> None:
    """The assignment must not depend on Python's per-process hash seed (CI matrix jobs are separate processes)."""
    code = (
        "from auditor.device_model import Device; from auditor.sources.inventories import shard;"
        "d = [Device(name=f'r{i}', host=f'10.0.0.{i}', port=22) for i in range(200)];"
        "print([x.name for x in shard(d, 2, 5)])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            cwd=Path(__file__).resolve().parents[3],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(runs) == 1
    assert runs != {"[]\n"}


def test_host_and_port_take_part_in_the_shard() -> None:
    """Devices sharing a name (netmiko inventories name by host, templates repeat names) still spread."""
    alike = [Device(name="edge", host=f"10.1.0.{i}", port=22) for i in range(64)]
    assert sum(1 for k in range(1, 5) if shard(alike, k, 4)) > 1
    ports = [Device(name="edge", host="10.1.0.1", port=2200 + i) for i in range(64)]
    assert sum(1 for k in range(1, 5) if shard(ports, k, 4)) > 1
