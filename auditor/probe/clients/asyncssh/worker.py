"""Handshake worker: run by an interpreter that holds the asyncssh release to judge (never imported by sshdrift).

Reads one JSON job on stdin: ``{"timeout": seconds, "concurrency": n, "devices": [[name, host, port, [jump, ...]], ...],
"jump_key": path or null, "known_hosts": path or null, "config": [ssh_config path, ...],
"algorithms": {"kex_algs": "name,...", ...}}`` (the project's code's ``connect`` keywords, which win over ``config``).
Prints ``{"hello": asyncssh version}`` first, then one JSON line per device as its handshake ends:
``{"key": [name, host, port], "status": ..., "reason": ..., "negotiated": {...}, "host_key": {...},
"banner": ...}``.

Each handshake is ``asyncssh.connect(host, port, known_hosts=None, config=None, ...)`` with no credentials,
and with the algorithm lists asyncssh makes of the job's ssh_config files for that host (:func:`config_algorithms`),
(no keys, no agent, no password): the key exchange (RFC 4253 §7) runs to completion, then the server
refuses authentication. An authentication failure therefore means negotiated (``compatible``); a
``KeyExchangeFailed`` "No matching ... algorithm" (ours) or a server's "no matching ..." disconnect means
``incompatible``; refused, timed out, reset before the server's identification string is ``unreachable``;
anything else the server did wrong is ``error``. One connection at a time per host:port.

The negotiated kex is read from asyncssh's own debug log ("Key exchange alg: ...", the connection's line
found by its logger's context: asyncssh has no accessor for it); cipher, MAC and compression come from
``get_extra_info`` and the host key from ``get_server_host_key``.

A device behind jump hosts (ProxyJump, ``[user@]host[:port]`` each) is reached through them, each hop opened
through the previous one (``tunnel=``, RFC 4254 §7.2 ``direct-tcpip``); a chain is opened once and shared by
its devices. Gateways authenticate with ``jump_key`` (passphrase from ``SSHDRIFT_JUMP_PASSPHRASE``) or the
agent and default keys; a gateway key that differs from its known_hosts entry (``match_known_hosts``) fails
the chain, an unknown one is accepted (as OpenSSH's ``accept-new``). A failed chain makes its devices
``unreachable`` with the gateway named.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import asyncssh

KEX_LINE = "Key exchange alg: "
"""asyncssh's debug-level-2 log line naming the kex chosen (every release from 2.0 on); it has no accessor."""


class _KexLog(logging.Handler):
    """Keeps the kex each connection chose, by its log context (``[conn=3]``), from asyncssh's own log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kex: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if KEX_LINE in message and message.startswith("["):
            context = message[: message.index("]") + 1]
            self.kex[context] = message.rsplit(KEX_LINE, 1)[1].strip().strip("b'\"")


KEX_LOG = _KexLog()
_LOGGER = logging.getLogger("asyncssh")
_LOGGER.handlers[:] = [KEX_LOG]
_LOGGER.setLevel(logging.DEBUG)
_LOGGER.propagate = False
asyncssh.set_debug_level(2)


def _context(conn: Any) -> str:
    """``[conn=3]``: the prefix asyncssh's logger puts on this connection's lines (``LoggerAdapter.process``)."""
    prefix = str(conn.logger.process("", {})[0]).strip()
    return prefix if prefix.startswith("[") else ""


_SERVER_SAID = ("no matching", "unable to negotiate", "no common")
"""Words of a server's disconnect when the algorithm lists do not overlap (OpenSSH, Dropbear, network OSes)."""


CLOSED_DURING_KEX = "the server closed the connection during key exchange, before the algorithms were agreed"
"""The reason of a connection the server dropped after the identification strings and before the key exchange
ended: OpenSSH does so, without a message, when no host-key algorithm fits, and when it finds no common kex,
cipher or MAC before asyncssh does (which side notices first is a race)."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


class _Probe(asyncssh.SSHClient):
    """Keeps the connection object so its negotiated algorithms can be read after authentication fails."""

    def __init__(self, box: dict[str, Any]) -> None:
        self.box = box

    def connection_made(self, conn: Any) -> None:
        self.box["conn"] = conn


def _negotiated(conn: Any) -> dict[str, str] | None:
    cipher = _text(conn.get_extra_info("send_cipher"))
    if not cipher:
        return None
    key = conn.get_server_host_key()
    return {
        "kex": KEX_LOG.kex.get(_context(conn), ""),
        "host_key": _text(getattr(key, "algorithm", None)) or "",
        "cipher": cipher,
        "mac": _text(conn.get_extra_info("send_mac")) or "",
        "compression": _text(conn.get_extra_info("send_compression")) or "none",
    }


def _host_key(conn: Any) -> dict[str, Any] | None:
    key = conn.get_server_host_key()
    if key is None:
        return None
    exported = key.export_public_key("openssh").split()
    return {
        "type": _text(exported[0]),
        "base64": _text(exported[1]) if len(exported) > 1 else None,
        "fingerprint": key.get_fingerprint("sha256"),
    }


def _classify(exc: BaseException, conn: Any) -> tuple[str, str | None]:
    """``(status, reason)`` of a failed connect."""
    reason = str(exc) or type(exc).__name__
    negotiated = conn is not None and conn.get_extra_info("send_cipher")
    if isinstance(exc, NoAlgorithms):
        return "incompatible", reason
    if isinstance(exc, asyncssh.PermissionDenied):
        return "compatible", None
    if isinstance(exc, asyncssh.DisconnectError) and any(w in reason.lower() for w in _SERVER_SAID):
        return "incompatible", reason
    lost = isinstance(exc, (asyncssh.ConnectionLost, ConnectionResetError, BrokenPipeError))
    if lost and conn is not None and conn.get_extra_info("server_version") and not negotiated:
        # asyncssh never checks the host-key lists itself: the server decides, and OpenSSH closes the
        # connection without a message when none fits (or when it notices another mismatch first).
        return "incompatible", f"{CLOSED_DURING_KEX} ({reason})"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return ("compatible", None) if negotiated else ("unreachable", "timed out")
    if isinstance(exc, (ConnectionRefusedError, ConnectionResetError, OSError)):
        return "unreachable", reason
    if isinstance(exc, asyncssh.ConnectionLost) and (conn is None or conn.get_extra_info("server_version") is None):
        return "unreachable", f"connection closed before the identification string ({reason})"
    return "error", f"{type(exc).__name__}: {reason}"


_CONFIG_LISTS = ("kex_algs", "encryption_algs", "mac_algs")
"""``SSHClientConnectionOptions`` attributes (also ``connect`` keywords) that hold the final lists ssh_config makes."""


class NoAlgorithms(Exception):
    """The ssh_config lines leave asyncssh no algorithm of a category for the host (a list that matches nothing)."""


def config_algorithms(config: list[str], host: str, port: int) -> dict[str, Any]:
    """The algorithm lists asyncssh itself makes of the ssh_config files ``config`` for ``host``:``port``.

    Built by ``SSHClientConnectionOptions(config=...)`` (asyncssh's public options class, with no credentials
    and no host-key checks), so that only the algorithm lines of the files apply to the handshake: their
    ``HostName``, ``Port``, ``User``, ``ProxyJump`` or ``IdentityFile`` lines never redirect or authenticate it.
    Kex, cipher and MAC lists are the options' final lists; the host-key line is passed on as written
    (``server_host_key_algs``: asyncssh settles it against the known hosts only when connecting). Returns
    ``{}`` when ``config`` is empty or the release's options take no ``config``.

    Args:
        config: the ssh_config files, in the order asyncssh reads them.
        host: the device's host as the inventory names it.
        port: the device's port.

    Returns:
        ``{"kex_algs": [...], "encryption_algs": [...], "mac_algs": [...], "server_host_key_algs": "..."}`` (lists
        may be empty: :func:`usable_algorithms` judges that once the code's keywords are in).

    Raises:
        OSError, ValueError, asyncssh's ConfigParseError: a file asyncssh cannot read (the device's error).
    """
    if not config:
        return {}
    try:
        built = asyncssh.SSHClientConnectionOptions(
            config=config,
            host=host,
            port=port,
            known_hosts=None,
            password=None,
            client_keys=None,
            agent_path=None,
        )  # no username: Match user sees the local user, as in sshdrift's prediction
    except TypeError:
        return {}
    out: dict[str, Any] = {}
    for keyword in _CONFIG_LISTS:
        names = getattr(built, keyword, None)
        if isinstance(names, (list, tuple)):
            out[keyword] = [n.decode("ascii") if isinstance(n, bytes) else str(n) for n in names]
    settings: Any = getattr(built, "config", None)
    host_keys = settings.get("HostKeyAlgorithms") if hasattr(settings, "get") else None
    if isinstance(host_keys, str) and host_keys:
        out["server_host_key_algs"] = host_keys
    return out


def usable_algorithms(found: dict[str, Any]) -> dict[str, Any]:
    """``found`` (ssh_config's lists with the code's keywords merged over them) as ``connect`` keywords.

    Raises:
        NoAlgorithms: no kex or no cipher is left (asyncssh would refuse to connect).
    """
    for keyword, what in (("kex_algs", "key exchange"), ("encryption_algs", "cipher")):
        if keyword in found and not found[keyword]:
            raise NoAlgorithms(f"the ssh_config lines leave asyncssh no {what} algorithm for this host")
    if "mac_algs" in found and not found["mac_algs"]:
        del found["mac_algs"]  # older releases refuse an empty MAC list outright; the default then stands
    return found


async def _connect(
    host: str, port: int, box: dict[str, Any], tunnel: Any = None, config: Any = None, algorithms: Any = None
) -> Any:
    """``asyncssh.connect`` without credentials or host-key checks.

    Only the algorithm lines of the ssh_config files ``config`` apply (:func:`config_algorithms`), then the
    project's code's keywords ``algorithms`` (``{"kex_algs": "a,b"}``), which win over them; the
    ``config=`` keyword exists from 2.1 on.
    """
    options: dict[str, Any] = {
        "known_hosts": None,
        "config": None,
        "username": "sshdrift",
        "password": None,
        "client_keys": None,
        "agent_path": None,
        "client_factory": lambda: _Probe(box),
    }
    found = config_algorithms(list(config or ()), host, port)
    found.update(algorithms or {})  # the project's code's keywords win over ssh_config, as in asyncssh
    options.update(usable_algorithms(found))
    if tunnel is not None:
        options["tunnel"] = tunnel
    try:
        return await asyncssh.connect(host, port, **options)
    except TypeError:
        options.pop("config")
        return await asyncssh.connect(host, port, **options)


class GatewayError(Exception):
    """A jump host of the chain could not be opened (its spec and why)."""


def _hop(spec: str) -> tuple[str, str, int]:
    """``[user@]host[:port]`` (``[v6]:port`` too) → ``(user, host, port)``; port 22 when absent."""
    user, _, rest = spec.rpartition("@")
    host, port = rest, "22"
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        port = tail[1:] if tail.startswith(":") else "22"
    elif rest.count(":") == 1:
        host, _, port = rest.partition(":")
    return user, host, int(port)


def _check_gateway_key(conn: Any, spec: str, host: str, port: int, known_hosts: str | None) -> None:
    """Raise :class:`GatewayError` when known_hosts holds other keys of the gateway's key type (a changed key)."""
    if not known_hosts or not Path(known_hosts).exists():
        return
    key = conn.get_server_host_key()
    trusted = asyncssh.match_known_hosts(known_hosts, host, host, port)[0]
    same_type = [k for k in trusted if k.algorithm == key.algorithm]
    if same_type and all(k.public_data != key.public_data for k in same_type):
        raise GatewayError(
            f"jump host {spec}: its host key {key.get_fingerprint('sha256')} is not the one in {known_hosts}"
        )


async def _open_chain(chain: tuple[str, ...], job: dict[str, Any]) -> Any:
    """Open every hop of ``chain`` through the previous one; the last hop's connection."""
    tunnel = None
    for spec in chain:
        user, host, port = _hop(spec)
        options: dict[str, Any] = {"known_hosts": None}
        if user:
            options["username"] = user
        if tunnel is not None:
            options["tunnel"] = tunnel
        if job.get("jump_key"):
            options["client_keys"] = [job["jump_key"]]
            options["passphrase"] = os.environ.get("SSHDRIFT_JUMP_PASSPHRASE")
        try:
            tunnel = await asyncio.wait_for(asyncssh.connect(host, port, **options), float(job["timeout"]))
        except Exception as exc:
            raise GatewayError(f"jump host {spec}: {str(exc) or type(exc).__name__}") from exc
        _check_gateway_key(tunnel, spec, host, port, job.get("known_hosts"))
    return tunnel


async def _handshake(
    name: str, host: str, port: int, timeout: float, tunnel: Any = None, config: Any = None, algorithms: Any = None
) -> dict[str, Any]:
    box: dict[str, Any] = {}
    status, reason = "compatible", None
    try:
        opened = await asyncio.wait_for(_connect(host, port, box, tunnel, config, algorithms), timeout)
        opened.close()  # the server let us in without credentials: negotiated all the same
    except Exception as exc:  # every failure is a result for this device, never the end of the worker
        status, reason = _classify(exc, box.get("conn"))
    conn = box.get("conn")
    out: dict[str, Any] = {"key": [name, host, port], "status": status, "reason": reason}
    if conn is not None:
        out["banner"] = _text(conn.get_extra_info("server_version"))
        if status == "compatible":
            out["negotiated"] = _negotiated(conn)
        if status in ("compatible", "incompatible"):
            out["host_key"] = _host_key(conn)
        conn.abort()
    return out


async def _run(job: dict[str, Any]) -> None:
    limit = asyncio.Semaphore(max(1, int(job.get("concurrency", 16))))
    endpoints: dict[tuple[str, int], asyncio.Lock] = {}
    chains: dict[tuple[str, ...], asyncio.Future[Any]] = {}
    timeout = float(job["timeout"])

    async def gateway(chain: tuple[str, ...]) -> Any:
        if chain not in chains:
            chains[chain] = asyncio.ensure_future(_open_chain(chain, job))
        return await chains[chain]

    async def one(name: str, host: str, port: int, chain: tuple[str, ...]) -> None:
        lock = endpoints.setdefault((host, port), asyncio.Lock())
        async with lock, limit:
            try:
                tunnel = await gateway(chain) if chain else None
                result = await _handshake(name, host, port, timeout, tunnel, job.get("config"), job.get("algorithms"))
            except GatewayError as exc:
                result = {"key": [name, host, port], "status": "unreachable", "reason": str(exc)}
            except Exception as exc:  # a bug here must not lose the other devices
                result = {"key": [name, host, port], "status": "error", "reason": f"worker: {exc!r}"}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()

    await asyncio.gather(
        *(one(entry[0], entry[1], int(entry[2]), tuple(entry[3] if len(entry) > 3 else ())) for entry in job["devices"])
    )
    for future in chains.values():
        if future.done() and not future.exception():
            future.result().close()


def main() -> None:
    """Read the job on stdin, print the hello line, then one line per device."""
    job = json.loads(sys.stdin.read())
    sys.stdout.write(json.dumps({"hello": asyncssh.__version__}) + "\n")
    sys.stdout.flush()
    asyncio.run(_run(job))


if __name__ == "__main__":
    main()
