"""Rule ``auth-signature``: RSA-key user authentication this client release cannot do with this server.

RFC 8332 gave RSA keys the ``rsa-sha2-256``/``rsa-sha2-512`` signatures; RFC 8308's ``server-sig-algs``
(sent in EXT_INFO right after key exchange, no credentials needed) tells a client which signature
algorithms the server verifies. The verified handshake records it (:attr:`DeviceResult.server_sig_algs`).

Paramiko's behaviour, read in its ``auth_handler.py`` (2.9.0, 3.5.1, 4.0.0, 5.1.0) and checked by real
key authentication (tests/integration/test_auth_signature_servers.py): a release signs an RSA key with
the RSA algorithms it offers as host-key algorithms (``ssh-rsa`` only before 2.9.0; ``rsa-sha2-512``,
``rsa-sha2-256``, ``ssh-rsa`` from 2.9.0; no ``ssh-rsa`` from 5.0.0), in that order. With
``server-sig-algs`` it takes its first algorithm the server lists, and from 2.9.2 fails when there is
none ("Unable to agree on a pubkey algorithm"); without it, it takes its first (``rsa-sha2-512``).
``disabled_algorithms={'pubkeys': [...]}`` removes algorithms (netmiko: ``disable_sha2_fix=True``
removes the rsa-sha2 pair); with nothing left, 5.x raises "no RSA pubkey algorithms are configured".

Reported, per Paramiko verdict of a verified device:

* the server lists ``server-sig-algs`` and none of the release's RSA algorithms is on it: RSA keys cannot
  authenticate (fix: a release whose algorithms it lists, or a non-RSA key it lists);
* the server sent no ``server-sig-algs`` and its host-key list has no ``rsa-sha2-*`` (a server that
  predates RFC 8332 verifies ``ssh-rsa`` only): the release signs with ``rsa-sha2-512`` and fails
  (fix: the ``disabled_algorithms`` workaround where the release still has ``ssh-rsa``, else a release
  that has it or a non-RSA key).

OpenSSH lists every algorithm it implements in ``server-sig-algs`` whatever ``PubkeyAcceptedAlgorithms``
allows, so a server restricted that way cannot be told apart without credentials; such a server is
not reported.
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import InvalidVersion, Version

from auditor.checks.context import RuleContext
from auditor.checks.interface import CatalogEntry, DeviceRule, device_label
from auditor.device_model import DeviceResult, Verdict
from auditor.errors import AuditorError
from auditor.model import Finding, Severity
from auditor.probe.clients import CLIENTS

RSA_SIGNATURES: tuple[str, ...] = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")
"""RSA signature algorithms for user keys (RFC 4253 §6.6, RFC 8332)."""

NON_RSA_KEYS: tuple[str, ...] = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
"""User-key types a device may verify instead (RFC 8709, RFC 5656)."""

WORKAROUND = "disabled_algorithms={'pubkeys': ['rsa-sha2-512', 'rsa-sha2-256']} (netmiko: disable_sha2_fix=True)"
"""Paramiko's option that makes 2.9–4.x sign RSA keys with ssh-rsa (Paramiko ≥ 2.6; netmiko's switch for it)."""


def rsa_signatures(client: str, version: str | None) -> tuple[str, ...] | None:
    """The RSA signature algorithms ``version`` of ``client`` signs user keys with, in its preference order.

    Read from the release's captured KEXINIT (the RSA host-key algorithms it offers); None when there is
    no data for the release or the client is not Paramiko (only Paramiko's behaviour is verified).
    """
    registered = CLIENTS.get(client)
    if client != "paramiko" or registered is None or version is None:
        return None
    try:
        offered = registered.offer(version).host_key
    except AuditorError:
        return None
    return tuple(name for name in offered if name in RSA_SIGNATURES)


def _last_release_with(client: str, algorithm: str, after: str) -> str | None:
    """The newest release of ``client`` whose RSA signatures include ``algorithm``, when it is older than ``after``."""
    registered = CLIENTS[client]
    try:
        current = Version(after)
        releases = sorted(registered.known_releases(), key=Version)
    except InvalidVersion:
        return None
    candidates = [r for r in releases if Version(r) < current and algorithm in (rsa_signatures(client, r) or ())]
    return candidates[-1] if candidates else None


class AuthSignature(DeviceRule):
    """``auth-signature``: an RSA user key cannot authenticate from this client release (RFC 8308, RFC 8332)."""

    order = 110
    entry = CatalogEntry(
        id="auth-signature",
        name="AuthSignature",
        short="RSA-key user authentication from this client release cannot work with this device.",
        full=(
            "From the server-sig-algs extension (RFC 8308) read during the verified handshake, or its absence on "
            "a server whose host keys predate RFC 8332: the release signs RSA keys only with algorithms the "
            "device does not verify (paramiko 5 has no ssh-rsa; 2.9 to 4.x pick rsa-sha2-512 when the server "
            "lists nothing). The fix names the workaround this release has (disabled_algorithms / netmiko's "
            "disable_sha2_fix), a release that signs what the device lists, or a non-RSA key."
        ),
        example=(
            "r1 (10.0.0.1:22): RSA-key authentication from paramiko 5.1.0 cannot work: server-sig-algs lists "
            "ssh-rsa; paramiko 5.1.0 signs RSA keys with rsa-sha2-512, rsa-sha2-256 only"
        ),
        default_severity="warning",
    )

    def find_one(self, result: DeviceResult, context: RuleContext) -> list[Finding]:
        """One warning per Paramiko verdict of ``result`` whose RSA signatures the device does not verify."""
        if result.server_sig_algs is None:
            return []
        out = []
        for verdict in result.judged:
            finding = _finding(result, verdict, result.server_sig_algs)
            if finding is not None:
                out.append(finding)
        return out


def _finding(result: DeviceResult, verdict: Verdict, listed: Sequence[str]) -> Finding | None:
    if verdict.negotiated is None or not verdict.verified:
        return None
    mine = rsa_signatures(verdict.client, verdict.version)
    if not mine:
        return None
    who = verdict.label
    if listed:
        if set(mine) & set(listed):
            return None
        rsa = [a for a in listed if a in RSA_SIGNATURES]
        detail = f"server-sig-algs lists {', '.join(rsa) or 'no RSA algorithm'}; {who} signs RSA keys with {', '.join(mine)} only"
        fix = _other_release_or_key(verdict, rsa, listed, listed_by_server=True)
    else:
        host_keys = result.offered.host_key if result.offered is not None else ()
        if any(k.startswith("rsa-sha2-") for k in host_keys) or mine[0] == "ssh-rsa":
            return None
        detail = (
            f"the server sends no server-sig-algs and its host keys predate RFC 8332 ({', '.join(host_keys)}), "
            f"so it verifies ssh-rsa only; {who} signs RSA keys with {mine[0]}"
        )
        fix = (
            f"pass {WORKAROUND} to use ssh-rsa"
            if "ssh-rsa" in mine
            else _other_release_or_key(verdict, ["ssh-rsa"], (), listed_by_server=False)
        )
    return Finding(
        rule=AuthSignature.entry.id,
        severity=Severity.WARNING,
        message=f"{device_label(result)}: RSA-key authentication from {who} cannot work: {detail}",
        package=verdict.client,
        device=result.device.name,
        fix=fix,
        key=verdict.finding_key,
    )


def _other_release_or_key(
    verdict: Verdict, rsa: Sequence[str], listed: Sequence[str], *, listed_by_server: bool
) -> str:
    """No workaround in this release: an older release that signs what the device verifies, or a non-RSA key.

    ``listed_by_server``: the server lists ``rsa`` in server-sig-algs (the older release picks it by
    itself); else that release needs the ``disabled_algorithms`` workaround to sign with ``ssh-rsa``.
    """
    parts: list[str] = []
    release = next(
        (r for a in rsa if verdict.version and (r := _last_release_with(verdict.client, a, verdict.version))), None
    )
    if release is not None:
        signs = [a for a in rsa if a in (rsa_signatures(verdict.client, release) or ())]
        extra = "" if listed_by_server else f" with {WORKAROUND}"
        parts.append(f"{verdict.client} {release} signs {signs[0]}{extra} (pin {verdict.client}<={release})")
    keys = [k for k in NON_RSA_KEYS if k in listed]
    if keys:
        parts.append(f"use a key the device verifies ({', '.join(keys)})")
    if not listed_by_server:
        parts.append("use an Ed25519 or ECDSA key if the device verifies one")
    return " or ".join(parts) or "no release or key type in the data signs what the device verifies"
