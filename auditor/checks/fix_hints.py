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

    Args:
        lockfile: the parsed lockfile; its format and the files beside it say where a cap goes.
        requirement: the cap to declare, a PEP 508 requirement such as ``paramiko<5``.
        fixable: whether ``sshdrift fix`` acts on the finding (it does for ``open-ended-range`` errors);
            the sentence offers ``sshdrift fix`` only when this holds and the format's cap site is writable.
    """
    fmt = format_of(lockfile)
    site = fmt.cap_site(lockfile.path)
    also = ", or run 'sshdrift fix'" if fixable and site.writable else ""
    return fmt.cap_advice(site, requirement) + also
