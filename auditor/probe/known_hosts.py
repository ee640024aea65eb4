"""OpenSSH known_hosts files read in our own process, without Paramiko (so a probe run does not import it).

The format is OpenSSH's (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): one ``names key-type base64-key [comment]``
per line, ``names`` a comma-separated list of ``host`` (port 22) or ``[host]:port``, or one hashed name
``|1|base64(salt)|base64(HMAC-SHA1(salt, name))`` (``ssh-keygen -H``; OpenSSH ``hostfile.c``). Lines
starting with ``#`` and ``@cert-authority``/``@revoked`` markers are skipped. Keys are compared as blobs,
so every key type counts, including ones a Paramiko release can no longer load (``ssh-dss``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import ConfigError

DEFAULT_KNOWN_HOSTS = Path("~/.ssh/known_hosts")
"""The user's known_hosts file, read when ``--known-hosts`` is not given."""

_HASHED = "|1|"
"""The prefix of a hashed host name (OpenSSH ``HASH_MAGIC``)."""


def fingerprint(blob: bytes) -> str:
    """OpenSSH's ``SHA256:<base64 without padding>`` of a public key blob (as ``ssh-keygen -l`` prints it)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def known_hosts_name(host: str, port: int) -> str:
    """The known_hosts name of a server: ``host`` on port 22, else ``[host]:port`` (OpenSSH sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT")."""
    return host if port == 22 else f"[{host}]:{port}"


def hashed_name_matches(name: str, entry: str) -> bool:
    """Whether the hashed known_hosts name ``entry`` (``|1|salt|hash``, base64) is ``name`` hashed with its salt.

    HMAC-SHA1 keyed with the salt over the name, as ``ssh-keygen -H`` writes it (OpenSSH ``hostfile.c``,
    ``host_hash``); compared in constant time. A malformed entry matches nothing.
    """
    parts = entry.split("|")
    if len(parts) != 4 or parts[0] or parts[1] != "1":
        return False
    try:
        salt = base64.b64decode(parts[2], validate=True)
        expected = base64.b64decode(parts[3], validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(hmac.new(salt, name.encode("utf-8"), hashlib.sha1).digest(), expected)


@dataclass(frozen=True)
class HostKeyCheck:
    """The known_hosts verdict on one host key."""

    status: str
    """``match`` | ``changed`` (known keys of that type, none equal) | ``unknown`` (no key of that type)."""
    known: tuple[str, ...] = ()
    """``SHA256:`` fingerprints of the known keys of that type for that host."""
    line: int | None = None
    """1-based known_hosts line of the first known key of that type, when known."""


class KnownHosts:
    """An OpenSSH known_hosts file: its ``(names, key type, key blob, line)`` entries, read once.

    ``[host]:port`` names and hashed ``|1|salt|hash`` names are matched as OpenSSH does; keys of every type
    are kept as raw blobs, so a changed key of any type (``ssh-dss`` too) is caught.
    """

    def __init__(self, path: Path) -> None:
        """Read ``path``.

        Raises:
            ConfigError: the file cannot be read.
        """
        self.path = path
        self._raw: list[tuple[list[str], str, bytes, int]] = []
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ConfigError(
                f"{path}: cannot read this known_hosts file ({exc}); fix it or pass --known-hosts"
            ) from exc
        for lineno, line in enumerate(text.splitlines(), 1):
            fields = line.strip().split()
            if len(fields) < 3 or fields[0].startswith(("#", "@")):
                continue
            try:
                blob = base64.b64decode(fields[2], validate=True)
            except (binascii.Error, ValueError):
                continue
            self._raw.append((fields[0].split(","), fields[1], blob, lineno))

    def check(self, host: str, port: int, key_type: str, seen: str) -> HostKeyCheck:
        """Compare a server's host key with the file's entries for that server and key type.

        Args:
            host: the server's address as the inventory names it.
            port: its TCP port (``[host]:port`` entries unless 22).
            key_type: the key's type (``ssh-rsa``, ``ssh-ed25519``, ``ecdsa-sha2-nistp256``, ``ssh-dss``),
                not the signature algorithm (``rsa-sha2-512`` is an ``ssh-rsa`` key).
            seen: the key's ``SHA256:`` fingerprint from the handshake.

        Returns:
            ``match`` when one of the known keys of that type is ``seen``, ``changed`` when there are some
            and none is, ``unknown`` when the file holds no key of that type for the server.
        """
        known = self.keys_for(host, port).get(key_type, [])
        if not known:
            return HostKeyCheck("unknown")
        fingerprints = tuple(dict.fromkeys(fingerprint(blob) for blob, _ in known))
        same = any(hmac.compare_digest(fp.encode(), seen.encode()) for fp in fingerprints)
        return HostKeyCheck("match" if same else "changed", fingerprints, known[0][1])

    def keys_for(self, host: str, port: int) -> dict[str, list[tuple[bytes, int]]]:
        """Every key the file holds for ``host`` on ``port``, by key type: ``{type: [(blob, line), ...]}``.

        Names are matched as OpenSSH writes them (``host`` on port 22, else ``[host]:port``; hashed
        ``|1|salt|hash`` names by :func:`hashed_name_matches`); lines are 1-based, in file order.
        """
        name = known_hosts_name(host, port)
        out: dict[str, list[tuple[bytes, int]]] = {}
        for names, key_type, blob, lineno in self._raw:
            if _name_matches(name, names):
                out.setdefault(key_type, []).append((blob, lineno))
        return out


def _name_matches(name: str, names: Sequence[str]) -> bool:
    """Whether ``name`` is one of an entry's ``names``, plain or hashed."""
    return any(entry == name or (entry.startswith(_HASHED) and hashed_name_matches(name, entry)) for entry in names)


def load_known_hosts(path: Path | None) -> KnownHosts | None:
    """``--known-hosts FILE`` when given (it must exist), else ``~/.ssh/known_hosts`` when it exists, else None.

    Raises:
        ConfigError: an explicitly given file is missing or unreadable.
    """
    if path is not None:
        if not path.expanduser().exists() or path.expanduser().is_dir():
            raise ConfigError(f"{path}: no such known_hosts file; pass an existing file to --known-hosts")
        return KnownHosts(path.expanduser())
    default = DEFAULT_KNOWN_HOSTS.expanduser()
    return KnownHosts(default) if default.is_file() else None
