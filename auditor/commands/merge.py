"""``sshdrift merge``: join the JSON reports of sharded runs (``--shard K/N``) into one report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from auditor import engine
from auditor.errors import UsageError
from auditor.model import Report
from auditor.progress import NullProgress
from auditor.settings import Settings


def run_merge(reports: Sequence[Path], settings: Settings) -> Report:
    """Join saved JSON reports into one (:func:`auditor.engine.merge.merge_report`).

    Args:
        reports: paths of ``--format json`` reports, in the order to concatenate their devices.
        settings: the run's settings (output options only; a merge reads no project).

    Returns:
        The merged report; its exit code is computed as for a single run.

    Raises:
        UsageError: no report given (exit 2). InventoryError: a file is missing or not an sshdrift
            JSON report (one line naming it; exit 3).
    """
    if not reports:
        raise UsageError("merge: give the JSON reports to join, e.g. sshdrift merge shard-*.json")
    return engine.run(engine.MergeRequest(tuple(reports)), settings, NullProgress())
