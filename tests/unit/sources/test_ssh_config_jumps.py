"""ProxyJump chains from ssh_config files (``--ssh-config``): Host and Match blocks, Include, aliases, order."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.analysis.devices import with_proxy_jumps
from auditor.device_model import Device
from auditor.errors import ConfigError
from auditor.sources.ssh_config import ProxyJumps


def _config(tmp_path: Path, text: str, name: str = "ssh_config") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_chain_inside_a_matched_host_block_is_kept_whole(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        "Host edge-* !edge-lab\n    ProxyJump netops@gw1:2222,gw2\nHost *\n    ProxyJump fallback\n",
    )
    jumps = ProxyJumps([config])
    assert jumps.chain("edge-r1") == ("netops@gw1:2222", "gw2")
    assert jumps.chain("EDGE-R2") == ("netops@gw1:2222", "gw2")  # host names compare case-insensitively
    assert jumps.chain("edge-lab") == ("fallback",)  # negated: the next matching block decides
    assert jumps.chain("core-r1") == ("fallback",)


def test_first_value_wins_and_none_means_direct(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        "Host direct-?\n    ProxyJump none\nHost *\n    ProxyJump gw9\n",
    )
    jumps = ProxyJumps([config, _config(tmp_path, "Host *\n    ProxyJump other\n", "second")])
    assert jumps.chain("direct-1") == ()
    assert jumps.chain("direct-10") == ("gw9",)  # '?' is exactly one character


def test_hops_named_by_alias_take_its_hostname_user_and_port(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        "Host core-*\n    ProxyJump bastion,admin@inner:2200\n"
        "Host bastion\n    HostName 192.0.2.10\n    User jumper\n    Port 2022\n"
        "Host inner\n    HostName %h.example.net\n    User ignored\n    Port 22\n"
        "Host v6gw\n    HostName 2001:db8::1\n    Port 2222\n"
        "Host lab-*\n    ProxyJump ssh://v6gw\n",
    )
    jumps = ProxyJumps([config])
    assert jumps.chain("core-r1") == ("jumper@192.0.2.10:2022", "admin@inner.example.net:2200")
    assert jumps.chain("lab-1") == ("[2001:db8::1]:2222",)


def test_match_host_and_include(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    _config(tmp_path / "conf.d", "ProxyJump gwA,gwB,gwC\n", "site.conf")
    config = _config(
        tmp_path,
        "Match user netops host r9\n    ProxyJump never\n"
        "Match host r1,r2\n    Include conf.d/*.conf\n"
        "Match all\n    ProxyJump gwZ\n",
    )
    jumps = ProxyJumps([config])
    assert jumps.chain("r1") == ("gwA", "gwB", "gwC")
    assert jumps.chain("r9") == ("gwZ",)  # a criterion beyond the host name is not taken as matching


def test_an_empty_hop_names_file_and_line(tmp_path: Path) -> None:
    config = _config(tmp_path, "\nHost r*\n    ProxyJump gw1,,gw2\n")
    with pytest.raises(ConfigError, match=r"ssh_config: line 3: ProxyJump 'gw1,,gw2' has an empty hop"):
        ProxyJumps([config]).chain("r1")


def test_devices_get_the_whole_chain_and_the_inventory_wins(tmp_path: Path) -> None:
    config = _config(tmp_path, "Host 10.0.0.*\n    ProxyJump gw1,gw2\n")
    devices = [Device("a", "10.0.0.1"), Device("b", "10.0.0.2", jumps=("own",)), Device("c", "192.0.2.1")]
    a, b, c = with_proxy_jumps(devices, [config])
    assert (a.jump, a.jumps) == ("gw1", ("gw1", "gw2"))
    assert b.jumps == ("own",) and c.jumps == ()
