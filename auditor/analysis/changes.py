"""What ``drift`` and ``whatif`` share: the change notes of a new resolution against the lock."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from auditor.report_parts import Change


def change_notes(changes: Sequence[Change], context: str, stack: Collection[str]) -> list[str]:
    """One summary line for the table format: how many versions move, how many in the SSH stack.

    Args:
        changes: the versions that differ between the lock and the new resolution.
        context: how the new resolution came about, capitalised (``A fresh resolution today``).
        stack: normalized names of the SSH stack.
    """
    if not changes:
        return [f"{context}: no version changes"]
    ups = [c for c in changes if c.name in stack]
    return [f"{context}: {len(changes)} version change(s), {len(ups)} in the SSH stack (see changes)"]
