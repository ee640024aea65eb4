"""Regenerate ``fixtures/kexinit/``: real servers' SSH_MSG_KEXINIT payloads for the parser's unit tests.

Starts real OpenSSH ``sshd`` instances on 127.0.0.1 with device profiles from
``fixtures/devices/`` (through ``tests/servers.py``) and the real Debian
``dropbear``, grabs each server's identification string and KEXINIT with :func:`auditor.probe.grab.grab_devices`,
and writes ``<id>.bin`` (the raw payload, message number 20 first) plus ``index.json``
(``{id: {"banner": ..., "profile": ..., "server": "sshd"|"dropbear"}}``).

Usage (from the repository root, as root so sshd can start)::

    uv run python scripts/capture_kexinit.py [--output fixtures/kexinit]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.device_model import Device  # noqa: E402
from auditor.fileio import write_atomic  # noqa: E402
from auditor.probe.grab import grab_devices  # noqa: E402
from auditor.probe.results import Grabbed  # noqa: E402
from tests import servers  # noqa: E402

SSHD_PROFILES = (
    "cisco_ios15_classic",
    "cisco_ios12_legacy",
    "cisco_iosxe_16",
    "cisco_iosxe_17_early",
    "cisco_iosxe_17_12plus",
    "cisco_nxos",
    "mikrotik_ros6_default",
    "huawei_vrp_usg",
    "fortios_74",
    "arista_eos_modern",
    "dss_only",
    "modern_default",
)
DROPBEAR_KEYS = {"dropbear_2022_83_rsa": ("rsa",), "dropbear_2022_83_allkeys": ("rsa", "ecdsa", "ed25519")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Capture real servers' KEXINIT payloads as test fixtures.")
    parser.add_argument("--output", type=Path, default=ROOT / "fixtures" / "kexinit")
    args = parser.parse_args(argv)
    reason = servers.skip_reason()
    if reason:
        print(f"cannot capture: {reason}", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    index: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp, servers.server_lab(Path(tmp)) as lab:
        targets: dict[str, tuple[servers.SshServer, str, str]] = {}
        for profile in SSHD_PROFILES:
            targets[profile] = (lab.sshd(profile), profile, "sshd")
        if servers.DROPBEAR.is_file():
            for label, keys in DROPBEAR_KEYS.items():
                targets[label] = (lab.dropbear(keys, label=label), "", "dropbear")
        devices = [Device(name=name, host=srv.host, port=srv.port) for name, (srv, _, _) in targets.items()]
        for result in grab_devices(devices, timeout=10):
            name = result.device.name
            if not isinstance(result, Grabbed):
                print(f"{name}: {result.reason}", file=sys.stderr)
                return 1
            (args.output / f"{name}.bin").write_bytes(result.payload)
            _, profile, kind = targets[name]
            index[name] = {"banner": result.banner, "profile": profile, "server": kind}
            print(f"{name}: {len(result.payload)} bytes, {result.banner}")
    write_atomic(args.output / "index.json", json.dumps(index, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
