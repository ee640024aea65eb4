"""A rich progress bar on stderr, used by the CLI only when stderr is a terminal."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class RichProgress:
    """:class:`auditor.progress.Progress` drawn with rich on stderr; thread-safe."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None
        self._lock = threading.Lock()

    def start(self, label: str, total: int | None) -> None:
        """Show a new bar for ``label`` with ``total`` steps."""
        with self._lock:
            if self._task is None:
                self._bar.start()
            else:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(label, total=total)

    def advance(self, count: int = 1) -> None:
        """Move the bar ``count`` steps."""
        with self._lock:
            if self._task is not None:
                self._bar.advance(self._task, count)

    def stop(self) -> None:
        """Remove the bar."""
        with self._lock:
            if self._task is not None:
                self._bar.remove_task(self._task)
                self._task = None
                self._bar.stop()
