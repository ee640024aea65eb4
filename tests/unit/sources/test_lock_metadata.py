"""Requires-dist from core metadata, its cache, and the one batched uv call (network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

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
    # rich is no part of the SSH stack, so sshdrift's requires-dist data does not cover it.
    result = metadata.requires_dist([("rich", "13.7.1")], offline=True)
    assert result.found == {}
    reason = result.missing[("rich", "13.7.1")]
    assert "offline" in reason and "once online" in reason


def test_offline_cold_reads_the_shipped_data() -> None:
    """Every release up to the data's date answers from sshdrift itself; a newer one is listed, dated."""
    shipped = metadata.shipped_requires_dist()
    assert shipped is not None
    result = metadata.requires_dist([("netmiko", "4.4.0"), ("scp", "0.15.0"), ("paramiko", "99.0.0")], offline=True)
    # netmiko 4.4.0 declares paramiko>=2.9.5 with no upper bound; scp a bare paramiko (core metadata as uploaded).
    assert any(
        r.replace(" ", "").replace("(", "").startswith("paramiko>=2.9.5") for r in result.found[("netmiko", "4.4.0")]
    )
    assert result.found[("scp", "0.15.0")] == ("paramiko",)
    reason = result.missing[("paramiko", "99.0.0")]
    assert f"newer than sshdrift's requires-dist data ({shipped.date})" in reason and "once online" in reason
    assert list(metadata.cache_dir().glob("*")) == [], "the shipped data is read, not copied into the cache"


def test_shipped_data_covers_every_ssh_stack_package_on_the_index() -> None:
    from auditor.sources.ssh_stack import ssh_stack

    shipped = metadata.shipped_requires_dist()
    assert shipped is not None
    # scrapli's old transport plugins were never published on the package index; everything else is covered.
    never_published = {"scrapli-paramiko", "scrapli-ssh2", "scrapli-asyncssh"}
    assert set(ssh_stack()) - never_published <= set(shipped.releases)
    assert len(shipped.releases["paramiko"]) > 80 and "4.0.0" in shipped.releases["paramiko"]
    assert "ansible-core" in shipped.releases and "nornir-netmiko" in shipped.releases


def test_cache_wins_over_the_shipped_data() -> None:
    metadata._write_cache(("scp", "0.15.0"), ("paramiko<5",))
    assert metadata.requires_dist([("scp", "0.15.0")], offline=True).found == {("scp", "0.15.0"): ("paramiko<5",)}


def test_versions_match_as_pep_440_versions() -> None:
    shipped = metadata.shipped_requires_dist()
    assert shipped is not None
    assert shipped.lookup(("netmiko", "4.4")) == shipped.lookup(("netmiko", "4.4.0"))


def test_cache_dir_follows_the_environment(_cache: Path) -> None:
    assert metadata.cache_dir() == _cache / "requires-dist"


@pytest.mark.network
def test_one_batched_fetch_then_offline_from_cache() -> None:
    # Packages the shipped data does not cover, so uv really fetches them.
    pins = [("rich", "13.7.1"), ("markdown-it-py", "3.0.0")]
    online = metadata.requires_dist(pins, offline=False, progress=NullProgress())
    assert online.missing == {}
    # Requires-Dist as the metadata spells it: old-style "markdown-it-py (>=2.2.0)" is PEP 508 too.
    rich = [Requirement(r) for r in online.found[pins[0]]]
    assert any(r.name == "markdown-it-py" and r.specifier == SpecifierSet(">=2.2.0") for r in rich)
    assert any(Requirement(r).name == "mdurl" for r in online.found[pins[1]])
    offline = metadata.requires_dist(pins, offline=True)
    assert offline.found == online.found


@pytest.mark.network
def test_uv_failure_is_one_resolver_error() -> None:
    with pytest.raises(ResolverError) as info:
        metadata.requires_dist([("paramiko", "0.0.0.dev999")], offline=False)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("uv: could not fetch the metadata")


def test_a_release_missing_from_the_data_but_not_newer_says_so() -> None:
    shipped = metadata.shipped_requires_dist()
    assert shipped is not None
    reason = shipped.lookup(("paramiko", "1.7.0.post999"))
    assert isinstance(reason, str) and "not on the index when" in reason and shipped.date in reason


def test_a_version_that_is_not_pep_440_is_not_called_newer() -> None:
    shipped = metadata.shipped_requires_dist()
    assert shipped is not None
    reason = shipped.lookup(("netmiko", "banana"))
    assert isinstance(reason, str) and "newer" not in reason and "not on the index when" in reason
