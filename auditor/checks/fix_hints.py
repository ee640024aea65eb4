"""Where a project caps a package: the ``fix`` sentence of lock findings, as the lockfile's format says.

The sentence and the offer of ``sshdrift fix`` both come from the format's
:meth:`~auditor.sources.lockfiles.interface.LockfileFormat.cap_site`, the same answer ``fix`` acts on,
so the hint never offers a fix that ``fix`` then refuses.
"""

from __future__ import annotations

from auditor.model import Lockfile
from auditor.sources.lockfiles import format_of


def cap_hint(lockfile: Lockfile, requirement: str, *, fixable: bool = True) -> str:
    """One sentence saying where to write ``requirement`` (e.g. ``paramiko<5``) for ``lockfile``'s project.

    Reads nothing: the cap site was read with the lockfile (:attr:`~auditor.model.Lockfile.cap_site`).

    Args:
        lockfile: the parsed lockfile; its format and cap site say where a cap goes.
        requirement: the cap to declare, a PEP 508 requirement such as ``paramiko<5``.
        fixable: whether ``sshdrift fix`` acts on the finding (it does for ``open-ended-range`` errors);
            the sentence offers ``sshdrift fix`` only when this holds and the cap site is writable.

    A lockfile built without a cap site (not by ``load_lockfile``) gets a sentence that names no file
    and offers no ``sshdrift fix``.
    """
    site = lockfile.cap_site
    if site is None:
        return f"declare '{requirement}' where the project's lock tool reads its requirements, and re-lock"
    also = ", or run 'sshdrift fix'" if fixable and site.writable else ""
    return format_of(lockfile).cap_advice(site, requirement) + also
