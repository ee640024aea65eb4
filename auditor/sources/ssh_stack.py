"""The SSH stack: ``rules/ssh-stack.toml`` plus the project's ``[tool.sshdrift] ssh-stack`` names.

Each package carries the severity of an open-ended range on it: its role's default (error for
clients and drivers, warning for crypto libraries), the package's own policy in
``rules/ssh-stack.toml`` (``open-ended`` with its reason ``open-ended-why``: scp, 0.x for over a
decade, is a note), or the project's ``[tool.sshdrift.open-ended]`` override, in that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from auditor.model import Severity
from auditor.rules_data import load_toml

_ROLE_SEVERITY = {"client": Severity.ERROR, "driver": Severity.ERROR, "crypto": Severity.WARNING}
OVERRIDDEN = "set in [tool.sshdrift.open-ended]"
"""The policy reason of a severity the project chose."""


@dataclass(frozen=True)
class StackPackage:
    """One SSH-stack package: why it is in the stack and how loud an open-ended range on it is."""

    name: str
    role: str
    """``client`` | ``driver`` | ``crypto`` | ``project`` (added by ``[tool.sshdrift] ssh-stack``)."""
    why: str
    """One phrase from ``rules/ssh-stack.toml`` saying what the package does for SSH."""
    open_ended_severity: Severity
    """``error`` for SSH clients and drivers; ``warning`` for crypto libraries, which every Python
    project depends on open-endedly and whose majors rarely change what an SSH client can negotiate;
    whatever the package's policy or the project says otherwise."""
    policy: str = ""
    """Why :attr:`open_ended_severity` is not the role's default (``rules/ssh-stack.toml``
    ``open-ended-why``, or :data:`OVERRIDDEN`); "" when it is the default."""


def ssh_stack(extra: Iterable[str] = (), open_ended: Iterable[tuple[str, str]] = ()) -> Mapping[str, StackPackage]:
    """Normalized name → :class:`StackPackage`, from ``rules/ssh-stack.toml`` and the project's settings.

    Args:
        extra: more package names (``Settings.ssh_stack_extra``); they get role ``project`` and error severity.
        open_ended: ``(name, severity)`` pairs (``Settings.open_ended``, from ``[tool.sshdrift.open-ended]``;
            severity ``error`` | ``warning`` | ``note``): the project's own severity for an open-ended range on
            that package, over the role's and the package policy's. A name outside the stack joins it.

    Raises:
        ValueError: a severity that is not ``error``, ``warning`` or ``note`` (settings validate it first).
    """
    table = load_toml("ssh-stack.toml").get("packages", {})
    out: dict[str, StackPackage] = {}
    for name, entry in table.items():
        role = str(entry.get("role", "driver"))
        default = _ROLE_SEVERITY.get(role, Severity.ERROR)
        severity = Severity(entry["open-ended"]) if "open-ended" in entry else default
        policy = str(entry.get("open-ended-why", "")) if severity is not default else ""
        key = canonicalize_name(name)
        out[key] = StackPackage(key, role, str(entry.get("why", "")), severity, policy)
    for name in extra:
        key = canonicalize_name(name)
        out.setdefault(key, StackPackage(key, "project", "listed in [tool.sshdrift] ssh-stack", Severity.ERROR))
    for name, level in open_ended:
        key = canonicalize_name(name)
        known = out.get(key) or StackPackage(key, "project", "listed in [tool.sshdrift.open-ended]", Severity.ERROR)
        out[key] = StackPackage(key, known.role, known.why, Severity(level), OVERRIDDEN)
    return out
