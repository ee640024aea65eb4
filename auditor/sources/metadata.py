"""Requires-dist of locked versions: fetched with uv in one batched call, cached by (name, version).

uv.lock, pylock.toml, Pipfile.lock and requirements files do not record the specifiers a
package declares on its dependencies, so sshdrift reads them from each locked version's core
metadata (``Requires-Dist``, core metadata 2.x). ``uv pip install --no-deps --no-compile --target
TMP name==X ...`` fetches every needed distribution in one call (through
:func:`auditor.uv_runner.run_uv`), honouring the user's own index configuration (uv.toml,
``UV_INDEX_URL``...); the ``*.dist-info/METADATA`` files are read with
the standard library's e-mail header parser. Results are cached as JSON, one file per
(name, version), in ``platformdirs.user_cache_dir("sshdrift")`` or ``$SSHDRIFT_CACHE_DIR``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from auditor.errors import ResolverError
from auditor.progress import Progress

Pin = tuple[str, str]
"""``(normalized name, version)``."""

CACHE_FORMAT = 1


@dataclass(frozen=True)
class RequiresDist:
    """The outcome of :func:`requires_dist`: requirement strings per pin, and the pins left unknown."""

    found: dict[Pin, tuple[str, ...]] = field(default_factory=dict)
    missing: dict[Pin, str] = field(default_factory=dict)
    """Pin → why it could not be read (offline without a cache entry, uv could not fetch it)."""


def cache_dir() -> Path:
    """Where requires-dist is cached: ``$SSHDRIFT_CACHE_DIR/requires-dist`` or the user cache directory."""
    override = os.environ.get("SSHDRIFT_CACHE_DIR")
    if override:
        return Path(override) / "requires-dist"
    import platformdirs

    return Path(platformdirs.user_cache_dir("sshdrift")) / "requires-dist"


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


def requires_dist(
    pins: Sequence[Pin], *, offline: bool, progress: Progress | None = None, timeout: float = 300.0
) -> RequiresDist:
    """Requires-dist of every pin: from the cache, else from one batched uv call (unless ``offline``).

    Args:
        pins: ``(normalized name, version)`` pairs.
        offline: use the cache only; uncached pins are returned as ``missing``.
        progress: told about the fetch phase.
        timeout: seconds allowed for the uv call.

    Returns:
        :class:`RequiresDist`. A pin uv could not fetch on its own (a yanked file, no wheel and no
        sdist) is ``missing`` with uv's first error line.

    Raises:
        ResolverError: uv failed for every pin (index unreachable, uv missing): one line with uv's error.
    """
    found: dict[Pin, tuple[str, ...]] = {}
    missing: dict[Pin, str] = {}
    to_fetch: list[Pin] = []
    for pin in dict.fromkeys(pins):
        cached = _read_cache(pin)
        if cached is not None:
            found[pin] = cached
        elif offline:
            missing[pin] = "not in the cache and --offline given; run 'sshdrift lock' once online to fill the cache"
        else:
            to_fetch.append(pin)
    if not to_fetch:
        return RequiresDist(found, missing)
    if progress is not None:
        progress.start(f"reading requires-dist of {len(to_fetch)} packages with uv", len(to_fetch))
    try:
        fetched, error = _uv_fetch(to_fetch, timeout)
        errors: dict[Pin, str] = {}
        if error is not None:
            # One bad pin fails the whole batch; find which by trying each alone.
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
        for pin in to_fetch:
            if pin in fetched:
                found[pin] = fetched[pin]
                _write_cache(pin, fetched[pin])
            else:
                missing[pin] = errors.get(pin, "uv could not fetch this version's metadata")
        if progress is not None:
            progress.advance(len(to_fetch))
    finally:
        if progress is not None:
            progress.stop()
    return RequiresDist(found, missing)
