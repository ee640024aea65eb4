"""Vulnerability lookups: pip-audit's command line (online) and a local OSV directory (``--vuln-db``).

:class:`PipAuditService` runs pip-audit through its public entry point, ``python -m pip_audit``
with ``--format json`` on a requirements file of exact pins (``--no-deps --disable-pip``: nothing
is resolved or installed), and reads its JSON (``dependencies[].vulns[]``: ``id``, ``aliases``,
``fix_versions``, ``description``). :class:`OsvDirectory` reads OSV records from a directory
(:mod:`auditor.sources.osv`), for air-gapped CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from auditor.errors import VulnerabilityServiceError
from auditor.model import Skipped
from auditor.services.interface import VulnerabilityRecords, VulnerabilityService
from auditor.sources.cache import cache_dir
from auditor.sources.osv import Advisory, advisories

if TYPE_CHECKING:
    from auditor.settings import Settings

RULE = "vulnerability"
_UNREACHABLE_NEXT = (
    "check the network, or pass --vuln-db DIR (a local OSV database) or --offline (the check is then listed as skipped)"
)


class OsvDirectory(VulnerabilityService):
    """OSV records read from a local directory (a checkout of the PyPA advisory database, or any tree of records)."""

    def __init__(self, root: Path) -> None:
        """Use the records under ``root`` (read on :meth:`query`)."""
        self.root = root

    def query(self, packages: Mapping[str, str]) -> VulnerabilityRecords:
        """Advisories from the directory for each pinned package (OSV ``ECOSYSTEM`` ranges, PEP 440 order).

        Raises:
            VulnerabilityServiceError: ``root`` is not a directory or holds a record that is not OSV.
        """
        found = advisories(self.root, packages)
        return VulnerabilityRecords(
            checked=dict(packages),
            found={name: tuple(items) for name, items in found.items()},
            source=f"--vuln-db {self.root}",
        )


class PipAuditService(VulnerabilityService):
    """pip-audit's PyPI vulnerability service, through ``python -m pip_audit --format json``."""

    def __init__(self, *, timeout: float, cache_dir: Path, python: str | None = None) -> None:
        """Configure the run.

        Args:
            timeout: pip-audit's socket timeout, in seconds (rounded up to a whole second, at least 1).
            cache_dir: pip-audit's HTTP cache directory.
            python: the interpreter that has pip-audit installed; default the running one.
        """
        self.timeout = max(1, round(timeout))
        self.cache_dir = cache_dir
        self.python = python or sys.executable

    def query(self, packages: Mapping[str, str]) -> VulnerabilityRecords:
        """Ask the PyPI vulnerability service about each exact pin.

        Raises:
            VulnerabilityServiceError: pip-audit failed without a JSON answer (no network, service down).
        """
        import tempfile  # Start-up: only for the online lookup.

        with tempfile.TemporaryDirectory(prefix="sshdrift-pip-audit-") as tmp:
            requirements = Path(tmp) / "requirements.txt"
            requirements.write_text("".join(f"{n}=={v}\n" for n, v in sorted(packages.items())), encoding="utf-8")
            completed = self._run(requirements)
        try:
            data = json.loads(completed.stdout)
        except json.JSONDecodeError:
            raise VulnerabilityServiceError(
                f"vulnerability service (pip-audit, PyPI) could not be reached: {_last_line(completed.stderr)}; "
                + _UNREACHABLE_NEXT
            ) from None
        return records_from_json(data, packages)

    def _run(self, requirements: Path) -> subprocess.CompletedProcess[str]:
        command = [
            self.python,
            "-m",
            "pip_audit",
            "--requirement",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--timeout",
            str(self.timeout),
            "--cache-dir",
            str(self.cache_dir),
        ]
        # pip-audit retries a failing request a few times: allow for it, then give up with its last line.
        limit = 30 + 4 * self.timeout * 3
        try:
            return subprocess.run(
                command, capture_output=True, text=True, timeout=limit, check=False, env={**os.environ, "NO_COLOR": "1"}
            )
        except subprocess.TimeoutExpired:
            raise VulnerabilityServiceError(
                f"vulnerability service (pip-audit, PyPI) could not be reached: no answer within {limit} s; "
                + _UNREACHABLE_NEXT
            ) from None
        except OSError as exc:
            raise VulnerabilityServiceError(f"{self.python}: cannot run pip-audit ({exc}); reinstall sshdrift") from exc


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "pip-audit gave no output"


def records_from_json(data: Any, packages: Mapping[str, str]) -> VulnerabilityRecords:
    """Turn pip-audit's ``--format json`` output into records.

    Args:
        data: the parsed JSON: ``{"dependencies": [{"name", "version", "vulns": [...]} | {"name", "skip_reason"}]}``.
        packages: the pins that were asked about.

    Raises:
        VulnerabilityServiceError: ``data`` is not pip-audit's JSON shape.
    """
    try:
        dependencies = list(data["dependencies"])
        found: dict[str, tuple[Advisory, ...]] = {}
        skipped: list[Skipped] = []
        for dep in dependencies:
            name = canonicalize_name(str(dep["name"]))
            if "skip_reason" in dep:
                reason = (
                    f"the vulnerability service returned nothing for it (pip-audit: {str(dep['skip_reason']).rstrip('.')}); "
                    "pass --vuln-db DIR to check from a local OSV database"
                )
                skipped.append(Skipped(f"{RULE}: {name}", reason))
                continue
            vulns = [_advisory(v) for v in dep.get("vulns", ())]
            if vulns:
                found[name] = tuple(vulns)
    except (KeyError, TypeError) as exc:
        raise VulnerabilityServiceError(
            f"pip-audit: unexpected JSON output ({exc!r}); update sshdrift or pass --vuln-db DIR"
        ) from exc
    return VulnerabilityRecords(checked=dict(packages), found=found, skipped=tuple(skipped), source="pip-audit (PyPI)")


def _advisory(vuln: Mapping[str, Any]) -> Advisory:
    from packaging.version import InvalidVersion, Version

    def order(text: str) -> tuple[int, Version | str]:
        try:
            return (0, Version(text))
        except InvalidVersion:
            return (1, text)

    fixes = sorted((str(v) for v in vuln.get("fix_versions", ())), key=order)
    return Advisory(
        id=str(vuln["id"]),
        aliases=tuple(sorted(str(a) for a in vuln.get("aliases", ()))),
        summary=" ".join(str(vuln.get("description") or "").split())[:200],
        fixed=tuple(fixes),
        source="pip-audit",
    )


def service_for(settings: Settings) -> VulnerabilityService | None:
    """The lookup ``settings`` ask for: ``--vuln-db DIR``, else none with ``--offline``, else pip-audit online.

    The online service caches under sshdrift's cache directory (``$SSHDRIFT_CACHE_DIR``, else the
    user cache directory) in ``pip-audit/``.
    """
    if settings.vuln_db is not None:
        return OsvDirectory(Path(settings.vuln_db))
    if settings.offline:
        return None
    return PipAuditService(timeout=settings.timeout, cache_dir=cache_dir() / "pip-audit")
