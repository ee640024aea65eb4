"""Locate and load the facts in ``rules/`` (shipped in the wheel as ``auditor/rules``)."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@functools.cache
def rules_dir() -> Path:
    """The directory holding ``ssh-stack.toml``, ``releases.toml`` and ``clients/<client>.json``.

    A wheel ships it as ``auditor/rules``; an editable checkout has it at the repository root.

    Raises:
        FileNotFoundError: neither exists (a broken installation).
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if (candidate / "ssh-stack.toml").is_file():
            return candidate
    raise FileNotFoundError(f"sshdrift's rules/ directory is missing next to {here}; reinstall sshdrift")


@functools.cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse ``rules/<name>`` as TOML 1.0 (cached; the caller must not mutate the result).

    Raises:
        FileNotFoundError: as :func:`rules_dir`, or no such file (a broken installation).
    """
    return tomllib.loads((rules_dir() / name).read_text(encoding="utf-8"))


@functools.cache
def load_json(name: str) -> Any:
    """Parse ``rules/<name>`` as JSON (RFC 8259; cached, the caller must not mutate the result).

    Raises:
        FileNotFoundError: as :func:`rules_dir`, or no such file (a broken installation).
    """
    return json.loads((rules_dir() / name).read_text(encoding="utf-8"))
