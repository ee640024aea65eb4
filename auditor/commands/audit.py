"""``sshdrift audit``: the lock checks plus the probe with exactly the Paramiko the lock resolves.

One run, one report, one exit code (the worst wins: findings at ``--fail-on`` give 1, else an
unreachable device gives 4; :meth:`auditor.model.Report.exit_code`). The devices are probed with
the version the lockfile pins, in a uv-made environment holding exactly ``paramiko==<locked>``
(:meth:`auditor.probe.clients.Client.environment`), not with whatever Paramiko sshdrift itself
runs. With ``--fleet FILE`` (a saved probe report) the same question is answered offline from
the snapshot's name-lists (:mod:`auditor.checks.device_rules.fleet`), with a note on the snapshot's age.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor import engine
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_audit(path: Path, settings: Settings, progress: Progress, base: str | None = None) -> Report:
    """Audit the lock and the devices together.

    Args:
        path: the project directory or its lockfile.
        settings: every option; ``devices`` (``--devices`` or ``[tool.sshdrift] devices``) is
            probed live, ``fleet`` switches to offline prediction; ``write_known_hosts`` merges the
            verified host keys into that file afterwards (:mod:`auditor.probe.known_hosts_file`).
        base: ``--base``, a git revision or lockfile path whose lock the change is judged against, or None.
        progress: told about metadata fetching and probing.

    Returns:
        One :class:`Report`: the lock audit's packages, findings and skipped entries, plus the
        device results and device findings for the locked Paramiko.

    Raises:
        LockfileError, InventoryError: bad input (exit 3). UsageError: both ``--devices`` and ``--fleet``.
        ResolverError: uv could not make the environment of the locked Paramiko.
    """
    path_to_write = settings.write_known_hosts
    if path_to_write is None:
        return engine.run(engine.AuditRequest(path, settings.devices, base), settings, progress)
    from auditor.probe.known_hosts_file import prepare, write_known_hosts

    settings = prepare(settings)
    report = engine.run(engine.AuditRequest(path, settings.devices, base), settings, progress)
    notes = write_known_hosts(path_to_write, report.devices)
    return replace(report, notes=(*report.notes, *notes))
