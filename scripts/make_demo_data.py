"""Regenerate ``auditor/demo_data/`` — the project ``sshdrift demo`` audits — with a real ``uv lock``.

The demo project is the incident's: a small netmiko 4.4.0 project (``dependencies =
["netmiko==4.4.0"]``) locked today, so netmiko's open-ended ``paramiko>=2.9.5`` has let the lock
pull Paramiko 5.x. The script

1. writes ``pyproject.toml`` and runs the real ``uv lock`` on it (uv from the ``uv`` package);
2. rewrites every URL host of the package index in ``uv.lock`` to ``index.invalid`` (the demo never
   needs those URLs; no committed file may name the index);
3. snapshots the requires-dist metadata of every locked package into ``metadata.json`` (read from
   the ``.dist-info/METADATA`` of a ``uv pip install --no-deps --target`` of the locked versions),
   so ``sshdrift demo`` audits the lock offline and fast.

Usage: ``uv run python scripts/make_demo_data.py``. Needs the package index; about ten seconds.
"""

from __future__ import annotations

import email.parser
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from make_lock_fixtures import hide_index_hosts  # scripts/ is sys.path[0] when run as a script
from packaging.utils import canonicalize_name
from uv import find_uv_bin

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "auditor" / "demo_data" / "netmiko-4.4.0"
UV = find_uv_bin()

PYPROJECT = """\
[project]
name = "netops-provisioning"
version = "1.0.0"
description = "sshdrift demo: a provisioning backend that reaches its routers with netmiko."
requires-python = ">=3.10"
dependencies = ["netmiko==4.4.0"]
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # The user's own uv configuration must not change the demo lock (no custom index, no date limit).
    for name in ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_EXCLUDE_NEWER"):
        env.pop(name, None)
    env["UV_NO_CONFIG"] = "1"
    return env


def _run(argv: list[str], cwd: Path) -> str:
    completed = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed in {cwd}:\n{completed.stderr}")
    return completed.stdout


def _requires_dist(target: Path) -> dict[tuple[str, str], dict[str, object]]:
    """``{(name, version): {"name", "version", "requires_dist", "requires_python"}}`` from every ``*.dist-info``."""
    out: dict[tuple[str, str], dict[str, object]] = {}
    parser = email.parser.HeaderParser()
    for metadata in sorted(target.glob("*.dist-info/METADATA")):
        message = parser.parsestr(metadata.read_text(encoding="utf-8"))
        name = canonicalize_name(str(message["Name"]))
        version = str(message["Version"])
        out[(name, version)] = {
            "name": name,
            "version": version,
            "requires_dist": [str(r) for r in message.get_all("Requires-Dist") or []],
            "requires_python": str(message["Requires-Python"]) if message["Requires-Python"] else None,
        }
    return out


def _batches(pins: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Split the pins so no batch names a package twice (a forked lock pins some packages per marker)."""
    batches: list[list[tuple[str, str]]] = []
    for pin in pins:
        for batch in batches:
            if all(name != pin[0] for name, _ in batch):
                batch.append(pin)
                break
        else:
            batches.append([pin])
    return batches


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sshdrift-demo-") as tmp:
        work = Path(tmp)
        (work / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        _run([UV, "lock", "--no-progress"], work)
        lock_text = (work / "uv.lock").read_text(encoding="utf-8")
        lock = tomllib.loads(lock_text)
        pins = [
            (str(p["name"]), str(p["version"]))
            for p in lock["package"]
            if p.get("source", {}).get("registry") is not None and "version" in p
        ]
        metadata: dict[tuple[str, str], dict[str, object]] = {}
        for number, batch in enumerate(_batches(pins)):
            target = work / f"target{number}"
            requirements = [f"{name}=={version}" for name, version in batch]
            # --python-platform/--python-version: wheels of any platform carry the same METADATA.
            _run(
                [UV, "pip", "install", "--no-deps", "--no-compile", "--quiet", "--target", str(target), *requirements],
                work,
            )
            metadata.update(_requires_dist(target))
        uv_version = _run([UV, "--version"], work).split()[1]

    missing = sorted(f"{name}=={version}" for name, version in set(pins) - set(metadata))
    if missing:
        sys.exit(f"no metadata for {', '.join(missing)}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (OUT / "uv.lock").write_text(hide_index_hosts(lock_text), encoding="utf-8")
    snapshot = {
        "comment": (
            "requires-dist of every package in uv.lock, read from the locked wheels' METADATA by "
            "scripts/make_demo_data.py; lets `sshdrift demo` audit the lock offline"
        ),
        "locked_with": f"uv {uv_version}",
        "packages": [metadata[key] for key in sorted(metadata)],
    }
    (OUT / "metadata.json").write_text(json.dumps(snapshot, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    paramiko = [version for name, version in metadata if name == "paramiko"]
    print(f"wrote {OUT.relative_to(ROOT)}: {len(pins)} packages, paramiko {paramiko}, uv {uv_version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
