"""Rule ``host-key-policy``: code and configuration that accept any host key on first contact.

``set_missing_host_key_policy(AutoAddPolicy())`` (or ``WarningPolicy``) trusts whatever key a device
presents when it is not in known_hosts: a redeployed device, or an impostor, passes silently. The
same holds for the clients' own switches, with their defaults read from their source:

* netmiko: ``ssh_strict`` defaults to False, and then ``BaseConnection`` uses ``paramiko.AutoAddPolicy()``
  (``netmiko/base_connection.py``); only ``ssh_strict=True`` selects ``RejectPolicy``;
* scrapli ``auth_strict_key=False``; ncclient ``manager.connect(hostkey_verify=False)``; asyncssh
  ``connect(known_hosts=None)``; napalm ``optional_args={"ssh_strict": False}`` (handed to netmiko);
* ssh_config / ansible.cfg ``-o`` options ``StrictHostKeyChecking no`` and ``UserKnownHostsFile /dev/null``,
  and ansible.cfg ``host_key_checking = False`` / ``host_key_auto_add = True`` (``--ansible-cfg``).

A warning in the project's code and configuration; a note in test files (``tests/``, ``test_*.py``,
``*_test.py``, ``conftest.py``), where a lab may accept throw-away keys on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.checks.interface import CatalogEntry, Rule
from auditor.model import Finding, Severity

if TYPE_CHECKING:
    from auditor.checks.context import RuleContext
    from auditor.sources.project_code import ApiUse
    from auditor.sources.ssh_config import ConfigOption

RULE = "host-key-policy"

KNOWN_HOSTS_FROM_PROBE = "sshdrift probe INVENTORY --write-known-hosts PATH writes the keys its handshakes verified"
"""How to get a known_hosts file of the devices' keys (:mod:`auditor.probe.known_hosts_file`)."""

FIX_PARAMIKO = (
    "record each device's host key in a known_hosts file you verified (" + KNOWN_HOSTS_FROM_PROBE + "), load it "
    "(client.load_host_keys(PATH)) and use paramiko.RejectPolicy(), so a changed key stops the connection"
)


@dataclass(frozen=True)
class UnsafeSwitch:
    """A client argument whose value (or default) skips host-key checking."""

    package: str
    argument: str
    unsafe: object
    """The literal value that turns checking off."""
    default_unsafe: bool
    """True when leaving the argument out turns checking off too (netmiko's ``ssh_strict``)."""
    fix: str
    applies: Callable[[ApiUse], bool] = lambda use: True


def _is_netmiko_connection(use: ApiUse) -> bool:
    return use.name in ("netmiko.ConnectHandler", "netmiko.BaseConnection") or use.name.endswith("SSH")


SWITCHES: tuple[UnsafeSwitch, ...] = (
    UnsafeSwitch(
        "netmiko",
        "ssh_strict",
        False,
        True,
        "pass ssh_strict=True with system_host_keys=True (or alt_host_keys=True, alt_key_file=PATH) so netmiko "
        "uses RejectPolicy against keys you verified",
        _is_netmiko_connection,
    ),
    UnsafeSwitch(
        "scrapli",
        "auth_strict_key",
        False,
        False,
        "leave auth_strict_key=True (the default) with a known_hosts file you verified (ssh_known_hosts_file=PATH)",
    ),
    UnsafeSwitch(
        "ncclient",
        "hostkey_verify",
        False,
        False,
        "leave hostkey_verify=True (the default) and keep the devices' keys in known_hosts",
    ),
    UnsafeSwitch("asyncssh", "known_hosts", None, False, "pass known_hosts=PATH (a file you verified) instead of None"),
)
"""The clients' switches, per package (defaults from each package's source)."""


def is_test_file(path: str) -> bool:
    """Whether ``path`` (``/``-separated) is a test: under ``tests/``/``test/``, ``test_*.py``, ``*_test.py``, ``conftest.py``."""
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def _finding(use: ApiUse, what: str, fix: str) -> Finding:
    severity = Severity.NOTE if is_test_file(use.file) else Severity.WARNING
    if "--write-known-hosts" not in fix:
        fix = f"{fix} ({KNOWN_HOSTS_FROM_PROBE})"
    return Finding(
        rule=RULE,
        severity=severity,
        package=use.package,
        message=f"{what}: a device whose host key is unknown or changed (a redeploy, or an impostor) is accepted",
        file=use.file,
        line=use.line,
        fix=fix,
        key=f"{use.line}:{use.name}",
    )


def _policy(use: ApiUse) -> Finding | None:
    """``AutoAddPolicy`` / ``WarningPolicy`` used (called or referenced)."""
    if use.kind == "import" or use.name not in ("paramiko.AutoAddPolicy", "paramiko.WarningPolicy"):
        return None
    policy = use.name.rsplit(".", 1)[1]
    what = "adds" if policy == "AutoAddPolicy" else "logs and accepts"
    return _finding(use, f"{use.name} {what} any host key not in known_hosts", FIX_PARAMIKO)


def _switch(use: ApiUse, switch: UnsafeSwitch) -> Finding | None:
    if use.kind != "call" or use.package != switch.package or not switch.applies(use):
        return None
    arg = use.argument(switch.argument)
    if arg is None:
        if not switch.default_unsafe or use.spread:
            return None
        what = f"{use.name}(...) without {switch.argument}=True: {switch.package} defaults to {switch.argument}=False"
        return _finding(use, what, switch.fix)
    if arg.literal and arg.value is switch.unsafe:
        return _finding(use, f"{use.name}({switch.argument}={switch.unsafe!r})", switch.fix)
    return None


def _napalm(use: ApiUse) -> Finding | None:
    arg = use.argument("optional_args") if use.kind == "call" and use.package == "napalm" else None
    if arg is None or not arg.literal or not isinstance(arg.value, dict) or arg.value.get("ssh_strict") is not False:
        return None
    return _finding(use, f"{use.name}(optional_args={{'ssh_strict': False}}) (handed to netmiko)", SWITCHES[0].fix)


def code_findings(uses: Iterable[ApiUse]) -> list[Finding]:
    """One finding per use of the project's code that skips host-key checking (see the module docstring)."""
    out = []
    for use in uses:
        candidates = [_policy(use), _napalm(use), *(_switch(use, s) for s in SWITCHES)]
        out += [f for f in candidates if f is not None]
    return out


_FALSE = ("false", "no", "0", "off")
_TRUE = ("true", "yes", "1", "on")


def _unsafe_option(option: ConfigOption) -> bool:
    key, value = option.keyword, option.value.strip().lower()
    return (
        (key == "stricthostkeychecking" and value in ("no", "off"))
        or (key == "userknownhostsfile" and value == "/dev/null")
        or (key == "host_key_checking" and value in _FALSE)
        or (key == "host_key_auto_add" and value in _TRUE)
    )


def option_findings(options: Iterable[ConfigOption]) -> list[Finding]:
    """One warning per ssh_config / ansible.cfg setting that turns host-key checking off, with file and line."""
    out = []
    for option in options:
        if not _unsafe_option(option):
            continue
        where = f" in [{option.context}]" if option.context not in ("ssh_config",) else ""
        out.append(
            Finding(
                rule=RULE,
                severity=Severity.WARNING,
                message=f"{option.key} {option.value}{where}: unknown or changed host keys are accepted",
                file=str(option.file),
                line=option.line,
                fix=(
                    "remove it and keep the devices' keys in a known_hosts file you verified "
                    f"({KNOWN_HOSTS_FROM_PROBE}; ansible.cfg: host_key_checking = True; ssh_config: "
                    "StrictHostKeyChecking yes)"
                ),
                key=f"{option.line}:{option.keyword}",
            )
        )
    return out


class HostKeyPolicy(Rule):
    """``host-key-policy``: code or configuration that accepts any host key on first contact."""

    order = 130
    entry = CatalogEntry(
        id=RULE,
        name="HostKeyPolicy",
        short="Code or configuration that accepts unknown or changed host keys (AutoAddPolicy, ssh_strict=False).",
        full=(
            "paramiko's AutoAddPolicy and WarningPolicy, netmiko without ssh_strict=True (its default is "
            "AutoAddPolicy), scrapli auth_strict_key=False, ncclient hostkey_verify=False, asyncssh "
            "known_hosts=None, StrictHostKeyChecking no and ansible.cfg host_key_checking = False let a "
            "redeployed device or an impostor pass silently. Keep the devices' keys in a known_hosts file "
            "you verified (sshdrift probe --write-known-hosts FILE writes the keys its handshakes verified) "
            "and reject the rest."
        ),
        example="backup.py:9: paramiko.AutoAddPolicy adds any host key not in known_hosts",
        default_severity="warning",
        severity_policy="a note in test files (tests/, test_*.py, *_test.py, conftest.py)",
    )

    def ran(self, context: RuleContext) -> bool:
        """True when the project's code or some ssh_config / ansible.cfg option was read."""
        return context.code is not None or bool(context.ssh_options)

    def find(self, context: RuleContext) -> list[Finding]:
        """Findings for ``context.code`` (uses and ansible.cfg host-key settings) and ``context.ssh_options``."""
        findings = option_findings(context.ssh_options)
        if context.code is not None:
            findings = code_findings(context.code.uses) + option_findings(context.code.options) + findings
        return findings
