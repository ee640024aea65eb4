"""The one exception root and the documented exit codes.

Every error that the CLI boundary turns into a one-line message derives from
:class:`AuditorError`. Each subclass carries the exit code it maps to.
Messages start with the file or host they concern and end with the next step,
for example ``poetry.lock: line 12: expected a [[package]] table; regenerate with 'poetry lock'``.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Documented process exit codes (DESIGN.md, "CLI contract"); the worst wins."""

    CLEAN = 0
    """No finding at or above ``--fail-on``."""
    FINDINGS = 1
    """At least one finding at or above ``--fail-on``."""
    USAGE = 2
    """Bad command line (Typer/Click's own code)."""
    BAD_INPUT = 3
    """Unreadable lockfile, inventory, configuration, or an unsatisfiable resolution."""
    INCOMPLETE = 4
    """Some devices were unreachable and nothing else failed."""
    INTERNAL = 5
    """A bug in sshdrift."""


class AuditorError(Exception):
    """Root of every error sshdrift reports as one line.

    Args:
        message: the whole line shown to the user; it names the file or host and the next step.
    """

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(AuditorError):
    """A combination of options that cannot work together (exit 2)."""

    exit_code = ExitCode.USAGE


class LockfileError(AuditorError):
    """A lockfile or project declaration that cannot be read (exit 3)."""


class InventoryError(AuditorError):
    """An inventory that cannot be read, or a bad entry in it (exit 3)."""


class ConfigError(AuditorError):
    """A bad ``[tool.sshdrift]`` table, ssh_config or ansible.cfg (exit 3)."""


class ResolverError(AuditorError):
    """uv failed: an unsatisfiable requirement, an unreachable index (exit 3)."""


class VulnerabilityServiceError(AuditorError):
    """The vulnerability service or ``--vuln-db`` could not be read (exit 3)."""


class ProtocolError(AuditorError):
    """An SSH peer broke RFC 4253 (bad identification string, packet or KEXINIT).

    Raised by the pure parsers in :mod:`auditor.probe.kexinit`; the probe turns it into a
    device result with status ``error``, never into a process exit.
    """
