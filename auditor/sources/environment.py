"""The target environment that PEP 508 markers are evaluated for (``--python-version``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.markers import InvalidMarker, Marker, default_environment

Environment = Mapping[str, str]


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
    applying: sshdrift would rather report a constraint too many than miss one.
    """
    if marker is None or marker == "":
        return True
    try:
        parsed = marker if isinstance(marker, Marker) else Marker(marker)
    except InvalidMarker:
        return True
    candidates = ["", *extras]
    try:
        return any(parsed.evaluate({**env, "extra": extra}) for extra in candidates)
    except Exception:  # packaging raises UndefinedEnvironmentName and friends for tool-specific names
        return True
