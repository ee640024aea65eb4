"""Progress reporting as a callback the CLI provides; the engine never imports rich."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives progress from long work (probing, resolving). Implementations must be thread-safe."""

    def start(self, label: str, total: int | None) -> None:
        """A phase begins; ``total`` items are expected (None when unknown)."""

    def advance(self, count: int = 1) -> None:
        """``count`` more items of the current phase are done."""

    def stop(self) -> None:
        """The current phase is over."""


class NullProgress:
    """A :class:`Progress` that shows nothing (non-TTY output, tests)."""

    def start(self, label: str, total: int | None) -> None:
        """Ignore the phase."""

    def advance(self, count: int = 1) -> None:
        """Ignore the step."""

    def stop(self) -> None:
        """Ignore the end."""
