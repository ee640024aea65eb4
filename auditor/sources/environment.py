"""The target environment that PEP 508 markers are evaluated for (``--python-version``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from packaging.markers import InvalidMarker, Marker, default_environment

Environment = Mapping[str, str]

_EXTRA = re.compile(r"extra\s*==\s*['\"]([^'\"]+)['\"]")


def extras_in(marker: str | None) -> list[str]:
    """The extras a PEP 508 marker names (``extra == "par4"`` → ``["par4"]``), in order; ``[]`` for None.

    Lockers and requires-dist write an extra's edge as a marker on it; the name tells which extra
    enables the edge before anyone knows whether the extra is requested.
    """
    return _EXTRA.findall(marker or "")


def target_environment(python_version: str | None = None) -> dict[str, str]:
    """PEP 508 marker variables for the running interpreter, or for ``python_version`` (e.g. ``3.12``).

    With ``python_version``, ``python_version`` becomes its first two components and
    ``python_full_version`` the version as given (``3.12`` → ``3.12``; packaging compares them as versions).
    """
    env: dict[str, str] = {key: str(value) for key, value in default_environment().items()}
    if python_version:
        parts = python_version.split(".")
        env["python_version"] = ".".join(parts[:2])
        env["python_full_version"] = python_version if len(parts) >= 3 else ".".join([*parts[:2], "0"])
    return env


def marker_applies(marker: str | Marker | None, env: Environment, extras: Iterable[str] = ()) -> bool:
    """Whether a PEP 508 ``marker`` holds in ``env`` with any of ``extras`` requested (or none).

    A marker that cannot be parsed (lockers sometimes write tool-specific variables) counts as
    applying: sshdrift would rather report a constraint too many than miss one. Lockfiles repeat
    the same few markers hundreds of times, so text markers are parsed and evaluated once per
    (marker, environment, extras).
    """
    if marker is None or marker == "":
        return True
    key = tuple(sorted(env.items()))
    if isinstance(marker, Marker):
        return _evaluate(marker, key, tuple(extras))
    return _applies_text(marker, key, tuple(extras))


@functools.lru_cache(maxsize=4096)
def _applies_text(marker: str, env: tuple[tuple[str, str], ...], extras: tuple[str, ...]) -> bool:
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return True
    return _evaluate(parsed, env, extras)


def _evaluate(marker: Marker, env: tuple[tuple[str, str], ...], extras: tuple[str, ...]) -> bool:
    variables = dict(env)
    try:
        return any(marker.evaluate({**variables, "extra": extra}) for extra in ("", *extras))
    except Exception:  # packaging raises UndefinedEnvironmentName and friends for tool-specific names
        return True
