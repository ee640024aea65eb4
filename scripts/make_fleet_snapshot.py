"""Regenerate ``fixtures/fleet/*.json``: fleet snapshots saved by a real probe of real sshd servers.

Starts OpenSSH sshd on 127.0.0.1 with device profiles from ``fixtures/devices/``
(through ``tests/servers.py``), probes them with ``sshdrift probe --no-verify --format json``, and
writes the report as the snapshot the ``--fleet`` tests predict from, offline. Run from the
repository root: ``uv run python scripts/make_fleet_snapshot.py``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402

PROFILES = {"ios15": "cisco_ios15_classic", "modern": "modern_default"}
"""Device name in the snapshot → device profile id."""


def main() -> int:
    """Probe the profiles and write ``fixtures/fleet/ios15-and-modern.json``; returns the exit code."""
    reason = servers.skip_reason()
    if reason is not None:
        print(f"cannot start the servers: {reason}", file=sys.stderr)
        return 1
    out = ROOT / "fixtures" / "fleet" / "ios15-and-modern.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, servers.server_lab(Path(tmp) / "lab") as lab:
        lines = []
        for name, profile in PROFILES.items():
            server = lab.sshd(profile)
            lines.append(f"- name: {name}\n  host: {server.host}\n  port: {server.port}\n")
        inventory = Path(tmp) / "devices.yaml"
        inventory.write_text("".join(lines), encoding="utf-8")
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "auditor", "probe", str(inventory), "--no-verify", "--paramiko", "4.0.0"),
                *("--format", "json", "--output", str(out), "--fail-on", "never"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
