"""Rule ``terrapin-exposed``: a client × device pair that negotiates a Terrapin-exposed mode without strict kex.

Terrapin (CVE-2023-48795, https://terrapin-attack.com) lets a man in the middle delete messages at the
start of the encrypted channel when the pair negotiates ``chacha20-poly1305@openssh.com``, or an
``-etm@openssh.com`` MAC with a CBC cipher, and strict kex is not on for both sides (OpenSSH PROTOCOL,
"strict key exchange extension": it is on only when the client's first KEXINIT lists
``kex-strict-c-v00@openssh.com`` and the server's lists ``kex-strict-s-v00@openssh.com``).

Per client verdict of a device: the negotiated cipher and MAC (predicted or verified), the server's
marker from its KEXINIT, and the client release's marker: from the client's captured KEXINIT
(``rules/clients/<client>.json``) where the client has offer data, else from ``rules/strict-kex.toml``.
The fix names the client release with strict kex, what the device could change (a release with strict
kex, or a line that stops offering the exposed modes, from ``rules/remediation.toml``), or the
client-side option that keeps the exposed modes out of the negotiation.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version

from auditor.checks.context import RuleContext
from auditor.checks.device_rules.remediation import device_without
from auditor.checks.interface import CatalogEntry, DeviceRule, device_label
from auditor.device_model import DeviceResult, Negotiated, Verdict
from auditor.errors import AuditorError
from auditor.model import Finding, Severity
from auditor.probe.clients import CLIENTS
from auditor.probe.platforms import platform_of
from auditor.rules_data import load_toml

DATA_FILE = "strict-kex.toml"


@dataclass(frozen=True)
class ClientStrictKex:
    """One ``[[client]]`` of ``rules/strict-kex.toml``: the first release that advertises strict kex."""

    name: str
    since: str
    also: tuple[str, ...]
    """Maintenance releases of older branches that got it too (libssh 0.9.8)."""
    source: str

    def supports(self, version: str) -> bool | None:
        """Whether ``version`` advertises strict kex (None when it is not a PEP 440 version)."""
        try:
            wanted = Version(version)
            if wanted >= Version(self.since):
                return True
            return any(Version(a).release[:2] == wanted.release[:2] and wanted >= Version(a) for a in self.also)
        except InvalidVersion:
            return None


@dataclass(frozen=True)
class StrictKexFacts:
    """``rules/strict-kex.toml``, parsed."""

    cve: str
    advisory: str
    client_marker: str
    server_marker: str
    exposed_ciphers: frozenset[str]
    etm_mac_suffix: str
    cbc_ciphers: frozenset[str]
    clients: Mapping[str, ClientStrictKex]
    servers: Mapping[str, tuple[str, str]]
    """Platform id → (what gives it strict kex, source)."""

    def exposed(self, negotiated: Negotiated) -> bool:
        """Whether the negotiated cipher and MAC (client to server) are a Terrapin-exposed mode."""
        if negotiated.cipher in self.exposed_ciphers:
            return True
        return negotiated.mac.endswith(self.etm_mac_suffix) and negotiated.cipher in self.cbc_ciphers


def parse_strict_kex(data: Mapping[str, Any]) -> StrictKexFacts:
    """Parse a loaded ``rules/strict-kex.toml``.

    Raises:
        ValueError: a member is missing (the message names it).
    """
    try:
        clients = {
            str(c["name"]): ClientStrictKex(
                str(c["name"]), str(c["since"]), tuple(str(a) for a in c.get("also", ())), str(c["source"])
            )
            for c in data["client"]
        }
        servers = {str(s["platform"]): (str(s["text"]), str(s["source"])) for s in data.get("server", ())}
        return StrictKexFacts(
            cve=str(data["cve"]),
            advisory=str(data["advisory"]),
            client_marker=str(data["client_marker"]),
            server_marker=str(data["server_marker"]),
            exposed_ciphers=frozenset(str(c) for c in data["exposed_ciphers"]),
            etm_mac_suffix=str(data["etm_mac_suffix"]),
            cbc_ciphers=frozenset(str(c) for c in data["cbc_ciphers"]),
            clients=clients,
            servers=servers,
        )
    except KeyError as exc:
        raise ValueError(f"rules/{DATA_FILE}: missing {exc.args[0]}") from None


@functools.cache
def strict_kex_facts() -> StrictKexFacts:
    """``rules/strict-kex.toml``, parsed once (raises as :func:`parse_strict_kex` for a broken installation)."""
    return parse_strict_kex(load_toml(DATA_FILE))


def client_strict_kex(client: str, version: str | None, facts: StrictKexFacts | None = None) -> bool | None:
    """Whether release ``version`` of ``client`` advertises strict kex; None when nothing says.

    The client's captured KEXINIT (its offer data) decides where there is one; else the first
    release recorded in ``rules/strict-kex.toml``.
    """
    if version is None:
        return None
    facts = facts or strict_kex_facts()
    registered = CLIENTS.get(client)
    if registered is not None:
        try:
            return facts.client_marker in registered.offer(version).kex
        except AuditorError:
            pass
    recorded = facts.clients.get(client)
    return recorded.supports(version) if recorded is not None else None


def server_strict_kex(result: DeviceResult, facts: StrictKexFacts) -> bool | None:
    """Whether the device's KEXINIT lists the server marker (None when no KEXINIT was read)."""
    if result.offered is not None:
        return facts.server_marker in result.offered.kex
    return result.strict_kex


def _yes(value: bool) -> str:
    return "yes" if value else "no"


class TerrapinExposed(DeviceRule):
    """``terrapin-exposed``: an exposed mode is negotiated and strict kex is not on both sides (CVE-2023-48795)."""

    order = 100
    entry = CatalogEntry(
        id="terrapin-exposed",
        name="TerrapinExposed",
        short="The client and the device negotiate a Terrapin-exposed mode without strict kex on both sides.",
        full=(
            "CVE-2023-48795 (https://terrapin-attack.com): with chacha20-poly1305@openssh.com, or an "
            "-etm@openssh.com MAC with a CBC cipher, a man in the middle can delete messages at the start of "
            "the encrypted channel unless both sides advertise strict kex (kex-strict-c/s-v00@openssh.com). "
            "Judged per client release and device from the negotiated cipher and MAC and both KEXINITs. Fix: "
            "the client release with strict kex, a device release with it, or keep the exposed modes out of "
            "the negotiation (the client's disabled algorithms, or the device's lists)."
        ),
        example=(
            "r1 (10.0.0.1:22): paramiko 3.3.1 negotiates aes128-cbc with hmac-sha2-256-etm@openssh.com and strict "
            "kex is not on both sides (client no, server yes): exposed to Terrapin (CVE-2023-48795, "
            "https://terrapin-attack.com)"
        ),
        default_severity="warning",
    )

    def find_one(self, result: DeviceResult, context: RuleContext) -> list[Finding]:
        """One warning per client verdict of ``result`` that negotiates an exposed mode without strict kex on both sides."""
        facts = strict_kex_facts()
        server = server_strict_kex(result, facts)
        if server is None:
            return []
        out = []
        for verdict in result.judged:
            finding = _finding(result, verdict, server, facts)
            if finding is not None:
                out.append(finding)
        return out


def _finding(result: DeviceResult, verdict: Verdict, server: bool, facts: StrictKexFacts) -> Finding | None:
    negotiated = verdict.negotiated
    if negotiated is None or not facts.exposed(negotiated):
        return None
    client = client_strict_kex(verdict.client, verdict.version, facts)
    if client is None or (client and server):
        return None
    mode = (
        negotiated.cipher
        if negotiated.cipher in facts.exposed_ciphers
        else f"{negotiated.cipher} with {negotiated.mac}"
    )
    how = "verified" if verdict.verified else "predicted"
    return Finding(
        rule=TerrapinExposed.entry.id,
        severity=Severity.WARNING,
        message=(
            f"{device_label(result)}: {verdict.label} negotiates {mode} ({how}) and strict kex is "
            f"not on both sides (client {_yes(client)}, server {_yes(server)}): exposed to Terrapin "
            f"({facts.cve}, {facts.advisory})"
        ),
        package=verdict.client,
        device=result.device.name,
        fix=_fix(result, verdict, client=client, server=server, facts=facts),
        key=verdict.finding_key,
    )


def _fix(result: DeviceResult, verdict: Verdict, *, client: bool, server: bool, facts: StrictKexFacts) -> str:
    """Strict kex on the missing side(s), or the exposed modes kept out of the negotiation."""
    strict: list[str] = []
    recorded = facts.clients.get(verdict.client)
    if not client and recorded is not None:
        strict.append(f"upgrade {verdict.client} to >={recorded.since} (strict kex; {recorded.source})")
    platform = platform_of(result)
    if not server:
        known = facts.servers.get(platform.id) if platform is not None else None
        strict.append(
            f"on the device ({platform.title if platform else 'platform not recognized'}): "
            + (f"{known[0]} ({known[1]})" if known else f"a release that advertises {facts.server_marker}")
        )
    both = " and ".join(strict)
    avoid = _avoid(result, verdict, facts)
    return f"{both}; or {avoid}" if both and avoid else both or avoid


def _avoid(result: DeviceResult, verdict: Verdict, facts: StrictKexFacts) -> str:
    """Keep the exposed modes out of the negotiation: on the client (its option), or on the device (its lists)."""
    negotiated = verdict.negotiated
    assert negotiated is not None
    offered = result.offered
    if negotiated.cipher in facts.exposed_ciphers:
        category, drop = (
            "cipher_c2s",
            [n for n in (offered.cipher_c2s if offered else ()) if n in facts.exposed_ciphers],
        )
    else:
        category, drop = (
            "mac_c2s",
            [n for n in (offered.mac_c2s if offered else ()) if n.endswith(facts.etm_mac_suffix)],
        )
    drop = drop or [negotiated.cipher if category == "cipher_c2s" else negotiated.mac]
    kind = "ciphers" if category == "cipher_c2s" else "macs"
    names = ", ".join(f"'{n}'" for n in drop)
    text = f"keep {', '.join(drop)} out of the negotiation"
    if verdict.client == "paramiko":
        text += f": paramiko's disabled_algorithms={{'{kind}': [{names}]}} (netmiko: ConnectHandler(disabled_algorithms=...))"
    device = _device_lists(result, verdict, category, drop)
    return f"{text}, or on the device: {device}" if device else text


def _device_lists(result: DeviceResult, verdict: Verdict, category: str, drop: Sequence[str]) -> str | None:
    """The platform's line that offers today's list without ``drop``, when the client still negotiates after it."""
    if result.offered is None:
        return None
    registered = CLIENTS.get(verdict.client)
    if registered is None or verdict.version is None:
        return None
    try:
        client_list = getattr(registered.offer(verdict.version), category)
    except AuditorError:
        return None
    advice = device_without(platform_of(result), category, getattr(result.offered, category), drop, client_list)
    return f"{advice.text} ({advice.source})" if advice is not None else None
