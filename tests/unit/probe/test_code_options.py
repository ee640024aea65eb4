"""The algorithm keywords a project's code passes asyncssh, read by our own code reader from real files."""

from __future__ import annotations

from pathlib import Path

from auditor.device_model import Offered
from auditor.probe.clients import get_client
from auditor.probe.clients.asyncssh.config import with_code_options
from auditor.probe.code_options import all_code_options, code_options
from auditor.sources.project_code import read_project_code

LEGACY = """\
import asyncssh

LEGACY_KEX = ["diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1"]


async def legacy(host):
    return await asyncssh.connect(host, kex_algs=["diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1"],
                                  encryption_algs="+aes128-cbc")


async def legacy_again(host):
    return await asyncssh.connect(host, encryption_algs="+aes128-cbc",
                                  kex_algs=("diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1"))
"""

DEFAULT = """\
import asyncssh


async def modern(host):
    return await asyncssh.connect(host)
"""

VARIABLE = """\
import asyncssh
from legacy import LEGACY_KEX


async def by_name(host):
    return await asyncssh.connect(host, kex_algs=LEGACY_KEX)
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_literal_keywords_are_one_variant_with_every_call_site(tmp_path: Path) -> None:
    found = code_options(read_project_code(_project(tmp_path, {"legacy.py": LEGACY})))
    assert found is not None
    (variant,) = found.variants
    assert variant.options == (
        ("encryption_algs", "+aes128-cbc"),
        ("kex_algs", "diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1"),
    )
    assert variant.sites == ("legacy.py:7", "legacy.py:12")
    assert found.default_too is False
    assert "legacy.py:7, legacy.py:12" in variant.describe()


def test_a_call_without_keywords_or_with_a_variable_keeps_the_default_offer(tmp_path: Path) -> None:
    for extra in ({"modern.py": DEFAULT}, {"by_name.py": VARIABLE}):
        root = tmp_path / next(iter(extra))
        root.mkdir()
        found = code_options(read_project_code(_project(root, {"legacy.py": LEGACY, **extra})))
        assert found is not None and found.default_too and len(found.variants) == 1, extra


def test_no_asyncssh_call_no_options(tmp_path: Path) -> None:
    project = _project(tmp_path, {"app.py": "import paramiko\nparamiko.SSHClient().connect('r1')\n"})
    assert code_options(read_project_code(project)) is None
    assert all_code_options(read_project_code(project)) == {}
    assert code_options(None) is None


def test_keywords_replace_the_default_list_as_asyncssh_reads_them() -> None:
    client = get_client("asyncssh")
    default: Offered = client.offer("2.24.1")
    supported = client.supported("2.24.1")
    offer = with_code_options(
        default,
        default,
        supported,
        {
            "kex_algs": "diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1",
            "encryption_algs": "+aes128-cbc",
        },
    )
    assert offer.kex[:2] == ("diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1")
    assert set(offer.kex[2:]) <= {"ext-info-c", "kex-strict-c-v00@openssh.com"}  # asyncssh's markers stay
    assert offer.cipher_c2s == offer.cipher_s2c and offer.cipher_c2s[-1] == "aes128-cbc"
    assert offer.cipher_c2s[:-1] == default.cipher_c2s
    assert offer.mac_c2s == default.mac_c2s and offer.host_key == default.host_key
