"""The service interfaces (pip-audit's ``_service/interface.py`` idea): one ABC per kind of outside lookup.

Rules never call a service: the engine's context builder (:func:`auditor.analysis.rule_context.build_context`)
does, and hands the rules the records. An implementation raises an
:class:`~auditor.errors.AuditorError` subclass naming what it could not reach and what to do next.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.model import Skipped
from auditor.sources.osv import Advisory


@dataclass(frozen=True)
class VulnerabilityRecords:
    """What a vulnerability lookup returned for a set of pinned packages."""

    checked: Mapping[str, str]
    """Normalized name → the exact version looked up (PEP 503 names, PEP 440 versions)."""
    found: Mapping[str, tuple[Advisory, ...]] = field(default_factory=dict)
    """Normalized name → advisories affecting that version (packages without any are absent)."""
    skipped: tuple[Skipped, ...] = ()
    """Packages the service could not check (unknown to it), one :class:`Skipped` each."""
    source: str = ""
    """Where the records came from, for messages (``pip-audit (PyPI)``, ``--vuln-db DIR``)."""


class VulnerabilityService(ABC):
    """Known advisories for exact package versions (OSV schema records, https://ossf.github.io/osv-schema/)."""

    @abstractmethod
    def query(self, packages: Mapping[str, str]) -> VulnerabilityRecords:
        """Advisories affecting each ``{normalized name: exact version}`` of ``packages``.

        Raises:
            VulnerabilityServiceError: the service or the database cannot be read (exit 3).
        """
