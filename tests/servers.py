"""Real SSH servers on 127.0.0.1 for the integration tests: OpenSSH ``sshd`` and ``dropbear``.

Pytest-free helpers (the fixtures in ``tests/conftest.py`` wrap them), usable from benchmarks
and scripts too. Each server runs in the foreground as a child process, on a free high port of
127.0.0.1, with its own host keys, configuration and PID file in a work directory; nothing
outside that directory is touched except ``/run/sshd`` (sshd's privilege-separation directory,
which it requires when started as root).

Device profiles (what a network OS's SSH server offers) are project data in
``fixtures/devices/`` (read by :mod:`tests.devices`): each OpenSSH-emulated profile there carries an
``sshd_config`` fragment for OpenSSH 9.2 and the host-key types it needs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests import devices

SSHD = Path("/usr/sbin/sshd")
DROPBEAR = Path("/usr/sbin/dropbear")
LOOPBACK = "127.0.0.1"

_KEYGEN_ARGS: dict[str, tuple[str, ...]] = {
    "rsa": ("-t", "rsa", "-b", "2048"),
    "ecdsa": ("-t", "ecdsa", "-b", "256"),
    "ed25519": ("-t", "ed25519"),
    "dsa": ("-t", "dsa"),
}


@dataclass(frozen=True)
class Profile:
    """An sshd configuration fragment that makes OpenSSH 9.2 offer what a device offers."""

    id: str
    config: tuple[str, ...]
    """``sshd_config`` lines (KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs)."""
    key_types: tuple[str, ...]
    """Host-key types to generate: ``rsa``, ``ecdsa``, ``ed25519``, ``dsa``."""


def skip_reason() -> str | None:
    """Why the real-server tests cannot run here (None when they can)."""
    if not SSHD.is_file():
        return f"{SSHD} is not installed (Debian package openssh-server)"
    if shutil.which("ssh-keygen") is None:
        return "ssh-keygen is not installed (Debian package openssh-client)"
    return None


def load_profile(profile_id: str) -> Profile:
    """The OpenSSH 9.2 emulation of ``profile_id`` from ``fixtures/devices/PROFILE_ID.toml``.

    Raises:
        KeyError: no such profile, or it is not emulated with OpenSSH (a Dropbear build).
    """
    device = devices.profile(profile_id)
    if device.sshd_config is None:
        raise KeyError(profile_id)
    return Profile(id=profile_id, config=device.sshd_config, key_types=device.host_keys)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that is free right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, process: subprocess.Popen[bytes] | None = None, timeout: float = 10.0) -> None:
    """Block until 127.0.0.1:``port`` accepts a TCP connection.

    Raises:
        RuntimeError: ``process`` exited first, or ``timeout`` seconds passed.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing accepted on {LOOPBACK}:{port} within {timeout} s")


def generate_key(path: Path, key_type: str) -> Path:
    """Create an unencrypted OpenSSH private key of ``key_type`` at ``path`` (and ``path.pub``)."""
    subprocess.run(
        ["ssh-keygen", "-q", *_KEYGEN_ARGS[key_type], "-N", "", "-C", "sshdrift-test", "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path


@dataclass
class SshServer:
    """A running SSH server on 127.0.0.1."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    workdir: Path
    host_keys: dict[str, Path] = field(default_factory=dict)
    """Host-key type → private key file (OpenSSH format; ``.pub`` beside it for sshd)."""
    host: str = LOOPBACK

    def public_keys(self) -> list[str]:
        """The server's host keys as ``TYPE BASE64`` lines (known_hosts key fields)."""
        out = []
        for key_type, path in self.host_keys.items():
            pub = path.with_name(path.name + ".pub")
            if pub.is_file():
                out.append(" ".join(pub.read_text(encoding="ascii").split()[:2]))
            else:
                result = subprocess.run(
                    ["dropbearkey", "-y", "-f", str(path)], check=True, capture_output=True, text=True
                )
                line = next(x for x in result.stdout.splitlines() if x.startswith(("ssh-", "ecdsa-")))
                out.append(" ".join(line.split()[:2]))
            del key_type
        return out

    def stop(self) -> None:
        """Terminate the server and wait for it (at most 5 s, then kill)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log(self) -> str:
        """What the server wrote on stderr so far."""
        path = self.workdir / "server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def start_sshd(
    name: str,
    workdir: Path,
    *,
    profile: Profile,
    authorized_keys: Sequence[str] = (),
    extra_config: Sequence[str] = (),
) -> SshServer:
    """Start ``sshd -D -e -f CONFIG`` on a free port of 127.0.0.1 with ``profile``'s algorithms.

    Args:
        name: a label (file names, messages).
        workdir: an empty directory for keys, configuration, PID and log files.
        profile: the algorithm lists and host-key types to serve.
        authorized_keys: public-key lines; when given, public-key login is allowed (root too,
            ``prohibit-password``) and TCP forwarding is on, so the server can act as a jump host.
        extra_config: more ``sshd_config`` lines.

    Returns:
        The running server, accepting connections.

    Raises:
        RuntimeError: sshd did not start (its log is in the message).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    keys = {kt: generate_key(workdir / f"ssh_host_{kt}_key", kt) for kt in profile.key_types}
    lines = [f"HostKey {path}" for path in keys.values()]
    lines += [
        f"PidFile {workdir / 'sshd.pid'}",
        "MaxStartups 100:30:200",
        "UsePAM no",
        "LogLevel ERROR",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
    ]
    if authorized_keys:
        auth = workdir / "authorized_keys"
        auth.write_text("".join(k.strip() + "\n" for k in authorized_keys), encoding="ascii")
        lines += [
            "PubkeyAuthentication yes",
            f"AuthorizedKeysFile {auth}",
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            "AllowTcpForwarding yes",
            "PermitOpen 127.0.0.1:*",
        ]
    else:
        lines += ["PubkeyAuthentication no", "AllowTcpForwarding no"]
    lines += list(profile.config) + list(extra_config)
    for _attempt in range(5):
        port = free_port()
        config = workdir / "sshd_config"
        config.write_text("\n".join([f"ListenAddress {LOOPBACK}", f"Port {port}", *lines]) + "\n", encoding="ascii")
        subprocess.run([str(SSHD), "-t", "-f", str(config)], check=True, stdin=subprocess.DEVNULL)
        server = _spawn(name, port, workdir, [str(SSHD), "-D", "-e", "-f", str(config)], keys)
        if server is not None:
            return server
    raise RuntimeError(f"sshd {name}: could not start; log: {(workdir / 'server.log').read_text(errors='replace')}")


def start_dropbear(name: str, workdir: Path, *, key_types: Sequence[str] = ("rsa",)) -> SshServer:
    """Start the real ``dropbear -F -E -p 127.0.0.1:PORT -r KEY...`` with fresh host keys.

    Raises:
        RuntimeError: dropbear did not start (its log is in the message).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    keys: dict[str, Path] = {}
    for key_type in key_types:
        path = workdir / f"dropbear_{key_type}_key"
        subprocess.run(
            ["dropbearkey", "-t", key_type, "-f", str(path)], check=True, capture_output=True, stdin=subprocess.DEVNULL
        )
        keys[key_type] = path
    key_args = [arg for path in keys.values() for arg in ("-r", str(path))]
    for _attempt in range(5):
        port = free_port()
        command = [
            str(DROPBEAR),
            "-F",
            "-E",
            "-s",
            "-p",
            f"{LOOPBACK}:{port}",
            "-P",
            str(workdir / "db.pid"),
            *key_args,
        ]
        server = _spawn(name, port, workdir, command, keys)
        if server is not None:
            return server
    raise RuntimeError(f"dropbear {name}: could not start; log: {(workdir / 'server.log').read_text(errors='replace')}")


def _spawn(name: str, port: int, workdir: Path, command: list[str], keys: dict[str, Path]) -> SshServer | None:
    """Run ``command``, wait for ``port``; None when it died (e.g. the port was taken meanwhile)."""
    log = (workdir / "server.log").open("ab")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    server = SshServer(name=name, port=port, process=process, workdir=workdir, host_keys=keys)
    try:
        wait_for_port(port, process=process)
    except RuntimeError:
        server.stop()
        return None
    return server


class ServerLab:
    """A set of servers started on demand and stopped together (a context manager).

    ``sshd(profile_id)`` and ``dropbear()`` start a server the first time and return the same
    one afterwards, so a test session pays for each server once.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.servers: dict[str, SshServer] = {}

    def sshd(self, profile_id: str, *, authorized_keys: Sequence[str] = (), label: str | None = None) -> SshServer:
        """The sshd serving ``profile_id`` (see :func:`load_profile`), started once per ``label``."""
        name = label or profile_id
        if name not in self.servers:
            self.servers[name] = start_sshd(
                name, self.root / name, profile=load_profile(profile_id), authorized_keys=authorized_keys
            )
        return self.servers[name]

    def dropbear(self, key_types: Sequence[str] = ("rsa",), *, label: str = "dropbear") -> SshServer:
        """The dropbear server with ``key_types`` host keys, started once per ``label``."""
        if label not in self.servers:
            self.servers[label] = start_dropbear(label, self.root / label, key_types=key_types)
        return self.servers[label]

    def stop(self) -> None:
        """Stop every server this lab started."""
        for server in self.servers.values():
            server.stop()
        self.servers.clear()

    def __enter__(self) -> ServerLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def server_lab(root: Path) -> Iterator[ServerLab]:
    """A :class:`ServerLab` under ``root`` that is stopped on exit."""
    lab = ServerLab(root)
    try:
        yield lab
    finally:
        lab.stop()
