"""An emulated device lab: asyncssh servers on loopback that offer real devices' algorithm lists.

Each emulated device sends the identification string and the SSH_MSG_KEXINIT name-lists of a
profile in ``auditor/lab_profiles.toml`` (which mirrors the test data in ``fixtures/devices/``)
exactly and in order (RFC 4253 §4.2, §7.1), completes a key exchange with any client that can
negotiate with those lists, and then refuses every authentication: sshdrift never authenticates,
so nothing behind the handshake is emulated.

The servers run in-process on their own asyncio event loop in a background thread, so synchronous
code (the probe, a Paramiko handshake in a subprocess, a user's pipeline) can talk to them while the
caller waits. asyncssh is imported only when a lab starts.

Emulation limits (the same as the reference's): the negotiation is reproduced, not vendor quirks
(GEX group sizes, authentication behaviour). Names asyncssh does not implement are advertised but
never negotiated: trailing pseudo-algorithms of the kex list (``kexguess2@matt.ucc.asn.au``,
``ext-info-s``, ``kex-strict-s-v00@openssh.com``) and the RFC 5647 ciphers ``aes128-gcm`` and
``aes256-gcm``, which no OpenSSH or Paramiko client offers.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from auditor.device_model import Device, Offered
from auditor.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROFILES_FILE = Path(__file__).resolve().parent / "lab_profiles.toml"
"""Package data: the emulated device profiles."""

LOOPBACK = "127.0.0.1"

START_TIMEOUT = 30.0
"""Seconds to wait for host-key generation and listening sockets."""

LOGIN_TIMEOUT = 30.0
"""Seconds a client may stay connected without authenticating (it never can)."""

KEX_MARKERS: frozenset[str] = frozenset({"ext-info-s", "kex-strict-s-v00@openssh.com", "kexguess2@matt.ucc.asn.au"})
"""Kex names that signal a capability instead of naming a key exchange; never negotiated."""

_LEGACY_CRYPTO_WARNINGS = (".*Diffie-Hellman over finite fields.*", ".*TripleDES.*", ".*Blowfish.*")

_STRICT_KEX_SERVER = "kex-strict-s-v00@openssh.com"
_RFC5647_CIPHERS = {"aes128-gcm": "aes128-gcm", "aes256-gcm": "aes256-gcm"}
"""RFC 5647 cipher names asyncssh lacks → the cryptography cipher asyncssh would use for them."""


@dataclass(frozen=True)
class LabProfile:
    """What one emulated device offers: identification string and KEXINIT name-lists, in device order."""

    id: str
    """Profile id in ``device-profiles.md`` (e.g. ``cisco_ios15_classic``)."""
    name: str
    """Device name the lab gives it (e.g. ``ios15``)."""
    title: str
    device_type: str
    """netmiko ``device_type`` for inventories."""
    banner: str
    """Identification string without CR LF, e.g. ``SSH-2.0-Cisco-1.25``."""
    kex: tuple[str, ...]
    host_key: tuple[str, ...]
    cipher: tuple[str, ...]
    mac: tuple[str, ...]
    compression: tuple[str, ...]
    sources: tuple[str, ...] = ()

    @property
    def offered(self) -> Offered:
        """The eight name-lists as the server's KEXINIT carries them (same list in both directions)."""
        return Offered(
            kex=self.kex,
            host_key=self.host_key,
            cipher_c2s=self.cipher,
            cipher_s2c=self.cipher,
            mac_c2s=self.mac,
            mac_s2c=self.mac,
            compression_c2s=self.compression,
            compression_s2c=self.compression,
        )

    @property
    def kex_algorithms(self) -> tuple[str, ...]:
        """The kex list without its trailing capability markers (what asyncssh negotiates)."""
        return tuple(k for k in self.kex if k not in KEX_MARKERS)

    @property
    def kex_markers(self) -> tuple[str, ...]:
        """The trailing capability markers of the kex list, in order."""
        return tuple(k for k in self.kex if k in KEX_MARKERS)


@functools.cache
def load_profiles() -> dict[str, LabProfile]:
    """All profiles of ``lab_profiles.toml`` by id, in file order.

    Raises:
        ValueError: a profile is malformed (a bug in the package data): a missing field, an empty
            list, a banner that is not SSH-2.0, or a capability marker before a real kex name.
    """
    data = tomllib.loads(PROFILES_FILE.read_text(encoding="utf-8"))
    profiles: dict[str, LabProfile] = {}
    for entry in data["profile"]:
        profile = LabProfile(
            id=str(entry["id"]),
            name=str(entry["name"]),
            title=str(entry["title"]),
            device_type=str(entry["device_type"]),
            banner=str(entry["banner"]),
            kex=tuple(entry["kex"]),
            host_key=tuple(entry["host_key"]),
            cipher=tuple(entry["cipher"]),
            mac=tuple(entry["mac"]),
            compression=tuple(entry["compression"]),
            sources=tuple(entry.get("sources", ())),
        )
        if not profile.banner.startswith("SSH-2.0-"):
            raise ValueError(f"{PROFILES_FILE}: profile {profile.id}: banner must start with SSH-2.0-")
        for category in ("kex", "host_key", "cipher", "mac", "compression"):
            if not getattr(profile, category):
                raise ValueError(f"{PROFILES_FILE}: profile {profile.id}: empty {category} list")
        if profile.kex != profile.kex_algorithms + profile.kex_markers:
            raise ValueError(f"{PROFILES_FILE}: profile {profile.id}: kex markers must come last")
        profiles[profile.id] = profile
    return profiles


DEFAULT_PROFILES: tuple[str, ...] = (
    "cisco_ios15_classic",
    "cisco_nxos",
    "cisco_iosxe_17_12plus",
    "dropbear_2022_83",
)
"""The lab's devices when no profile list is given."""


@dataclass(frozen=True)
class LabDevice:
    """One running emulated device: where it listens and what it emulates."""

    profile: LabProfile
    host: str
    port: int

    @property
    def device(self) -> Device:
        """The inventory entry for this device."""
        return Device(name=self.profile.name, host=self.host, port=self.port, device_type=self.profile.device_type)


def _host_key_type(algorithm: str) -> tuple[str, int | None]:
    """The asyncssh key type (and RSA size) that signs for a host-key algorithm (RFC 4253 §6.6, RFC 8332, RFC 5656)."""
    if algorithm in ("ssh-rsa", "rsa-sha2-256", "rsa-sha2-512"):
        return "ssh-rsa", 2048
    if algorithm.startswith("ecdsa-sha2-") or algorithm in ("ssh-ed25519", "ssh-ed448", "ssh-dss"):
        return algorithm, None
    raise ValueError(f"lab: no host key type for host-key algorithm {algorithm}")


@functools.cache
def _register_rfc5647_ciphers() -> None:
    """Let asyncssh advertise the RFC 5647 GCM cipher names (never the default, never chosen by our clients)."""
    from asyncssh import encryption

    for name, cipher in _RFC5647_CIPHERS.items():
        if name.encode() not in encryption.get_encryption_algs():
            encryption.register_encryption_alg(name.encode(), encryption.GCMEncryption, cipher, False)


@functools.cache
def _connection_class() -> type[Any]:
    """An asyncssh server connection whose KEXINIT carries exactly the profile's kex list.

    asyncssh always appends ``ext-info-s`` and ``kex-strict-s-v00@openssh.com`` and turns on strict
    kex and EXT_INFO whenever the client asks; a device without them must do neither, or a
    client that offers ``kex-strict-c-v00@openssh.com`` would disagree with it about sequence
    numbers after NEWKEYS (OpenSSH PROTOCOL, "strict key exchange extension").
    """
    import asyncssh

    class ProfileServerConnection(asyncssh.SSHServerConnection):
        """Server connection that advertises a profile's kex markers and honours only those."""

        lab_markers: tuple[str, ...] = ()
        lab_closed: Callable[[Any], None] | None = None

        def connection_lost(self, exc: Exception | None = None) -> None:
            super().connection_lost(exc)
            if self.lab_closed is not None:
                self.lab_closed(self)

        def _get_extra_kex_algs(self) -> list[bytes]:
            return [m.encode() for m in self.lab_markers]

        @property
        def _strict_kex(self) -> bool:
            return bool(self.__dict__.get("_lab_strict_kex", False))

        @_strict_kex.setter
        def _strict_kex(self, value: bool) -> None:
            self.__dict__["_lab_strict_kex"] = value and _STRICT_KEX_SERVER in self.lab_markers

        @property
        def _can_send_ext_info(self) -> bool:
            return bool(self.__dict__.get("_lab_ext_info", False))

        @_can_send_ext_info.setter
        def _can_send_ext_info(self, value: bool) -> None:
            self.__dict__["_lab_ext_info"] = value and "ext-info-s" in self.lab_markers

    return ProfileServerConnection


@functools.cache
def _no_auth_server_class() -> type[Any]:
    """An asyncssh ``SSHServer`` that requires authentication and accepts none."""
    import asyncssh

    class NoAuthServer(asyncssh.SSHServer):
        """Every method refused: the handshake reaches userauth and stops there."""

        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return False

        def public_key_auth_supported(self) -> bool:
            return False

        def kbdint_auth_supported(self) -> bool:
            return False

        def host_based_auth_supported(self) -> bool:
            return False

    return NoAuthServer


class _Server:
    """One listening emulated device on the lab's event loop."""

    def __init__(self, profile: LabProfile, host: str, port: int) -> None:
        self.profile = profile
        self.host = host
        self.port = port
        self.connections: set[Any] = set()
        self.listener: asyncio.AbstractServer | None = None

    async def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Generate host keys, build the options, listen. Raises OSError when the port is taken."""
        import asyncssh

        profile = self.profile
        if any(c in _RFC5647_CIPHERS for c in profile.cipher):
            _register_rfc5647_ciphers()
        keys: dict[tuple[str, int | None], Any] = {}
        for algorithm in profile.host_key:
            key_type = _host_key_type(algorithm)
            if key_type not in keys:
                name, size = key_type
                # RSA generation takes ~0.1 s of CPU; keep it off the loop so other devices start meanwhile.
                keys[key_type] = await loop.run_in_executor(
                    None,
                    functools.partial(asyncssh.generate_private_key, name, key_size=size)
                    if size
                    else functools.partial(asyncssh.generate_private_key, name),
                )
        options = await asyncssh.SSHServerConnectionOptions.construct(
            server_factory=_no_auth_server_class(),
            server_host_keys=list(keys.values()),
            server_version=profile.banner.removeprefix("SSH-2.0-"),
            kex_algs=list(profile.kex_algorithms),
            encryption_algs=list(profile.cipher),
            mac_algs=list(profile.mac),
            compression_algs=list(profile.compression),
            public_key_auth=False,
            password_auth=False,
            kbdint_auth=False,
            host_based_auth=False,
            gss_host=None,
            allow_scp=False,
            agent_forwarding=False,
            login_timeout=LOGIN_TIMEOUT,
            keepalive_interval=0,
        )
        # asyncssh offers every algorithm each key can sign with; the device offers only its own, in its order.
        by_algorithm = {}
        for algorithm in profile.host_key:
            keypair = next(kp for kp in options.server_host_keys.values() if algorithm.encode() in kp.sig_algorithms)
            by_algorithm[algorithm.encode()] = keypair
        options.server_host_keys = collections.OrderedDict(by_algorithm)

        connection_class = _connection_class()

        def factory() -> Any:
            conn = connection_class(loop, options)
            conn.lab_markers = profile.kex_markers
            conn.lab_closed = self.connections.discard
            self.connections.add(conn)
            return conn

        self.listener = await loop.create_server(factory, self.host, self.port, reuse_address=True)
        sock = self.listener.sockets[0]
        self.port = int(sock.getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        if self.listener is not None:
            self.listener.close()
        for conn in list(self.connections):
            conn.abort()
        self.connections.clear()
        if self.listener is not None:
            await self.listener.wait_closed()
            self.listener = None


class Lab:
    """The emulated device lab, on its own event loop in a background thread.

    Use as a context manager (``with Lab() as lab: lab.devices``) or call :meth:`start` and
    :meth:`stop`. Host keys are generated per run, so a known_hosts entry from an earlier run
    does not match.

    Args:
        profiles: profile ids from ``lab_profiles.toml`` (default :data:`DEFAULT_PROFILES`).
        host: address to listen on (loopback by default; the lab has no authentication to guard it).
        port: first port; device *i* listens on ``port + i``. 0 picks free ports.

    Raises:
        UsageError: an unknown profile id (at construction), or a port already in use (at start).
    """

    def __init__(self, profiles: Sequence[str] | None = None, *, host: str = LOOPBACK, port: int = 0) -> None:
        known = load_profiles()
        ids = tuple(profiles) if profiles is not None else DEFAULT_PROFILES
        unknown = [p for p in ids if p not in known]
        if unknown:
            raise UsageError(f"lab: unknown profile {', '.join(unknown)}; known profiles: {', '.join(known)}")
        self._profiles = tuple(known[p] for p in ids)
        self._host = host
        self._port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[_Server] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Lab:
        """Start every device; return when all listen. Idempotent.

        Raises:
            UsageError: a port is already in use (nothing is left running).
            TimeoutError: the servers did not start within :data:`START_TIMEOUT` seconds.
        """
        if self._loop is not None:
            return self
        _silence_legacy_crypto_warnings()
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_quiet_exception_handler)
        thread = threading.Thread(target=loop.run_forever, name="sshdrift-lab", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        self._servers = [
            _Server(profile, self._host, self._port + i if self._port else 0)
            for i, profile in enumerate(self._profiles)
        ]
        future = asyncio.run_coroutine_threadsafe(self._start_all(), loop)
        try:
            future.result(START_TIMEOUT)
        except OSError as exc:
            self.stop()
            raise UsageError(
                f"{self._host}: cannot listen for the lab ({exc.strerror or exc}); choose another --port"
            ) from exc
        except BaseException:
            self.stop()
            raise
        return self

    async def _start_all(self) -> None:
        loop = asyncio.get_running_loop()
        results = await asyncio.gather(*(s.start(loop) for s in self._servers), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    def stop(self) -> None:
        """Stop every device and the event loop; safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._stop_all(), loop)
            try:
                future.result(START_TIMEOUT)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(START_TIMEOUT)
        loop.close()
        self._loop = self._thread = None

    async def _stop_all(self) -> None:
        await asyncio.gather(*(s.stop() for s in self._servers), return_exceptions=True)

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ what runs

    @property
    def running(self) -> list[LabDevice]:
        """The devices with the ports they listen on (empty before :meth:`start`)."""
        if self._loop is None:
            return []
        return [LabDevice(s.profile, s.host, s.port) for s in self._servers]

    @property
    def devices(self) -> list[Device]:
        """Inventory entries for the running devices, in profile order."""
        return [d.device for d in self.running]

    def __iter__(self) -> Iterator[LabDevice]:
        return iter(self.running)


def _silence_legacy_crypto_warnings() -> None:
    """Keep cryptography's deprecation warnings for the legacy algorithms the devices offer off the terminal.

    Emulating classic IOS means finite-field Diffie-Hellman and 3DES on purpose; the warnings would
    only alarm the user (and, under ``-W error``, abort the server's key exchange).
    """
    for message in _LEGACY_CRYPTO_WARNINGS:
        warnings.filterwarnings("ignore", message=message)


def _quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Keep asyncio's "exception was never retrieved" noise from clients that hang up out of the user's terminal."""
    import logging

    logging.getLogger("auditor.lab").debug(
        "lab event loop: %s", context.get("message"), exc_info=context.get("exception")
    )
