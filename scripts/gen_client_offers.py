"""Regenerate ``rules/clients/{libssh,ssh2,openssh}.json``: what each client release really sends in its KEXINIT.

Usage (from the repository root; needs the package index once, then uv's cache)::

    uv run python scripts/gen_client_offers.py libssh [--only 1.4.0 ...]
    uv run python scripts/gen_client_offers.py ssh2 [--only 1.2.0.post1 ...]
    uv run python scripts/gen_client_offers.py openssh [--ssh-binary /usr/bin/ssh]

Every release of the client gets a uv environment (wheels only, the newest Python its wheels install on),
and the real client connects to a one-shot listener in this process (:func:`kexinit_capture.capture_client`:
it sends a server identification string, reads the client's identification string and SSH_MSG_KEXINIT,
RFC 4253 §7.1, with sshdrift's own parser :class:`auditor.probe.kexinit.ServerHelloReader`, and closes).
The client then fails (the server never answers its KEXINIT), which is expected: what it sent is what we keep.

Also: :func:`uv_env` makes (or reuses) a uv environment holding exact requirements.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kexinit_capture import capture_client  # noqa: E402

from auditor.fileio import write_atomic  # noqa: E402

SERVER_BANNER = b"SSH-2.0-sshdrift_capture\r\n"
PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")).expanduser() / "versions"


def uv_bin() -> str:
    """The uv binary the ``uv`` package ships (the project's one resolver/installer backend)."""
    from uv import find_uv_bin

    return str(find_uv_bin())


def interpreter(minor: str) -> str:
    """A Python ``minor`` (``3.10``) interpreter: pyenv's when present, else the version for uv to find."""
    for candidate in sorted(PYENV.glob(f"{minor}.*/bin/python{minor}"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return minor


def uv_env(target: Path, python: str, requirements: Sequence[str], *, binary_only: bool = True) -> Path | None:
    """Make (or reuse) a uv environment at ``target`` with ``requirements``; its Python, or None if uv failed."""
    py = target / "bin" / "python"
    marker = target / ".sshdrift-ready"
    if marker.is_file():
        return py
    uv = uv_bin()
    made = subprocess.run(
        [uv, "venv", "--quiet", "--clear", "--python", python, str(target)], check=False, capture_output=True
    )
    if made.returncode != 0:
        return None
    extra = ["--only-binary", ":all:"] if binary_only else []
    installed = subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(py), *extra, *requirements],
        check=False,
        capture_output=True,
    )
    if installed.returncode != 0:
        return None
    marker.write_text(" ".join(requirements), encoding="utf-8")
    return py


def release_versions(package: str) -> list[str]:
    """Every final release of ``package`` the configured index lists, oldest first (pip's ``index versions``)."""
    import re

    from packaging.version import Version

    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"Available versions: (.*)", out)
    if not match:
        raise SystemExit(f"could not read {package}'s versions from pip: {out!r}")
    versions = [v.strip() for v in match.group(1).split(",")]
    return sorted((v for v in versions if not Version(v).is_prerelease), key=Version)


def env_for(name: str, requirement: str, env_dir: Path, pythons: Sequence[str]) -> tuple[Path, str] | None:
    """The first of ``pythons`` (newest first) whose wheels of ``requirement`` install: ``(python, minor)``."""
    for minor in pythons:
        py = uv_env(env_dir / f"{name}-py{minor}", interpreter(minor), [requirement])
        if py is not None:
            return py, minor
    return None


# --- libssh through ansible-pylibssh -------------------------------------------------------------

LIBSSH_PYTHONS = ("3.11", "3.10", "3.9", "3.8", "3.7")
"""Newest first: releases before 1.1.0 have no wheels for 3.11 (1.0.0 and 0.4.0 have them for 3.10)."""

LIBSSH_KEX_CANDIDATES = (
    "mlkem768x25519-sha256",
    "mlkem768nistp256-sha256",
    "mlkem1024nistp384-sha384",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "curve448-sha512",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group1-sha1",
)
"""Kex names offered to ``key_exchange_algorithms`` to learn which the release implements (libssh drops the rest)."""

LIBSSH_HOSTKEY_CANDIDATES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp256",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com",
    "ssh-rsa-cert-v01@openssh.com",
)
"""Host-key algorithm names offered to ``hostkeys`` the same way."""

LIBSSH_CLIENT = r"""
import json, sys
import pylibsshext
from pylibsshext import session as module
from pylibsshext.session import Session
port, knownhosts, kex, hostkeys = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
kwargs = dict(host="127.0.0.1", port=port, user="sshdrift", timeout=20, host_key_checking=False,
              look_for_keys=False, knownhosts=knownhosts)
if kex:
    kwargs["key_exchange_algorithms"] = kex
if hostkeys:
    kwargs["hostkeys"] = hostkeys
try:
    Session().connect(**kwargs)
except Exception:
    pass
print(json.dumps({
    "version": pylibsshext.__version__,
    "full": getattr(pylibsshext, "__full_version__", ""),
    "python": "%d.%d" % sys.version_info[:2],
    "options": sorted(getattr(module, "OPTS_MAP", {})),
}))
"""
"""Run by the release's interpreter: one ``Session.connect`` without credentials, then what it reports."""

LIBSSH_AEAD_NEEDS_MAC = ("0.9.3",)
"""libssh versions that fail with "no match for method mac algo" when only an AES-GCM cipher is common and no
MAC is, though the cipher needs none (RFC 5647 §5.1). Measured, not captured: real handshakes of ansible-pylibssh
1.0.0 (0.9.3) and 1.2.2 (0.9.6) against sshd offering only aes128/256-gcm@openssh.com and umac-128-etm@openssh.com
(tests/integration/test_libssh_client.py keeps checking it)."""

LIBSSH_OPTIONS = ("key_exchange_algorithms", "hostkeys", "publickey_accepted_algorithms")
"""The ``Session.connect`` options Ansible's libssh connection passes (ansible.netcommon ``libssh``)."""


def _libssh_run(py: Path, knownhosts: Path, kex: str = "", hostkeys: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    captured, proc = capture_client(
        [str(py), "-c", LIBSSH_CLIENT, "{port}", str(knownhosts), kex, hostkeys], server_banner=SERVER_BANNER
    )
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return captured, report


def capture_libssh(version: str, env_dir: Path) -> dict[str, Any]:
    """One ansible-pylibssh release: default offer, implemented kex/host keys, ``+name`` support, libssh version."""
    import re
    import tempfile

    found = env_for(f"pylibssh-{version}", f"ansible-pylibssh=={version}", env_dir, LIBSSH_PYTHONS)
    if found is None:
        raise RuntimeError(f"no wheel of ansible-pylibssh {version} installs on Python {', '.join(LIBSSH_PYTHONS)}")
    py, _ = found
    with tempfile.TemporaryDirectory() as tmp:
        knownhosts = Path(tmp) / "known_hosts"
        knownhosts.write_text("", encoding="utf-8")
        default, report = _libssh_run(py, knownhosts)
        options = {name: name in report["options"] for name in LIBSSH_OPTIONS}
        wide, _ = _libssh_run(py, knownhosts, ",".join(LIBSSH_KEX_CANDIDATES), ",".join(LIBSSH_HOSTKEY_CANDIDATES))
        # "-name" on the last default name: libssh with modifier support drops just that name; without it,
        # "-name" is an unknown algorithm and the default list stays.
        last_kex = [n for n in default["offered"]["kex"] if not n.startswith(("ext-info", "kex-strict"))][-1]
        last_hk = default["offered"]["host_key"][-1]
        minus, _ = _libssh_run(py, knownhosts, f"-{last_kex}", f"-{last_hk}")
    libssh = re.search(r"libssh v?([0-9][0-9.]*)", report["full"] or default["client_banner"])
    offered = default["offered"]
    supported = {
        "kex": wide["offered"]["kex"] if options["key_exchange_algorithms"] else offered["kex"],
        "host_key": wide["offered"]["host_key"] if options["hostkeys"] else offered["host_key"],
    }
    minus_kex = last_kex not in minus["offered"]["kex"] and len(minus["offered"]["kex"]) == len(offered["kex"]) - 1
    minus_hostkeys = last_hk not in minus["offered"]["host_key"] and len(minus["offered"]["host_key"]) > 0
    libssh_version = libssh.group(1).rstrip(".") if libssh else None
    return {
        "python": report["python"],
        "libssh": libssh_version,
        "aead_needs_mac": libssh_version in LIBSSH_AEAD_NEEDS_MAC,
        "client_banner": default["client_banner"],
        "strict_kex": "kex-strict-c-v00@openssh.com" in offered["kex"],
        "options": options,
        "modifiers": {
            "key_exchange_algorithms": minus_kex if options["key_exchange_algorithms"] else False,
            "hostkeys": minus_hostkeys if options["hostkeys"] else False,
        },
        "offered": offered,
        "supported": supported,
    }


LIBSSH_DOC = {
    "generated_by": "scripts/gen_client_offers.py libssh",
    "source": (
        "the SSH_MSG_KEXINIT each ansible-pylibssh release (the libssh its wheel bundles) sent from "
        "Session.connect(host_key_checking=False, look_for_keys=False, knownhosts=<empty file>) to a local listener, "
        "parsed by auditor.probe.kexinit; 'supported' is what the same call sent with key_exchange_algorithms / "
        "hostkeys set to every name we know (libssh drops the ones it lacks); 'modifiers' whether '+name'/'-name'/'^name' edit "
        "the default list (checked with '-name'); 'libssh' from pylibsshext.__full_version__ and the client banner; 'aead_needs_mac' measured by real handshakes (LIBSSH_AEAD_NEEDS_MAC in the script)"
    ),
    "sources": [
        "https://github.com/ansible/pylibssh/blob/devel/docs/changelog.rst",
        "https://www.libssh.org/2024/10/25/libssh-0-11-1-security-and-bugfix-release/",
        "https://www.libssh.org/2021/08/26/libssh-0-9-6-security-release/",
    ],
}


def generate(
    package: str,
    capture: Callable[[str, Path], dict[str, Any]],
    doc: Mapping[str, Any],
    args: argparse.Namespace,
    oldest: str = "0",
) -> int:
    """Capture every release of ``package`` (or ``--only``) and write the client's JSON document."""
    from packaging.version import Version

    existing: dict[str, Any] = {}
    if args.output.is_file():
        existing = json.loads(args.output.read_text(encoding="utf-8")).get("releases", {})
    versions = args.only or [v for v in release_versions(package) if Version(v) >= Version(oldest)]
    releases: dict[str, Any] = dict(existing) if args.only else {}
    failures: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(capture, version, args.env_dir): version for version in versions}
        for future in concurrent.futures.as_completed(futures):
            version = futures[future]
            try:
                releases[version] = future.result()
                print(f"{package} {version}: ok", flush=True)
            except Exception as exc:  # one broken release must not lose the others
                failures[version] = str(exc)
                print(f"{package} {version}: skipped ({exc})", file=sys.stderr, flush=True)
    document = {
        **doc,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "not_captured": {k: failures[k] for k in sorted(failures, key=Version)},
        "releases": {k: releases[k] for k in sorted(releases, key=Version)},
    }
    write_atomic(args.output, json.dumps(document, indent=1) + "\n")
    print(f"wrote {args.output} ({len(releases)} releases, {len(failures)} not captured)")
    return 0 if releases else 1


# --- ssh2-python (libssh2) ------------------------------------------------------------------------

SSH2_PYTHONS = ("3.11", "3.10", "3.9", "3.8")
"""Newest first: the first whose wheels of a release install is the one its data is captured with."""

SSH2_OLDEST = "0.26.0"
"""Older releases are left out: none of them has a wheel for a Python this project supports."""

SSH2_METHODS = {
    "kex": "LIBSSH2_METHOD_KEX",
    "host_key": "LIBSSH2_METHOD_HOSTKEY",
    "cipher": "LIBSSH2_METHOD_CRYPT_CS",
    "mac": "LIBSSH2_METHOD_MAC_CS",
    "compression": "LIBSSH2_METHOD_COMP_CS",
}

SSH2_CLIENT = r"""
import json, socket, sys
import ssh2
from ssh2 import session as module
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
session = module.Session()
try:
    session.handshake(sock)
except Exception:
    pass
methods = json.loads(sys.argv[2])
supported = {}
for category, name in methods.items():
    try:
        supported[category] = [a.decode() if isinstance(a, bytes) else str(a) for a in session.supported_algs(getattr(module, name))]
    except Exception:
        pass
try:
    from ssh2.utils import version
    libssh2 = version()
    libssh2 = libssh2.decode() if isinstance(libssh2, bytes) else str(libssh2)
except Exception:
    libssh2 = None
print(json.dumps({"version": ssh2.__version__, "python": "%d.%d" % sys.version_info[:2], "libssh2": libssh2,
                  "supported": supported}))
"""
"""Run by the release's interpreter: ``Session.handshake`` as scrapli's ssh2 transport does, then what it reports."""


SSH2_DOC = {
    "generated_by": "scripts/gen_client_offers.py ssh2",
    "source": (
        "the SSH_MSG_KEXINIT each ssh2-python release (the libssh2 its wheel bundles) sent from Session.handshake to a "
        "local listener, parsed by auditor.probe.kexinit; 'supported' from Session.supported_algs; 'libssh2' from "
        "ssh2.utils.version() and the client banner"
    ),
    "sources": [
        "https://github.com/ParallelSSH/ssh2-python/blob/master/Changelog.rst",
        "https://libssh2.org/changes.html",
    ],
}


def capture_ssh2(version: str, env_dir: Path) -> dict[str, Any]:
    """One ssh2-python release: its default offer, what libssh2 supports, the libssh2 version."""
    import re

    from packaging.version import Version

    if Version(version) < Version(SSH2_OLDEST):
        raise RuntimeError(f"older than {SSH2_OLDEST}: no wheel for a supported Python")
    found = env_for(f"ssh2-{version}", f"ssh2-python=={version}", env_dir, SSH2_PYTHONS)
    if found is None:
        raise RuntimeError(f"no wheel of ssh2-python {version} installs on Python {', '.join(SSH2_PYTHONS)}")
    py, _ = found
    captured, proc = capture_client(
        [str(py), "-c", SSH2_CLIENT, "{port}", json.dumps(SSH2_METHODS)], server_banner=SERVER_BANNER
    )
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    banner = re.search(r"libssh2_([0-9][0-9.]*[0-9])", captured["client_banner"])
    offered = captured["offered"]
    return {
        "python": report["python"],
        "libssh2": report.get("libssh2") or (banner.group(1) if banner else None),
        "client_banner": captured["client_banner"],
        "strict_kex": "kex-strict-c-v00@openssh.com" in offered["kex"],
        "offered": offered,
        "supported": report["supported"],
    }


# --- the system OpenSSH client --------------------------------------------------------------------

OPENSSH_DOC = {
    "generated_by": "scripts/gen_client_offers.py openssh",
    "source": (
        "the SSH_MSG_KEXINIT each ssh binary sent with -F /dev/null (no ssh_config) to a local listener, parsed by "
        "auditor.probe.kexinit; 'ssh_v' is its ssh -V line; 'ssh_g' what ssh -G -F /dev/null printed for the lists"
    ),
    "sources": ["https://man.openbsd.org/ssh_config", "https://www.openssh.com/releasenotes.html"],
}


def capture_openssh(binary: str) -> tuple[str, dict[str, Any]]:
    """One ssh binary: ``(release, data)`` from ``ssh -V``, ``ssh -G`` and the KEXINIT it really sends."""
    import re

    version_line = subprocess.run([binary, "-V"], capture_output=True, text=True, check=True).stderr.strip()
    release = re.search(r"OpenSSH_([0-9][0-9A-Za-z.]*)", version_line)
    openssl = re.search(r"OpenSSL ([0-9][0-9A-Za-z.]*)", version_line)
    if release is None:
        raise RuntimeError(f"{binary}: not OpenSSH ({version_line!r})")
    captured, _ = capture_client(
        [binary, "-F", "/dev/null", "-T", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-p", "{port}", "127.0.0.1", "exit"],
        server_banner=SERVER_BANNER,
    )  # fmt: skip
    shown = subprocess.run(
        [binary, "-G", "-F", "/dev/null", "sshdrift.invalid"], capture_output=True, text=True, check=True
    )
    ssh_g = {}
    for raw in shown.stdout.splitlines():
        key, _, value = raw.partition(" ")
        if key in ("kexalgorithms", "hostkeyalgorithms", "ciphers", "macs", "compression"):
            ssh_g[key] = value
    offered = captured["offered"]
    return release.group(1), {
        "ssh_v": version_line,
        "openssl": openssl.group(1) if openssl else None,
        "client_banner": captured["client_banner"],
        "strict_kex": "kex-strict-c-v00@openssh.com" in offered["kex"],
        "ssh_g": ssh_g,
        "offered": offered,
    }


def generate_openssh(args: argparse.Namespace) -> int:
    """Capture ``--ssh-binary`` (default ``ssh`` on PATH) and add it to ``rules/clients/openssh.json``."""
    import shutil

    binary = args.ssh_binary or shutil.which("ssh")
    if binary is None:
        print("no ssh on PATH; pass --ssh-binary PATH", file=sys.stderr)
        return 1
    existing: dict[str, Any] = {}
    if args.output.is_file():
        existing = json.loads(args.output.read_text(encoding="utf-8")).get("releases", {})
    release, data = capture_openssh(str(binary))
    releases = {**existing, release: data}
    document = {
        **OPENSSH_DOC,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "releases": {k: releases[k] for k in sorted(releases)},
    }
    write_atomic(args.output, json.dumps(document, indent=1) + "\n")
    print(f"wrote {args.output} (openssh {release}, {len(releases)} releases)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Capture what each client release sends in its KEXINIT.")
    parser.add_argument("client", choices=("libssh", "openssh", "ssh2"))
    parser.add_argument("--ssh-binary", help="openssh: the ssh executable to capture (default: ssh on PATH)")
    parser.add_argument("--only", nargs="*", help="recapture only these releases, keep the others")
    parser.add_argument("--jobs", type=int, default=1, help="releases captured at once (default 1)")
    parser.add_argument(
        "--env-dir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sshdrift" / "gen-envs",
    )
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    args.env_dir.mkdir(parents=True, exist_ok=True)
    args.output = args.output or ROOT / "rules" / "clients" / f"{args.client}.json"
    if args.client == "openssh":
        return generate_openssh(args)
    if args.client == "ssh2":
        return generate("ssh2-python", capture_ssh2, SSH2_DOC, args, oldest=SSH2_OLDEST)
    return generate("ansible-pylibssh", capture_libssh, LIBSSH_DOC, args)


if __name__ == "__main__":
    raise SystemExit(main())
