"""The client seam: the registry, the Paramiko client through the protocol only, and Paramiko kept in its folder."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from auditor.errors import AuditorError, UsageError
from auditor.probe.clients import CLIENTS, PRIMARY_CLIENT, Client, client_for_package, get_client
from auditor.probe.negotiation import predict

PACKAGE = Path(__file__).resolve().parents[4] / "auditor"
CLIENT_FOLDER = PACKAGE / "probe" / "clients" / "paramiko"

ALLOWED_OUTSIDE = {
    # A source reads the user's ssh_config files with Paramiko's parser (a file format, not the client judged);
    # it sits below the probe in the layers, so it cannot reach the client folder.
    PACKAGE / "sources" / "ssh_config.py",
}


def test_the_registry_lists_paramiko_as_the_primary_client() -> None:
    assert PRIMARY_CLIENT == "paramiko"
    client: Client = get_client("paramiko")
    assert client is CLIENTS["paramiko"] and client.name == "paramiko"
    assert client_for_package("Paramiko") is client and client_for_package("netmiko") is None
    with pytest.raises(UsageError, match=r"unknown SSH client 'putty'; known: .*paramiko"):
        get_client("putty")


def test_the_paramiko_client_answers_through_the_protocol() -> None:
    client = get_client("paramiko")
    releases = client.known_releases()
    assert releases[0] == "2.0.9" and "5.1.0" in releases
    offer = client.offer("5.1.0")
    assert offer.kex[0] == "mlkem768x25519-sha256"
    markers = {"ext-info-c", "kex-strict-c-v00@openssh.com"}  # sent among the kex names, never negotiated
    assert set(offer.kex) - markers <= set(client.supported("5.1.0")["kex"])
    assert "KexAlgorithms" in client.ignored_config and "cryptography" in client.backend_packages
    assert client.failure_category("Incompatible ssh peer (no acceptable macs)") == "mac_c2s"
    assert client.failure_category("Error reading SSH protocol banner") is None
    with pytest.raises(AuditorError, match="no algorithm data"):
        client.offer("1.0.0")


def test_prediction_names_the_client() -> None:
    failure = predict("5.1.0", get_client("paramiko").offer("2.0.9"), "paramiko").failure
    assert failure is None  # 5.1.0 still shares something with what 2.0.9 offered
    with pytest.raises(UsageError):
        predict("5.1.0", get_client("paramiko").offer("5.1.0"), "putty")


def _imports_paramiko(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "paramiko" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "paramiko":
            return True
    return False


def test_nothing_outside_the_client_folder_imports_paramiko() -> None:
    importing = {path for path in PACKAGE.rglob("*.py") if _imports_paramiko(path)}
    inside = {path for path in importing if CLIENT_FOLDER in path.parents}
    assert inside, "the client folder itself imports paramiko (the check would be vacuous otherwise)"
    assert importing - inside <= ALLOWED_OUTSIDE, sorted(str(p) for p in importing - inside - ALLOWED_OUTSIDE)
