"""Paramiko as a :class:`~auditor.probe.clients.interface.Client`: the first client behind the seam.

The folder holds everything that knows Paramiko: its offer data per release (:mod:`.offers`, from
``rules/clients/paramiko.json``), its environments (:mod:`.environments`), the handshake worker run by
that release's interpreter (:mod:`.worker`) and its driver (:mod:`.verify`), and the Paramiko our own
process uses for known_hosts, ssh_config ``ProxyJump`` and jump-host connections (:mod:`.glue`).
Importing this package does not import paramiko: start-up stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from auditor.device_model import Device, Offered
from auditor.probe.clients.interface import (
    ClientEnvironment,
    DeviceKey,
    EnvironmentRequest,
    VerifyOptions,
)
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

_MESSAGE_CATEGORY = {
    "kex algorithm": "kex",
    "host key": "host_key",
    "ciphers": "cipher_c2s",
    "macs": "mac_c2s",
    "compression": "compression_c2s",
}
"""Paramiko's "no acceptable ..." words → our category."""


def failed_category(reason: str | None) -> str | None:
    """The category of a Paramiko "no acceptable X" message (``kex``, ``host_key``, ``cipher_c2s``, ...), or None.

    ``Incompatible ssh peer (no acceptable kex algorithm)`` (``IncompatiblePeer`` since 2.9, a plain
    ``SSHException`` with the same words before) → ``kex``.
    """
    match = re.search(r"no acceptable ([a-z ]+?)\)?$", (reason or "").strip())
    return _MESSAGE_CATEGORY.get(match.group(1).strip()) if match else None


class ParamikoClient:
    """Paramiko (``Transport.start_client``), as netmiko, napalm, ncclient and junos-eznc run it.

    Failures map to our statuses in the worker (:func:`.worker.classify`): no overlap in a category
    is ``incompatible``; refused, timeout, DNS, reset, a banner never read or a jump host that failed is
    ``unreachable``; anything else the server did wrong is ``error``.
    """

    name = "paramiko"
    packages: tuple[str, ...] = ("paramiko",)
    backend_packages: tuple[str, ...] = ("cryptography", "bcrypt", "pynacl", "invoke", "gssapi")
    ignored_config: tuple[str, ...] = (
        "KexAlgorithms",
        "HostKeyAlgorithms",
        "Ciphers",
        "MACs",
        "PubkeyAcceptedAlgorithms",
        "PubkeyAcceptedKeyTypes",
        "HostbasedAcceptedAlgorithms",
        "HostbasedKeyTypes",
        "CASignatureAlgorithms",
        "RequiredRSASize",
    )
    """``Transport`` builds its KEXINIT from its own lists minus ``disabled_algorithms``; ssh_config's
    algorithm options (ssh_config(5), OpenSSH 9.x) change nothing."""
    require_mac_with_aead = True
    """Every release fails with "no acceptable macs" without a MAC overlap, AES-GCM included."""
    records_server_hello = True
    """The worker records the server's identification string and KEXINIT as its handshake reads them
    (:attr:`~auditor.probe.clients.interface.VerifyOptions.record_hello`): one connection per device."""

    def known_releases(self) -> list[str]:
        """Every Paramiko release with offer data, oldest first (2.0.9 … 5.1.0)."""
        from auditor.probe.clients.paramiko import offers

        return offers.known_releases()

    def offer(self, version: str) -> Offered:
        """The default client's KEXINIT name-lists of ``version``. Raises AuditorError without data."""
        from auditor.probe.clients.paramiko import offers

        return offers.client_offer(version)

    def offer_with_backend(self, version: str, backend: Sequence[tuple[str, str]]) -> Offered:
        """The KEXINIT name-lists of ``version`` running with ``backend`` (``(("cryptography", "42.0.8"),)``).

        Paramiko 5.1.0 offers ``mlkem768x25519-sha256`` only with a cryptography that has ML-KEM
        (>= 48.0.0, found by capture); empty ``backend`` is the newest it allows.
        Raises AuditorError without data.
        """
        from auditor.probe.clients.paramiko import offers

        return offers.client_offer(version, backend)

    def backend_floors(self, version: str) -> Mapping[str, tuple[str, ...]]:
        """Per backend package, the releases at which ``version``'s offer changes (5.1.0: cryptography 48.0.0).

        Raises AuditorError without data.
        """
        from auditor.probe.clients.paramiko import offers

        return offers.backend_floors(version)

    def supported(self, version: str) -> Mapping[str, tuple[str, ...]]:
        """The keys of ``Transport._kex_info`` etc. of ``version``. Raises AuditorError without data."""
        from auditor.probe.clients.paramiko import offers

        return offers.supported(version)

    def environment(self, request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
        """See :func:`.environments.resolve` (uv-made environments cached per release)."""
        from auditor.probe.clients.paramiko.environments import resolve

        return resolve(request, verify=verify)

    def verify(
        self,
        devices: Sequence[Device],
        environment: ClientEnvironment,
        options: VerifyOptions,
        progress: Progress | None,
    ) -> Mapping[DeviceKey, HandshakeOutcome]:
        """``Transport.start_client`` against each device in worker processes of ``environment.python``.

        Raises:
            ConfigError: no interpreter in ``environment``, or it cannot run the worker or imports
                another Paramiko than ``environment.version``.
        """
        from auditor.errors import ConfigError
        from auditor.probe.clients.paramiko.verify import verify_devices

        if environment.python is None:
            raise ConfigError(f"paramiko {environment.version}: no environment to verify with; run again")
        return verify_devices(
            devices,
            python=environment.python,
            paramiko=environment.version,
            timeout=options.timeout,
            concurrency=options.concurrency,
            progress=progress,
            jump_key=options.jump_key,
            known_hosts=options.known_hosts,
            record=options.record_hello,
            disabled_algorithms=options.disabled_algorithms,
        )

    def failure_category(self, reason: str | None) -> str | None:
        """See :func:`failed_category`."""
        return failed_category(reason)


PARAMIKO = ParamikoClient()
"""The one instance the registry lists."""
