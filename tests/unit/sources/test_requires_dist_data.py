"""rules/requires-dist.json and scripts/gen_requires_dist.py: the conversions, the file format, and (network) the index."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from auditor.sources import metadata

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "rules" / "requires-dist.json"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_requires_dist", ROOT / "scripts" / "gen_requires_dist.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_requires_txt_sections_become_markers(gen: ModuleType) -> None:
    text = """pycrypto>=2.1,!=2.4
ecdsa>=0.11

[gssapi]
pyasn1>=0.1.7

[gssapi:platform_system == "Windows"]
pywin32>=2.1.8

[:python_version < "3"]
enum34
"""
    out = gen.requires_txt_to_requires_dist(text)
    assert out == [
        "pycrypto>=2.1,!=2.4",
        "ecdsa>=0.11",
        'pyasn1>=0.1.7; extra == "gssapi"',
        'pywin32>=2.1.8; (platform_system == "Windows") and extra == "gssapi"',
        'enum34; python_version < "3"',
    ]
    win = Requirement(out[3])
    assert win.marker is not None
    assert win.marker.evaluate({"platform_system": "Windows", "extra": "gssapi"})
    assert not win.marker.evaluate({"platform_system": "Linux", "extra": "gssapi"})


def test_render_is_what_sshdrift_reads(gen: ModuleType) -> None:
    packages = {
        "scp": {"releases": {"0.13.6": ["paramiko"], "0.15.0": ["paramiko"]}, "unreadable": []},
        "netmiko": {"releases": {"4.4.0": ["paramiko (>=2.9.5)", 'rich ; extra == "rich"']}, "unreadable": ["0.1"]},
    }
    text = gen.render("2026-01-31", packages)
    shipped = metadata.parse_shipped(json.loads(text))
    assert shipped is not None and shipped.date == "2026-01-31"
    assert shipped.lookup(("scp", "0.13.6")) == ("paramiko",)
    assert shipped.lookup(("netmiko", "4.4.0")) == ("paramiko (>=2.9.5)", 'rich ; extra == "rich"')
    assert "could not read this release" in str(shipped.lookup(("netmiko", "0.1")))
    # One list per distinct requires-dist: scp's two releases share theirs.
    assert len(json.loads(text)["packages"]["scp"]["sets"]) == 1


def test_malformed_data_is_none_not_a_crash() -> None:
    assert metadata.parse_shipped({"format": 2}) is None
    assert (
        metadata.parse_shipped({"format": 1, "date": "x", "packages": {"a": {"sets": [], "releases": {"1": 0}}}})
        is None
    )
    assert metadata.parse_shipped([]) is None


def test_shipped_file_is_dated_parseable_and_names_no_index() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert not re.search(r"://|pyp[i]\.org|pythonhoste[d]", text, re.IGNORECASE)
    data = json.loads(text)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"])
    for name, entry in data["packages"].items():
        for version, index in entry["releases"].items():
            assert str(Version(version)) == version, (name, version)
            for requirement in entry["sets"][index]:
                Requirement(requirement)  # every string is PEP 508


@pytest.mark.network
def test_shipped_data_is_what_the_index_declares(gen: ModuleType) -> None:
    """Regenerate two packages from the index: every release in the data reads the same today."""
    shipped = metadata.shipped_requires_dist()
    assert shipped is not None
    fresh = gen.collect(gen.index_url(None), ["netmiko", "scp"], 4)
    for name in ("netmiko", "scp"):
        for version, requires in shipped.releases[name].items():
            assert fresh[name]["releases"].get(version) == requires, (name, version)
