"""Which release of a client's offer data answers for a version: shared by every client's ``offers`` module.

Each client's data (``rules/clients/<client>.json``) is keyed by exact release (PEP 440 spellings as the
generator wrote them). A post-release or local build (``1.2.0.post1``, ``5.1.0+deb12``) has the same
offer as the release it is based on, so it is answered with that release's entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from packaging.version import InvalidVersion, Version

from auditor.errors import AuditorError


def sorted_releases(releases: Iterable[str]) -> list[str]:
    """``releases`` (version strings) oldest first, in PEP 440 order (``["2.0.9", ..., "5.1.0"]``)."""
    return sorted(releases, key=Version)


def release_key(releases: Mapping[str, Any], version: str, *, name: str, hint: str) -> str:
    """The key of ``releases`` that answers for ``version`` (a post/local build: the release it is based on).

    Tried in order: ``version`` itself, the same version spelt otherwise, then its PEP 440 ``base_version``.

    Args:
        releases: a client's ``releases`` table, keyed by release string (not empty).
        version: the release asked for (``2.24.1``, ``1.2.0.post1``).
        name: the distribution for messages (``paramiko``, ``ansible-pylibssh``).
        hint: the next step when no release matches, after the known range (``use a released version in
            that range or regenerate rules/clients/paramiko.json with scripts/gen_paramiko_algorithms.py``).

    Raises:
        AuditorError: ``version`` is not a PEP 440 version, or no release answers for it (the message
            names the known range and ``hint``).
    """
    if version in releases:
        return version
    known = sorted_releases(releases)
    try:
        wanted = Version(version)
    except InvalidVersion:
        raise AuditorError(f"{name} {version!r}: not a version number; give a release such as {known[-1]}") from None
    base = Version(wanted.base_version)
    for target in (wanted, base):
        for candidate in reversed(known):
            if Version(candidate) == target:
                return candidate
    raise AuditorError(
        f"{name} {version}: no algorithm data for this release (known: {known[0]} to {known[-1]}); {hint}"
    )
