"""Regenerate ``rules/requires-dist.json``: the requires-dist of every release of the SSH stack and its wrappers.

``sshdrift lock --offline`` on a machine with an empty cache (a fresh CI runner, pre-commit.ci) reads the
declared dependencies of locked packages from this file, so the pre-commit hook judges a lock on its
merits without the network. The packages are every name in ``rules/ssh-stack.toml`` plus
:data:`WRAPPERS` (packages that commonly sit between a project and the SSH stack) and
:data:`COMPANIONS` (the dependencies of netmiko, which lockfiles without dependency edges —
pylock.toml, Pipfile.lock, requirements files — make sshdrift read as well).

Source: the package index's simple API in its JSON form (PEP 691). For each release the script reads
the core metadata (PyPA core metadata specification, ``Requires-Dist``) of one wheel, served beside it
as ``<file>.metadata`` (PEP 658 / PEP 714); a release with no such wheel is read from its sdist:
``PKG-INFO`` when it declares ``Requires-Dist`` statically (metadata 2.2+, PEP 643), else setuptools'
``*.egg-info/requires.txt``. Releases whose files carry neither are listed as ``unreadable``.

The index is the one given with ``--index-url``, else ``$UV_DEFAULT_INDEX`` / ``$UV_INDEX_URL`` /
``$PIP_INDEX_URL``, else the one uv itself uses (``uv pip compile --emit-index-url``); the output
names no index host. Usage (from the repository root, a few minutes)::

    uv run python scripts/gen_requires_dist.py [--index-url URL] [--jobs 8] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.fileio import write_atomic  # noqa: E402
from auditor.rules_data import load_toml  # noqa: E402
from auditor.sources.metadata import read_metadata_requires  # noqa: E402

OUTPUT = ROOT / "rules" / "requires-dist.json"
FORMAT = 1

WRAPPERS = (
    "ansible",
    "ansible-core",
    "nornir-netconf",
    "nornir-utils",
    "pyopenssl",
    "scrapli-cfg",
    "scrapli-replay",
)
"""Packages between a project and the SSH stack that ``rules/ssh-stack.toml`` does not list itself."""

COMPANIONS = ("cffi", "ntc-templates", "pycparser", "pyserial", "pyyaml", "textfsm")
"""netmiko's own dependencies (setuptools aside: hundreds of releases, and no path to the SSH stack)."""

JSON_SIMPLE = "application/vnd.pypi.simple.v1+json"
USER_AGENT = "sshdrift-gen-requires-dist"
TIMEOUT = 60.0
MAX_DOWNLOAD = 8_000_000
"""Bytes: a file without served metadata larger than this is not downloaded (old ``ansible`` sdists run
to tens of MB each); its release is listed as unreadable and sshdrift reads it with uv when online."""


@dataclass(frozen=True)
class Release:
    """One release of one package and the index file its requires-dist is read from."""

    name: str
    version: str
    url: str
    filename: str
    has_metadata: bool
    """The index serves ``<url>.metadata`` (PEP 658 ``core-metadata`` / ``data-dist-info-metadata``)."""
    size: int
    """Bytes of the file (PEP 700 ``size``; 0 when the index does not say)."""


def index_url(given: str | None) -> str:
    """The simple index URL: ``given``, the usual environment variables, else uv's own (ends with ``/``)."""
    url = given or next(
        (os.environ[k] for k in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL") if os.environ.get(k)), None
    )
    if url is None:
        proc = subprocess.run(
            ["uv", "pip", "compile", "--quiet", "--emit-index-url", "-"],
            input="",
            capture_output=True,
            text=True,
            check=True,
        )
        match = re.search(r"^--index-url\s+(\S+)", proc.stdout, re.MULTILINE)
        if match is None:
            sys.exit("uv did not name its index; pass --index-url")
        url = match.group(1)
    return url.rstrip("/") + "/"


def _get(url: str, accept: str | None = None) -> bytes:
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT) as response:
        data: bytes = response.read()
    return data


def _version_of(filename: str) -> tuple[Version, bool] | None:
    """``(version, is_wheel)`` of a distribution file name, or None for other files (eggs, .exe)."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1], True
        return parse_sdist_filename(filename)[1], False
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


def _rank(release: Release) -> tuple[bool, int]:
    """Sort key, best first: files whose metadata the index serves, then the smallest download."""
    return (not release.has_metadata, release.size or MAX_DOWNLOAD)


def releases(index: str, name: str) -> dict[str, list[Release]]:
    """Normalized version → its files, best to read first, for every release of ``name`` (none: ``{}``)."""
    try:
        page = json.loads(_get(urljoin(index, f"{name}/"), JSON_SIMPLE))
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
        return {}
    files: dict[str, list[Release]] = {}
    for entry in page.get("files", ()):
        parsed = _version_of(str(entry["filename"]))
        if parsed is None:
            continue
        url = urljoin(urljoin(index, f"{name}/"), str(entry["url"])).split("#", 1)[0]
        has_metadata = bool(entry.get("core-metadata") or entry.get("data-dist-info-metadata"))
        files.setdefault(str(parsed[0]), []).append(
            Release(name, str(parsed[0]), url, str(entry["filename"]), has_metadata, int(entry.get("size") or 0))
        )
    return {version: sorted(candidates, key=_rank) for version, candidates in files.items()}


def requires_txt_to_requires_dist(text: str) -> list[str]:
    """Turn setuptools' ``requires.txt`` (``[extra:marker]`` sections) as PEP 508 requires-dist strings."""
    out: list[str] = []
    extra, marker = "", ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, marker = line[1:-1].partition(":")
            continue
        conditions = [f"({marker})" if extra else marker] if marker else []
        if extra:
            conditions.append(f'extra == "{extra}"')
        out.append(f"{line}; {' and '.join(conditions)}" if conditions else line)
    return out


def _archive_members(data: bytes, filename: str) -> tuple[dict[str, bytes], bool]:
    """``PKG-INFO`` and ``requires.txt`` files of an sdist (tar or zip) by path, and whether it has an egg-info."""
    wanted = re.compile(r"^[^/]+/(PKG-INFO|(.+/)?[^/]+\.egg-info/requires\.txt)$")
    found: dict[str, bytes] = {}
    if filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            found = {m: archive.read(m) for m in names if wanted.match(m)}
    else:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            members = archive.getmembers()
            names = [info.name for info in members]
            for info in members:
                handle = archive.extractfile(info) if info.isfile() and wanted.match(info.name) else None
                if handle is not None:
                    found[info.name] = handle.read()
    return found, any(".egg-info/" in n or n.endswith(".egg-info") for n in names)


def _from_sdist(release: Release) -> list[str] | None:
    """Requires-dist from an sdist, without running it.

    ``PKG-INFO`` when it lists them or declares them static (metadata 2.2+, PEP 643); else setuptools'
    ``requires.txt``; an egg-info without one, or a metadata 1.x sdist without an egg-info (distutils,
    which has no install-time requirements), declares none. Anything else is None (unknown).
    """
    members, has_egg_info = _archive_members(_get(release.url), release.filename)
    pkg_info = next((v for k, v in members.items() if k.count("/") == 1 and k.endswith("PKG-INFO")), b"")
    text = pkg_info.decode("utf-8", errors="replace")
    requires = list(read_metadata_requires(text)[2])
    version = re.search(r"^Metadata-Version:\s*(\d+)\.(\d+)", text, re.MULTILINE)
    dynamic = re.search(r"^Dynamic:\s*Requires-Dist", text, re.MULTILINE | re.IGNORECASE)
    if requires or (version and (int(version[1]), int(version[2])) >= (2, 2) and not dynamic):
        return requires
    requires_txt = sorted((k for k in members if k.endswith("requires.txt")), key=lambda k: k.count("/"))
    if requires_txt:
        return requires_txt_to_requires_dist(members[requires_txt[0]].decode("utf-8", errors="replace"))
    if has_egg_info or (version and version[1] == "1"):
        return []
    return None


def read_release(candidates: list[Release]) -> list[str] | None:
    """The requires-dist strings of one release from the first of its files that says, or None."""
    for release in candidates:
        requires = _read_file(release)
        if requires is not None:
            return requires
    return None


def _read_file(release: Release) -> list[str] | None:
    if release.has_metadata:
        return list(read_metadata_requires(_get(release.url + ".metadata").decode("utf-8", errors="replace"))[2])
    if release.size > MAX_DOWNLOAD:
        return None
    if release.filename.endswith(".whl"):
        with zipfile.ZipFile(io.BytesIO(_get(release.url))) as wheel:
            member = next(m for m in wheel.namelist() if re.match(r"^[^/]+\.dist-info/METADATA$", m))
            return list(read_metadata_requires(wheel.read(member).decode("utf-8", errors="replace"))[2])
    return _from_sdist(release)


def package_names() -> list[str]:
    """Every package the data covers: the SSH stack, :data:`WRAPPERS` and :data:`COMPANIONS`, sorted."""
    stack = load_toml("ssh-stack.toml").get("packages", {})
    return sorted({canonicalize_name(n) for n in (*stack, *WRAPPERS, *COMPANIONS)})


def collect(index: str, names: list[str], jobs: int) -> dict[str, dict[str, Any]]:
    """Read every release of ``names``: name → ``{"releases": {version: [requires-dist]}, "unreadable": [versions]}``, versions sorted."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        listings = dict(zip(names, pool.map(lambda n: releases(index, n), names), strict=True))
        todo = [(n, v) for n in names for v in listings[n]]
        results = dict(zip(todo, pool.map(lambda key: read_release(listings[key[0]][key[1]]), todo), strict=True))
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        if not listings[name]:
            print(f"{name}: not on the index, left out")
            continue
        versions = sorted(listings[name], key=Version)
        out[name] = {
            "releases": {v: results[name, v] for v in versions if results[name, v] is not None},
            "unreadable": [v for v in versions if results[name, v] is None],
        }
        print(f"{name}: {len(out[name]['releases'])} releases, {len(out[name]['unreadable'])} unreadable")
    return out


def render(date: str, packages: dict[str, dict[str, Any]]) -> str:
    """The JSON document sshdrift reads (:func:`auditor.sources.metadata.shipped_requires_dist`).

    Per package its distinct requires-dist lists once (``sets``), then its releases naming their list
    by index, so that the file stays small and a regeneration diffs package by package.
    """
    lines = [
        "{",
        f'"format": {FORMAT},',
        f'"date": "{date}",',
        '"source": "core metadata (Requires-Dist) of each release on the package index, by scripts/gen_requires_dist.py",',
        '"packages": {',
    ]
    for i, (name, entry) in enumerate(packages.items()):
        sets: dict[str, int] = {}
        for requires in entry["releases"].values():
            sets.setdefault(json.dumps(requires, ensure_ascii=False), len(sets))
        lines.append(f"{json.dumps(name)}: {{")
        lines.append(f'"unreadable": {json.dumps(entry["unreadable"])},')
        lines.append('"sets": [')
        lines.extend(f"{text}{',' if j < len(sets) - 1 else ''}" for j, text in enumerate(sets))
        lines.append("],")
        items = [(v, sets[json.dumps(r, ensure_ascii=False)]) for v, r in entry["releases"].items()]
        lines.append('"releases": {' + ", ".join(f"{json.dumps(v)}: {k}" for v, k in items) + "}")
        lines.append("}" + ("," if i < len(packages) - 1 else ""))
    lines.extend(["}", "}"])
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-url", help="simple index URL (default: uv's)")
    parser.add_argument("--jobs", type=int, default=8, help="parallel downloads")
    parser.add_argument("--date", help="the date to record (default: today, UTC)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    date = args.date or datetime.now(timezone.utc).date().isoformat()
    packages = collect(index_url(args.index_url), package_names(), args.jobs)
    text = render(date, packages)
    json.loads(text)  # never write a file sshdrift could not read
    write_atomic(args.output, text)
    print(
        f"wrote {args.output} ({len(text)} characters, {sum(len(p['releases']) for p in packages.values())} releases)"
    )


if __name__ == "__main__":
    main()
