"""The system OpenSSH client (``ssh``) as a :class:`~auditor.probe.clients.interface.Client`.

scrapli's default ``system`` transport and Ansible's ``ssh`` connection run the ``ssh`` binary of the machine,
with the user's ssh_config: what it offers is what ``ssh -G HOST`` says after every ``KexAlgorithms +...``
line (:mod:`.offers`), and a verification is a real ``ssh -v`` run in batch mode without credentials
(:mod:`.verify`). A verdict's ``version`` is the OpenSSH release ``ssh -V`` names (``9.2p1``), its
``backend`` the OpenSSL it was built with. Another release can be predicted from captured data
(``rules/clients/openssh.json``), not verified.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from auditor.device_model import Device, Offered
from auditor.errors import AuditorError, ConfigError
from auditor.probe.clients.interface import ClientEnvironment, DeviceKey, EnvironmentRequest, VerifyOptions
from auditor.probe.results import HandshakeOutcome
from auditor.progress import Progress

GENERIC_HOST = "sshdrift.invalid"
"""The host name ``ssh -G`` is asked about when no device is named: only ``Host *`` blocks match it (RFC 6761)."""


class OpenSSHClient:
    """The ``ssh`` executable (``binary``, default the first ``ssh`` on PATH) with the user's ssh_config files.

    Args:
        binary: the ssh executable (``--ssh-binary PATH``); None: ``ssh`` on PATH.
        config: an ssh_config file for ``-F``; None: the user's and the system's, as ssh reads them.
    """

    name = "openssh"
    packages: tuple[str, ...] = ()
    """No lock package is OpenSSH; scrapli brings it in (:mod:`auditor.analysis.project_clients`)."""
    backend_packages: tuple[str, ...] = ()
    ignored_config: tuple[str, ...] = ()
    """ssh applies every algorithm keyword of ssh_config(5)."""
    require_mac_with_aead = False
    """An AEAD cipher's MAC is ``<implicit>`` (OpenSSH PROTOCOL.chacha20poly1305, RFC 5647)."""

    def __init__(self, binary: Path | None = None, config: Path | None = None) -> None:
        self.binary = binary
        self.config = config

    def executable(self) -> Path:
        """The ssh binary judged.

        Raises:
            ConfigError: no ``ssh`` on PATH and none given.
        """
        if self.binary is not None:
            return self.binary
        found = shutil.which("ssh")
        if found is None:
            raise ConfigError("ssh: no OpenSSH client on PATH; install openssh-client or pass --ssh-binary PATH")
        return Path(found)

    def installed_version(self) -> str:
        """``ssh -V``'s release of :meth:`executable` (``9.2p1``). Raises :class:`ConfigError` as it."""
        from auditor.probe.clients.openssh.offers import inspect_binary

        return inspect_binary(self.executable()).version

    def known_releases(self) -> list[str]:
        """The installed release and every release with a captured default offer."""
        from auditor.probe.clients.openssh import offers

        releases = set(offers.known_releases())
        with contextlib.suppress(ConfigError):
            releases.add(self.installed_version())
        return sorted(releases)

    def offer(self, version: str) -> Offered:
        """What ssh ``version`` offers a host that only ``Host *`` matches (``ssh -G``), or its captured default.

        Raises:
            AuditorError: ``version`` is not the installed ssh and has no captured offer.
        """
        return self.offer_for_host(version, GENERIC_HOST, 22)

    def offer_for_host(self, version: str, host: str, port: int, known_hosts: Path | None = None) -> Offered:
        """What ssh ``version`` will send to ``host``:``port``: ``ssh -G`` lists, host keys ordered by ``known_hosts``.

        Args:
            version: the OpenSSH release; the installed one answers from ``ssh -G``, another from data.
            host: the device's host as the inventory names it (ssh_config ``Host`` blocks match it).
            port: the device's port.
            known_hosts: the file whose keys for the host ssh would put first (default order when None).

        Raises:
            AuditorError: no data for ``version``; ConfigError: ``ssh -G`` rejected the configuration.
        """
        from auditor.probe.clients.openssh import offers

        binary = self.executable()
        if offers.inspect_binary(binary).version != version:
            return offers.recorded_offer(version)
        default = offers.captured_default(binary)
        values = offers.ssh_g(binary, host, port, self.config)
        offered = offers.offer_from_config(values, default)
        generic = offers.ssh_g(binary, GENERIC_HOST, 22, Path("/dev/null"))
        if values.get("hostkeyalgorithms") == generic.get("hostkeyalgorithms"):
            known = offers.known_key_types(host, port, known_hosts)
            offered = replace(offered, host_key=offers.order_host_keys(offered.host_key, known))
        return offered

    def supported(self, version: str) -> Mapping[str, tuple[str, ...]]:
        """``ssh -Q kex|key|cipher|mac`` of the installed release (what ssh_config can turn on).

        Raises:
            AuditorError: ``version`` is not the installed release.
        """
        import subprocess

        binary = self.executable()
        if self.installed_version() != version:
            raise AuditorError(f"openssh {version}: only the installed ssh ({self.installed_version()}) can be asked")
        out: dict[str, tuple[str, ...]] = {}
        for category, query in (("kex", "kex"), ("host_key", "key-sig"), ("cipher", "cipher"), ("mac", "mac")):
            done = subprocess.run(
                [str(binary), "-Q", query], capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
            )
            out[category] = tuple(done.stdout.split())
        out["compression"] = ("none", "zlib@openssh.com")
        return out

    def environment(self, request: EnvironmentRequest, *, verify: bool) -> ClientEnvironment:
        """The ssh binary judged: ``installed``/``locked`` the configured one, a path that binary, a release from data.

        ``python`` of the result is the ssh executable (what runs the handshakes).

        Raises:
            ConfigError: the binary cannot run or is not OpenSSH; ``verify`` with a release that is not installed.
        """
        from auditor.probe.clients.openssh.offers import inspect_binary

        spec = request.spec
        if "/" in spec or Path(spec).is_file():
            client = OpenSSHClient(Path(spec), self.config)
            found = inspect_binary(client.executable())
        else:
            found = inspect_binary(self.executable())
            if spec not in ("installed", "locked") and spec != found.version:
                if verify:
                    raise ConfigError(
                        f"openssh {spec}: only the installed ssh ({found.version} at {found.path}) can verify; "
                        "pass --ssh-binary PATH of that release, or --no-verify"
                    )
                return ClientEnvironment(self.name, spec, None, (), f"openssh {spec} (captured data)")
        backend = (("openssl", found.openssl),) if found.openssl else ()
        return ClientEnvironment(
            self.name, found.version, found.path, backend, f"ssh -V of {found.path}: {found.banner}"
        )

    def verify(
        self,
        devices: Sequence[Device],
        environment: ClientEnvironment,
        options: VerifyOptions,
        progress: Progress | None,
    ) -> Mapping[DeviceKey, HandshakeOutcome]:
        """``ssh -v`` in batch mode against each device, no credentials (see :mod:`.verify`).

        Raises:
            ConfigError: ``environment`` names no ssh executable.
        """
        from auditor.probe.clients.openssh.verify import verify_devices

        if environment.python is None:
            raise ConfigError(f"openssh {environment.version}: no ssh binary to verify with; pass --ssh-binary PATH")
        return verify_devices(
            devices,
            binary=environment.python,
            version=environment.version,
            options=options,
            progress=progress,
            config=self.config,
        )

    def failure_category(self, reason: str | None) -> str | None:
        """See :func:`.verify.failed_category` (``no matching host key type found`` → ``host_key``)."""
        from auditor.probe.clients.openssh.verify import failed_category

        return failed_category(reason)


OPENSSH = OpenSSHClient()
"""The one instance the registry lists: ``ssh`` on PATH with the user's ssh_config."""
