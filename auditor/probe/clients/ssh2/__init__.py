"""libssh2 through ssh2-python (scrapli's ``ssh2`` transport) as a :class:`~auditor.probe.clients.interface.Client`.

Each ssh2-python wheel bundles its own libssh2: 0.26.0-0.27.0 → 1.9.0_DEV, 1.0.0 → 1.10.0, 1.1.1-1.2.0.post1 →
1.11.1 (``rules/clients/ssh2.json``). A verdict's ``version`` is the ssh2-python release, its ``backend`` the
libssh2. The folder holds everything that knows ssh2: offer data (:mod:`.offers`), environments
(:mod:`.environments`), the per-device handshake script (:mod:`.worker`) and its driver with the failure
mapping (:mod:`.verify`). Importing this package imports no ssh2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditor.device_model import Device, Offered
from auditor.probe.clients.interface import ClientEnvironment, DeviceKey, EnvironmentRequest, VerifyOptions
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

IMPLICIT_MAC_CIPHERS = frozenset({"aes128-gcm@openssh.com", "aes256-gcm@openssh.com"})
"""The AEAD ciphers libssh2 uses without a MAC overlap (``INTEGRATED-AES-GCM``). With
``chacha20-poly1305@openssh.com`` it still wants a common MAC (measured: libssh2 1.11.1 against sshd offering
chacha20-poly1305 and umac-128-etm only fails, with AES-GCM it connects)."""


class Ssh2Client:
    """libssh2 (``ssh2.session.Session.handshake``), as scrapli's ``ssh2`` transport runs it."""

    name = "ssh2"
    packages: tuple[str, ...] = ("ssh2-python",)
    backend_packages: tuple[str, ...] = ()
    """libssh2 is bundled in the wheel: no lock package changes it."""
    ignored_config: tuple[str, ...] = (
        "KexAlgorithms",
        "HostKeyAlgorithms",
        "Ciphers",
        "MACs",
        "PubkeyAcceptedAlgorithms",
        "CASignatureAlgorithms",
    )
    """libssh2 reads no ssh_config: its offer changes only through ``Session.method_pref``."""
    require_mac_with_aead = False
    """AES-GCM needs no MAC overlap; ChaCha20-Poly1305 does (:data:`IMPLICIT_MAC_CIPHERS`)."""
    implicit_mac_ciphers = IMPLICIT_MAC_CIPHERS

    def known_releases(self) -> list[str]:
        """Every ssh2-python release with offer data, oldest first."""
        from auditor.probe.clients.ssh2 import offers

        return offers.known_releases()

    def offer(self, version: str) -> Offered:
        """The KEXINIT name-lists of ssh2-python ``version``. Raises AuditorError without data."""
        from auditor.probe.clients.ssh2 import offers

        return offers.client_offer(version)

    def supported(self, version: str) -> Mapping[str, tuple[str, ...]]:
        """``Session.supported_algs`` of ``version`` by category. Raises as :meth:`offer`."""
        from auditor.probe.clients.ssh2 import offers

        return offers.supported(version)

    def environment(self, request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
        """See :func:`.environments.resolve` (uv-made environments of the release's own wheel, cached)."""
        from auditor.probe.clients.ssh2.environments import resolve

        return resolve(request, verify=verify)

    def verify(
        self,
        devices: Sequence[Device],
        environment: ClientEnvironment,
        options: VerifyOptions,
        progress: Progress | None,
    ) -> Mapping[DeviceKey, HandshakeOutcome]:
        """``Session.handshake`` without credentials against each device, in ``environment``'s interpreter.

        Raises:
            ConfigError: ``environment`` has no interpreter.
        """
        from auditor.errors import ConfigError
        from auditor.probe.clients.ssh2.verify import verify_devices

        if environment.python is None:
            raise ConfigError(f"ssh2 {environment.version}: no environment to verify with; run again")
        return verify_devices(
            devices, python=environment.python, version=environment.version, options=options, progress=progress
        )

    def failure_category(self, reason: str | None) -> str | None:
        """None: libssh2's ``Unable to exchange encryption keys`` names no category (the probe adds the lists)."""
        return None


SSH2 = Ssh2Client()
"""The one instance the registry lists."""
