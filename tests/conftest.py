"""Shared fixtures. Real servers come from :mod:`tests.servers`, started once per session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import servers


@pytest.fixture(scope="session")
def server_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.ServerLab]:
    """Real sshd/dropbear servers on 127.0.0.1, started on first use and stopped at session end.

    Skips the test when sshd or ssh-keygen is missing.
    """
    reason = servers.skip_reason()
    if reason is not None:
        pytest.skip(reason)
    with servers.server_lab(tmp_path_factory.mktemp("servers")) as lab:
        yield lab


@pytest.fixture(scope="session")
def dropbear_server(server_lab: servers.ServerLab) -> servers.SshServer:
    """The real Debian dropbear with an RSA host key."""
    if not servers.DROPBEAR.is_file():
        pytest.skip(f"{servers.DROPBEAR} is not installed (Debian package dropbear-bin)")
    return server_lab.dropbear(("rsa",))


@dataclass(frozen=True)
class JumpGateway:
    """A real sshd that accepts ``key`` for root and forwards TCP to 127.0.0.1 (``direct-tcpip``)."""

    server: servers.SshServer
    key: Path
    """Unencrypted private key (OpenSSH format) accepted by the gateway."""
    user: str

    @property
    def spec(self) -> str:
        """``user@127.0.0.1:port``, as an inventory ``jump`` field takes it."""
        return f"{self.user}@{self.server.host}:{self.server.port}"


@pytest.fixture(scope="session")
def jump_gateway(server_lab: servers.ServerLab, tmp_path_factory: pytest.TempPathFactory) -> JumpGateway:
    """A jump host with a fresh ed25519 client key in its authorized_keys."""
    import getpass

    key = servers.generate_key(tmp_path_factory.mktemp("jump-key") / "id_ed25519", "ed25519")
    public = key.with_name(key.name + ".pub").read_text(encoding="ascii")
    server = server_lab.sshd("modern_default", authorized_keys=[public], label="jump-gateway")
    return JumpGateway(server=server, key=key, user=getpass.getuser())
