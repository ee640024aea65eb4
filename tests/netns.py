"""Network namespaces made by a test (``ip netns``, veth pairs), with real sshd daemons inside them.

Every address lives inside a namespace the lab made; the machine's own interfaces, routes and
addresses are never touched. Namespaces (and the veth pairs in them) are deleted on :meth:`NetnsLab.close`;
processes started in them are terminated first. Needs root and Debian's iproute2 (``ip``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from tests import servers

IP = "ip"


def skip_reason() -> str | None:
    """Why namespace tests cannot run here (None when they can)."""
    if os.geteuid() != 0:
        return "ip netns needs root"
    if shutil.which(IP) is None:
        return "ip (Debian package iproute2) is not installed"
    probe = f"sdprobe{secrets.token_hex(3)}"
    made = subprocess.run([IP, "netns", "add", probe], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return f"ip netns add failed here: {made.stderr.strip() or made.returncode}"
    subprocess.run([IP, "netns", "delete", probe], capture_output=True, check=False)
    return servers.skip_reason()


class NetnsLab:
    """Namespaces, veth links between them, and processes running inside them."""

    def __init__(self, workdir: Path) -> None:
        """Args: ``workdir``: an empty directory for configuration, keys and logs."""
        self.workdir = workdir
        self.tag = secrets.token_hex(3)
        self.namespaces: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self._links = 0

    def namespace(self, label: str) -> str:
        """A new namespace (loopback up) named ``sd<tag><label>``; returns its name."""
        name = f"sd{self.tag}{label}"
        subprocess.run([IP, "netns", "add", name], check=True, capture_output=True)
        self.namespaces.append(name)
        self.ip(name, "link", "set", "lo", "up")
        return name

    def ip(self, namespace: str, *args: str) -> None:
        """``ip -n NAMESPACE ARGS...`` (raises CalledProcessError with ip's message)."""
        subprocess.run([IP, "-n", namespace, *args], check=True, capture_output=True)

    def link(self, a: str, a_address: str, b: str, b_address: str) -> None:
        """A veth pair made directly inside namespaces ``a`` and ``b``, with ``a_address``/``b_address`` (CIDR)."""
        self._links += 1
        end_a, end_b = f"v{self.tag}{self._links}a", f"v{self.tag}{self._links}b"
        subprocess.run(
            [IP, "link", "add", end_a, "netns", a, "type", "veth", "peer", "name", end_b, "netns", b],
            check=True,
            capture_output=True,
        )
        for namespace, end, address in ((a, end_a, a_address), (b, end_b, b_address)):
            self.ip(namespace, "addr", "add", address, "dev", end)
            self.ip(namespace, "link", "set", end, "up")

    def command(self, namespace: str, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside ``namespace`` (``ip netns exec``)."""
        return [IP, "netns", "exec", namespace, *argv]

    def sshd(
        self,
        namespace: str,
        label: str,
        address: str,
        *,
        authorized_keys: Sequence[str] = (),
        addendum: str | None = None,
    ) -> Path:
        """A real ``sshd -D`` listening on ``address`` port 22 inside ``namespace``, with a fresh ed25519 host key.

        Args:
            namespace: where it runs.
            label: names its directory and log.
            address: its ListenAddress (an address of that namespace).
            authorized_keys: public-key lines allowed to log in as root; when given, TCP forwarding is on
                (``direct-tcpip``), so the server is a jump host.
            addendum: sshd's ``VersionAddendum`` (the comment of its identification string).

        Returns:
            The host key's ``.pub`` file.

        Raises:
            RuntimeError: sshd did not say it listens within 10 s (its log in the message).
        """
        home = self.workdir / label
        home.mkdir(parents=True)
        key = servers.generate_key(home / "ssh_host_ed25519_key", "ed25519")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        lines = [
            f"ListenAddress {address}:22",
            f"HostKey {key}",
            "PidFile none",
            "UsePAM no",
            "LogLevel INFO",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
        ]
        if addendum:
            lines.append(f"VersionAddendum {addendum}")
        if authorized_keys:
            (home / "authorized_keys").write_text("".join(k.strip() + "\n" for k in authorized_keys), encoding="ascii")
            lines += [
                "PubkeyAuthentication yes",
                f"AuthorizedKeysFile {home / 'authorized_keys'}",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding yes",
            ]
        else:
            lines += ["PubkeyAuthentication no", "AllowTcpForwarding no"]
        config = home / "sshd_config"
        config.write_text("\n".join(lines) + "\n", encoding="ascii")
        log = home / "sshd.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                self.command(namespace, [str(servers.SSHD), "-D", "-e", "-f", str(config)]),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        self.processes.append(process)
        deadline = time.monotonic() + 10
        while "Server listening" not in log.read_text(encoding="utf-8", errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd {label} in {namespace} did not start: {log.read_text(errors='replace')}")
            time.sleep(0.05)
        return key.with_name(key.name + ".pub")

    def close(self) -> None:
        """Terminate the processes started here, then delete the namespaces (and their veth pairs)."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        for namespace in self.namespaces:
            subprocess.run([IP, "netns", "delete", namespace], capture_output=True, check=False)
