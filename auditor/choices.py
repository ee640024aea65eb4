"""The small enumerations the command line needs first: severities, ``--fail-on``, ``--format``, device statuses.

Kept apart from :mod:`auditor.model` so that CLI start-up imports no dataclasses.
"""

from __future__ import annotations

import enum


class Severity(str, enum.Enum):
    """Finding severity, ordered error > warning > note (SARIF levels of the same names)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """3 for error, 2 for warning, 1 for note."""
        return {"error": 3, "warning": 2, "note": 1}[self.value]


class FailOn(str, enum.Enum):
    """The ``--fail-on`` threshold: the lowest severity that makes the exit code 1."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    NEVER = "never"

    def trips(self, severity: Severity) -> bool:
        """Whether a finding of ``severity`` reaches this threshold."""
        if self is FailOn.NEVER:
            return False
        return severity.rank >= Severity(self.value).rank


class OutputFormat(str, enum.Enum):
    """``--format`` values."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    GITHUB = "github"


class Show(str, enum.Enum):
    """``--show`` values: which devices the table and Markdown list row by row."""

    FAILURES = "failures"
    """Incompatible devices in full, devices not judged grouped by reason, compatible ones counted."""
    ALL = "all"
    """Every device in full (the groups and counts too)."""


class DeviceStatus(str, enum.Enum):
    """Outcome of probing one device."""

    COMPATIBLE = "compatible"
    INCOMPATIBLE = "incompatible"
    UNREACHABLE = "unreachable"
    ERROR = "error"
