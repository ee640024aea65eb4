"""Requires-dist from core metadata, its cache, and the one batched uv call (network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import ResolverError
from auditor.progress import NullProgress
from auditor.sources import metadata

METADATA = """Metadata-Version: 2.1
Name: Netmiko
Version: 4.4.0
Requires-Dist: paramiko (>=2.9.5)
Requires-Dist: scp (>=0.13.6)
Requires-Dist: rich ; extra == "rich"

Long description with a Requires-Dist: fake line in the body.
"""


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SSHDRIFT_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_metadata_headers_only() -> None:
    name, version, requires = metadata.read_metadata_requires(METADATA)
    assert (name, version) == ("netmiko", "4.4.0")
    assert requires == ("paramiko (>=2.9.5)", "scp (>=0.13.6)", 'rich ; extra == "rich"')


def test_offline_without_cache_is_missing_not_empty() -> None:
    result = metadata.requires_dist([("netmiko", "4.4.0")], offline=True)
    assert result.found == {}
    assert "offline" in result.missing[("netmiko", "4.4.0")]


def test_cache_dir_follows_the_environment(_cache: Path) -> None:
    assert metadata.cache_dir() == _cache / "requires-dist"


@pytest.mark.network
def test_one_batched_fetch_then_offline_from_cache() -> None:
    pins = [("netmiko", "4.4.0"), ("scp", "0.15.0"), ("paramiko", "4.0.0")]
    online = metadata.requires_dist(pins, offline=False, progress=NullProgress())
    assert online.missing == {}
    assert any(
        r.replace(" ", "").startswith("paramiko(>=2.9.5)") or r == "paramiko>=2.9.5" for r in online.found[pins[0]]
    )
    assert online.found[("scp", "0.15.0")] == ("paramiko",)
    offline = metadata.requires_dist(pins, offline=True)
    assert offline.found == online.found


@pytest.mark.network
def test_uv_failure_is_one_resolver_error() -> None:
    with pytest.raises(ResolverError) as info:
        metadata.requires_dist([("paramiko", "0.0.0.dev999")], offline=False)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("uv: could not fetch the metadata")
