"""Verification with the system OpenSSH client: ``ssh -v`` in batch mode, no credentials, one process per device.

Every authentication method is off (``BatchMode=yes``, no keys, no agent, no password), connection sharing
is off (a user's ControlMaster must not answer for the device), and host keys go to a throwaway copy of
the user's known_hosts (``--known-hosts``, when given) with ``StrictHostKeyChecking=accept-new``: a key seen
for the first time is accepted for this run only, a changed key still fails. The user's ssh_config files are
read as ssh reads them, so its algorithm lines count.

ssh's own debug lines (OpenSSH kex.c, sshconnect2.c, ``-v``) give the outcome:

* ``kex: algorithm: X``, ``kex: host key algorithm: Y``, ``kex: client->server cipher: C MAC: M`` and
  ``SSH2_MSG_NEWKEYS received`` (or an authentication answer): ``compatible``, with what was negotiated;
* ``Unable to negotiate with HOST port P: no matching <what> found. Their offer: ...``: ``incompatible``;
* ``Host key verification failed.``: ``error`` (the key exchange ran, the key is not the known one);
* refused, timeout, DNS, closed before the banner: ``unreachable``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from auditor.device_model import Device, DeviceStatus, Negotiated
from auditor.probe.clients.interface import DeviceKey, VerifyOptions, device_key
from auditor.probe.negotiation import IMPLICIT_MAC
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

WHAT_CATEGORY = {
    "key exchange method": "kex",
    "host key type": "host_key",
    "cipher": "cipher_c2s",
    "MAC": "mac_c2s",
    "compression method": "compression_c2s",
}
"""The ``no matching <what> found`` words of OpenSSH's kex.c → our category."""

NO_CREDENTIALS = (
    "BatchMode=yes",
    "PasswordAuthentication=no",
    "KbdInteractiveAuthentication=no",
    "PubkeyAuthentication=no",
    "HostbasedAuthentication=no",
    "GSSAPIAuthentication=no",
    "IdentityAgent=none",
    "ControlMaster=no",
    "ControlPath=none",
    "UpdateHostKeys=no",
    "GlobalKnownHostsFile=/dev/null",
    "StrictHostKeyChecking=accept-new",
)
"""``-o`` options of every verification run (command-line values win over ssh_config, ssh_config(5))."""

_NO_MATCH = re.compile(r"no matching (key exchange method|host key type|cipher|MAC|compression method) found")
_KEX = re.compile(r"debug1: kex: algorithm: (\S+)")
_HOST_KEY_ALG = re.compile(r"debug1: kex: host key algorithm: (\S+)")
_C2S = re.compile(r"debug1: kex: client->server cipher: (\S+) MAC: (\S+) compression: (\S+)")
_SERVER_KEY = re.compile(r"debug1: Server host key: (\S+) (SHA256:\S+)")
_REMOTE = re.compile(r"debug1: Remote protocol version ([0-9.]+), remote software version (.+?)\s*$", re.MULTILINE)
_DONE = re.compile(r"SSH2_MSG_NEWKEYS received|Authentications that can continue|Permission denied|Authenticated to")
_UNREACHABLE = re.compile(
    r"(?:Connection refused|Connection timed out|timed out|Could not resolve|Name or service not known|"
    r"No route to host|Network is unreachable|Connection reset|Connection closed|banner exchange)",
    re.IGNORECASE,
)


def failed_category(reason: str | None) -> str | None:
    """The category of an OpenSSH ``no matching <what> found`` message (``host key type`` → ``host_key``), or None."""
    match = _NO_MATCH.search(reason or "")
    return WHAT_CATEGORY.get(match.group(1)) if match else None


def _last_error(stderr: str) -> str | None:
    """The last line of ssh that is not a debug line (its error), or None."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("debug")]
    return lines[-1] if lines else None


def classify(stderr: str, returncode: int | None, timeout: float) -> tuple[DeviceStatus, str | None]:
    """``(status, reason)`` from ssh's ``-v`` output and exit status (None: killed after ``timeout`` seconds)."""
    if returncode is None:
        return DeviceStatus.UNREACHABLE, f"handshake timed out after {timeout:g} s"
    error = _last_error(stderr)
    negotiated = _NO_MATCH.search(stderr)
    if negotiated is not None:
        line = next((ln for ln in stderr.splitlines() if "no matching" in ln), negotiated.group(0))
        return DeviceStatus.INCOMPATIBLE, line.strip()
    if "Host key verification failed" in stderr or "REMOTE HOST IDENTIFICATION HAS CHANGED" in stderr:
        return DeviceStatus.ERROR, "host key verification failed: the device's key is not the one in known_hosts"
    if _DONE.search(stderr) or returncode == 0:
        return DeviceStatus.COMPATIBLE, None
    if error and _UNREACHABLE.search(error):
        return DeviceStatus.UNREACHABLE, error
    return DeviceStatus.ERROR, error or f"ssh exited with status {returncode}"


def negotiated_from_debug(stderr: str) -> Negotiated | None:
    """What ssh logged as agreed (``kex: algorithm``, ``kex: host key algorithm``, client->server cipher/MAC)."""
    kex, host_key, c2s = _KEX.search(stderr), _HOST_KEY_ALG.search(stderr), _C2S.search(stderr)
    if kex is None or host_key is None or c2s is None or kex.group(1) == "(no":
        return None
    mac = IMPLICIT_MAC if c2s.group(2) == "<implicit>" else c2s.group(2)
    return Negotiated(
        kex=kex.group(1), host_key=host_key.group(1), cipher=c2s.group(1), mac=mac, compression=c2s.group(3)
    )


def command(binary: Path, device: Device, known_hosts: Path, timeout: float, config: Path | None = None) -> list[str]:
    """The ``ssh`` command line that verifies ``device`` (see the module docstring)."""
    argv = [str(binary), "-v", "-T"]
    if config is not None:
        argv += ["-F", str(config)]
    for option in (*NO_CREDENTIALS, f"UserKnownHostsFile={known_hosts}", f"ConnectTimeout={max(1, round(timeout))}"):
        argv += ["-o", option]
    if device.jump:
        argv += ["-J", device.jump]
    return [*argv, "-p", str(device.port), device.host, "exit"]


def handshake(argv: Sequence[str], device: Device, version: str, timeout: float) -> HandshakeOutcome:
    """Run one verification command and fold ssh's output into a :class:`HandshakeOutcome`. Never raises."""
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout + 5,
            check=False,
        )
        stderr, code = done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        code = None
    except OSError as exc:
        return HandshakeOutcome(device, DeviceStatus.ERROR, version, reason=f"cannot run ssh: {exc}", client="openssh")
    status, reason = classify(stderr, code, timeout)
    remote = _REMOTE.search(stderr)
    key = _SERVER_KEY.search(stderr)
    return HandshakeOutcome(
        device=device,
        status=status,
        version=version,
        negotiated=negotiated_from_debug(stderr) if status is DeviceStatus.COMPATIBLE else None,
        reason=reason,
        host_key_type=key.group(1) if key else None,
        host_key_fingerprint=key.group(2) if key else None,
        banner=f"SSH-{remote.group(1)}-{remote.group(2)}" if remote else None,
        client="openssh",
    )


def verify_devices(
    devices: Sequence[Device],
    *,
    binary: Path,
    version: str,
    options: VerifyOptions,
    progress: Progress | None,
    config: Path | None = None,
) -> dict[DeviceKey, HandshakeOutcome]:
    """``ssh`` against each device without credentials, ``options.concurrency`` at once, one per host:port.

    Args:
        devices: the devices (their ``jump`` becomes ``-J``, checked against the same known_hosts copy).
        binary: the ssh executable.
        version: its OpenSSH release (the outcome's ``version``).
        options: timeout (seconds per device), concurrency, known_hosts (copied, never written).
        progress: advanced by one per finished device.
        config: an ssh_config file for ``-F``; None reads the user's and the system's as ssh does.

    Returns:
        ``(name, host, port)`` → outcome for every device.
    """
    if not devices:
        return {}
    results: dict[DeviceKey, HandshakeOutcome] = {}
    lock = threading.Lock()
    endpoint_locks = {(d.host, d.port): threading.Lock() for d in devices}
    with tempfile.TemporaryDirectory(prefix="sshdrift-openssh-") as tmp:
        known_hosts = Path(tmp) / "known_hosts"
        if options.known_hosts is not None and options.known_hosts.is_file():
            shutil.copyfile(options.known_hosts, known_hosts)
        else:
            known_hosts.write_text("", encoding="utf-8")

        def run(device: Device) -> None:
            argv = command(binary, device, known_hosts, options.timeout, config)
            with endpoint_locks[(device.host, device.port)]:
                outcome = handshake(argv, device, version, options.timeout)
            with lock:
                results[device_key(device)] = outcome
            if progress is not None:
                progress.advance()

        with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
            list(pool.map(run, devices))
    return results
