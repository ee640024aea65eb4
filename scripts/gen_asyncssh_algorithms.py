"""Regenerate ``rules/clients/asyncssh.json``: what each asyncssh release's default client really sends.

For each asyncssh release asked for (default: :data:`DEFAULT_RELEASES`),
this script makes a uv environment holding that release and the newest cryptography it resolves to,
then runs ``asyncssh.connect(host, port, known_hosts=None, config=None)`` in that environment against
a tiny TCP listener in this process: the settings scrapli's asyncssh transport uses without strict host
key checking, and sshdrift's verification. The listener sends a server identification string, reads the
client's identification string and first binary packet (its SSH_MSG_KEXINIT), parses it with sshdrift's
own parser (:mod:`auditor.probe.kexinit`) and closes. The client also reports the algorithms the release
implements (``asyncssh.kex.get_kex_algs()``, ``public_key.get_public_key_algs()`` and the certificate
lists, ``encryption.get_encryption_algs()``, ``mac.get_mac_algs()``, ``compression.get_compression_algs()``)
and the cryptography version it ran with (what asyncssh offers depends on it: curve448, ML-KEM).

Usage (from the repository root; needs the package index once, then uv's cache)::

    uv run python scripts/gen_asyncssh_algorithms.py [--only 2.24.1 ...] [--env-dir DIR]

asyncssh is imported only inside the per-release environments' client processes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kexinit_capture import capture_client  # noqa: E402

from auditor.fileio import write_atomic  # noqa: E402

OUTPUT = ROOT / "rules" / "clients" / "asyncssh.json"
SERVER_BANNER = b"SSH-2.0-sshdrift_gen_asyncssh_algorithms\r\n"
DEFAULT_RELEASES = (
    "2.0.0",
    "2.0.1",
    "2.1.0",
    "2.2.1",
    "2.3.0",
    "2.4.0",
    "2.4.1",
    "2.4.2",
    "2.5.0",
    "2.6.0",
    "2.7.2",
    "2.8.1",
    "2.9.0",
    "2.10.1",
    "2.11.0",
    "2.12.0",
    "2.13.0",
    "2.13.1",
    "2.13.2",
    "2.14.0",
    "2.14.1",
    "2.14.2",
    "2.15.0",
    "2.16.0",
    "2.17.0",
    "2.18.0",
    "2.19.0",
    "2.20.0",
    "2.21.0",
    "2.21.1",
    "2.22.0",
    "2.23.0",
    "2.23.1",
    "2.24.0",
    "2.24.1",
)
"""The releases in the data: 2.0.0 to 2.24.1 (every release from 2.13.0, the last patch of most minors before;
1.x does not import on Python 3.7+: it calls ``asyncio.async``)."""

CLIENT_CODE = r"""
import asyncio, json, logging, sys, platform
logging.disable(logging.CRITICAL)
import asyncssh
from asyncssh import compression, encryption, kex, mac, public_key
from importlib.metadata import version

def names(values):
    return [v.decode("ascii") if isinstance(v, bytes) else str(v) for v in values]

async def main(port):
    options = dict(known_hosts=None, config=None, username="sshdrift", client_keys=None, agent_path=None, password=None)
    try:
        try:
            conn = await asyncio.wait_for(asyncssh.connect("127.0.0.1", port, **options), 20)
        except TypeError:  # before the config= argument (asyncssh < 2.1): no ssh_config is read at all
            options.pop("config")
            conn = await asyncio.wait_for(asyncssh.connect("127.0.0.1", port, **options), 20)
        conn.close()
    except Exception as exc:
        sys.stderr.write(repr(exc) + "\n")

asyncio.run(main(int(sys.argv[1])))
x509 = getattr(public_key, "get_x509_certificate_algs", lambda: [])()
report = {
    "asyncssh": asyncssh.__version__,
    "python": platform.python_version(),
    "backend": {"cryptography": version("cryptography")},
    "supported": {
        "kex": sorted(names(kex.get_kex_algs())),
        "host_key": sorted(set(names(public_key.get_public_key_algs()) + names(public_key.get_certificate_algs()) + names(x509))),
        "cipher": sorted(names(encryption.get_encryption_algs())),
        "mac": sorted(names(mac.get_mac_algs())),
        "compression": sorted(names(compression.get_compression_algs())),
    },
}
sys.stdout.write(json.dumps(report) + "\n")
"""
"""Run by the release's interpreter: one connection to the listener, then what the release implements."""


def make_env(release: str, env_dir: Path) -> Path:
    """A uv environment holding asyncssh ``release`` (reused when complete)."""
    uv = shutil.which("uv") or "uv"
    env = env_dir / f"asyncssh-{release}"
    python = env / "bin" / "python"
    marker = env / "sshdrift-release"
    if marker.is_file() and marker.read_text(encoding="utf-8") == release:
        return python
    subprocess.run([uv, "venv", "--quiet", "--allow-existing", "--python", sys.executable, str(env)], check=True)
    subprocess.run([uv, "pip", "install", "--quiet", "--python", str(python), f"asyncssh=={release}"], check=True)
    marker.write_text(release, encoding="utf-8")
    return python


def capture(python: Path) -> dict[str, Any]:
    """Run the default client of ``python`` against a one-shot listener; return the wire offer and the report."""
    captured, proc = capture_client(
        [str(python), "-W", "ignore", "-c", CLIENT_CODE, "{port}"],
        server_banner=SERVER_BANNER,
        check=True,
    )
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "python": report["python"],
        "backend": report["backend"],
        "client_banner": captured["client_banner"],
        "offered": captured["offered"],
        "supported": report["supported"],
    }


def main(argv: list[str] | None = None) -> int:
    """Capture the releases asked for and write :data:`OUTPUT` atomically; exit 1 when one failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", nargs="*", help="regenerate only these releases, keep the others")
    parser.add_argument(
        "--env-dir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sshdrift" / "gen-envs",
        help="where the per-release environments are kept",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    args.env_dir.mkdir(parents=True, exist_ok=True)
    existing: dict[str, Any] = {}
    if args.output.is_file():
        existing = json.loads(args.output.read_text(encoding="utf-8")).get("releases", {})
    releases: dict[str, Any] = dict(existing) if args.only else {}
    failures = 0
    for release in args.only or DEFAULT_RELEASES:
        try:
            releases[release] = capture(make_env(release, args.env_dir))
            print(f"{release}: ok", flush=True)
        except (
            RuntimeError,
            subprocess.SubprocessError,
            OSError,
        ) as exc:  # one broken release must not lose the others
            failures += 1
            print(f"{release}: FAILED {exc}", file=sys.stderr, flush=True)
    document = {
        "generated_by": "scripts/gen_asyncssh_algorithms.py",
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "source": (
            "the SSH_MSG_KEXINIT each release's default client (asyncssh.connect with known_hosts=None, config=None) "
            "sent to a local listener, parsed by auditor.probe.kexinit; 'supported' lists asyncssh's "
            "get_kex_algs, get_public_key_algs + certificate algs, get_encryption_algs, get_mac_algs, "
            "get_compression_algs; 'backend' is the cryptography the release ran with"
        ),
        "releases": {k: releases[k] for k in sorted(releases, key=Version)},
    }
    write_atomic(args.output, json.dumps(document, indent=1) + "\n")
    print(f"wrote {args.output} ({len(releases)} releases, {failures} failed)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
