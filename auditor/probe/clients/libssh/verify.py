"""Verification with libssh: one real ``Session.connect`` per device in the environment of the release judged.

Each device gets its own short-lived process of that environment's interpreter running
:mod:`auditor.probe.clients.libssh.worker`: libssh logs per process, not per session, and its log is
where the negotiated algorithms are (``ssh_kex_select_methods: Negotiated ...``). Processes run
``concurrency`` at a time, one at a time per host:port (devices limit their vty sessions).

Failure mapping (libssh's own messages, ``kex.c`` and ``client.c``):

* ``ssh_connect`` succeeded, authentication then failed (no credentials): ``compatible``;
* ``kex error : no match for method <method>: server [...], client [...]``: ``incompatible``, the
  category from ``<method>`` (:func:`failed_category`);
* refused, timeout, DNS, the peer closed before its banner: ``unreachable``;
* anything else inside ``ssh_connect`` (a bad signature, a broken packet): ``error``.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from auditor.device_model import Device, DeviceStatus, Negotiated
from auditor.probe.clients.interface import DeviceKey, VerifyOptions, device_key
from auditor.probe.negotiation import IMPLICIT_MAC
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

WORKER = Path(__file__).with_name("worker.py")
"""The script the release's interpreter runs, once per device."""

START_SECONDS = 20.0
"""Allowance for the worker to start and import pylibsshext, on top of the handshake timeout."""

METHOD_CATEGORY = {
    "kex algos": "kex",
    "server host key algo": "host_key",
    "encryption client->server": "cipher_c2s",
    "encryption server->client": "cipher_s2c",
    "mac algo client->server": "mac_c2s",
    "mac algo server->client": "mac_s2c",
    "compression algo client->server": "compression_c2s",
    "compression algo server->client": "compression_s2c",
}
"""libssh's method names in ``kex error : no match for method ...`` (``ssh_kex_desc``) → our category."""

_NO_MATCH = re.compile(r"no match for method ([^:]+?)\s*(?::|$)")
_NEGOTIATED = re.compile(r"ssh_kex_select_methods:\s+Negotiated (\S+)")
_BANNER = re.compile(r"Analyzing banner: (.+?)\s*$", re.MULTILINE)
_UNREACHABLE = re.compile(
    r"(?:refused|timed? ?out|timeout|Failed to resolve|Name or service|No route|unreachable|"
    r"Socket error: disconnected|Connection reset|Received SSH_MSG_DISCONNECT before banner|closed)",
    re.IGNORECASE,
)


def failed_category(reason: str | None) -> str | None:
    """The category of a libssh ``kex error : no match for method X: ...`` message, or None.

    ``ssh connect failed: kex error : no match for method server host key algo: server [ssh-rsa], client
    [...]`` → ``host_key``.
    """
    match = _NO_MATCH.search(reason or "")
    return METHOD_CATEGORY.get(match.group(1).strip()) if match else None


def classify(report: dict[str, Any] | None, stderr: str, timeout: float) -> tuple[DeviceStatus, str | None]:
    """``(status, reason)`` of one worker run: its JSON report (None if it printed none) and its libssh log.

    The reason is the client's own message, its first line without the name-lists; None when compatible.
    """
    if report is None:
        return DeviceStatus.UNREACHABLE, f"handshake timed out after {timeout:g} s"
    error = (report.get("error") or "").strip().splitlines()
    # libssh's kex error goes on with both lists in full; the report has them already.
    reason = error[0].split(": server [")[0] if error else None
    if report.get("connected"):
        return DeviceStatus.COMPATIBLE, None
    if failed_category(reason) is not None or "kex error" in (reason or ""):
        return DeviceStatus.INCOMPATIBLE, reason
    if reason and _UNREACHABLE.search(reason) and _NEGOTIATED.search(stderr) is None:
        return DeviceStatus.UNREACHABLE, reason
    return DeviceStatus.ERROR, reason or "ssh_connect failed without a message"


def negotiated_from_log(stderr: str) -> Negotiated | None:
    """The algorithms libssh logged as negotiated (``kex,hostkey,enc c2s,enc s2c,mac c2s,mac s2c,comp c2s,...``).

    libssh names the MAC of an AEAD cipher ``aead-gcm`` / ``aead-poly1305``: that is :data:`IMPLICIT_MAC`.
    """
    match = _NEGOTIATED.search(stderr)
    if match is None:
        return None
    parts = match.group(1).split(",")
    if len(parts) < 7 or not parts[0] or not parts[1]:
        return None
    mac = IMPLICIT_MAC if parts[4].startswith("aead-") else parts[4]
    return Negotiated(kex=parts[0], host_key=parts[1], cipher=parts[2], mac=mac, compression=parts[6] or "none")


def _hop(spec: str) -> tuple[str, str, str]:
    """``[user@]host[:port]`` (``[v6]:port`` too) → ``(user, host, port)`` as text; port ``22`` when absent."""
    user, _, rest = spec.rpartition("@")
    host, port = rest, "22"
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        port = tail[1:] if tail.startswith(":") else "22"
    elif rest.count(":") == 1:
        host, _, port = rest.partition(":")
    return user, host, port


def proxy_command(jumps: Sequence[str], target: str, port: int, options: VerifyOptions, known_hosts: Path) -> str:
    """The ``ProxyCommand`` that reaches ``target``:``port`` through the chain ``jumps`` with the system ssh.

    The last hop forwards to the target (``ssh -W``, RFC 4254 §7.2 ``direct-tcpip``); each hop before it is
    reached through a ``ProxyCommand`` of the same kind, so the chain is never shortened (ssh_config(5)
    ``ProxyJump``). Targets are written out, never ``%h``/``%p``, which libssh would expand in the nested
    commands too. Each gateway's key is checked against ``known_hosts`` (a copy of the user's file, so a
    gateway seen for the first time is accepted for this run only and a changed key fails); BatchMode, never
    a prompt.
    """
    import shlex

    user, host, hop_port = _hop(jumps[-1])
    where = f"[{target}]:{port}" if ":" in target else f"{target}:{port}"
    argv = [
        "ssh",
        "-W",
        where,
        "-o",
        "BatchMode=yes",
        "-o",
        f"UserKnownHostsFile={known_hosts}",
        "-o",
        "StrictHostKeyChecking=accept-new",
        "-p",
        hop_port,
    ]
    if len(jumps) > 1:
        argv += ["-o", f"ProxyCommand={proxy_command(jumps[:-1], host, int(hop_port), options, known_hosts)}"]
    if options.jump_key is not None:
        argv += ["-i", str(options.jump_key), "-o", "IdentitiesOnly=yes"]
    argv.append(f"{user}@{host}" if user else host)
    return " ".join(shlex.quote(a) for a in argv)


def verify_devices(
    devices: Sequence[Device],
    *,
    python: Path,
    version: str,
    options: VerifyOptions,
    progress: Progress | None,
    key_exchange: str | None = None,
    hostkeys: str | None = None,
) -> dict[DeviceKey, HandshakeOutcome]:
    """One ``Session.connect`` per device, without credentials, with ``python``'s ansible-pylibssh.

    Args:
        devices: the devices (duplicates of a host:port run one after another).
        python: the interpreter of the release's environment.
        version: the ansible-pylibssh release ``python`` imports (the outcome's ``version``).
        options: timeout (seconds per device), concurrency, jump key and known_hosts for gateways.
        progress: advanced by one per finished device.
        key_exchange: Ansible's ``key_exchange_algorithms`` setting, passed as Ansible passes it.
        hostkeys: Ansible's ``hostkeys`` setting.

    Returns:
        ``(name, host, port)`` → outcome for every device.
    """
    if not devices:
        return {}
    results: dict[DeviceKey, HandshakeOutcome] = {}
    lock = threading.Lock()
    endpoint_locks = {(d.host, d.port): threading.Lock() for d in devices}
    with tempfile.TemporaryDirectory(prefix="sshdrift-libssh-") as tmp:
        empty = Path(tmp) / "known_hosts"
        empty.write_text("", encoding="utf-8")
        gateways = Path(tmp) / "gateway_known_hosts"
        if options.known_hosts is not None and options.known_hosts.is_file():
            gateways.write_bytes(options.known_hosts.read_bytes())
        else:
            gateways.write_text("", encoding="utf-8")

        def run(device: Device) -> None:
            job = {
                "host": device.host,
                "port": device.port,
                "timeout": options.timeout,
                "knownhosts": str(empty),
                "key_exchange_algorithms": key_exchange,
                "hostkeys": hostkeys,
                "proxycommand": (
                    proxy_command(device.jumps, device.host, device.port, options, gateways) if device.jumps else None
                ),
            }
            with endpoint_locks[(device.host, device.port)]:
                outcome = handshake(device, python=python, version=version, job=job, timeout=options.timeout)
            with lock:
                results[device_key(device)] = outcome
            if progress is not None:
                progress.advance()

        with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
            list(pool.map(run, devices))
    return results


def handshake(device: Device, *, python: Path, version: str, job: dict[str, Any], timeout: float) -> HandshakeOutcome:
    """Run the worker for one device and fold its report and log into a :class:`HandshakeOutcome`. Never raises."""
    report: dict[str, Any] | None = None
    stderr = ""
    try:
        done = subprocess.run(
            [str(python), "-I", "-B", str(WORKER), json.dumps(job)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout + START_SECONDS,
            check=False,
        )
        stderr = done.stderr
        lines = done.stdout.strip().splitlines()
        if lines:
            report = json.loads(lines[-1])
        elif done.returncode != 0:
            last = (stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            return HandshakeOutcome(
                device, DeviceStatus.ERROR, version, reason=f"the libssh worker failed: {last}", client="libssh"
            )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    except (OSError, ValueError) as exc:
        return HandshakeOutcome(
            device, DeviceStatus.ERROR, version, reason=f"the libssh worker failed: {exc}", client="libssh"
        )
    status, reason = classify(report, stderr, timeout)
    banner = _BANNER.search(stderr)
    return HandshakeOutcome(
        device=device,
        status=status,
        version=version,
        negotiated=negotiated_from_log(stderr) if status is DeviceStatus.COMPATIBLE else None,
        reason=reason,
        banner=banner.group(1) if banner else None,
        client="libssh",
    )
