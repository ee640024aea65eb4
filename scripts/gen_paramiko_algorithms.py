"""Regenerate ``rules/clients/paramiko.json``: what each Paramiko release's default client really sends.

For every Paramiko release from 2.0.9 to the newest, this script makes a uv environment with an
era-appropriate Python and dependencies (see ``../shared/reference/ssh-stack-facts.md``: 2.0-2.3 import
``collections.MutableMapping`` so need Python <= 3.9; below 2.5 ``cryptography<35``; below 2.10 ``six``),
then runs ``paramiko.Transport(sock).start_client()`` in that environment against a tiny TCP listener
in this process. The listener sends a server identification string, reads the client's identification
string and first binary packet (the client's SSH_MSG_KEXINIT), parses it with sshdrift's own parser
(:mod:`auditor.probe.kexinit`) and closes. The client also reports the algorithms it supports (the keys
of ``Transport._kex_info``, ``_key_info``, ``_cipher_info``, ``_mac_info``, ``_compression_info``) and the
backend versions the environment installed.

What a release offers also depends on its crypto backend (Paramiko 5.1.0 offers ``mlkem768x25519-sha256``
only when cryptography has ``mlkem``). For releases from ``--backend-from`` on, the script captures again
with the oldest backend release that the release allows and that installs, and where that offer differs
from the newest's it halves the range of backend releases until every change lies between two adjacent
releases (:class:`BackendSearch`); each range with another offer becomes a ``backend_variants`` entry.

Usage (from the repository root; needs the package index once, then uv's cache)::

    uv run python scripts/gen_paramiko_algorithms.py [--jobs 2] [--only 5.1.0 ...] [--env-dir DIR]
        [--backend cryptography] [--backend-from 2.5.0]

Paramiko is imported only inside the per-release environments, never by this process.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kexinit_capture import capture_client  # noqa: E402

from auditor.fileio import write_atomic  # noqa: E402

OLDEST = Version("2.0.9")
OUTPUT = ROOT / "rules" / "clients" / "paramiko.json"
PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
SERVER_BANNER = b"SSH-2.0-sshdrift_gen_paramiko_algorithms\r\n"
BACKEND_DISTS = ("cryptography", "bcrypt", "pynacl", "invoke", "gssapi")
"""Distributions whose installed versions each capture records (the client's backend)."""

CLIENT_CODE = r"""
import json, socket, sys, threading, logging
logging.disable(logging.CRITICAL)
import paramiko
from paramiko.transport import Transport
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
t = Transport(sock)
done = threading.Event()
try:
    t.start_client(event=done)
    done.wait(20)
except Exception:
    pass
finally:
    t.close()
def keys(name):
    return sorted(getattr(Transport, name, {}).keys())
def installed(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return None
try:
    from importlib.metadata import requires
    requirements = requires("paramiko") or []
except Exception:
    requirements = []
print(json.dumps({
    "version": paramiko.__version__,
    "backend": {d: installed(d) for d in BACKEND_DISTS if installed(d)},
    "requires": requirements,
    "python": "%d.%d" % sys.version_info[:2],
    "preferred": {
        "kex": list(getattr(Transport, "_preferred_kex", ())),
        "host_key": list(getattr(Transport, "_preferred_keys", ())),
        "cipher": list(getattr(Transport, "_preferred_ciphers", ())),
        "mac": list(getattr(Transport, "_preferred_macs", ())),
        "compression": list(getattr(Transport, "_preferred_compression", ())),
    },
    "supported": {
        "kex": keys("_kex_info"),
        "host_key": keys("_key_info"),
        "cipher": keys("_cipher_info"),
        "mac": keys("_mac_info"),
        "compression": keys("_compression_info"),
    },
}))
"""


def uv_bin() -> str:
    """The uv binary the ``uv`` package ships (the project's one resolver/installer backend)."""
    from uv import find_uv_bin

    return str(find_uv_bin())


def list_versions(name: str) -> list[Version]:
    """Every final release of distribution ``name``, oldest first, as the configured index lists them."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Available versions: (.*)", out)
    if not match:
        raise SystemExit(f"could not read {name}'s versions from pip: {out!r}")
    versions = [Version(v.strip()) for v in match.group(1).split(",")]
    return sorted(v for v in versions if not v.is_prerelease)


def list_releases() -> list[Version]:
    """Every final Paramiko release from 2.0.9 on, oldest first."""
    return [v for v in list_versions("paramiko") if v >= OLDEST]


def era(version: Version, *, fallback: bool = False) -> tuple[str, list[str]]:
    """The Python interpreter and extra requirements a release needs (ssh-stack-facts.md).

    ``fallback`` picks Python 3.6 for the releases that use ``async`` as an argument name (a keyword
    since Python 3.7).
    """
    extras: list[str] = []
    if fallback:
        python = str(PYENV / "3.6.15" / "bin" / "python3.6")
        extras.append("six")
    elif version < Version("2.10"):
        python = str(PYENV / "3.9.18" / "bin" / "python3.9")
        extras.append("six")
    else:
        python = str(PYENV / "3.11.7" / "bin" / "python3.11")
    if version < Version("2.5"):
        extras += ["cryptography<35", "bcrypt<4", "pynacl<1.6"]
    return python, extras


def make_env(version: Version, env_dir: Path, *, fallback: bool = False, pins: dict[str, str] | None = None) -> Path:
    """Create (or reuse) a uv environment holding exactly ``paramiko==version``; return its Python.

    ``pins`` (``{"cryptography": "42.0.8"}``) replaces the era's bound on those backends by an exact pin.
    """
    python, extras = era(version, fallback=fallback)
    pins = pins or {}
    extras = [e for e in extras if re.split(r"[<>=!~]", e)[0] not in pins]
    extras += [f"{name}=={pin}" for name, pin in sorted(pins.items())]
    suffix = "".join(f"-{name}-{pin}" for name, pin in sorted(pins.items()))
    target = env_dir / f"paramiko-{version}{'-py36' if fallback else ''}{suffix}"
    py = target / "bin" / "python"
    marker = target / ".sshdrift-ready"
    if marker.is_file():
        return py
    uv = uv_bin()
    subprocess.run([uv, "venv", "--quiet", "--clear", "--python", python, str(target)], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(py), f"paramiko=={version}", *extras],
        check=True,
    )
    marker.write_text(str(version), encoding="utf-8")
    return py


def capture(py: Path) -> dict[str, Any]:
    """Run the default client in ``py`` against a one-shot listener; return the wire offer and the report."""
    captured, proc = capture_client(
        [str(py), "-W", "ignore", "-c", CLIENT_CODE.replace("BACKEND_DISTS", repr(BACKEND_DISTS)), "{port}"],
        server_banner=SERVER_BANNER,
        check=True,
    )
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "python": report["python"],
        "backend": report.get("backend", {}),
        "requires": report.get("requires", []),
        "client_banner": captured["client_banner"],
        "offered": captured["offered"],
        "preferred": report["preferred"],
        "supported": report["supported"],
    }


def generate(version: Version, env_dir: Path, pins: dict[str, str] | None = None) -> dict[str, Any]:
    """Environment + capture for one release (with ``pins`` on its backends, else the newest they allow)."""
    try:
        return capture(make_env(version, env_dir, pins=pins))
    except RuntimeError as exc:
        if "SyntaxError" not in str(exc):
            raise
    return capture(make_env(version, env_dir, fallback=True, pins=pins))


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["offered"] == b["offered"] and a["supported"] == b["supported"])


def allowed_backend_versions(newest: dict[str, Any], package: str, available: list[Version]) -> list[Version]:
    """The releases of ``package`` the release's own requires-dist allows (markers ignored), oldest first."""
    specifier = SpecifierSet()
    for line in newest.get("requires", []):
        requirement = Requirement(line)
        optional = requirement.marker is not None and "extra" in str(requirement.marker)
        if canonicalize_name(requirement.name) == package and not optional:
            specifier &= requirement.specifier
    return [v for v in available if v in specifier]


class BackendSearch:
    """Finds every backend release at which one Paramiko release's default offer changes.

    Captures with the oldest backend release that installs and the newest, and splits the range in
    halves wherever the two ends differ (each capture a real KEXINIT in its own uv environment), so a
    change is found in about log2(n) captures. A change that is later undone inside one range is not
    seen; the ends of every range are recorded in ``captured``.
    """

    def __init__(self, version: Version, env_dir: Path, package: str, candidates: list[Version]) -> None:
        self.version, self.env_dir, self.package, self.candidates = version, env_dir, package, candidates
        self.captured: dict[str, dict[str, Any]] = {}

    def at(self, index: int) -> dict[str, Any]:
        """The capture with ``candidates[index]`` pinned (memoized)."""
        pin = str(self.candidates[index])
        if pin not in self.captured:
            self.captured[pin] = generate(self.version, self.env_dir, {self.package: pin})
        return self.captured[pin]

    def floor(self, limit: int = 8) -> int:
        """The index of the oldest candidate that installs and imports, trying each major's first release."""
        majors: dict[int, int] = {}
        for index, candidate in enumerate(self.candidates):
            majors.setdefault(candidate.major, index)
        for index in list(majors.values())[:limit]:
            try:
                self.at(index)
                return index
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"{self.version}: {self.package} {self.candidates[index]} unusable ({str(exc)[-200:]})")
        raise RuntimeError(f"no usable {self.package} release for paramiko {self.version}")

    def changes(self, lo: int, hi: int) -> list[int]:
        """Indexes in ``(lo, hi]`` whose capture differs from the one before it."""
        if _same(self.at(lo), self.at(hi)):
            return []
        if hi == lo + 1:
            return [hi]
        mid = (lo + hi) // 2
        return self.changes(lo, mid) + self.changes(mid, hi)


def backend_variants(
    version: Version, env_dir: Path, newest: dict[str, Any], package: str, available: list[Version]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The offers of ``version`` with older ``package`` releases, where they differ from ``newest``'s.

    Returns:
        ``(variants, checked)``: each variant ``{"requires": {package: SPEC}, "captured_with": {...},
        "offered": ..., "supported": ...}`` for a range of backend releases below the newest change,
        oldest range first; ``checked`` says which backend releases were captured.
    """
    candidates = allowed_backend_versions(newest, package, available)
    search = BackendSearch(version, env_dir, package, candidates)
    lo = search.floor()
    hi = len(candidates) - 1
    search.captured[str(candidates[hi])] = (
        newest if newest["backend"].get(package) == str(candidates[hi]) else search.at(hi)
    )
    bounds = [lo, *search.changes(lo, hi)]
    variants: list[dict[str, Any]] = []
    for start, end in itertools.pairwise(bounds):
        spec = f"<{candidates[end]}" if start == lo else f">={candidates[start]},<{candidates[end]}"
        found = search.at(start)
        variants.append(
            {
                "requires": {package: spec},
                "captured_with": found["backend"],
                "offered": found["offered"],
                "supported": found["supported"],
            }
        )
    checked = {
        "from": str(candidates[lo]),
        "to": str(candidates[hi]),
        "captured": sorted(search.captured, key=Version),
    }
    return variants, checked


def generate_with_backends(version: Version, env_dir: Path, backends: dict[str, list[Version]]) -> dict[str, Any]:
    """:func:`generate` with the newest backends, plus the variants for older ``backends`` releases."""
    newest = generate(version, env_dir)
    newest["captured_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    if not backends:
        return newest
    entry = dict(newest)
    entry["backend_variants"] = []
    entry["backend_checked"] = {}
    for package, available in backends.items():
        variants, checked = backend_variants(version, env_dir, newest, package, available)
        entry["backend_variants"] += variants
        entry["backend_checked"][package] = checked
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=2, help="releases processed at once (default 2)")
    parser.add_argument("--only", nargs="*", help="regenerate only these releases, keep the others")
    parser.add_argument(
        "--env-dir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sshdrift" / "gen-envs",
        help="where the per-release environments are kept",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--backend-from",
        default="2.5.0",
        help="search backend boundaries (--backend packages) for releases from this one on (default 2.5.0: "
        "older releases run with the era's cryptography<35)",
    )
    parser.add_argument(
        "--backend",
        action="append",
        default=None,
        help="backend distribution whose releases may change the offer (repeatable; default cryptography)",
    )
    args = parser.parse_args(argv)
    backend_names = args.backend or ["cryptography"]
    backend_releases = {name: list_versions(name) for name in backend_names}
    args.env_dir.mkdir(parents=True, exist_ok=True)

    existing: dict[str, Any] = {}
    if args.output.is_file():
        existing = json.loads(args.output.read_text(encoding="utf-8")).get("releases", {})
    versions = [Version(v) for v in args.only] if args.only else list_releases()
    releases: dict[str, Any] = dict(existing) if args.only else {}
    failures: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {
            pool.submit(
                generate_with_backends,
                v,
                args.env_dir,
                backend_releases if v >= Version(args.backend_from) else {},
            ): v
            for v in versions
        }
        for future in concurrent.futures.as_completed(futures):
            version = futures[future]
            try:
                releases[str(version)] = future.result()
                print(f"{version}: ok", flush=True)
            except Exception as exc:  # one broken release must not lose the others
                failures[str(version)] = str(exc)
                print(f"{version}: FAILED {exc}", file=sys.stderr, flush=True)
    ordered = {k: releases[k] for k in sorted(releases, key=Version)}
    document = {
        "generated_by": "scripts/gen_paramiko_algorithms.py",
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "source": (
            "the SSH_MSG_KEXINIT each release's default client (Transport.start_client) sent to a local listener, "
            "parsed by auditor.probe.kexinit; 'supported' lists the keys of Transport._kex_info, _key_info, "
            "_cipher_info, _mac_info, _compression_info; 'backend' is what that environment installed (the "
            "newest the release allows); 'backend_variants' are the offers captured the same way with older "
            "backend releases pinned, one per range that changes the offer ('backend_checked' lists the "
            "releases captured while searching)"
        ),
        "releases": ordered,
    }
    write_atomic(args.output, json.dumps(document, indent=1, sort_keys=False) + "\n")
    print(f"wrote {args.output} ({len(ordered)} releases, {len(failures)} failed)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
