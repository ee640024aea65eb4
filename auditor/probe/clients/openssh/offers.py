"""What the system OpenSSH client will really send to a device: ``ssh -V``, ``ssh -G HOST`` and one captured KEXINIT.

* the release: ``ssh -V`` (``OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026`` → ``9.2p1``, OpenSSL
  ``3.0.19``);
* the name-lists for a device: ``ssh -G -p PORT HOST`` prints the configuration ssh would use for it after
  every ssh_config file (ssh_config(5): ``kexalgorithms``, ``hostkeyalgorithms``, ``ciphers``, ``macs``,
  ``compression``), so a user's ``KexAlgorithms +diffie-hellman-group14-sha1`` counts as it does for ssh;
* what ``-G`` does not print: the pseudo-algorithms ssh appends to its kex list (``ext-info-c``, and
  ``kex-strict-c-v00@openssh.com`` from 9.6 or a vendor backport) and the compression names. They are read
  once per binary from a real KEXINIT it sends to a one-shot listener on 127.0.0.1 (``-F /dev/null``);
* ssh puts the host-key algorithms of keys it already knows for the host first (``order_hostkeyalgs`` in
  OpenSSH's sshconnect2.c) when ``HostKeyAlgorithms`` is left at its default: :func:`order_host_keys`.

``rules/clients/openssh.json`` keeps the default offers of the OpenSSH releases captured so far
(``scripts/gen_client_offers.py openssh``), for a release other than the binary at hand.
"""

from __future__ import annotations

import contextlib
import functools
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.device_model import CATEGORIES, Offered
from auditor.errors import AuditorError, ConfigError
from auditor.probe.client_capture import capture_client_hello

DATA_FILE = "clients/openssh.json"
"""Default offers of captured OpenSSH releases, relative to ``rules/``."""

MARKERS = ("ext-info-c", "kex-strict-c-v00@openssh.com")
"""Pseudo-algorithms ssh appends to its kex name-list (RFC 8308 §2.1; OpenSSH PROTOCOL, strict kex)."""

_VERSION = re.compile(r"OpenSSH_([0-9][0-9A-Za-z.]*)")
_OPENSSL = re.compile(r"OpenSSL ([0-9][0-9A-Za-z.]*)")
_G_KEYS = {"kexalgorithms": "kex", "hostkeyalgorithms": "host_key", "ciphers": "cipher", "macs": "mac"}


@dataclass(frozen=True)
class Binary:
    """One ssh executable and what ``ssh -V`` says of it."""

    path: Path
    """The executable (``/usr/bin/ssh``)."""
    version: str
    """The OpenSSH release (``9.2p1``)."""
    banner: str
    """The whole ``ssh -V`` line (``OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026``)."""
    openssl: str | None
    """The OpenSSL it was built with (``3.0.19``), None when it names none."""


def _run(argv: Sequence[str], timeout: float = 15.0) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(argv), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"{argv[0]}: cannot run it ({exc}); pass --ssh-binary PATH of a working ssh") from exc


@functools.cache
def inspect_binary(path: Path) -> Binary:
    """``ssh -V`` of ``path``.

    Raises:
        ConfigError: it cannot run or is not OpenSSH (the message names the path and the next step).
    """
    done = _run([str(path), "-V"])
    line = (done.stderr.strip() or done.stdout.strip()).splitlines()
    text = line[0] if line else ""
    match = _VERSION.search(text)
    if match is None:
        raise ConfigError(
            f"{path}: 'ssh -V' printed {text!r}, not an OpenSSH version; pass --ssh-binary PATH of OpenSSH"
        )
    openssl = _OPENSSL.search(text)
    return Binary(Path(path), match.group(1), text, openssl.group(1) if openssl else None)


def ssh_g(binary: Path, host: str, port: int, config: Path | None = None) -> dict[str, str]:
    """``ssh -G`` for ``host`` and ``port``: every keyword (lower case) → its value as ssh would use it.

    Raises:
        ConfigError: ssh rejected the configuration (its first error line is in the message).
    """
    argv = [str(binary), "-G", "-p", str(port)]
    if config is not None:
        argv += ["-F", str(config)]
    done = _run([*argv, host])
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[0]
        where = config or "the ssh_config files"
        raise ConfigError(f"{where}: ssh -G {host} failed ({first}); fix the configuration")
    out: dict[str, str] = {}
    for raw in done.stdout.splitlines():
        key, _, value = raw.partition(" ")
        out.setdefault(key.lower(), value.strip())
    return out


@functools.cache
def captured_default(binary: Path) -> Offered:
    """The KEXINIT ``binary`` sends with ``-F /dev/null`` to a one-shot listener on 127.0.0.1 (RFC 4253 §7.1).

    Raises:
        ConfigError: it sent no KEXINIT (the message carries ssh's last line).
    """

    def start(port: int) -> subprocess.CompletedProcess[str]:
        argv = [str(binary), "-F", "/dev/null", "-T", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "ConnectTimeout=10",
                "-p", str(port), "127.0.0.1", "exit"]  # fmt: skip
        return _run(argv, timeout=30)

    captured = capture_client_hello(start, banner=b"SSH-2.0-sshdrift_offer\r\n", timeout=15)
    done = captured.result
    if captured.kexinit is None:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError(f"{binary}: sent no KEXINIT to a local listener ({last}); check that ssh runs")
    return captured.kexinit.offered


def offer_from_config(values: Mapping[str, str], default: Offered) -> Offered:
    """The KEXINIT name-lists for ``ssh -G`` ``values``: its lists, plus ``default``'s markers and compression.

    ``compression yes`` puts ``none`` last (OpenSSH ``compression_alg_list``); ``no`` keeps ``default``'s order.
    """
    lists = {category: tuple(n for n in values.get(key, "").split(",") if n) for key, category in _G_KEYS.items()}
    markers = tuple(n for n in default.kex if n in MARKERS)
    compression = default.compression_c2s
    if values.get("compression", "no").lower() == "yes":
        compression = (*(n for n in compression if n != "none"), "none")
    return Offered(
        kex=lists["kex"] + markers,
        host_key=lists["host_key"],
        cipher_c2s=lists["cipher"],
        cipher_s2c=lists["cipher"],
        mac_c2s=lists["mac"],
        mac_s2c=lists["mac"],
        compression_c2s=compression,
        compression_s2c=compression,
    )


def key_type(algorithm: str) -> str:
    """The key type a host-key algorithm signs with (``rsa-sha2-512`` → ``ssh-rsa``), certificates to their key."""
    base = algorithm.replace("-cert-v01@openssh.com", "")
    if base in ("rsa-sha2-256", "rsa-sha2-512"):
        return "ssh-rsa"
    return base


def known_key_types(host: str, port: int, known_hosts: Path | None) -> list[str]:
    """Key types ``known_hosts`` holds for ``host``:``port`` (``ssh-keygen -F``, hashed entries too), in file order."""
    if known_hosts is None or not known_hosts.is_file():
        return []
    name = host if port == 22 else f"[{host}]:{port}"
    with contextlib.suppress(ConfigError):
        done = _run(["ssh-keygen", "-F", name, "-f", str(known_hosts)])
        types = []
        for raw in done.stdout.splitlines():
            parts = raw.split()
            if raw.startswith("#") or len(parts) < 3 or parts[0].startswith("@"):
                continue
            types.append(parts[1])
        return list(dict.fromkeys(types))
    return []


def order_host_keys(algorithms: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    """Order host-key algorithms as ssh does for a host it holds keys of: those key types' algorithms first, order kept.

    OpenSSH sshconnect2.c ``order_hostkeyalgs``, applied only when ``HostKeyAlgorithms`` is the default.
    """
    if not known:
        return tuple(algorithms)
    wanted = set(known)
    first = [a for a in algorithms if key_type(a) in wanted]
    return tuple(first) + tuple(a for a in algorithms if a not in first)


@functools.cache
def _document() -> Mapping[str, Any]:
    from auditor.rules_data import load_json

    document: Mapping[str, Any] = load_json(DATA_FILE)
    return document


def known_releases() -> list[str]:
    """The OpenSSH releases with captured default offers (``["9.2p1"]``)."""
    return sorted(_document()["releases"])


def recorded_offer(version: str) -> Offered:
    """The captured default offer of OpenSSH ``version`` (``ssh -F /dev/null``).

    Raises:
        AuditorError: no capture of that release (the message names the ones there are).
    """
    releases = _document()["releases"]
    if version not in releases:
        known = ", ".join(known_releases()) or "none"
        raise AuditorError(
            f"openssh {version}: no captured offer of this release (captured: {known}); judge the installed ssh "
            "(--ssh-binary PATH) or add it with scripts/gen_client_offers.py openssh --ssh-binary PATH"
        )
    return Offered.from_json({c: releases[version]["offered"][c] for c in CATEGORIES})
