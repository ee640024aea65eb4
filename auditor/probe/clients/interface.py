"""The seam between the probe and the SSH client libraries it judges: one :class:`Client` protocol.

httpx's transports are the model: the probe speaks to one small protocol and never to a library.
Each client (Paramiko today; libssh through ansible-pylibssh, asyncssh, the system OpenSSH client and
ssh2-python later) lives in its own folder ``auditor/probe/clients/<client>/``, is listed once in
:data:`auditor.probe.clients.CLIENTS`, and is the only code that imports its library or knows its
internals. A client knows:

* its name and the lock packages that bring it into a project;
* the releases it has offer data for and what each release's default client offers (data in
  ``rules/clients/<client>.json``, generated from the real client talking to a local listener);
* how to get an environment that runs a given release (:meth:`Client.environment`);
* how to verify devices with a real handshake without credentials (:meth:`Client.verify`);
* how its failures map to our statuses and categories (:meth:`Client.failure_category`);
* which user configuration it ignores (:attr:`Client.ignored_config`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from auditor.device_model import Device, Offered
from auditor.model import Lockfile
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

DeviceKey = tuple[str, str, int]
"""``(name, host, port)``: how handshake outcomes are keyed."""


Backend = Sequence[tuple[str, str]]
"""``(distribution, version)`` pairs of a client's backend (``(("cryptography", "42.0.8"),)``)."""


def device_key(device: Device) -> DeviceKey:
    """The key of ``device`` in :meth:`Client.verify`'s result: ``(name, host, port)``."""
    return (device.name, device.host, device.port)


@dataclass(frozen=True)
class EnvironmentRequest:
    """Which release of a client to judge with, and where to look for it.

    ``spec`` is ``installed`` (the interpreter ``python``, default sshdrift's own), ``locked`` (the
    version the lockfile of ``project`` pins) or an exact release (``5.1.0``).
    """

    spec: str
    python: Path | None = None
    """``--python``: an interpreter or environment directory, for ``installed``."""
    project: Path | None = None
    """``--project``: a project directory or lockfile, for ``locked``."""
    python_version: str | None = None
    """``--python-version``: the Python whose markers select lockfile entries."""
    offline: bool = False
    """Make environments from uv's cache only."""
    lock: Path | None = None
    """The lockfile whose pins of the client and its backend the environment follows when it pins ``spec``."""
    ansible_cfg: Path | None = None
    """``--ansible-cfg``: the Ansible project whose client settings apply (libssh's ``key_exchange_algorithms``)."""
    ssh_config: tuple[Path, ...] = ()
    """``--ssh-config``: the ssh_config files a client that reads them applies (asyncssh); empty: the client's own
    default (asyncssh: ``~/.ssh/config`` when readable)."""
    lockfile: Lockfile | None = field(default=None, compare=False, repr=False)
    """``lock`` (for ``locked``: ``project``'s lockfile) as the caller already parsed it with ``python_version``,
    so the client does not read it again; None: the client loads it from the path."""


@dataclass(frozen=True)
class ClientEnvironment:
    """One release of one client, ready to judge with: its version, backend and (for verification) interpreter."""

    client: str
    """The client's registry name (``paramiko``)."""
    version: str
    """The exact client release (``5.1.0``)."""
    python: Path | None = None
    """The interpreter that imports that release, or None when only predictions are made."""
    backend: tuple[tuple[str, str], ...] = ()
    """``(package, version)`` of the backend that changes what the client offers (``cryptography``), sorted."""
    source: str = ""
    """Where the choice came from, for the report: ``uv.lock``, ``--paramiko 5.1.0``, ``installed in PATH``."""
    backend_source: str = ""
    """Where ``backend`` came from: ``uv.lock``, ``installed in PATH``, or that none was pinned (the newest
    the release allows was assumed); empty when unknown."""
    options: tuple[tuple[str, str], ...] = ()
    """``(setting, value)`` of the project's configuration that change the offer (Ansible's libssh
    ``key_exchange_algorithms``), applied to predictions and handshakes alike."""
    variant: str = ""
    """How the project's code configures the client in this environment (``kex_algs='a,b'``), empty for none
    (:func:`auditor.probe.service.code_variants`); it becomes the verdict's ``variant``."""


@dataclass(frozen=True)
class VerifyOptions:
    """How a client runs its real handshakes."""

    timeout: float
    """Seconds per device for connect + identification string + key exchange."""
    concurrency: int
    """Handshakes at once, over all workers."""
    jump_key: Path | None = None
    """Private key for jump hosts (else ssh-agent and the default keys)."""
    known_hosts: Path | None = None
    """The known_hosts file jump hosts' keys are checked against (a changed gateway key fails its devices)."""
    record_hello: bool = False
    """Record what the server sends on each handshake's connection (:attr:`HandshakeOutcome.hello`), so the
    verification's own connection serves as the grab; only clients with :func:`records_hello` honour it."""
    disabled_algorithms: Mapping[str, Sequence[str]] | None = None
    """The project's code's ``disabled_algorithms`` (``{"kex": [...]}``) the handshakes run with
    (Paramiko: ``Transport(sock, disabled_algorithms=...)``); None: the client's default offer."""


class Client(Protocol):
    """One SSH client library as the probe judges it (see the module docstring)."""

    name: str
    """Registry name, also the ``client`` of a verdict (``paramiko``)."""
    packages: tuple[str, ...]
    """Lock packages that bring this client into a project (normalized names)."""
    backend_packages: tuple[str, ...]
    """Lock packages whose versions change what this client offers (``cryptography`` for Paramiko)."""
    ignored_config: tuple[str, ...]
    """ssh_config(5) keywords the client never applies to its KEXINIT (canonical spelling)."""
    require_mac_with_aead: bool
    """Whether negotiation fails without a MAC overlap even for an AEAD cipher (RFC 5647 says it need not)."""

    def known_releases(self) -> list[str]:
        """Every release with offer data, oldest first (PEP 440 order)."""
        ...

    def offer(self, version: str) -> Offered:
        """The name-lists a release's default client sends in its KEXINIT, in preference order.

        Raises:
            AuditorError: no data for ``version`` (the message names the known range).
        """
        ...

    def supported(self, version: str) -> Mapping[str, tuple[str, ...]]:
        """What a release implements by category (a superset of :meth:`offer`). Raises as :meth:`offer`."""
        ...

    def environment(self, request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
        """The release ``request`` names; with ``verify``, an interpreter that runs it (made if needed).

        Raises:
            UsageError, ConfigError, LockfileError, ResolverError: the release cannot be named, found or
                installed (one line naming the next step).
        """
        ...

    def verify(
        self,
        devices: Sequence[Device],
        environment: ClientEnvironment,
        options: VerifyOptions,
        progress: Progress | None,
    ) -> Mapping[DeviceKey, HandshakeOutcome]:
        """Real handshakes without credentials (RFC 4253 §7 key exchange only), one outcome per finished device.

        Args:
            devices: the devices to handshake with (one connection at a time per host:port).
            environment: from :meth:`environment` with ``verify=True`` (its ``python`` set).
            options: timeout (seconds per device), concurrency, jump-host key and known_hosts.
            progress: advanced by one per finished device (the caller starts and stops the phase).

        Returns:
            :func:`device_key` → outcome; a device without an entry gave no result in time.

        Raises:
            ConfigError: the environment cannot run the handshakes at all.
        """
        ...

    def failure_category(self, reason: str | None) -> str | None:
        """The :data:`~auditor.device_model.CATEGORIES` member a handshake failure message names, or None."""
        ...


@runtime_checkable
class BackendOffers(Protocol):
    """A client whose offer depends on its backend's versions, not only its own (Paramiko on cryptography)."""

    def offer_with_backend(self, version: str, backend: Backend) -> Offered:
        """As :meth:`Client.offer`, for ``version`` running with ``backend`` (empty: the newest it allows)."""
        ...


def records_hello(client: Client) -> bool:
    """Whether ``client`` fills :attr:`HandshakeOutcome.hello` when :attr:`VerifyOptions.record_hello` is set.

    A client says so with a true ``records_server_hello`` attribute (Paramiko: its worker wraps the socket
    it hands to ``Transport``); the others leave the grab to its own connection.
    """
    return bool(getattr(client, "records_server_hello", False))


@runtime_checkable
class HostOffers(Protocol):
    """A client whose offer depends on the host it connects to (the system ssh: ssh_config ``Host`` blocks, known_hosts)."""

    def offer_for_host(self, version: str, host: str, port: int, known_hosts: Path | None = None) -> Offered:
        """As :meth:`Client.offer`, for a connection to ``host``:``port`` with ``known_hosts``."""
        ...


@runtime_checkable
class ConfiguredOffers(Protocol):
    """A client whose offer the project's configuration changes (libssh through Ansible's settings)."""

    def offer_with_options(self, version: str, options: Sequence[tuple[str, str]]) -> Offered:
        """As :meth:`Client.offer`, with ``options`` (:attr:`ClientEnvironment.options`) applied."""
        ...


@runtime_checkable
class HostConfiguredOffers(Protocol):
    """A client whose offer both the project's configuration and the host change (asyncssh: ssh_config ``Host`` blocks)."""

    def offer_for_host_with_options(
        self, version: str, host: str, port: int, options: Sequence[tuple[str, str]]
    ) -> Offered:
        """As :meth:`Client.offer`, for a connection to ``host``:``port`` with ``options`` applied.

        Raises:
            AuditorError: no data for ``version``; ConfigError: a configuration file ``options`` name is unreadable.
        """
        ...


def offer_for(
    client: Client,
    version: str,
    backend: Backend = (),
    *,
    device: Device | None = None,
    known_hosts: Path | None = None,
    options: Sequence[tuple[str, str]] = (),
) -> Offered:
    """What ``client`` release ``version`` offers with ``backend`` (to ``device``, with ``options``), where it depends on them.

    Raises:
        AuditorError: no data for ``version`` (as :meth:`Client.offer`).
        ConfigError: a configuration file ``options`` name cannot be read (asyncssh's ssh_config).
    """
    if options and device is not None and isinstance(client, HostConfiguredOffers):
        return client.offer_for_host_with_options(version, device.host, device.port, options)
    if options and isinstance(client, ConfiguredOffers):
        return client.offer_with_options(version, options)
    if device is not None and isinstance(client, HostOffers):
        return client.offer_for_host(version, device.host, device.port, known_hosts)
    if backend and isinstance(client, BackendOffers):
        return client.offer_with_backend(version, backend)
    return client.offer(version)
