"""The locked backend decides the verdict: paramiko 5.1.0 with cryptography 42.0.8 cannot reach an ML-KEM-only server.

A real Paramiko 5.1.0 server with the newest cryptography (``tests/paramiko_server.py``; Debian's OpenSSH 9.2
lacks ML-KEM) offers only ``mlkem768x25519-sha256`` (profile ``fixtures/devices/mlkem_only.toml``). In a uv
project whose real uv.lock pins paramiko 5.1.0 and cryptography 42.0.8, a plain ``sshdrift probe`` builds the
verification environment from those pins and the real handshake fails on kex; with cryptography 48.0.0 (the
first release with ML-KEM, where Paramiko starts offering it) it connects with ML-KEM. The environments come
from the package index (uv's cache after the first run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.probe.clients.paramiko import environments
from tests import devices, paramiko_server

pytestmark = [pytest.mark.integration, pytest.mark.network]

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ROOT / "fixtures" / "lock" / "paramiko-mlkem"
MLKEM = "mlkem768x25519-sha256"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sshdrift cache for the module: each environment is made once."""
    return tmp_path_factory.mktemp("sshdrift-cache")


@pytest.fixture(scope="module")
def mlkem_server(cache: Path) -> Iterator[paramiko_server.ParamikoServer]:
    """A Paramiko 5.1.0 server (newest cryptography) offering the ``mlkem_only`` profile's lists."""
    profile = devices.profile("mlkem_only")
    assert profile.offered is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SSHDRIFT_CACHE_DIR", str(cache))
        python, _ = environments.ensure_environment("5.1.0")
    offered = {category: list(names) for category, names in profile.offered.items()}
    offered["kex"] = [name for name in offered["kex"] if not name.startswith("kex-strict-")]
    server = paramiko_server.start(python, offered, cache / "mlkem-server.log")
    try:
        yield server
    finally:
        server.stop()


def _probe(
    lock: str, server: paramiko_server.ParamikoServer, cache: Path, tmp_path: Path, *extra: str
) -> dict[str, Any]:
    """``sshdrift probe hosts.txt -f json`` in a copy of the uv project ``lock``; the paramiko verdict and device."""
    project = tmp_path / lock
    if not project.exists():
        shutil.copytree(LOCKS / lock, project)
    (project / "hosts.txt").write_text(f"127.0.0.1:{server.port}\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "probe", "hosts.txt", "-f", "json", *extra],
        cwd=project,
        env={**os.environ, "SSHDRIFT_CACHE_DIR": str(cache), "CI": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.stdout, proc.stderr
    report = json.loads(proc.stdout)
    (device,) = report["devices"]
    # The server really offers ML-KEM only (plus the strict-kex marker it adds itself).
    assert device["offered"]["kex"] == [MLKEM, "kex-strict-s-v00@openssh.com"]
    (verdict,) = [v for v in device["verdicts"] if v["client"] == "paramiko"]
    fixes = [f["fix"] for f in report["findings"] if f["rule"] == "incompatible-device"]
    return {"device": device, "verdict": verdict, "fixes": fixes}


def test_a_lock_with_cryptography_42_is_incompatible_verified(
    mlkem_server: paramiko_server.ParamikoServer, cache: Path, tmp_path: Path
) -> None:
    got = _probe("cryptography-42.0.8", mlkem_server, cache, tmp_path)
    verdict = got["verdict"]
    assert (verdict["version"], verdict["status"], verdict["verified"]) == ("5.1.0", "incompatible", True)
    # Every backend pin of the lock, as the verifying interpreter imports it.
    assert verdict["backend"] == {"bcrypt": "5.0.0", "cryptography": "42.0.8", "invoke": "3.0.3", "pynacl": "1.6.2"}
    assert verdict["backend_source"].startswith("uv.lock pins (installed exactly, Python 3.11")
    assert verdict["reasons"] and "kex" in verdict["reasons"][0]
    # The prediction from the 42.0.8 offer data agreed with the real handshake.
    assert got["device"].get("predicted") is None
    assert not any("disagrees" in reason for reason in verdict["reasons"])
    # The fix names the backend the lock must move to.
    (fix,) = got["fixes"]
    assert fix.startswith("upgrade cryptography to >=48.0.0") and "the lock has 42.0.8" in fix
    # Without the handshake, the prediction from the lock's backend pins says the same.
    predicted = _probe("cryptography-42.0.8", mlkem_server, cache, tmp_path, "--no-verify")["verdict"]
    assert (predicted["status"], predicted["verified"]) == ("incompatible", False)
    assert predicted["backend"]["cryptography"] == "42.0.8" and predicted["backend_source"] == "uv.lock pins"


def test_a_lock_with_cryptography_48_connects_with_mlkem(
    mlkem_server: paramiko_server.ParamikoServer, cache: Path, tmp_path: Path
) -> None:
    got = _probe("cryptography-48.0.0", mlkem_server, cache, tmp_path)
    verdict = got["verdict"]
    assert (verdict["version"], verdict["status"], verdict["verified"]) == ("5.1.0", "compatible", True)
    assert verdict["backend"]["cryptography"] == "48.0.0"
    assert verdict["negotiated"]["kex"] == MLKEM and got["fixes"] == []
    assert got["device"].get("predicted") is None
