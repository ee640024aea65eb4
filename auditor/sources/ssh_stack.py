"""The SSH stack: ``rules/ssh-stack.toml`` plus the project's ``[tool.sshdrift] ssh-stack`` names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from auditor.model import Severity
from auditor.rules_data import load_toml

_ROLE_SEVERITY = {"client": Severity.ERROR, "driver": Severity.ERROR, "crypto": Severity.WARNING}


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
    project depends on open-endedly and whose majors rarely change what an SSH client can negotiate."""


def ssh_stack(extra: Iterable[str] = ()) -> Mapping[str, StackPackage]:
    """Normalized name → :class:`StackPackage`, from ``rules/ssh-stack.toml`` and ``extra`` names.

    Args:
        extra: more package names (``Settings.ssh_stack_extra``); they get role ``project`` and error severity.
    """
    table = load_toml("ssh-stack.toml").get("packages", {})
    out: dict[str, StackPackage] = {}
    for name, entry in table.items():
        role = str(entry.get("role", "driver"))
        severity = Severity(entry["open-ended"]) if "open-ended" in entry else _ROLE_SEVERITY.get(role, Severity.ERROR)
        out[canonicalize_name(name)] = StackPackage(canonicalize_name(name), role, str(entry.get("why", "")), severity)
    for name in extra:
        key = canonicalize_name(name)
        out.setdefault(key, StackPackage(key, "project", "listed in [tool.sshdrift] ssh-stack", Severity.ERROR))
    return out
