"""libssh through ansible-pylibssh as a :class:`~auditor.probe.clients.interface.Client`.

Ansible's ``network_cli`` connection uses libssh whenever ansible-pylibssh is installed
(``ansible_network_cli_ssh_type``, default ``auto``), and each pylibssh wheel bundles its own libssh:
1.0.0 → 0.9.3, 1.1.0-1.2.2 → 0.9.6, 1.3.0 → 0.11.3, 1.4.0 → 0.12.0 (``rules/clients/libssh.json``).
A verdict's ``version`` is the ansible-pylibssh release (what a lock pins), its ``backend`` the libssh.

The folder holds everything that knows pylibssh: offer data and Ansible's widening settings
(:mod:`.offers`), environments (:mod:`.environments`), the per-device handshake script (:mod:`.worker`)
and its driver with the failure mapping (:mod:`.verify`). Importing this package imports no pylibssh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from auditor.device_model import Device, Offered
from auditor.probe.clients.interface import (
    ClientEnvironment,
    DeviceKey,
    EnvironmentRequest,
    VerifyOptions,
)
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress
from auditor.sources.ansible_cfg import LIBSSH_SETTINGS, LibsshSettings, read_libssh_settings

_WIDENING = {"kex": "key_exchange_algorithms", "host_key": "hostkeys"}
"""Category → the Ansible libssh option that widens it."""


class LibsshClient:
    """libssh (``pylibsshext.session.Session.connect``), as Ansible's ``network_cli`` and ``libssh`` connections run it.

    ``settings``: the project's Ansible libssh settings (:func:`auditor.sources.ansible_cfg.read_libssh_settings`);
    predictions and handshakes both apply them, as Ansible hands them to ``Session.connect``.
    """

    name = "libssh"
    packages: tuple[str, ...] = ("ansible-pylibssh",)
    backend_packages: tuple[str, ...] = ()
    """libssh is bundled in the pylibssh wheel: no lock package changes it."""
    ignored_config: tuple[str, ...] = ("CASignatureAlgorithms", "RequiredRSASize", "HostbasedAcceptedAlgorithms")
    """libssh's own ssh_config parser (``config.c``) applies KexAlgorithms, HostKeyAlgorithms, Ciphers and MACs
    of ``~/.ssh/config``; these it does not know."""
    require_mac_with_aead = False
    """libssh uses the cipher's own tag for AES-GCM and ChaCha20-Poly1305 (``aead-gcm``, ``aead-poly1305``),
    except the libssh 0.9.3 of the oldest releases: see :meth:`requires_mac_with_aead`."""

    def __init__(self, settings: LibsshSettings | None = None) -> None:
        self.settings = settings or LibsshSettings()
        """The project's Ansible libssh settings (empty: the release's defaults)."""

    def with_settings(self, settings: LibsshSettings) -> LibsshClient:
        """A libssh client with the project's Ansible libssh settings applied to offers and handshakes."""
        return LibsshClient(settings=settings)

    def requires_mac_with_aead(self, version: str) -> bool:
        """Whether ansible-pylibssh ``version`` needs a MAC overlap even with an AEAD cipher (libssh 0.9.3: yes).

        Read by :func:`auditor.probe.negotiation.predict` in place of :attr:`require_mac_with_aead`.

        Raises:
            AuditorError: no data for ``version``.
        """
        from auditor.probe.clients.libssh import offers

        return offers.aead_needs_mac(version)

    def known_releases(self) -> list[str]:
        """Every ansible-pylibssh release with offer data, oldest first (0.1.0 … 1.4.0)."""
        from auditor.probe.clients.libssh import offers

        return offers.known_releases()

    def offer(self, version: str) -> Offered:
        """The KEXINIT name-lists of ansible-pylibssh ``version``, with the project's Ansible settings applied.

        Raises:
            AuditorError: no data for ``version``.
        """
        from auditor.probe.clients.libssh import offers

        return offers.widened_offer(
            version,
            key_exchange=self.settings.value("key_exchange_algorithms"),
            hostkeys=self.settings.value("hostkeys"),
        )

    def supported(self, version: str) -> Mapping[str, tuple[str, ...]]:
        """What ``version`` can offer by category (kex and host keys Ansible's options can turn on). Raises as :meth:`offer`."""
        from auditor.probe.clients.libssh import offers

        return offers.supported(version)

    def environment(self, request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
        """See :func:`.environments.resolve` (uv-made environments of the release's own wheel, cached).

        With ``request.ansible_cfg``, the project's Ansible libssh settings (:func:`read_libssh_settings`)
        become the environment's ``options``, applied to predictions and handshakes.

        Raises:
            As :func:`.environments.resolve`; ConfigError: the ansible.cfg cannot be read.
        """
        from auditor.probe.clients.libssh.environments import resolve

        environment = resolve(request, verify=verify)
        settings = read_libssh_settings(request.ansible_cfg) if request.ansible_cfg is not None else self.settings
        options = tuple(
            (option, value) for option in ("key_exchange_algorithms", "hostkeys") if (value := settings.value(option))
        )
        return replace(environment, options=options) if options else environment

    def offer_with_options(self, version: str, options: Sequence[tuple[str, str]]) -> Offered:
        """:meth:`offer` with Ansible's ``key_exchange_algorithms`` / ``hostkeys`` values of ``options``."""
        from auditor.probe.clients.libssh import offers

        given = dict(options)
        return offers.widened_offer(
            version, key_exchange=given.get("key_exchange_algorithms"), hostkeys=given.get("hostkeys")
        )

    def verify(
        self,
        devices: Sequence[Device],
        environment: ClientEnvironment,
        options: VerifyOptions,
        progress: Progress | None,
    ) -> Mapping[DeviceKey, HandshakeOutcome]:
        """``Session.connect`` without credentials against each device, in ``environment``'s interpreter.

        Raises:
            ConfigError: ``environment`` has no interpreter.
        """
        from auditor.errors import ConfigError
        from auditor.probe.clients.libssh.verify import verify_devices

        if environment.python is None:
            raise ConfigError(f"libssh {environment.version}: no environment to verify with; run again")
        given = dict(environment.options)
        return verify_devices(
            devices,
            python=environment.python,
            version=environment.version,
            options=options,
            progress=progress,
            key_exchange=given.get("key_exchange_algorithms", self.settings.value("key_exchange_algorithms")),
            hostkeys=given.get("hostkeys", self.settings.value("hostkeys")),
        )

    def failure_category(self, reason: str | None) -> str | None:
        """See :func:`.verify.failed_category` (libssh's ``no match for method ...``)."""
        from auditor.probe.clients.libssh.verify import failed_category

        return failed_category(reason)

    def widening_hint(self, version: str, server: Offered) -> str | None:
        """The Ansible settings that make ansible-pylibssh ``version`` negotiate with ``server``, or None.

        Kex and host keys are widened one category at a time with the first of the server's algorithms the
        release implements (``+name`` where the release takes modifiers, else the whole list), as long as the
        negotiation (RFC 4253 §7.1) fails in one of them; the hint is given only when the result negotiates
        (a classic IOS device also needs ``hmac-sha1``, which no Ansible option turns on: then None).

        Returns:
            E.g. ``set ansible_libssh_key_exchange_algorithms: "+diffie-hellman-group14-sha1" and
            ansible_libssh_hostkeys: "+ssh-rsa" (or key_exchange_algorithms / hostkeys in [libssh_connection]
            of ansible.cfg)``.

        Raises:
            AuditorError: no data for ``version``.
        """
        from auditor.probe.clients.libssh import offers
        from auditor.probe.negotiation import negotiate
        from auditor.probe.results import NoOverlap

        values: dict[str, str] = {}
        for _ in _WIDENING:
            offer = offers.widened_offer(
                version, key_exchange=values.get("key_exchange_algorithms"), hostkeys=values.get("hostkeys")
            )
            outcome = negotiate(offer, server, require_mac_with_aead=self.requires_mac_with_aead(version))
            if not isinstance(outcome, NoOverlap):
                break
            value = self._widened_value(version, outcome.category, getattr(server, outcome.category), offer)
            if value is None:
                return None
            values[_WIDENING[outcome.category]] = value
        else:
            offer = offers.widened_offer(
                version, key_exchange=values.get("key_exchange_algorithms"), hostkeys=values.get("hostkeys")
            )
            if isinstance(
                negotiate(offer, server, require_mac_with_aead=self.requires_mac_with_aead(version)), NoOverlap
            ):
                return None
        if not values:
            return None
        variables = " and ".join(f'{LIBSSH_SETTINGS[o][1]}: "{v}"' for o, v in values.items())
        keys = " / ".join(LIBSSH_SETTINGS[o][0] for o in values)
        return f"set {variables} (or {keys} in [libssh_connection] of ansible.cfg)"

    def _widened_value(self, version: str, category: str, server: Sequence[str], offer: Offered) -> str | None:
        """The option value that adds the first of ``server``'s ``category`` algorithms the release implements."""
        from auditor.probe.clients.libssh import offers

        option = _WIDENING.get(category)
        if option is None or not offers.accepts(version, option):
            return None
        implemented = offers.supported(version)[category]
        wanted = next((name for name in server if name in implemented), None)
        if wanted is None:
            return None
        if offers.release(version).get("modifiers", {}).get(option):
            return f"+{wanted}"
        listed = tuple(n for n in getattr(offer, category) if n not in offers.MARKERS)
        return ",".join((*listed, wanted))


LIBSSH = LibsshClient()
"""The one instance the registry lists (no Ansible settings; :meth:`LibsshClient.with_settings` adds them)."""
