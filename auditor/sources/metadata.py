"""Requires-dist of locked versions: fetched with uv in one batched call, cached by (name, version).

uv.lock, pylock.toml, Pipfile.lock and requirements files do not record the specifiers a
package declares on its dependencies, so sshdrift reads them from each locked version's core
metadata (``Requires-Dist``, core metadata 2.x). ``uv pip install --no-deps --no-compile --target
TMP name==X ...`` fetches every needed distribution in one call (through
:func:`auditor.uv_runner.run_uv`), honouring the user's own index configuration (uv.toml,
``UV_INDEX_URL``...); the ``*.dist-info/METADATA`` files are read with
the standard library's e-mail header parser. Results are cached as JSON, one file per
(name, version), in ``platformdirs.user_cache_dir("sshdrift")`` or ``$SSHDRIFT_CACHE_DIR``.

Lookup order: the cache, then the requires-dist shipped with sshdrift (``rules/requires-dist.json``:
every release of the SSH stack and of the packages that wrap it, up to the date it records, made by
``scripts/gen_requires_dist.py``), then uv (unless offline). So ``--offline`` on a machine with an
empty cache is complete for every release up to that date, and names only newer ones as not evaluated.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.errors import ResolverError
from auditor.progress import Progress
from auditor.sources import cache

Pin = tuple[str, str]
"""``(normalized name, version)``."""

CACHE_FORMAT = 1
SHIPPED_FORMAT = 1
SHIPPED_FILE = "requires-dist.json"
"""The shipped requires-dist data, in ``rules/``."""
OFFLINE_HINT = "run 'sshdrift lock' once online to fill the cache"


@dataclass(frozen=True)
class RequiresDist:
    """The outcome of :func:`requires_dist`: requirement strings per pin, and the pins left unknown."""

    found: dict[Pin, tuple[str, ...]] = field(default_factory=dict)
    missing: dict[Pin, str] = field(default_factory=dict)
    """Pin → why it could not be read (offline without a cache entry, uv could not fetch it)."""


def cache_dir() -> Path:
    """Where requires-dist is cached: ``requires-dist/`` under :func:`auditor.sources.cache.cache_dir`."""
    return cache.cache_dir() / "requires-dist"


def _cache_file(pin: Pin) -> Path:
    name, version = pin
    return cache_dir() / f"{name}-{version}.json"


def _read_cache(pin: Pin) -> tuple[str, ...] | None:
    try:
        data = json.loads(_cache_file(pin).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return None
    return tuple(str(r) for r in data.get("requires_dist", ()))


def _write_cache(pin: Pin, requires: tuple[str, ...]) -> None:
    from auditor.fileio import write_atomic

    path = _cache_file(pin)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": CACHE_FORMAT, "name": pin[0], "version": pin[1], "requires_dist": list(requires)}
        write_atomic(path, json.dumps(payload, indent=1) + "\n")
    except OSError:
        pass  # a read-only cache only costs a fetch next time


@dataclass(frozen=True)
class ShippedRequiresDist:
    """The requires-dist data shipped with sshdrift (``rules/requires-dist.json``)."""

    date: str
    """``YYYY-MM-DD``: the day the data was read from the package index; later releases are not in it."""
    releases: dict[str, dict[str, list[str]]]
    """Normalized name → normalized version (PEP 440) → requires-dist strings (PEP 508), as on the index."""
    unreadable: dict[str, list[str]]
    """Normalized name → versions whose files on the index declare no readable requires-dist."""

    def lookup(self, pin: Pin) -> tuple[str, ...] | str:
        """The requires-dist of ``pin``, or why the data cannot give it (one phrase, the same for every pin alike)."""
        name, version = pin
        known = self.releases.get(name)
        if known is None:
            return "not in the cache nor in sshdrift's requires-dist data"
        requires = known.get(_normalize_version(version))
        if requires is None:
            requires = _equal_version(version, known)
        if requires is not None:
            return tuple(requires)
        if _normalize_version(version) in self.unreadable.get(name, ()):
            return "not in the cache, and sshdrift's requires-dist data could not read this release from the index"
        if _is_newest(version, known):
            return f"newer than sshdrift's requires-dist data ({self.date}) and not in the cache"
        return f"not in the cache, and not on the index when sshdrift's requires-dist data was read ({self.date})"


def _equal_version(version: str, known: Mapping[str, list[str]]) -> list[str] | None:
    """The entry of ``known`` whose version equals ``version`` under PEP 440 (``4.4`` == ``4.4.0``), or None."""
    from packaging.version import InvalidVersion, Version

    try:
        mine = Version(version)
        return next((requires for other, requires in known.items() if Version(other) == mine), None)
    except InvalidVersion:
        return None


def _is_newest(version: str, known: Iterable[str]) -> bool:
    """Whether ``version`` sorts after every version in ``known`` (PEP 440; an unparsable one never does)."""
    from packaging.version import InvalidVersion, Version

    try:
        mine = Version(version)
        return all(Version(other) < mine for other in known)
    except InvalidVersion:
        return False


def _normalize_version(version: str) -> str:
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(version))
    except InvalidVersion:
        return version


@functools.cache
def shipped_requires_dist() -> ShippedRequiresDist | None:
    """The requires-dist data shipped with sshdrift, or None when it is missing or malformed (a broken install).

    Read once per process from ``rules/requires-dist.json`` (see :func:`parse_shipped`), only when the cache misses.
    """
    from auditor.rules_data import load_json

    try:
        return parse_shipped(load_json(SHIPPED_FILE))
    except (OSError, ValueError):
        return None


def parse_shipped(data: Any) -> ShippedRequiresDist | None:
    """:class:`ShippedRequiresDist` from the parsed JSON document, or None when it is not format 1.

    The document (RFC 8259, written by ``scripts/gen_requires_dist.py``): ``{"format": 1, "date":
    "YYYY-MM-DD", "packages": {name: {"sets": [[requires-dist, ...], ...], "releases": {version: index
    into sets}, "unreadable": [version, ...]}}}``.
    """
    try:
        if data.get("format") != SHIPPED_FORMAT:
            return None
        packages = data["packages"]
        return ShippedRequiresDist(
            date=str(data["date"]),
            releases={
                name: {version: entry["sets"][index] for version, index in entry["releases"].items()}
                for name, entry in packages.items()
            },
            unreadable={name: list(entry.get("unreadable", ())) for name, entry in packages.items()},
        )
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


def read_metadata_requires(text: str) -> tuple[str, str, tuple[str, ...]]:
    """``(normalized name, version, requires-dist)`` from the text of a ``METADATA`` file.

    The file is RFC 822 style headers (PyPA core metadata specification); each ``Requires-Dist``
    value is a PEP 508 string, returned unparsed. Missing headers give ``""`` and ``()``.
    """
    from email.parser import HeaderParser  # only after a fetch; keeps warm offline runs fast

    headers = HeaderParser().parsestr(text)
    return (
        canonicalize_name(str(headers.get("Name", ""))),
        str(headers.get("Version", "")),
        tuple(str(r) for r in headers.get_all("Requires-Dist") or ()),
    )


def _uv_fetch(pins: Sequence[Pin], timeout: float) -> tuple[dict[Pin, tuple[str, ...]], str | None]:
    """Install ``pins`` without dependencies into a temporary target; read their requires-dist.

    Returns the requires-dist found per pin, and uv's reason when the call failed (None on success).
    """
    import tempfile  # Start-up: only when metadata is fetched.

    from auditor.uv_runner import run_uv

    with tempfile.TemporaryDirectory(prefix="sshdrift-metadata-") as tmp:
        args = ["pip", "install", "--quiet", "--no-deps", "--no-compile", "--python", sys.executable, "--target", tmp]
        try:
            run_uv([*args, *(f"{name}=={version}" for name, version in pins)], timeout=timeout)
        except ResolverError as exc:
            return {}, exc.message
        found: dict[Pin, tuple[str, ...]] = {}
        wanted = {(name, version) for name, version in pins}
        for metadata in Path(tmp).glob("*.dist-info/METADATA"):
            name, version, requires = read_metadata_requires(metadata.read_text(encoding="utf-8", errors="replace"))
            pin = (name, version)
            if pin not in wanted:
                # Versions are compared as written in the lock; tolerate '1.0' vs '1.0.0' spellings.
                pin = next((p for p in wanted if p[0] == name), pin)
            found[pin] = requires
        return found, None


def _local(pins: Sequence[Pin], *, offline: bool) -> tuple[dict[Pin, tuple[str, ...]], dict[Pin, str], list[Pin]]:
    """Look ``pins`` up in the cache, then in the shipped data: ``(found, missing, to fetch online)``.

    ``missing`` is empty unless ``offline``; online, every pin neither source knows is to be fetched.
    """
    found: dict[Pin, tuple[str, ...]] = {}
    missing: dict[Pin, str] = {}
    to_fetch: list[Pin] = []
    for pin in dict.fromkeys(pins):
        cached = _read_cache(pin)
        if cached is not None:
            found[pin] = cached
            continue
        shipped = shipped_requires_dist()
        answer = shipped.lookup(pin) if shipped is not None else "not in the cache"
        if isinstance(answer, tuple):
            found[pin] = answer
        elif offline:
            missing[pin] = f"{answer}, and --offline given; {OFFLINE_HINT}"
        else:
            to_fetch.append(pin)
    return found, missing, to_fetch


def _fetch(to_fetch: Sequence[Pin], timeout: float) -> tuple[dict[Pin, tuple[str, ...]], dict[Pin, str]]:
    """Fetch ``to_fetch`` with uv, batched; on a failed batch, one pin at a time to find the bad ones.

    Raises:
        ResolverError: uv failed for every pin.
    """
    fetched, error = _uv_fetch(to_fetch, timeout)
    errors: dict[Pin, str] = {}
    if error is not None:
        for pin in to_fetch:
            one, one_error = _uv_fetch([pin], timeout)
            fetched.update(one)
            if one_error is not None:
                errors[pin] = one_error
        if len(errors) == len(to_fetch):
            raise ResolverError(
                f"uv: could not fetch the metadata of {len(to_fetch)} locked packages ({error}); "
                "check the network and your index configuration, or run with --offline"
            )
    found: dict[Pin, tuple[str, ...]] = {}
    missing: dict[Pin, str] = {}
    for pin in to_fetch:
        if pin in fetched:
            found[pin] = fetched[pin]
            _write_cache(pin, fetched[pin])
        else:
            missing[pin] = errors.get(pin, "uv could not fetch this version's metadata")
    return found, missing


def requires_dist(
    pins: Sequence[Pin], *, offline: bool, progress: Progress | None = None, timeout: float = 300.0
) -> RequiresDist:
    """Requires-dist of every pin: from the cache, the shipped data, else one batched uv call (unless ``offline``).

    Args:
        pins: ``(normalized name, version)`` pairs.
        offline: never call uv; pins neither the cache nor the shipped data knows are ``missing``.
        progress: told about the fetch phase.
        timeout: seconds allowed for the uv call.

    Returns:
        :class:`RequiresDist`. A pin uv could not fetch on its own (a yanked file, no wheel and no
        sdist) is ``missing`` with uv's first error line; offline, a pin is ``missing`` with why
        (a release newer than the shipped data's date, a package the data does not cover) and the next step.

    Raises:
        ResolverError: uv failed for every pin (index unreachable, uv missing): one line with uv's error.
    """
    found, missing, to_fetch = _local(pins, offline=offline)
    if not to_fetch:
        return RequiresDist(found, missing)
    if progress is not None:
        progress.start(f"reading requires-dist of {len(to_fetch)} packages with uv", len(to_fetch))
    try:
        fetched, failed = _fetch(to_fetch, timeout)
        if progress is not None:
            progress.advance(len(to_fetch))
    finally:
        if progress is not None:
            progress.stop()
    return RequiresDist({**found, **fetched}, {**missing, **failed})
