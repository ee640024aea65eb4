"""Paramiko's offer data per release and per crypto-backend range, and the lock pins its environments follow.

Facts carried here (captured by ``scripts/gen_paramiko_algorithms.py`` from real clients talking to a local
listener, and re-checked by real handshakes in ``tests/integration/test_locked_backend.py``): Paramiko
5.1.0 offers ``mlkem768x25519-sha256`` with cryptography 48.0.0 and later, not with 47.0.0 or older.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.probe.clients import EnvironmentRequest, get_client
from auditor.probe.clients.interface import offer_for
from auditor.probe.clients.paramiko import environments, offers
from auditor.probe.negotiation import predict
from auditor.rules_data import load_json
from tests import devices

ROOT = Path(__file__).resolve().parents[4]
MLKEM_LOCKS = ROOT / "fixtures" / "lock" / "paramiko-mlkem"
MLKEM = "mlkem768x25519-sha256"


@pytest.mark.parametrize(
    ("cryptography", "has_mlkem"),
    [("3.3", False), ("42.0.8", False), ("47.0.0", False), ("48.0.0", True), ("50.0.2", True)],
)
def test_paramiko_5_1_0_offers_mlkem_only_with_a_cryptography_that_has_it(cryptography: str, has_mlkem: bool) -> None:
    offered = offers.client_offer("5.1.0", (("cryptography", cryptography),))
    assert (MLKEM in offered.kex) is has_mlkem
    assert "curve25519-sha256@libssh.org" in offered.kex
    assert (MLKEM in offers.supported("5.1.0", (("cryptography", cryptography),))["kex"]) is has_mlkem


def test_without_a_backend_the_newest_captured_is_assumed() -> None:
    assert MLKEM in offers.client_offer("5.1.0").kex
    newest = offers.captured_backend("5.1.0")
    assert int(newest["cryptography"].split(".")[0]) >= 48
    assert offers.captured_backend("5.1.0", (("cryptography", "42.0.8"),))["cryptography"] != newest["cryptography"]


def test_the_boundary_was_found_between_adjacent_captured_releases() -> None:
    """The data says which backend releases were captured: both sides of the boundary, so it is exact."""
    assert offers.backend_boundaries("5.1.0") == {"cryptography": ("<48.0.0",)}
    entry = load_json(offers.DATA_FILE)["releases"]["5.1.0"]
    captured = entry["backend_checked"]["cryptography"]["captured"]
    assert {"47.0.0", "48.0.0"} <= set(captured)
    assert entry["captured_at"] and load_json(offers.DATA_FILE)["generated_at"]


@pytest.mark.parametrize("release", ["3.5.1", "4.0.0", "5.0.0", "5.0.1"])
def test_releases_without_a_backend_boundary_offer_the_same_with_any_backend(release: str) -> None:
    assert offers.backend_boundaries(release) == {}
    assert offers.client_offer(release, (("cryptography", "42.0.8"),)) == offers.client_offer(release)


def test_a_backend_pin_that_is_not_a_version_falls_back_to_the_newest() -> None:
    assert MLKEM in offers.client_offer("5.1.0", (("cryptography", "not-a-version"),)).kex


def test_prediction_against_an_mlkem_only_device_follows_the_backend() -> None:
    server = devices.profile("mlkem_only").emulated_offer()
    assert server is not None
    old = predict("5.1.0", server, backend=(("cryptography", "42.0.8"),))
    assert old.failure is not None and old.failure.category == "kex"
    new = predict("5.1.0", server, backend=(("cryptography", "48.0.0"),))
    assert new.negotiated is not None and new.negotiated.kex == MLKEM
    assert offer_for(get_client("paramiko"), "5.1.0", (("cryptography", "42.0.8"),)) == offers.client_offer(
        "5.1.0", (("cryptography", "42.0.8"),)
    )


def test_lock_pins_of_a_real_uv_lock() -> None:
    pins = environments.lock_pins(MLKEM_LOCKS / "cryptography-42.0.8")
    assert (pins.paramiko, pins.python, pins.lock_name) == ("5.1.0", "3.11", "uv.lock")
    assert dict(pins.backend)["cryptography"] == "42.0.8"
    assert set(dict(pins.backend)) <= set(environments.BACKEND_PACKAGES) and "bcrypt" in dict(pins.backend)


@pytest.mark.parametrize(
    ("name", "text", "python"),
    [
        ("uv.lock", 'version = 1\nrequires-python = "==3.11.*"\n', "3.11"),
        ("uv.lock", 'version = 1\nrequires-python = "==3.12.4"\n', "3.12.4"),
        ("uv.lock", 'version = 1\nrequires-python = ">=3.10, <4"\n', None),
        ("uv.lock", "version = 1\n", None),
        ("poetry.lock", '[metadata]\npython-versions = "==3.11"\n', "3.11"),
        ("poetry.lock", '[metadata]\npython-versions = "^3.11"\n', None),
        ("Pipfile.lock", '{"_meta": {"requires": {"python_version": "3.10"}}}', "3.10"),
        ("Pipfile.lock", '{"_meta": {"requires": {}}}', None),
        ("Pipfile.lock", "{not json", None),
    ],
)
def test_lock_python(tmp_path: Path, name: str, text: str, python: str | None) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert environments.lock_python(path) == python


def test_environments_are_cached_per_set_of_pins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSHDRIFT_CACHE_DIR", str(tmp_path))
    old = environments.lock_pins(MLKEM_LOCKS / "cryptography-42.0.8")
    new = environments.lock_pins(MLKEM_LOCKS / "cryptography-48.0.0")
    paths = {environments.environment_path("5.1.0", pins) for pins in (old, new, environments.LockPins())}
    assert len(paths) == 3 and tmp_path / "envs" / "paramiko-5.1.0" in paths
    assert environments.environment_path("5.1.0", old) == environments.environment_path("5.1.0", old)
    assert "cryptography==42.0.8" in environments.pinned_requirements("5.1.0", old)
    assert environments.pinned_requirements("2.0.9", old).count("cryptography<35") == 0


def test_a_lock_pinning_the_release_gives_its_backend_to_the_prediction(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(MLKEM_LOCKS / "cryptography-42.0.8", project)
    request = EnvironmentRequest("5.1.0", lock=project / "uv.lock")
    environment = get_client("paramiko").environment(request, verify=False)
    assert dict(environment.backend)["cryptography"] == "42.0.8"
    assert environment.backend_source == "uv.lock pins" and environment.python is None
    # Another release than the lock's: the lock's backend does not apply, and the verdict says so.
    other = get_client("paramiko").environment(EnvironmentRequest("5.0.0", lock=project / "uv.lock"), verify=False)
    assert other.backend == () and other.backend_source.startswith("none pinned")
    locked = get_client("paramiko").environment(EnvironmentRequest("locked", project=project), verify=False)
    assert (locked.version, locked.source, locked.backend) == ("5.1.0", "uv.lock", environment.backend)
