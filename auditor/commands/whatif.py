"""``sshdrift whatif``: what happens if we require X? Answered before anyone upgrades.

The engine re-resolves a copy of the project with the requirements added and reports the
consequences (:mod:`auditor.engine.whatif`); the user's files are never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from auditor import engine
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_whatif(
    requirements: Sequence[str],
    project: Path,
    upgrade: bool,
    settings: Settings,
    progress: Progress,
    pre: bool = False,
) -> Report:
    """Re-resolve a copy of ``project`` with ``requirements`` added and report the consequences.

    Args:
        requirements: PEP 508 requirements, e.g. ``["paramiko==5.1.0"]`` or ``["netmiko>=4.8"]``.
        project: the project directory or its lockfile.
        upgrade: re-resolve everything to the newest allowed (``--upgrade``).
        settings: ``devices`` (probed with the new Paramiko) or ``fleet``, ``offline``,
            ``python_version``, probe options.
        progress: told about resolution, metadata fetching and probing.
        pre: ``--pre``, the resolution may take pre-releases (refused otherwise).

    Returns:
        The ``whatif`` report (:func:`auditor.engine.whatif.whatif_report`).

    Raises:
        ResolverError: an invalid or unsatisfiable requirement, or uv failed (uv's reason, exit 3).
        LockfileError, InventoryError: bad input (exit 3).
    """
    request = engine.WhatIfRequest(tuple(requirements), project, settings.devices, upgrade, pre)
    return engine.run(request, settings, progress)
