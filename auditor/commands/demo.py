"""``sshdrift demo``: the whole job on a bundled netmiko 4.4.0 lock and an emulated device lab on loopback."""

from __future__ import annotations

from auditor import engine
from auditor.engine.demo import DEMO_PROJECT as DEMO_PROJECT  # the bundled project, for tests and docs
from auditor.model import Report
from auditor.progress import Progress
from auditor.settings import Settings


def run_demo(settings: Settings, progress: Progress) -> Report:
    """Audit the bundled lock, probe the emulated lab with its Paramiko, and compute the fix.

    Args:
        settings: ``format``/``output``/``fail_on`` are the CLI's; ``verify`` and ``timeout`` apply to the probe.
        progress: told about the lock audit and the probe.

    Returns:
        The ``demo`` report (:func:`auditor.engine.demo.demo_report`).

    Raises:
        AuditorError: the bundled data is missing or unreadable, or the lab cannot start.
    """
    return engine.run(engine.DemoRequest(), settings, progress)
