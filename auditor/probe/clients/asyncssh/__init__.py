"""asyncssh as a :class:`~auditor.probe.clients.interface.Client` (scrapli's asyncssh transport, direct use).

scrapli-netconf and projects that use asyncssh directly run it the same way.

The folder holds everything that knows asyncssh: its offer data per release (:mod:`.offers`, from
``rules/clients/asyncssh.json``), its environments (:mod:`.environments`), the handshake worker run by that
release's interpreter (:mod:`.worker`) and its driver (:mod:`.verify`). Importing this package does not
import asyncssh.

How asyncssh negotiates (its ``connection.py``, RFC 4253 §7.1): the kex is the first client algorithm the
server also lists; cipher, MAC and compression likewise per direction; an AEAD cipher
(``chacha20-poly1305@openssh.com``, AES-GCM) needs no MAC overlap (RFC 5647); the host-key algorithm is left
to the server, which closes the connection when none fits (OpenSSH says nothing first: the worker reports it
as incompatible without a category, and the prediction names the category).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from auditor.device_model import Device, Offered
from auditor.probe.clients.interface import ClientEnvironment, DeviceKey, EnvironmentRequest, VerifyOptions
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

_MESSAGE_CATEGORY: tuple[tuple[str, str], ...] = (
    ("no matching key exchange", "kex"),
    ("no matching kex", "kex"),
    ("no matching encryption", "cipher_c2s"),
    ("no matching cipher", "cipher_c2s"),
    ("no matching mac", "mac_c2s"),
    ("no matching compression", "compression_c2s"),
    ("no matching host key", "host_key"),
    ("no matching host-key", "host_key"),
    ("no matching algo hostkey", "host_key"),
    ("no matching algo kex", "kex"),
    ("no matching algo enc", "cipher_c2s"),
    ("no matching algo mac", "mac_c2s"),
)
"""Words of asyncssh's ``KeyExchangeFailed`` ("No matching encryption algorithm found, sent ... and received ..."),
and of OpenSSH's and Dropbear's disconnects → our category."""


def failed_category(reason: str | None) -> str | None:
    """The category a handshake failure names (``kex``, ``host_key``, ``cipher_c2s``, ``mac_c2s``, ...), or None.

    ``No matching key exchange algorithm found, sent ... and received ...`` → ``kex``; ``No matching
    encryption algorithm found`` → ``cipher_c2s``; OpenSSH's "no matching host key type found" → ``host_key``.
    A server that closed the connection during key exchange names no category (None): the prediction says which.
    """
    text = (reason or "").lower()
    return next((category for words, category in _MESSAGE_CATEGORY if words in text), None)


class AsyncsshClient:
    """asyncssh (``asyncssh.connect`` with ``known_hosts=None``), as scrapli's asyncssh transport runs it.

    Failures map to our statuses in the worker: no overlap (asyncssh's own "No matching ..." or the server's
    disconnect, or the server closing the connection during key exchange) is ``incompatible``; refused,
    timeout, reset before the identification string is ``unreachable``; anything else is ``error``; a
    refused login after the key exchange is ``compatible``.
    """

    name = "asyncssh"
    packages: tuple[str, ...] = ("asyncssh",)
    backend_packages: tuple[str, ...] = ("cryptography",)
    ignored_config: tuple[str, ...] = ()
    """asyncssh reads ssh_config(5) itself (``KexAlgorithms``, ``Ciphers``, ``MACs``, ``HostKeyAlgorithms``): the
    files of ``--ssh-config``, else ``~/.ssh/config``; predictions and handshakes both apply them (:mod:`.config`)."""
    require_mac_with_aead = False
    """An AEAD cipher negotiates without a MAC overlap (asyncssh's ``encryption_needs_mac``)."""

    def known_releases(self) -> list[str]:
        """Every asyncssh release with offer data, oldest first (2.13.0 … 2.24.1)."""
        from auditor.probe.clients.asyncssh import offers

        return offers.known_releases()

    def offer(self, version: str) -> Offered:
        """The default client's KEXINIT name-lists of ``version``. Raises AuditorError without data."""
        from auditor.probe.clients.asyncssh import offers

        return offers.client_offer(version)

    def supported(self, version: str) -> Mapping[str, tuple[str, ...]]:
        """What ``version`` implements by category. Raises AuditorError without data."""
        from auditor.probe.clients.asyncssh import offers

        return offers.supported(version)

    def environment(self, request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
        """See :func:`.environments.resolve` (uv-made environments cached per release).

        The ssh_config files asyncssh will read (``request.ssh_config``, else ``~/.ssh/config`` when readable)
        become the environment's ``options`` (``("ssh_config", PATH)`` each), applied to predictions and handshakes;
        releases before 2.3.0 read none (:data:`.config.CONFIG_SINCE`).

        Raises:
            As :func:`.environments.resolve`; ConfigError: asyncssh cannot read one of the files (exit 3).
        """
        from packaging.version import Version

        from auditor.probe.clients.asyncssh.config import (
            CONFIG_OPTION,
            CONFIG_SINCE,
            check_config,
            default_config_files,
        )
        from auditor.probe.clients.asyncssh.environments import resolve

        environment = resolve(request, verify=verify)
        files = request.ssh_config or default_config_files()
        if not files or Version(environment.version) < Version(CONFIG_SINCE):
            return environment  # releases before 2.3.0 read no ssh_config
        check_config(files)  # a file asyncssh rejects stops the run here, before any device is probed
        return replace(environment, options=tuple((CONFIG_OPTION, str(path)) for path in files))

    def offer_for_host_with_options(
        self, version: str, host: str, port: int, options: Sequence[tuple[str, str]]
    ) -> Offered:
        """:meth:`offer` for ``host`` with the ssh_config files and the code's ``connect`` keywords of ``options``.

        The algorithm lines the ssh_config files set for ``host`` apply first, then the ``connect`` keywords of
        the project's code (``kex_algs``, ...), which win. See :func:`.config.configured_offer` and :func:`.config.with_code_options`; ``port`` does not change
        what asyncssh offers.

        Raises:
            AuditorError: no data for ``version``; ConfigError: an ssh_config file cannot be read or parsed.
        """
        from packaging.version import Version

        from auditor.probe.clients.asyncssh.config import (
            CONFIG_OPTION,
            CONFIG_SINCE,
            configured_offer,
            with_code_options,
        )

        reads_config = Version(version) >= Version(CONFIG_SINCE)
        files = [Path(value) for key, value in options if key == CONFIG_OPTION and reads_config]
        default = self.offer(version)
        offer = configured_offer(default, self.supported(version), files, host, port) if files else default
        algorithms = {key: value for key, value in options if key != CONFIG_OPTION}
        return with_code_options(offer, default, self.supported(version), algorithms) if algorithms else offer

    def verify(
        self,
        devices: Sequence[Device],
        environment: ClientEnvironment,
        options: VerifyOptions,
        progress: Progress | None,
    ) -> Mapping[DeviceKey, HandshakeOutcome]:
        """``asyncssh.connect`` without credentials against each device in ``environment.python``.

        Devices behind jump hosts are reached through their whole chain, opened once per chain.

        Raises:
            ConfigError: no interpreter in ``environment``, or it cannot run the worker or imports another
                asyncssh than ``environment.version``.
        """
        from auditor.errors import ConfigError
        from auditor.probe.clients.asyncssh.verify import verify_devices

        if environment.python is None:
            raise ConfigError(f"asyncssh {environment.version}: no environment to verify with; run again")
        return verify_devices(
            devices,
            python=environment.python,
            version=environment.version,
            timeout=options.timeout,
            concurrency=options.concurrency,
            progress=progress,
            jump_key=options.jump_key,
            known_hosts=options.known_hosts,
            config=[value for key, value in environment.options if key == "ssh_config"],
            algorithms={key: value for key, value in environment.options if key != "ssh_config"},
        )

    def widening_hint(self, version: str, server: Offered) -> str | None:
        """The ssh_config lines that make asyncssh ``version`` negotiate with ``server``, or None.

        asyncssh reads ssh_config (Paramiko does not), so a device its default offer cannot reach is often one
        ``KexAlgorithms +name`` line away. Each failing category (RFC 4253 §7.1 negotiation) is widened with the
        first of the server's algorithms the release implements, until the negotiation succeeds; None when a
        category cannot be widened (the release implements none of the server's, or compression).

        Returns:
            E.g. ``add "KexAlgorithms +diffie-hellman-group-exchange-sha1" to a Host block for this device in
            ~/.ssh/config (or the --ssh-config file), which asyncssh reads``.

        Raises:
            AuditorError: no data for ``version``.
        """
        from auditor.probe.clients.asyncssh.config import CATEGORY_KEYWORD, with_additions
        from auditor.probe.negotiation import negotiate
        from auditor.probe.results import NoOverlap

        default, supported = self.offer(version), self.supported(version)
        additions: dict[str, str] = {}
        for _ in range(len(set(CATEGORY_KEYWORD.values())) + 1):
            outcome = negotiate(
                with_additions(default, supported, additions), server, require_mac_with_aead=self.require_mac_with_aead
            )
            if not isinstance(outcome, NoOverlap):
                break
            keyword = CATEGORY_KEYWORD.get(outcome.category)
            implemented = supported.get(outcome.category.removesuffix("_c2s").removesuffix("_s2c"), ())
            wanted = next((name for name in getattr(server, outcome.category) if name in implemented), None)
            if keyword is None or wanted is None or keyword in additions:
                return None
            additions[keyword] = wanted
        else:
            return None
        if not additions:
            return None
        lines = " and ".join(f'"{keyword} +{name}"' for keyword, name in additions.items())
        return (
            f"add {lines} to a Host block for this device in ~/.ssh/config (or the --ssh-config file), which "
            "asyncssh reads, above any other line of that keyword that applies to it (the first value found wins)"
        )

    def failure_category(self, reason: str | None) -> str | None:
        """See :func:`failed_category`."""
        return failed_category(reason)


ASYNCSSH = AsyncsshClient()
"""The one instance the registry lists."""
