"""Which SSH clients a project runs, derived from its lock, and which of them a probe judges.

A project does not choose "Paramiko": it locks netmiko, napalm, ansible, scrapli or asyncssh, and
each of them opens its SSH connections through one client library. :func:`clients_in_lock` reads
that from the lock (the package that brings each client in, and the dependency path from the
project to it); :func:`select_clients` turns it, with ``--client`` and ``--paramiko``, into the
clients a run judges (:class:`auditor.probe.service.Judge`) and lists the clients sshdrift has no
implementation for yet as :class:`~auditor.model.Skipped` (never silently dropped).

Sources of the package → client table (each library's documentation and packaging metadata):

* ``paramiko``: netmiko, napalm's IOS driver, junos-eznc and ncclient depend on it and open their
  connections with ``paramiko.Transport``; scrapli's ``paramiko`` transport (``scrapli[paramiko]``).
* ``libssh`` (``ansible-pylibssh``): Ansible's ``network_cli`` uses it whenever it is installed
  (``ansible_network_cli_ssh_type``, default ``auto``).
* ``asyncssh``: scrapli's ``asyncssh`` transport (``scrapli[asyncssh]``), scrapli-netconf, direct use.
* ``openssh``: scrapli's default transport ``system`` runs the system ``ssh`` binary.
* ``ssh2`` (``ssh2-python``): scrapli's ``ssh2`` transport (``scrapli[ssh2]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.checks.constraints import shortest_path
from auditor.errors import LockfileError, UsageError
from auditor.model import Lockfile, Skipped
from auditor.probe.clients import CLIENTS, PRIMARY_CLIENT
from auditor.probe.service import Judge
from auditor.settings import Settings

CLIENT_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "paramiko": ("paramiko",),
    "libssh": ("ansible-pylibssh",),
    "asyncssh": ("asyncssh",),
    "openssh": ("scrapli",),
    "ssh2": ("ssh2-python", "ssh2-python312"),
}
"""Client name → the lock packages that bring it into a project (normalized names), see the module docstring.

``openssh`` is brought in by scrapli itself: its default ``system`` transport runs ``ssh``."""

CLIENT_OWN_PACKAGE: Mapping[str, bool] = {"openssh": False}
"""Clients whose lock package is not the client itself (scrapli is not OpenSSH): no version from the lock."""


def known_client_names() -> tuple[str, ...]:
    """Every client name ``--client`` accepts: the table above in its order (Paramiko first), then the registry's."""
    return tuple(dict.fromkeys((*CLIENT_PACKAGES, *sorted(CLIENTS))))


@dataclass(frozen=True)
class ClientUse:
    """One client a lock brings into a project."""

    client: str
    """The client name (``paramiko``, ``libssh``, ``asyncssh``, ``openssh``, ``ssh2``)."""
    package: str
    """The lock package that brings it in (``paramiko``, ``ansible-pylibssh``, ``scrapli``)."""
    version: str | None
    """The client's release the lock pins (``3.5.1``), or None when the package is not the client (scrapli)."""
    path: tuple[str, ...]
    """A shortest dependency path from the project to ``package`` (``("netmiko", "paramiko")``)."""

    def describe(self) -> str:
        """``paramiko 3.5.1 (netmiko → paramiko)``: the client, its pin and the path that brought it in."""
        via = " → ".join(self.path) if self.path else self.package
        head = f"{self.client} {self.version}" if self.version else self.client
        return f"{head} ({via})"


def _packages(client: str) -> tuple[str, ...]:
    """The lock packages of ``client``: the table's and its implementation's, in that order."""
    registered = CLIENTS[client].packages if client in CLIENTS else ()
    return tuple(dict.fromkeys((*CLIENT_PACKAGES.get(client, ()), *registered)))


def clients_in_lock(lockfile: Lockfile) -> list[ClientUse]:
    """The SSH clients ``lockfile`` brings into its project, one per client, in :func:`known_client_names` order.

    Args:
        lockfile: a parsed lockfile (its packages, their dependency edges and the project's roots).

    Returns:
        One :class:`ClientUse` per client whose package is locked, with the shortest path from a root of
        the project to that package (just the package when the lock records no edges).
    """
    children = {name: package.dependencies for name, package in lockfile.packages.items()}
    roots = lockfile.roots or tuple(lockfile.packages)
    out: list[ClientUse] = []
    for client in known_client_names():
        for package in _packages(client):
            locked = lockfile.packages.get(package)
            if locked is None:
                continue
            path = shortest_path(roots, children, package) or (package,)
            version = locked.version if CLIENT_OWN_PACKAGE.get(client, True) else None
            out.append(ClientUse(client, package, version, path))
            break
    return out


@dataclass(frozen=True)
class Selection:
    """The clients a run judges, the ones it cannot, and what to say about the choice."""

    judges: tuple[Judge, ...]
    """The implemented clients to judge with, each with its release spec and source."""
    skipped: tuple[Skipped, ...] = ()
    """Clients the project uses (or ``--client`` names) that sshdrift cannot judge yet."""
    uses: tuple[ClientUse, ...] = field(default=())
    """Every client the lock brings in (also the ones not judged)."""


def project_lockfile(settings: Settings, *, cwd: Path | None = None) -> Lockfile | None:
    """The lockfile of ``--project`` (or of the working directory), or None when there is none.

    Raises:
        LockfileError: ``--project`` was given and has no readable lockfile, or the working directory's
            lockfile cannot be parsed (one line naming the file).
    """
    from auditor.sources.lockfiles import find_lockfile, load_lockfile

    if settings.project is not None:
        return load_lockfile(settings.project, python_version=settings.python_version)
    directory = cwd or Path.cwd()
    try:
        find_lockfile(directory)
    except LockfileError:
        return None
    return load_lockfile(directory, python_version=settings.python_version)


def validate_names(names: Sequence[str]) -> tuple[str, ...]:
    """``--client`` values, normalized to lower case and deduplicated in order.

    Raises:
        UsageError: a name that is no known client (the message lists them).
    """
    known = known_client_names()
    out: list[str] = []
    for name in names:
        wanted = name.strip().lower()
        if wanted not in known:
            raise UsageError(f"--client {name!r}: not a known SSH client; use one of {', '.join(known)}")
        if wanted not in out:
            out.append(wanted)
    return tuple(out)


def select_clients(
    settings: Settings,
    lockfile: Lockfile | None,
    *,
    fallback: str | None = PRIMARY_CLIENT,
    lock_label: str | None = None,
) -> Selection:
    """The clients a run judges: ``--client`` names, else the lock's clients, else ``fallback``.

    A client the lock pins is judged at that release (source: the lockfile and the path that brought
    it in); ``--paramiko X`` (other than ``auto``) without ``--client`` is a Paramiko what-if: only Paramiko
    is judged, at that release, and the lock's other clients are listed as skipped; a client without a lock pin runs as installed in ``--python``, else in sshdrift's own
    environment, and the note says so plainly.

    Args:
        settings: ``clients`` (``--client``, repeatable), ``paramiko``, ``python``.
        lockfile: the project's lockfile, or None when there is none.
        fallback: the client to judge when neither ``--client`` nor the lock names one; None to judge none.
        lock_label: how verdicts name the lock (default its file name; ``whatif``: ``the new resolution``).

    Returns:
        The :class:`Selection`.

    Raises:
        UsageError: a ``--client`` name that is no known client.
    """
    uses = clients_in_lock(lockfile) if lockfile is not None else []
    by_client = {use.client: use for use in uses}
    explicit_paramiko = settings.paramiko not in ("auto", "")
    names = list(validate_names(settings.clients)) if settings.clients else [use.client for use in uses]
    skipped: list[Skipped] = []
    if explicit_paramiko and not settings.clients:
        # --paramiko X is a Paramiko what-if: the lock's other clients are listed, not judged.
        why = f"not judged: --paramiko {settings.paramiko} judges Paramiko only (add --client {{}} to judge it too)"
        skipped += [Skipped(u.describe(), why.format(u.client)) for u in uses if u.client != PRIMARY_CLIENT]
        names = [PRIMARY_CLIENT]
    if not names and fallback is not None:
        names = [fallback]
    judges: list[Judge] = []
    for name in names:
        use = by_client.get(name)
        if name not in CLIENTS:
            subject = use.describe() if use else name
            skipped.append(Skipped(subject, f"{name}: sshdrift has no implementation of this client yet; not judged"))
            continue
        judges.append(_judge(name, use, settings, lockfile, explicit_paramiko=explicit_paramiko, label=lock_label))
    return Selection(tuple(judges), tuple(skipped), tuple(uses))


def _judge(
    name: str,
    use: ClientUse | None,
    settings: Settings,
    lockfile: Lockfile | None,
    *,
    explicit_paramiko: bool,
    label: str | None = None,
) -> Judge:
    """One client's release spec and source (see :func:`select_clients`; ``label`` names the lock)."""
    lock_name = label or (lockfile.path.name if lockfile is not None else "")
    locked_here = settings.paramiko == "locked" and use is not None and use.version is not None
    if name == PRIMARY_CLIENT and explicit_paramiko and not locked_here:
        return Judge(name, settings.paramiko, None)
    if name == "openssh":
        # The machine's ssh (or --ssh-binary), never a lock pin: the environment names the binary and its ssh -V.
        via = f"{lock_name} ({' → '.join(use.path)})" if use is not None and lockfile is not None else None
        return Judge(name, str(settings.ssh_binary) if settings.ssh_binary else "installed", None, via=via)
    if use is not None and use.version is not None and lockfile is not None:
        return Judge(name, use.version, f"{lock_name} ({' → '.join(use.path)})", lock=lockfile.path, lockfile=lockfile)
    if use is not None and lockfile is not None:
        # A client the lock brings in without pinning it (scrapli runs the system ssh): as installed here.
        return Judge(name, "installed", None, via=f"{lock_name} ({' → '.join(use.path)})")
    if settings.python is not None:
        return Judge(name, "installed", None)
    why = "no lockfile here" if lockfile is None else f"{lock_name} pins no {name}"
    return Judge(name, "installed", f"sshdrift's own environment ({why}; pass --project or --python for the project's)")
