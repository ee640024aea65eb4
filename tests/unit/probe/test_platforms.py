"""Platform recognition (rules/platforms.toml) on captured identification strings and KEXINITs."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from auditor.device_model import Device, DeviceResult, DeviceStatus, Offered
from auditor.model import Report
from auditor.probe.kexinit import parse_kexinit
from auditor.probe.platforms import CERTAINTIES, parse_table, platform_of, platform_table, recognize, software_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[3]
CASES: list[dict[str, Any]] = tomllib.loads((ROOT / "fixtures" / "platforms" / "banners.toml").read_text())["case"]
KEXINIT = ROOT / "fixtures" / "kexinit"
INDEX: dict[str, dict[str, str]] = json.loads((KEXINIT / "index.json").read_text(encoding="utf-8"))


def _offered(case: dict[str, Any]) -> Offered | None:
    if not any(c in case for c in ("kex", "host_key", "cipher", "mac")):
        return None
    cipher, mac = tuple(case.get("cipher", ())), tuple(case.get("mac", ()))
    return Offered(
        kex=tuple(case.get("kex", ())),
        host_key=tuple(case.get("host_key", ())),
        cipher_c2s=cipher,
        cipher_s2c=cipher,
        mac_c2s=mac,
        mac_s2c=mac,
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recognizes_captured_servers(case: dict[str, Any]) -> None:
    platform = recognize(case.get("banner"), _offered(case), case.get("device_type"))
    if not case["expect"]:
        assert platform is None
        return
    assert platform is not None
    assert (platform.id, platform.certainty) == (case["expect"], case["certainty"])
    assert platform.source.startswith("https://")
    assert platform.evidence


@pytest.mark.parametrize("capture", sorted(INDEX))
def test_real_sshd_and_dropbear_captures(capture: str) -> None:
    """Our own KEXINIT captures: sshd 9.2 is OpenSSH whatever lists it was told to offer; dropbear is Dropbear."""
    entry = INDEX[capture]
    kexinit = parse_kexinit((KEXINIT / f"{capture}.bin").read_bytes())
    platform = recognize(entry["banner"], kexinit.offered)
    assert platform is not None
    assert platform.id == {"sshd": "openssh", "dropbear": "dropbear"}[entry["server"]]
    assert platform.certainty == "high"


def test_a_declared_platform_raises_a_banner_hit_and_names_the_inventory() -> None:
    alone = recognize("SSH-2.0-OpenSSH_6.2 PKIX FIPS", None)
    declared = recognize("SSH-2.0-OpenSSH_6.2 PKIX FIPS", None, "Cisco_NXOS")
    assert alone is not None and declared is not None
    assert (alone.certainty, declared.certainty) == ("medium", "high")
    assert "inventory platform Cisco_NXOS" in declared.evidence


def test_a_declared_platform_does_not_override_a_specific_string() -> None:
    platform = recognize("SSH-2.0-ROSSSH", None, "arista_eos")
    assert platform is not None and platform.id == "mikrotik-routeros"
    assert platform.certainty == "high"


@pytest.mark.parametrize(
    ("banner", "software"),
    [
        ("SSH-2.0-Cisco-1.25", "Cisco-1.25"),
        ("SSH-1.99-Cisco-1.25", "Cisco-1.25"),
        ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", "OpenSSH_9.2p1 Debian-2+deb12u10"),
        ("SSH-1.5-old", None),
        (None, None),
    ],
)
def test_software_of(banner: str | None, software: str | None) -> None:
    assert software_of(banner) == software


def test_the_table_is_well_formed() -> None:
    entries = platform_table()
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    assert {"cisco-ios", "cisco-iosxe-17", "cisco-nxos", "mikrotik-routeros", "huawei-vrp"} <= set(ids)
    assert {"fortinet-fortios", "juniper-junos", "arista-eos", "dropbear", "openssh"} <= set(ids)
    for entry in entries:
        assert all(s.startswith("https://") for s in entry.sources), entry.id
        assert all(m.certainty in CERTAINTIES for m in entry.matches)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"platform": [{"id": "x", "title": "X"}]}, "needs id, title and sources"),
        ({"platform": [{"id": "x", "title": "X", "sources": ["u"], "match": [{"certainty": "sure"}]}]}, "certainty"),
        (
            {
                "platform": [
                    {"id": "x", "title": "X", "sources": ["u"], "match": [{"banner": "(", "certainty": "high"}]}
                ]
            },
            "banner",
        ),
        (
            {
                "platform": [
                    {"id": "x", "title": "X", "sources": ["u"], "match": [{"any": {"kexx": []}, "certainty": "low"}]}
                ]
            },
            "categories",
        ),
    ],
)
def test_a_broken_table_is_rejected(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_table(data)


def test_the_platform_is_in_the_json_report_and_read_back(tmp_path: Path) -> None:
    from auditor.sources.saved_report import load_report

    device = Device(name="r1", host="192.0.2.1", device_type="cisco_ios")
    offered = Offered(kex=("diffie-hellman-group14-sha1",), host_key=("ssh-rsa",))
    result = DeviceResult(device, DeviceStatus.COMPATIBLE, banner="SSH-2.0-Cisco-1.25", offered=offered)
    result = replace(result, platform=platform_of(result))
    data = Report(command="probe", devices=(result,)).to_json()
    assert data["devices"][0]["platform"]["id"] == "cisco-ios"
    assert data["devices"][0]["platform"]["certainty"] == "high"
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_report(path).devices[0].platform == result.platform
