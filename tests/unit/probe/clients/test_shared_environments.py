"""What every client's environment shares: the release lookup and the lockfile the engine already parsed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.errors import AuditorError, LockfileError
from auditor.probe.clients import EnvironmentRequest, get_client
from auditor.probe.clients.releases import release_key
from auditor.sources.lockfiles import load_lockfile

ROOT = Path(__file__).resolve().parents[4]
LARGE = ROOT / "fixtures" / "lock" / "large" / "uv"
"""A real uv.lock pinning asyncssh 2.24.1, ansible-pylibssh 1.4.0 and cryptography 50.0.2."""
MLKEM = ROOT / "fixtures" / "lock" / "paramiko-mlkem" / "cryptography-42.0.8"
"""A real uv.lock pinning paramiko 5.1.0 with cryptography 42.0.8."""

RELEASES: dict[str, dict[str, str]] = {"1.2.0": {}, "1.2.0.post1": {}, "1.3.0": {}}


@pytest.mark.parametrize(
    ("asked", "key"),
    [("1.2.0", "1.2.0"), ("1.2.0-post1", "1.2.0.post1"), ("1.2.0.post2", "1.2.0"), ("1.3.0+deb12", "1.3.0")],
)
def test_release_key_prefers_the_same_version_then_its_base(asked: str, key: str) -> None:
    assert release_key(RELEASES, asked, name="demo", hint="regenerate it") == key


def test_release_key_names_the_known_range_and_the_next_step() -> None:
    with pytest.raises(AuditorError, match=r"demo 9\.0\.0: .*known: 1\.2\.0 to 1\.3\.0\); regenerate it"):
        release_key(RELEASES, "9.0.0", name="demo", hint="regenerate it")
    with pytest.raises(AuditorError, match="not a version number"):
        release_key(RELEASES, "latest", name="demo", hint="regenerate it")


def _parsed_then_removed(source: Path, tmp_path: Path) -> tuple[Path, EnvironmentRequest]:
    """A copy of ``source``'s lockfile, parsed, then deleted: only the parsed lock can answer."""
    project = tmp_path / "project"
    shutil.copytree(source, project)
    lockfile = load_lockfile(project)
    (project / "uv.lock").unlink()
    return project / "uv.lock", EnvironmentRequest("locked", project=project, lockfile=lockfile)


@pytest.mark.parametrize(
    ("client", "source", "version", "backend"),
    [
        ("asyncssh", LARGE, "2.24.1", (("cryptography", "50.0.2"),)),
        ("libssh", LARGE, "1.4.0", (("libssh", "0.12.0"),)),
        ("paramiko", MLKEM, "5.1.0", None),
    ],
)
def test_locked_uses_the_lockfile_the_engine_parsed(
    tmp_path: Path, client: str, source: Path, version: str, backend: tuple[tuple[str, str], ...] | None
) -> None:
    path, request = _parsed_then_removed(source, tmp_path)
    environment = get_client(client).environment(request, verify=False)
    assert environment.version == version
    if backend is not None:
        assert environment.backend == backend
    with pytest.raises(LockfileError):
        get_client(client).environment(EnvironmentRequest("locked", project=path.parent), verify=False)


def test_an_exact_release_takes_its_backend_pins_from_the_parsed_lock(tmp_path: Path) -> None:
    path, request = _parsed_then_removed(MLKEM, tmp_path)
    exact = EnvironmentRequest("5.1.0", lock=path, lockfile=request.lockfile)
    environment = get_client("paramiko").environment(exact, verify=False)
    assert dict(environment.backend)["cryptography"] == "42.0.8"
    assert environment.backend_source == "uv.lock pins"


def test_environment_backend_is_written_into_an_old_marker(tmp_path: Path) -> None:
    """A marker without ``backend`` (an older sshdrift's) gets the interpreter's answer; the next read uses it."""
    import json
    import sys

    from auditor.probe.clients import environments as shared
    from auditor.probe.clients.paramiko.environments import environment_backend, installed_versions

    env = tmp_path / "paramiko-5.1.0"
    env.mkdir()
    (env / shared.MARKER).write_text('{"paramiko": "5.1.0", "python": "/usr/bin/python3"}\n', encoding="utf-8")
    asked = installed_versions(Path(sys.executable))
    asked.pop("paramiko")
    backend = environment_backend(env, Path(sys.executable))
    assert dict(backend) == asked and "cryptography" in asked
    marker = json.loads((env / shared.MARKER).read_text(encoding="utf-8"))
    assert marker == {"paramiko": "5.1.0", "python": "/usr/bin/python3", "backend": asked}
    # Read from the marker now: an interpreter that cannot run is never started.
    assert environment_backend(env, tmp_path / "no-such-python") == backend


def test_record_in_marker_leaves_a_missing_marker_alone(tmp_path: Path) -> None:
    from auditor.probe.clients import environments as shared

    shared.record_in_marker(tmp_path, {"backend": {"cryptography": "50.0.2"}})
    assert not (tmp_path / shared.MARKER).exists()
