"""A two-hop ProxyJump chain in network namespaces made by the test, with real sshd everywhere (issue 9 item 4).

Topology (every address inside a namespace of the test's own)::

    client 10.77.1.1 ── 10.77.1.2 gw1 10.77.2.1 ── 10.77.2.2 gw2 10.77.3.1 ── 10.77.3.10 device
                                  gw1 also holds 10.77.3.10 itself: an impostor sshd listens there

The client cannot reach 10.77.2.0/24 or 10.77.3.0/24 at all; from gw1, 10.77.3.10 is the impostor; only
through gw2 is it the device. sshdrift runs inside the client namespace (``ip netns exec``) with the
Paramiko beside it (``--paramiko installed``: no package index).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.probe.sshlib import fingerprint
from tests import netns, servers

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

_SKIP = netns.skip_reason()
if _SKIP:
    pytestmark.append(pytest.mark.skip(reason=_SKIP))

GW1, GW2, DEVICE = "10.77.1.2", "10.77.2.2", "10.77.3.10"


def _key_fields(pub: Path) -> str:
    """``TYPE BASE64`` of a ``.pub`` file (a known_hosts key field)."""
    return " ".join(pub.read_text(encoding="ascii").split()[:2])


def _fingerprint(pub: Path) -> str:
    import base64

    return fingerprint(base64.b64decode(pub.read_text(encoding="ascii").split()[1]))


@dataclass
class Chain:
    """The running lab: where things are and the keys they hold."""

    lab: netns.NetnsLab
    client: str
    gw1_key: Path
    gw2_key: Path
    device_key: Path
    impostor_key: Path
    login_key: Path
    """The test-only private key both gateways accept for root."""
    work: Path
    """The lab's directory (each sshd's log is ``LABEL/sshd.log``)."""

    def logins(self, label: str) -> int:
        """How many public-key logins sshd ``label`` has accepted so far."""
        return (
            (self.work / label / "sshd.log").read_text(encoding="utf-8", errors="replace").count("Accepted publickey")
        )


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """Four namespaces, three links, two gateways, the device and the impostor."""
    work = tmp_path_factory.mktemp("jump-chain")
    login = servers.generate_key(work / "login_ed25519", "ed25519")
    public = login.with_name(login.name + ".pub").read_text(encoding="ascii")
    lab = netns.NetnsLab(work)
    try:
        client, gw1, gw2, device = (lab.namespace(label) for label in ("c", "g1", "g2", "d"))
        lab.link(client, "10.77.1.1/24", gw1, f"{GW1}/24")
        lab.link(gw1, "10.77.2.1/24", gw2, f"{GW2}/24")
        lab.link(gw2, "10.77.3.1/24", device, f"{DEVICE}/24")
        lab.ip(gw1, "addr", "add", f"{DEVICE}/32", "dev", "lo")
        yield Chain(
            lab=lab,
            client=client,
            gw1_key=lab.sshd(gw1, "gw1", GW1, authorized_keys=[public]),
            gw2_key=lab.sshd(gw2, "gw2", GW2, authorized_keys=[public]),
            device_key=lab.sshd(device, "device", DEVICE, addendum="real-device"),
            impostor_key=lab.sshd(gw1, "impostor", DEVICE, addendum="impostor"),
            work=work,
            login_key=login,
        )
    finally:
        lab.close()


CORE = f"- name: core\n  host: {DEVICE}\n  jump: root@{GW1},root@{GW2}\n"
"""The device behind both gateways, as a YAML inventory entry."""


def _probe(
    chain: Chain, work: Path, known_hosts: str, *extra: str, inventory_text: str = CORE
) -> subprocess.CompletedProcess[str]:
    """``sshdrift probe`` of ``inventory_text`` (default the device behind ``root@gw1,root@gw2``) in the client namespace."""
    inventory = work / "hosts.yaml"
    inventory.write_text(inventory_text, encoding="utf-8")
    known = work / "known_hosts"
    known.write_text(known_hosts, encoding="ascii")
    argv = [sys.executable, "-m", "auditor", "probe", str(inventory), "--paramiko", "installed", "--format", "json"]
    argv += ["--known-hosts", str(known), "--jump-key", str(chain.login_key), "--timeout", "5", *extra]
    return subprocess.run(
        chain.lab.command(chain.client, argv),
        cwd=work,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_the_device_is_reached_through_both_hops(chain: Chain, tmp_path: Path) -> None:
    """The report shows the device's own banner and key, never the impostor gw1 would reach at the same address."""
    known = f"{GW1} {_key_fields(chain.gw1_key)}\n{GW2} {_key_fields(chain.gw2_key)}\n"
    known += f"{DEVICE} {_key_fields(chain.device_key)}\n"
    run = _probe(chain, tmp_path, known)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    (device,) = report["devices"]
    assert device["status"] == "compatible" and device["verified"], device
    assert device["banner"].endswith(" real-device"), device["banner"]
    assert device["host_key_fingerprint"] == _fingerprint(chain.device_key)
    assert device["host_key_fingerprint"] != _fingerprint(chain.impostor_key)
    assert device["jump"] == f"root@{GW1},root@{GW2}"
    assert not [f for f in report["findings"] if f["rule"] == "host-key-changed"]
    secret = chain.login_key.read_text(encoding="ascii").splitlines()[1]
    assert secret not in run.stdout and secret not in run.stderr and "Traceback" not in run.stderr


def test_chains_sharing_a_first_hop_share_its_connection(chain: Chain, tmp_path: Path) -> None:
    """``gw1`` alone reaches the impostor at the device's address, ``gw1,gw2`` the device: one run, one login to gw1
    per phase (the grab, then the Paramiko verification), shared by both chains."""
    known = f"{GW1} {_key_fields(chain.gw1_key)}\n{GW2} {_key_fields(chain.gw2_key)}\n"
    inventory = CORE + f"- name: beside\n  host: {DEVICE}\n  jump: root@{GW1}\n"
    before = chain.logins("gw1")
    run = _probe(chain, tmp_path, known, inventory_text=inventory)
    assert run.returncode == 0, run.stdout + run.stderr
    devices = {d["name"]: d for d in json.loads(run.stdout)["devices"]}
    assert devices["core"]["banner"].endswith(" real-device") and devices["beside"]["banner"].endswith(" impostor")
    assert devices["core"]["host_key_fingerprint"] == _fingerprint(chain.device_key)
    assert devices["beside"]["host_key_fingerprint"] == _fingerprint(chain.impostor_key)
    assert devices["beside"]["jump"] == f"root@{GW1}"
    assert 1 <= chain.logins("gw1") - before <= 2  # without sharing: 2 devices x 2 phases


def test_a_gateway_with_another_key_is_host_key_changed(chain: Chain, tmp_path: Path) -> None:
    """gw2 presents a key known_hosts does not hold for it: host-key-changed naming gw2, not "unreachable"."""
    stranger = servers.generate_key(tmp_path / "stranger", "ed25519")
    stranger_pub = stranger.with_name("stranger.pub")
    known = f"{GW1} {_key_fields(chain.gw1_key)}\n{GW2} {_key_fields(stranger_pub)}\n"
    run = _probe(chain, tmp_path, known)
    assert "Traceback" not in run.stderr, run.stderr
    report = json.loads(run.stdout)
    (device,) = report["devices"]
    assert device["status"] == "error", device
    assert device["banner"] is None and device["host_key_fingerprint"] is None
    (finding,) = [f for f in report["findings"] if f["rule"] == "host-key-changed"]
    assert finding["severity"] == "error" and finding["device"] == "core"
    assert f"jump host root@{GW2}" in finding["message"]
    assert _fingerprint(chain.gw2_key) in finding["message"] and _fingerprint(stranger_pub) in finding["message"]
    assert run.returncode == 1, run.stdout + run.stderr


_LIBSSH_VERIFY = """
import json, sys
from pathlib import Path
from auditor.device_model import Device
from auditor.probe.clients import VerifyOptions
from auditor.probe.clients.libssh.verify import verify_devices

python, known, key, chain = sys.argv[1:5]
device = Device("core", sys.argv[5], jumps=tuple(chain.split(",")))
options = VerifyOptions(timeout=10, concurrency=1, jump_key=Path(key), known_hosts=Path(known))
(outcome,) = verify_devices([device], python=Path(python), version="1.4.0", options=options, progress=None).values()
print(json.dumps({"status": outcome.status.value, "banner": outcome.banner, "reason": outcome.reason}))
"""


@pytest.mark.network
def test_libssh_goes_through_both_hops(chain: Chain, tmp_path: Path) -> None:
    """The libssh handshake (ansible-pylibssh 1.4.0, its uv environment made first) reaches the device, not the impostor.

    libssh has no ProxyJump of its own: each hop is a nested system-ssh ``ProxyCommand``, the last one
    forwarding to the device.
    """
    from auditor.probe.clients.libssh.environments import ensure_environment

    python = ensure_environment("1.4.0")  # outside the namespaces: it may need the package index
    known = tmp_path / "known_hosts"
    known.write_text(f"{GW1} {_key_fields(chain.gw1_key)}\n{GW2} {_key_fields(chain.gw2_key)}\n", encoding="ascii")
    argv = [sys.executable, "-c", _LIBSSH_VERIFY, str(python), str(known), str(chain.login_key)]
    argv += [f"root@{GW1},root@{GW2}", DEVICE]
    run = subprocess.run(
        chain.lab.command(chain.client, argv), capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    assert outcome["status"] == "compatible", outcome
    assert outcome["banner"].endswith(" real-device"), outcome


def test_the_chain_from_ssh_config(chain: Chain, tmp_path: Path) -> None:
    """``--ssh-config``: ProxyJump inside the ``Host`` block matching the device, its first hop an alias."""
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host bastion\n    HostName {GW1}\n    User root\nHost core 10.77.3.*\n    ProxyJump bastion,root@{GW2}\n",
        encoding="ascii",
    )
    known = f"{GW1} {_key_fields(chain.gw1_key)}\n{GW2} {_key_fields(chain.gw2_key)}\n"
    run = _probe(
        chain, tmp_path, known, "--ssh-config", str(config), inventory_text=f"- name: core\n  host: {DEVICE}\n"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (device,) = json.loads(run.stdout)["devices"]
    assert device["jump"] == f"root@{GW1},root@{GW2}"
    assert device["banner"].endswith(" real-device") and device["host_key_fingerprint"] == _fingerprint(
        chain.device_key
    )
