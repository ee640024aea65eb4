"""Read OSV advisories for PyPI packages from a local directory (``--vuln-db DIR``).

The directory may be a checkout of the PyPA advisory database (``vulns/<package>/<ID>.yaml``)
or any tree of OSV records, in YAML or JSON, one record per file. Records follow the OSV
schema (https://ossf.github.io/osv-schema/): ``affected[].package`` (``ecosystem`` "PyPI",
``name``), ``affected[].ranges[]`` of type ``ECOSYSTEM`` with ``introduced`` / ``fixed`` /
``last_affected`` / ``limit`` events, and ``affected[].versions``. Versions compare as PEP 440
(``packaging.version``), names as PEP 503 normalized names.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.errors import VulnerabilityServiceError

_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Advisory:
    """One OSV record (OSV schema 1.x) as it applies to one locked package version."""

    id: str
    """The record's ``id`` (``PYSEC-...``, ``GHSA-...``)."""
    aliases: tuple[str, ...]
    """The record's ``aliases`` (CVE and other ids for the same flaw)."""
    summary: str
    """The record's ``summary``, else the first sentence of ``details`` (one line)."""
    fixed: tuple[str, ...]
    """``fixed`` events above the locked version in the ranges that contain it, lowest first."""
    last_affected: str | None = None
    """The ``last_affected`` event of the range that contains the version, when the record gives no fix."""
    severity: str | None = None
    """The first ``severity[].score`` (a CVSS vector), when given."""
    source: str | None = None
    """The file the record came from, or the service's name."""


def one_line_summary(record: Mapping[str, Any]) -> str:
    """The record's ``summary`` or the first sentence of its ``details``, on one line, at most 200 characters."""
    text = str(record.get("summary") or "").strip()
    if not text:
        details = re.sub(r"\s+", " ", str(record.get("details") or "")).strip()
        details = re.sub(r"^#+\s*\w+\s*", "", details)  # a leading Markdown heading ("### Summary")
        match = re.match(r"(.+?[.!?])(\s|$)", details)
        text = match.group(1) if match else details
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= 200 else text[:197].rstrip() + "..."


def _version(text: object) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _range_state(version: Version, events: Iterable[Mapping[str, Any]]) -> tuple[bool, list[Version], str | None]:
    """Evaluate one ECOSYSTEM range (OSV schema, "Evaluation"): affected?, later fixes, last_affected.

    Events are sorted by version first ("0" lowest), because records such as PYSEC-2018-19
    list several introduced/fixed pairs out of order.
    """
    keyed: list[tuple[Version, str, str]] = []
    for event in events:
        for kind in ("introduced", "fixed", "last_affected", "limit"):
            if kind in event:
                raw = str(event[kind])
                parsed = Version("0") if raw == "0" else _version(raw)
                if parsed is not None:
                    keyed.append((parsed, kind, raw))
    order = {"introduced": 0, "fixed": 1, "last_affected": 1, "limit": 1}
    keyed.sort(key=lambda item: (item[0], order[item[1]]))
    affected = False
    last_affected: str | None = None
    for at, kind, raw in keyed:
        if kind == "introduced" and version >= at:
            affected = True
            last_affected = None
        elif kind == "fixed" and version >= at:
            affected = False
        elif kind == "last_affected":
            if version > at:
                affected = False
            elif affected:
                last_affected = raw
        elif kind == "limit" and version >= at:
            affected = False
    fixes = [at for at, kind, _ in keyed if kind == "fixed" and at > version]
    # The fix of *this* range is the first "fixed" after the version; later pairs belong to later branches.
    return affected, fixes[:1], last_affected if affected else None


def _entries_for(record: Mapping[str, Any], wanted: str) -> Iterator[Mapping[str, Any]]:
    """The record's ``affected[]`` entries whose package is ``PyPI`` and named ``wanted`` (PEP 503 normalized)."""
    for affected in record.get("affected") or ():
        package = affected.get("package") or {}
        if str(package.get("ecosystem", "")).lower() != "pypi":
            continue
        if canonicalize_name(str(package.get("name", ""))) == wanted:
            yield affected


def _entry_state(
    affected: Mapping[str, Any], version: str, parsed: Version | None
) -> tuple[bool, list[Version], str | None]:
    """Evaluate one ``affected[]`` entry for ``version``: affected?, later fixes, last_affected.

    The entry holds the version when its ``versions`` list names it (as written or as an equal
    PEP 440 version) or an ``ECOSYSTEM`` range contains it (:func:`_range_state`); an unparsable
    version (``parsed`` None) is matched against the list only.
    """
    listed = {str(v) for v in affected.get("versions") or ()}
    hit = version in listed or (parsed is not None and any(_version(v) == parsed for v in listed))
    fixes: list[Version] = []
    last_affected: str | None = None
    if parsed is None:
        return hit, fixes, last_affected
    for rng in affected.get("ranges") or ():
        if rng.get("type") != "ECOSYSTEM":
            continue
        inside, later, last = _range_state(parsed, rng.get("events") or ())
        if inside:
            hit = True
            fixes += later
            last_affected = last_affected or last
    return hit, fixes, last_affected


def _first_score(record: Mapping[str, Any]) -> str | None:
    """The first non-empty ``severity[].score`` of the record (a CVSS vector), else None."""
    for entry in record.get("severity") or ():
        if entry.get("score"):
            return str(entry["score"])
    return None


def match(record: Mapping[str, Any], name: str, version: str, source: str | None = None) -> Advisory | None:
    """The advisory ``record`` makes for package ``name`` at ``version``, or None when it does not apply.

    Args:
        record: one parsed OSV record.
        name: a package name (normalized here, PEP 503).
        version: the locked version; an unparsable one matches only the explicit ``versions`` list.
        source: where the record came from, kept on the advisory.

    Returns:
        The :class:`Advisory` when a ``PyPI`` ``affected[]`` entry names the package and its
        ``versions`` list or an ``ECOSYSTEM`` range holds the version (OSV schema "Evaluation":
        ``introduced`` inclusive, ``fixed`` and ``limit`` exclusive, ``last_affected`` inclusive);
        None for a ``withdrawn`` record or no match.
    """
    if record.get("withdrawn"):
        return None
    parsed = _version(version)
    hit = False
    fixes: list[Version] = []
    last_affected: str | None = None
    for affected in _entries_for(record, canonicalize_name(name)):
        inside, later, last = _entry_state(affected, version, parsed)
        hit = hit or inside
        fixes += later
        last_affected = last_affected or last
    if not hit:
        return None
    return Advisory(
        id=str(record.get("id", "?")),
        aliases=tuple(str(a) for a in record.get("aliases") or ()),
        summary=one_line_summary(record),
        fixed=tuple(str(v) for v in sorted(set(fixes))),
        last_affected=None if fixes else last_affected,
        severity=_first_score(record),
        source=source,
    )


def _name_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Any spelling of the names (``-``, ``_``, ``.`` runs are equivalent; case-insensitive)."""
    parts = [r"[-_.]+".join(re.escape(p) for p in re.split(r"[-_.]+", canonicalize_name(n))) for n in names]
    return re.compile("|".join(parts) or r"(?!)", re.IGNORECASE)


def _unreadable(exc: OSError) -> NoReturn:
    raise VulnerabilityServiceError(
        f"{exc.filename}: cannot list this --vuln-db directory ({exc.strerror}); fix its permissions"
    ) from exc


def _files(root: Path) -> Iterator[Path]:
    """Record files under ``root`` in a stable order, skipping ``.git``.

    ``os.walk`` with an ``onerror`` that raises, because ``Path.rglob`` skips a directory it
    cannot list without a word, and a silently skipped database would look like "no advisories".
    """
    for directory, subdirs, names in os.walk(root, onerror=_unreadable):
        subdirs[:] = sorted(d for d in subdirs if d != ".git")
        for name in sorted(names):
            path = Path(directory, name)
            if path.suffix.lower() in _SUFFIXES and path.is_file():
                yield path


def _parse(path: Path, text: str) -> Any:
    import yaml  # only --vuln-db needs it; keep it off the pre-commit hook's start-up

    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(text, Loader=loader)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise VulnerabilityServiceError(
            f"{path}: not a valid OSV record ({first}); fix or remove the file, or point --vuln-db elsewhere"
        ) from exc


def load_records(root: Path, names: Iterable[str]) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Yield ``(file, record)`` for every OSV record under ``root`` that may concern one of ``names``.

    A file is parsed only when one of the names appears in its text, so a full advisory
    database checkout (thousands of files) costs a text scan, not thousands of YAML parses.

    Raises:
        VulnerabilityServiceError: ``root`` is not a directory, or a candidate file cannot be read or parsed.
    """
    if not root.is_dir():
        raise VulnerabilityServiceError(
            f"{root}: --vuln-db must be a directory of OSV records (for example a checkout of the PyPA "
            "advisory database); check the path"
        )
    pattern = _name_pattern(names)
    for path in _files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise VulnerabilityServiceError(f"{path}: cannot read ({exc}); fix permissions or remove it") from exc
        if not pattern.search(text):
            continue
        record = _parse(path, text)
        if isinstance(record, Mapping) and "id" in record and "affected" in record:
            yield path, record


def advisories(root: Path, packages: Mapping[str, str]) -> dict[str, list[Advisory]]:
    """Advisories from the OSV directory ``root`` for each ``{name: version}`` in ``packages``.

    Returns:
        normalized name → advisories affecting that version (by id; empty lists omitted).

    Raises:
        VulnerabilityServiceError: as :func:`load_records`.
    """
    found: dict[str, dict[str, Advisory]] = {}
    for path, record in load_records(root, packages):
        for name, version in packages.items():
            advisory = match(record, name, version, source=str(path))
            if advisory is not None:
                found.setdefault(canonicalize_name(name), {}).setdefault(advisory.id, advisory)
    return {name: list(by_id.values()) for name, by_id in found.items()}
