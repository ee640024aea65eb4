"""``--write-known-hosts FILE``: the host keys a run verified, merged into an OpenSSH known_hosts file.

Entries are written plain (``NAME KEYTYPE BASE64``, not hashed): ``NAME`` is the device's host on port
22, else ``[host]:port`` (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), so ``ssh-keygen -F``, ``ssh`` and
:class:`paramiko.HostKeys` all find them. Only keys seen in a verified handshake that negotiated are
written. The merge never loses or rewrites what the file holds:

* a key already on file (same name, type and blob, hashed names included) is not written again;
* a key of a type the file holds other keys of for that name is a changed key: the file's line is kept
  and a note says so (``host-key-changed`` reports it when the file is the one compared, which it is by
  default: see :func:`prepare`);
* a key of a new type for a name the file already knows is added only when another key the same device
  showed matches the file (OpenSSH treats a new type for a known host as a changed key too);
* everything else is appended; the file is replaced atomically (:func:`auditor.fileio.write_atomic`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.device_model import DeviceResult
from auditor.errors import ConfigError, UsageError
from auditor.fileio import write_atomic
from auditor.settings import Settings

if TYPE_CHECKING:
    from auditor.probe.known_hosts import KnownHosts

OPTION = "--write-known-hosts"


def prepare(settings: Settings) -> Settings:
    """Check ``settings.write_known_hosts`` before any device is probed; compare host keys with it by default.

    Args:
        settings: the run's settings; ``write_known_hosts`` None leaves them as they are.

    Returns:
        ``settings``, with ``known_hosts`` set to the file to write when that file exists and no
        ``--known-hosts`` was given (so ``host-key-changed`` compares with the file being merged into).

    Raises:
        UsageError: ``--no-verify`` (no key is verified then), or the path is a directory or its
            directory does not exist (exit 2).
        ConfigError: the existing file cannot be read as known_hosts (exit 3).
    """
    path = settings.write_known_hosts
    if path is None:
        return settings
    if not settings.verify:
        raise UsageError(f"{OPTION} {path}: host keys come only from verified handshakes; drop --no-verify")
    if path.is_dir():
        raise UsageError(f"{OPTION} {path}: is a directory; name a file")
    if not path.parent.is_dir():
        raise UsageError(f"{OPTION} {path}: directory {path.parent} does not exist; create it first")
    if not path.exists():
        return settings
    _read(path)  # a bad file fails now, not after the probe
    return settings if settings.known_hosts is not None else replace(settings, known_hosts=path)


@dataclass
class MergePlan:
    """What merging a run's verified keys into a known_hosts file does (:func:`plan`)."""

    lines: list[str] = field(default_factory=list)
    """The lines to append (``NAME KEYTYPE BASE64``), in device order."""
    present: int = 0
    """Verified keys the file holds already."""
    kept: list[str] = field(default_factory=list)
    """One sentence per key the file holds differently (left as it was)."""


def plan(results: Sequence[DeviceResult], existing: KnownHosts | None) -> MergePlan:
    """The merge of every verified host key of ``results`` into ``existing`` (None: a new file).

    Args:
        results: device results; their ``host_keys`` (``(key type, base64)``) are the verified keys.
        existing: the file as it is, or None when there is none.

    Returns:
        The lines to append, the count of keys already there and a sentence per changed key kept.
    """
    from auditor.probe.known_hosts import fingerprint, known_hosts_name

    out = MergePlan()
    added: dict[str, dict[str, list[bytes]]] = {}
    for result in results:
        host, port = result.device.host, result.device.port
        name = known_hosts_name(host, port)
        on_file = {t: [b for b, _ in keys] for t, keys in (existing.keys_for(host, port) if existing else {}).items()}
        for key_type, blobs in added.get(name, {}).items():
            on_file.setdefault(key_type, []).extend(blobs)
        seen = [(t, b, _blob(b)) for t, b in result.host_keys]
        confirmed = any(blob in on_file.get(t, ()) for t, _, blob in seen)
        for key_type, text, blob in seen:
            if blob in on_file.get(key_type, ()):
                out.present += 1
                continue
            if key_type in on_file or (on_file and not confirmed):
                known = ", ".join(
                    f"{t} {fingerprint(b)}"
                    for t in ([key_type] if key_type in on_file else on_file)
                    for b in on_file[t]
                )
                out.kept.append(
                    f"{name} showed {key_type} {fingerprint(blob)} but the file holds {known}: left as it was, "
                    "not replaced (a changed host key: host-key-changed reports it)"
                )
                continue
            out.lines.append(f"{name} {key_type} {text}")
            added.setdefault(name, {}).setdefault(key_type, []).append(blob)
            on_file.setdefault(key_type, []).append(blob)
    return out


def write_known_hosts(path: Path, results: Sequence[DeviceResult]) -> list[str]:
    """Merge the verified host keys of ``results`` into ``path`` (created when missing), atomically.

    Args:
        path: the known_hosts file to write (``--write-known-hosts``).
        results: the run's device results (see :func:`plan`).

    Returns:
        Notes for the report: what was added and kept, and one per changed key left as it was.

    Raises:
        ConfigError: the existing file cannot be read, or the new one cannot be written (exit 3).
    """
    existing = _read(path) if path.exists() else None
    merge = plan(results, existing)
    verified = sum(len(r.host_keys) for r in results)
    if merge.lines:
        old = path.read_text(encoding="utf-8", errors="surrogateescape") if existing is not None else ""
        text = old + ("\n" if old and not old.endswith("\n") else "") + "".join(f"{line}\n" for line in merge.lines)
        try:
            write_atomic(path, text, encoding="utf-8")
        except (OSError, UnicodeEncodeError) as exc:
            raise ConfigError(f"{OPTION} {path}: cannot write it ({exc}); check the directory's permissions") from exc
    notes = [
        f"{OPTION} {path}: {len(merge.lines)} host key(s) added (plain names, not hashed), {merge.present} already "
        f"there, {len(merge.kept)} changed key(s) left as they were, of {verified} verified"
        + ("" if merge.lines else "; the file was not rewritten")
    ]
    return notes + [f"{OPTION} {path}: {sentence}" for sentence in merge.kept]


def _read(path: Path) -> KnownHosts:
    """``path`` read as known_hosts. Raises ConfigError naming the option when it cannot be."""
    from auditor.probe.known_hosts import KnownHosts

    try:
        return KnownHosts(path)
    except ConfigError as exc:
        raise ConfigError(f"{OPTION} {exc.message}") from exc


def _blob(text: str) -> bytes:
    """A host key's base64 as bytes (an unreadable one as its text, so it still compares)."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode("ascii", "replace")
