"""Real SSH servers on 127.0.0.1 for the integration tests: OpenSSH ``sshd`` and ``dropbear``.

Pytest-free helpers (the fixtures in ``tests/conftest.py`` wrap them), usable from benchmarks
and scripts too. Each server listens on a port of 127.0.0.1 that the kernel picked and that the
server (dropbear) or our own socket (:class:`InetdListener`, for sshd in inetd mode) holds from
then on, with its own host keys, configuration and log in a work directory; nothing outside that
directory is touched except ``/run/sshd`` (sshd's privilege-separation directory, which it
requires when started as root).

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
import threading
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
    """A TCP port of 127.0.0.1 that was free a moment ago (the kernel's pick), for a port nothing listens on.

    Never start a server on it (another process may take it meanwhile): the servers here listen
    on a port they hold from the moment the kernel picks it.
    """
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


class InetdListener:
    """A listening socket of our own on 127.0.0.1 (or ``address``), port chosen by the kernel (or ``port``),
    that hands each accepted connection to a new server process in inetd mode (``sshd -i``, ``dropbear -i``).

    The socket is bound to port 0 and kept open for the server's whole life, so the port is never
    free between choosing and listening: no other process can take it, and a connection to it
    always reaches this server. Each child gets the connection as standard input and output and
    appends its standard error to ``log``. An accept thread (a daemon) serves until :meth:`stop`.
    """

    def __init__(self, command: Sequence[str], log: Path, *, address: str = LOOPBACK, port: int = 0) -> None:
        self.command = list(command)
        self.log = log
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind((address, port))
        self.socket.listen(256)
        self.port = int(self.socket.getsockname()[1])
        self.children: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name=f"inetd-{self.port}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return  # stop() shut the socket down
            with conn, self.log.open("ab") as log, self._lock:
                self.children = [c for c in self.children if c.poll() is None]
                self.children.append(
                    subprocess.Popen(self.command, stdin=conn.fileno(), stdout=conn.fileno(), stderr=log)
                )

    def reap(self, timeout: float = 5.0) -> int:
        """Wait (at most ``timeout`` seconds) until every server process started so far has exited, and reap them.

        A reaped child's CPU time lands in this process's ``resource.RUSAGE_CHILDREN`` (the benchmarks use
        that to tell the servers' CPU from a client's).

        Returns:
            How many children were still serving when ``timeout`` ran out (0 when all exited).
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self.children = [c for c in self.children if c.poll() is None]
                left = len(self.children)
            if not left or time.monotonic() >= deadline:
                return left
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop listening, then terminate the children still serving (at most 5 s each, then kill)."""
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.socket.close()
        self._thread.join(timeout=5)
        with self._lock:
            children, self.children = self.children, []
        for child in children:
            _terminate(child)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process`` and wait for it (at most 5 s, then kill)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class SshServer:
    """A running SSH server on 127.0.0.1."""

    name: str
    port: int
    workdir: Path
    host_keys: dict[str, Path] = field(default_factory=dict)
    """Host-key type → private key file (OpenSSH format; ``.pub`` beside it for sshd)."""
    host: str = LOOPBACK
    listener: InetdListener | None = None
    """Our listening socket, when each connection runs one server process in inetd mode (sshd)."""
    process: subprocess.Popen[bytes] | None = None
    """The server daemon, when it listens itself (dropbear)."""

    def public_keys(self) -> list[str]:
        """The server's host keys as ``TYPE BASE64`` lines (known_hosts key fields)."""
        out = []
        for path in self.host_keys.values():
            pub = path.with_name(path.name + ".pub")
            if pub.is_file():
                out.append(" ".join(pub.read_text(encoding="ascii").split()[:2]))
            else:
                result = subprocess.run(
                    ["dropbearkey", "-y", "-f", str(path)], check=True, capture_output=True, text=True
                )
                line = next(x for x in result.stdout.splitlines() if x.startswith(("ssh-", "ecdsa-")))
                out.append(" ".join(line.split()[:2]))
        return out

    def stop(self) -> None:
        """Stop listening and end the server processes (at most 5 s each, then kill)."""
        if self.listener is not None:
            self.listener.stop()
        if self.process is not None:
            _terminate(self.process)

    def log(self) -> str:
        """What the server processes wrote on stderr so far."""
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
    """Serve ``profile``'s algorithms with ``sshd -i -e -f CONFIG`` behind our own listener on 127.0.0.1.

    The port is the kernel's pick, bound before the server is known and held until :meth:`SshServer.stop`
    (OpenSSH refuses ``Port 0``, so sshd runs in inetd mode, one process per connection, as its
    re-exec'd children would anyway).

    Args:
        name: a label (file names, messages).
        workdir: an empty directory for keys, configuration and log files.
        profile: the algorithm lists and host-key types to serve.
        authorized_keys: public-key lines; when given, public-key login is allowed (root too,
            ``prohibit-password``) and TCP forwarding is on, so the server can act as a jump host.
        extra_config: more ``sshd_config`` lines.

    Returns:
        The running server, accepting connections (its identification string was read once).

    Raises:
        RuntimeError: sshd did not answer with an identification string (its log is in the message).
        subprocess.CalledProcessError: ``sshd -t`` rejected the configuration.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    keys = {kt: generate_key(workdir / f"ssh_host_{kt}_key", kt) for kt in profile.key_types}
    lines = [f"HostKey {path}" for path in keys.values()]
    lines += [
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
    config = workdir / "sshd_config"
    config.write_text("\n".join(lines) + "\n", encoding="ascii")
    subprocess.run([str(SSHD), "-t", "-f", str(config)], check=True, stdin=subprocess.DEVNULL)
    return _serve(name, workdir, [str(SSHD), "-i", "-e", "-f", str(config)], keys)


def start_dropbear(name: str, workdir: Path, *, key_types: Sequence[str] = ("rsa",)) -> SshServer:
    """Start the real ``dropbear -F -E -s -p 127.0.0.1:0 -r KEY...`` with fresh host keys.

    dropbear binds a port the kernel picks and keeps it; we read that port from the socket it holds
    (:func:`listening_port`). Its inetd mode cannot log to stderr, so it runs as a daemon.

    Raises:
        RuntimeError: dropbear exited or held no listening socket within 10 s (its log is in the message).
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
    command = [str(DROPBEAR), "-F", "-E", "-s", "-p", f"{LOOPBACK}:0", "-P", str(workdir / "db.pid"), *key_args]
    with (workdir / "server.log").open("ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    server = SshServer(name=name, port=0, workdir=workdir, host_keys=keys, process=process)
    try:
        server.port = listening_port(process)
    except RuntimeError as exc:
        server.stop()
        raise RuntimeError(f"dropbear {name}: {exc}; log: {server.log()}") from exc
    return server


def _socket_inodes(pid: int) -> set[str]:
    """Inodes of the sockets process ``pid`` holds (its ``/proc/PID/fd`` links ``socket:[INODE]``)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = str(fd.readlink())
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


def listening_port(process: subprocess.Popen[bytes], *, timeout: float = 10.0) -> int:
    """The TCP port of the IPv4 listening socket that ``process`` holds (Linux ``/proc``).

    A listening socket is a line of ``/proc/net/tcp`` in state ``0A`` whose inode is one of the
    process's sockets; its local address is ``HEXADDR:HEXPORT``.

    Raises:
        RuntimeError: the process exited, or held no listening socket within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        with contextlib.suppress(OSError):
            inodes = _socket_inodes(process.pid)
            for line in Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    return int(fields[1].rsplit(":", 1)[1], 16)
        time.sleep(0.05)
    raise RuntimeError(f"no listening socket within {timeout} s")


def _serve(name: str, workdir: Path, command: list[str], keys: dict[str, Path]) -> SshServer:
    """Serve ``command`` in inetd mode and read one identification string, so a broken server fails here."""
    listener = InetdListener(command, workdir / "server.log")
    server = SshServer(name=name, port=listener.port, workdir=workdir, host_keys=keys, listener=listener)
    try:
        with socket.create_connection((LOOPBACK, listener.port), timeout=10) as sock:
            banner = sock.makefile("rb").readline(256)
    except OSError as exc:
        banner = f"({exc})".encode()
    if not banner.startswith(b"SSH-2.0-"):
        server.stop()
        raise RuntimeError(f"{command[0]} {name}: no identification string ({banner!r}); log: {server.log()}")
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
