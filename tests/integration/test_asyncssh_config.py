"""asyncssh reads ssh_config itself: what sshdrift predicts from a config = what asyncssh really sends and negotiates.

asyncssh (unlike Paramiko) applies ``KexAlgorithms``, ``Ciphers``, ``MACs`` and ``HostKeyAlgorithms`` lines of the
ssh_config files it reads, ``+``/``-``/``^`` and wildcards included. Two oracles, both the real asyncssh 2.24.1 in
a uv-made environment:

* the KEXINIT asyncssh sends with ``config=[FILE]`` to a listener of ours, read by our own parser, must equal
  :func:`auditor.probe.clients.asyncssh.config.configured_offer` for the same file, line for line (as a set of
  names for a wildcard, whose matches asyncssh orders by its own registration);
* against a real sshd offering only ``diffie-hellman-group-exchange-sha1`` (a kex asyncssh 2.3.0+ dropped from
  its default), ``sshdrift``'s asyncssh verdict is incompatible without a config, and compatible, verified and
  predicted alike with ``--ssh-config`` adding that kex in a matching ``Host`` block (and still incompatible when
  the block names another host).
"""

from __future__ import annotations

import re
import socket
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from auditor.checks.device_rules.devices import device_findings
from auditor.device_model import Device, DeviceStatus, Offered
from auditor.errors import ConfigError
from auditor.probe.client_capture import capture_client_hello
from auditor.probe.clients import EnvironmentRequest, get_client
from auditor.probe.clients.asyncssh.config import configured_offer, default_config_files
from auditor.probe.code_options import all_code_options
from auditor.probe.service import Judge, probe_devices
from auditor.progress import NullProgress
from auditor.settings import Settings
from auditor.sources.project_code import read_project_code
from tests import servers

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.timeout(600)]

RELEASE = "2.24.1"

CONNECT = r"""
import asyncio, logging, sys
logging.disable(logging.CRITICAL)
import asyncssh

async def main(port, config):
    try:
        conn = await asyncio.wait_for(asyncssh.connect(
            "127.0.0.1", port, config=[config], known_hosts=None, username="sshdrift", client_keys=None,
            agent_path=None, password=None), 20)
        conn.close()
    except Exception as exc:
        sys.stderr.write(repr(exc) + "\n")

asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
"""
"""Run by asyncssh's own interpreter: one connection with the ssh_config given, as a user's code makes it."""

CONFIGS: dict[str, tuple[str, bool]] = {
    "append": (
        "Host 127.0.0.1\n  KexAlgorithms +diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1\n",
        True,
    ),
    "replace": ("Ciphers aes128-cbc,aes256-ctr,chacha20-poly1305@openssh.com\n", True),
    "remove": ("Host *\n  MACs -hmac-sha1,hmac-sha1-etm@openssh.com\n", True),
    "first": ("HostKeyAlgorithms ^ssh-rsa,ssh-dss\n", True),
    "wildcard": ("KexAlgorithms +diffie-hellman-group14-*,diffie-hellman-group1*\n", False),
    "other-host": ("Host 10.*\n  KexAlgorithms diffie-hellman-group1-sha1\n  Ciphers aes128-cbc\n", True),
    "comma-host-list": ("Host r1,127.0.0.1\n  KexAlgorithms diffie-hellman-group14-sha1\n", True),
    "negated-match": ("Match !host 10.0.0.1\n  Ciphers aes256-ctr\n", True),
    "quoted-with-space": ('Ciphers "aes128-ctr, aes256-ctr"\n', True),
    "default-word": ("KexAlgorithms default\nMACs ^hmac-sha1\n", True),
    "first-wins": (
        "Host 127.0.0.1\n  Ciphers aes256-ctr\nHost *\n  Ciphers aes128-cbc\n  MACs ^hmac-md5\n",
        True,
    ),
}
"""Config text → whether asyncssh's list is compared in order (a wildcard's matches are compared as a set)."""


@pytest.fixture(scope="module")
def asyncssh_python() -> Path:
    """The interpreter of a uv-made environment with asyncssh 2.24.1."""
    environment = get_client("asyncssh").environment(EnvironmentRequest(spec=RELEASE), verify=True)
    assert environment.python is not None
    return environment.python


def _capture(python: Path, config: Path) -> Offered:
    """The KEXINIT asyncssh sends with ``config``, read by our parser on a one-shot listener."""

    def start(port: int) -> subprocess.CompletedProcess[str]:
        argv = [str(python), "-c", CONNECT, str(port), str(config)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)

    captured = capture_client_hello(start, banner=b"SSH-2.0-OpenSSH_9.2 listener\r\n")
    assert captured.kexinit is not None, (captured.error, captured.result.stderr[-2000:])
    return captured.kexinit.offered


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_predicted_offer_is_what_asyncssh_sends(asyncssh_python: Path, name: str, tmp_path: Path) -> None:
    text, ordered = CONFIGS[name]
    config = tmp_path / "ssh_config"
    config.write_text(text, encoding="ascii")
    client = get_client("asyncssh")
    predicted = configured_offer(client.offer(RELEASE), client.supported(RELEASE), [config], "127.0.0.1")
    sent = _capture(asyncssh_python, config)
    for field in ("kex", "host_key", "cipher_c2s", "cipher_s2c", "mac_c2s", "mac_s2c"):
        ours, theirs = getattr(predicted, field), getattr(sent, field)
        if ordered:
            assert ours == theirs, (field, ours, theirs)
        else:
            assert set(ours) == set(theirs), (field, set(ours) ^ set(theirs))
    if name == "other-host":
        assert predicted == client.offer(RELEASE)


@pytest.fixture(scope="module")
def gex_sha1_only(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real sshd whose only kex is ``diffie-hellman-group-exchange-sha1`` (asyncssh 2.3.0+ dropped it)."""
    root = tmp_path_factory.mktemp("asyncssh-config")
    profile = servers.Profile(
        "gex_sha1_only", ("KexAlgorithms diffie-hellman-group-exchange-sha1",), ("rsa", "ed25519")
    )
    server = servers.start_sshd("gex_sha1_only", root / "gex", profile=profile)
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("config_text", "expected"),
    [
        (None, DeviceStatus.INCOMPATIBLE),
        ("Host 127.0.0.1\n  KexAlgorithms +diffie-hellman-group-exchange-sha1\n", DeviceStatus.COMPATIBLE),
        ("Host 192.0.2.*\n  KexAlgorithms +diffie-hellman-group-exchange-sha1\n", DeviceStatus.INCOMPATIBLE),
    ],
    ids=["no-config", "matching-block", "other-block"],
)
def test_ssh_config_lines_count_for_asyncssh_verdicts(
    gex_sha1_only: Any,
    asyncssh_python: Path,
    config_text: str | None,
    expected: DeviceStatus,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files: tuple[Path, ...] = ()
    if config_text is not None:
        files = (tmp_path / "ssh_config",)
        files[0].write_text(config_text, encoding="ascii")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    device = Device("gex", "127.0.0.1", gex_sha1_only.port)
    if not files:
        # Without --ssh-config asyncssh reads ~/.ssh/config: a home of the test's own, holding none.
        monkeypatch.setenv("HOME", str(tmp_path))
        assert default_config_files() == ()
    settings = Settings(timeout=15.0, concurrency=4, known_hosts=known_hosts, ssh_config=files)
    (result,) = probe_devices([device], settings, NullProgress(), judges=(Judge("asyncssh", RELEASE, "test"),))
    (verdict,) = result.judged
    assert verdict.status is expected, verdict.reasons
    assert verdict.verified, verdict.reasons
    assert result.predicted is None, result.reasons  # prediction and handshake agree
    if expected is DeviceStatus.COMPATIBLE:
        assert verdict.negotiated is not None and verdict.negotiated.kex == "diffie-hellman-group-exchange-sha1"
    if files:
        assert str(files[0]) in (verdict.source or "")


def test_the_hint_names_the_ssh_config_line_and_that_line_connects(
    gex_sha1_only: Any, asyncssh_python: Path, tmp_path: Path
) -> None:
    """The fix of an asyncssh ``incompatible-device`` names the ``KexAlgorithms +...`` line; written to a config, it connects."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    device = Device("gex", "127.0.0.1", gex_sha1_only.port)
    judges = (Judge("asyncssh", RELEASE, "test"),)
    settings = Settings(timeout=15.0, concurrency=4, known_hosts=known_hosts, ssh_config=(tmp_path / "empty",))
    (tmp_path / "empty").write_text("", encoding="ascii")
    results = probe_devices([device], settings, NullProgress(), judges=judges)
    (finding,) = [f for f in device_findings(results) if f.rule == "incompatible-device"]
    line = re.search(r'"(KexAlgorithms \+[^"]+)"', finding.fix or "")
    assert line is not None, finding.fix
    assert line.group(1) == "KexAlgorithms +diffie-hellman-group-exchange-sha1", finding.fix
    config = tmp_path / "ssh_config"
    config.write_text(f"Host 127.0.0.1\n  {line.group(1)}\n", encoding="ascii")
    (result,) = probe_devices([device], replace(settings, ssh_config=(config,)), NullProgress(), judges=judges)
    assert result.status is DeviceStatus.COMPATIBLE and result.judged[0].verified, result.reasons


WIDENING_CALL = """\
import asyncssh


async def legacy(host):
    return await asyncssh.connect(host, kex_algs=["diffie-hellman-group-exchange-sha1", "curve25519-sha256"])
"""
DEFAULT_CALL = """\
import asyncssh


async def modern(host):
    return await asyncssh.connect(host)
"""


@pytest.mark.parametrize("with_default_call", [False, True], ids=["widening-only", "widening-and-default"])
def test_the_codes_kex_algs_are_what_asyncssh_is_judged_with(
    gex_sha1_only: Any, asyncssh_python: Path, with_default_call: bool, tmp_path: Path
) -> None:
    """Code that widens ``kex_algs`` reaches the gex-sha1-only server, verified; a call with the default does not."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "legacy.py").write_text(WIDENING_CALL, encoding="utf-8")
    if with_default_call:
        (project / "modern.py").write_text(DEFAULT_CALL, encoding="utf-8")
    options = all_code_options(read_project_code(project))
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    (tmp_path / "empty").write_text("", encoding="ascii")
    settings = Settings(timeout=15.0, concurrency=4, known_hosts=known_hosts, ssh_config=(tmp_path / "empty",))
    device = Device("gex", "127.0.0.1", gex_sha1_only.port)
    (result,) = probe_devices(
        [device], settings, NullProgress(), judges=(Judge("asyncssh", RELEASE, "test"),), code_options=options
    )
    assert result.predicted is None, result.reasons  # every variant's prediction = its real handshake
    by_source = {"legacy.py:5" in (v.source or ""): v for v in result.judged}
    widened = by_source[True]
    assert widened.status is DeviceStatus.COMPATIBLE and widened.verified, widened.reasons
    assert widened.negotiated is not None and widened.negotiated.kex == "diffie-hellman-group-exchange-sha1"
    if with_default_call:
        assert by_source[False].status is DeviceStatus.INCOMPATIBLE and by_source[False].verified
        assert result.status is DeviceStatus.INCOMPATIBLE
    else:
        assert len(result.judged) == 1 and result.status is DeviceStatus.COMPATIBLE


@pytest.fixture(scope="module")
def rsa_only(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real sshd with an RSA host key only (signed with rsa-sha2-512/256)."""
    root = tmp_path_factory.mktemp("asyncssh-rsa-only")
    profile = servers.Profile("rsa_only", ("HostKeyAlgorithms rsa-sha2-512,rsa-sha2-256",), ("rsa",))
    server = servers.start_sshd("rsa_only", root / "rsa", profile=profile)
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("HostKeyAlgorithms ssh-ed25519", DeviceStatus.INCOMPATIBLE),
        ("HostKeyAlgorithms rsa-sha2-256", DeviceStatus.COMPATIBLE),
        ("KexAlgorithms no-such-kex-*", DeviceStatus.INCOMPATIBLE),
    ],
    ids=["host-key-narrowed-away", "host-key-kept", "kex-matches-nothing"],
)
def test_host_key_and_empty_lines_count_in_the_handshake_too(
    rsa_only: Any, asyncssh_python: Path, line: str, expected: DeviceStatus, tmp_path: Path
) -> None:
    """The handshake applies ``HostKeyAlgorithms`` and a list that matches nothing as the prediction does."""
    config = tmp_path / "ssh_config"
    config.write_text(f"Host 127.0.0.1\n  {line}\n", encoding="ascii")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    settings = Settings(timeout=15.0, concurrency=4, known_hosts=known_hosts, ssh_config=(config,))
    device = Device("rsa", "127.0.0.1", rsa_only.port)
    (result,) = probe_devices([device], settings, NullProgress(), judges=(Judge("asyncssh", RELEASE, "test"),))
    (verdict,) = result.judged
    assert verdict.status is expected and verdict.verified, verdict.reasons
    assert result.predicted is None, result.reasons  # prediction and handshake agree


def test_releases_before_2_3_read_no_ssh_config(tmp_path: Path) -> None:
    """asyncssh 2.2.1 has no ssh_config support: its offer is the default whatever the file says."""
    config = tmp_path / "ssh_config"
    config.write_text("Ciphers aes128-cbc\nKexAlgorithms diffie-hellman-group1-sha1\n", encoding="ascii")
    client = get_client("asyncssh")
    environment = client.environment(EnvironmentRequest(spec="2.2.1", ssh_config=(config,)), verify=False)
    assert environment.options == ()
    offer_for_host = client.offer_for_host_with_options  # type: ignore[attr-defined]
    assert offer_for_host("2.2.1", "127.0.0.1", 22, (("ssh_config", str(config)),)) == client.offer("2.2.1")
    assert offer_for_host("2.24.1", "127.0.0.1", 22, (("ssh_config", str(config)),)).cipher_c2s == ("aes128-cbc",)


def test_a_config_asyncssh_rejects_stops_the_run_before_any_device(tmp_path: Path) -> None:
    """An ssh_config asyncssh cannot parse is one ConfigError naming the file (exit 3), not one error per device."""
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text("Host *\n  Ciphers +aes128-cbc\n", encoding="ascii")
    bad.write_text("Match bogus x\n  KexAlgorithms diffie-hellman-group14-sha1\n", encoding="ascii")
    settings = Settings(timeout=5.0, concurrency=4, ssh_config=(good, bad))
    with socket.create_server(("127.0.0.1", 0)) as silent:  # never contacted: the run stops first
        silent.settimeout(0.5)
        device = Device("r1", "127.0.0.1", silent.getsockname()[1])
        with pytest.raises(ConfigError) as raised:
            probe_devices([device], settings, NullProgress(), judges=(Judge("asyncssh", RELEASE, "test"),))
        with pytest.raises(TimeoutError):
            silent.accept()
    assert raised.value.message.startswith(f"{bad}: asyncssh cannot read it")
    assert raised.value.exit_code == 3


def test_the_codes_keywords_win_over_a_config_list_that_matches_nothing(
    gex_sha1_only: Any, asyncssh_python: Path, tmp_path: Path
) -> None:
    """asyncssh lets an explicit ``kex_algs=`` win over an ssh_config ``KexAlgorithms`` that matches nothing."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "legacy.py").write_text(WIDENING_CALL, encoding="utf-8")
    config = tmp_path / "ssh_config"
    config.write_text("Host *\n  KexAlgorithms no-such-kex-*\n", encoding="ascii")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="ascii")
    settings = Settings(timeout=15.0, concurrency=4, known_hosts=known_hosts, ssh_config=(config,))
    (result,) = probe_devices(
        [Device("gex", "127.0.0.1", gex_sha1_only.port)],
        settings,
        NullProgress(),
        judges=(Judge("asyncssh", RELEASE, "test"),),
        code_options=all_code_options(read_project_code(project)),
    )
    (verdict,) = result.judged
    assert verdict.status is DeviceStatus.COMPATIBLE and verdict.verified, verdict.reasons
    assert result.predicted is None, result.reasons
