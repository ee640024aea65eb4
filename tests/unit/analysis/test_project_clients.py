"""Which SSH clients a project runs, from real lockfiles made by uv (fixtures/lock/), and which are judged.

``fixtures/lock/large/uv`` locks napalm, netmiko, ncclient, fabric, ansible-core with ansible-pylibssh,
and scrapli with its paramiko and asyncssh extras (its pyproject says so); ``netmiko-4.4.0/uv`` locks
netmiko 4.4.0 with paramiko 4.0.0.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.analysis.project_clients import (
    clients_in_lock,
    known_client_names,
    project_lockfile,
    select_clients,
    validate_names,
)
from auditor.errors import UsageError
from auditor.probe.clients import CLIENTS
from auditor.settings import Settings
from auditor.sources.lockfiles import load_lockfile

ROOT = Path(__file__).resolve().parents[3]
LARGE = ROOT / "fixtures" / "lock" / "large" / "uv"
NETMIKO = ROOT / "fixtures" / "lock" / "netmiko-4.4.0" / "uv"


def test_every_client_of_a_large_lock_with_the_path_that_brought_it_in() -> None:
    uses = {use.client: use for use in clients_in_lock(load_lockfile(LARGE))}
    assert set(uses) == {"paramiko", "libssh", "asyncssh", "openssh"}
    assert (uses["paramiko"].version, uses["paramiko"].path[-1]) == ("3.5.1", "paramiko")
    assert len(uses["paramiko"].path) == 2  # a direct dependency of the project depends on paramiko
    assert (uses["libssh"].package, uses["libssh"].version, uses["libssh"].path) == (
        "ansible-pylibssh",
        "1.4.0",
        ("ansible-pylibssh",),
    )
    assert uses["asyncssh"].version == "2.24.1" and uses["asyncssh"].path[-1] == "asyncssh"
    # scrapli's default transport is the system ssh: the client has no version in the lock.
    assert (uses["openssh"].package, uses["openssh"].version, uses["openssh"].path) == ("scrapli", None, ("scrapli",))
    assert uses["openssh"].describe() == "openssh (scrapli)"


def test_the_lock_clients_are_judged_at_their_pins_the_others_listed_as_skipped() -> None:
    lock = load_lockfile(LARGE)
    selection = select_clients(Settings(), lock)
    judged = {judge.client: judge for judge in selection.judges}
    uses = clients_in_lock(lock)
    assert set(judged) == {use.client for use in uses if use.client in CLIENTS}
    assert judged["paramiko"].spec == "3.5.1"
    assert judged["paramiko"].source is not None and judged["paramiko"].source.startswith("uv.lock (")
    not_judged = {use.describe() for use in uses if use.client not in CLIENTS}
    assert {s.subject for s in selection.skipped} == not_judged
    assert all("not judged" in s.reason and not s.incomplete for s in selection.skipped)
    assert "openssh (scrapli)" in not_judged or "openssh" in judged
    if "openssh" in judged:
        # Not pinned by the lock: the client installed here, and the path that brought it in.
        assert (judged["openssh"].spec, judged["openssh"].source, judged["openssh"].via) == (
            "installed",
            None,
            "uv.lock (scrapli)",
        )


def test_client_option_overrides_the_lock() -> None:
    lock = load_lockfile(LARGE)
    selection = select_clients(Settings(clients=("paramiko",)), lock)
    assert [(j.client, j.spec) for j in selection.judges] == [("paramiko", "3.5.1")]
    assert selection.skipped == ()
    with pytest.raises(UsageError, match="--client 'putty': not a known SSH client; use one of paramiko"):
        select_clients(Settings(clients=("putty",)), lock)
    assert validate_names(["Paramiko", "paramiko"]) == ("paramiko",)
    assert known_client_names()[0] == "paramiko"


def test_explicit_paramiko_is_a_what_if_over_the_lock() -> None:
    selection = select_clients(Settings(paramiko="5.1.0"), load_lockfile(NETMIKO))
    assert [(j.client, j.spec, j.source) for j in selection.judges] == [("paramiko", "5.1.0", None)]
    # Only Paramiko is judged; the lock's other clients are listed, with how to judge them too.
    selection = select_clients(Settings(paramiko="5.1.0"), load_lockfile(LARGE))
    assert [(j.client, j.spec) for j in selection.judges] == [("paramiko", "5.1.0")]
    skipped = {s.subject.split()[0]: s.reason for s in selection.skipped}
    assert set(skipped) == {"asyncssh", "libssh", "openssh"}
    assert (
        skipped["asyncssh"]
        == "not judged: --paramiko 5.1.0 judges Paramiko only (add --client asyncssh to judge it too)"
    )
    both = select_clients(Settings(paramiko="5.1.0", clients=("paramiko", "asyncssh")), load_lockfile(LARGE))
    assert [(j.client, j.spec) for j in both.judges] == [("paramiko", "5.1.0"), ("asyncssh", "2.24.1")]


def test_without_a_lock_sshdrift_s_own_client_said_plainly(tmp_path: Path) -> None:
    assert project_lockfile(Settings(), cwd=tmp_path) is None
    (judge,) = select_clients(Settings(), None).judges
    assert (judge.client, judge.spec) == ("paramiko", "installed")
    assert judge.source is not None and judge.source.startswith("sshdrift's own environment (no lockfile here")
    # --python names the project's interpreter: its own source ("installed in PATH") is kept.
    (judge,) = select_clients(Settings(python=Path("/usr/bin/python3")), None).judges
    assert (judge.spec, judge.source) == ("installed", None)
    # No client at all and no fallback (audit of a project without SSH): nothing to judge.
    assert select_clients(Settings(), None, fallback=None).judges == ()


def test_the_working_directory_s_lock_is_found(tmp_path: Path) -> None:
    shutil.copytree(NETMIKO, tmp_path / "proj")
    lock = project_lockfile(Settings(), cwd=tmp_path / "proj")
    assert lock is not None and lock.packages["paramiko"].version == "4.0.0"
    (judge,) = select_clients(Settings(), lock).judges
    assert (judge.spec, judge.source) == ("4.0.0", "uv.lock (netmiko → paramiko)")
    # --paramiko locked in that directory needs no --project: the working directory's lock answers.
    (judge,) = select_clients(Settings(paramiko="locked"), lock).judges
    assert (judge.spec, judge.source) == ("4.0.0", "uv.lock (netmiko → paramiko)")
    # --project wins over the working directory.
    lock = project_lockfile(Settings(project=LARGE), cwd=tmp_path / "proj")
    assert lock is not None and lock.packages["paramiko"].version == "3.5.1"
