"""Regenerate ``rules/removed-api.toml``: the Paramiko API each release removed, read from the releases themselves.

For each release in :data:`RELEASES` this script makes a uv environment (``uv run --no-project --with
paramiko==X``) and lists, inside it, Paramiko's public surface: the names ``import paramiko`` exposes,
its submodules, every public member of its public classes, the parameters of each callable (``inspect``),
and ``Transport._preferred_pubkeys`` (the signature algorithms user-key authentication may use). Two
consecutive releases are then compared; whatever the older one had and the newer one lacks is a fact
"removed in the newer release". Each fact carries the changelog as its source.

netmiko's ``disable_sha2_fix`` is read the same way: ``ConnectHandler(..., disable_sha2_fix=True,
auto_connect=False).disabled_algorithms`` in an environment with the newest netmiko shows which
``pubkeys`` it disables (``netmiko/base_connection.py``).

Usage (from the repository root; needs the package index once, then uv's cache)::

    uv run python scripts/gen_removed_api.py [--check]

``--check`` regenerates in memory and fails (exit 1) when ``rules/removed-api.toml`` differs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.fileio import write_atomic  # noqa: E402

OUTPUT = ROOT / "rules" / "removed-api.toml"
UV = find_uv_bin()
RELEASES = ("2.12.0", "3.0.0", "3.5.1", "4.0.0", "5.0.0", "5.1.0")
"""Releases compared, oldest first: the last of each major line and the first of the next."""
NETMIKO = "4.8.0"
CHANGELOG = "https://www.paramiko.org/changelog.html"
NETMIKO_SOURCE = f"https://github.com/ktbyers/netmiko/blob/v{NETMIKO}/netmiko/base_connection.py"
# Names `import paramiko` leaks from its own imports (sys in paramiko/__init__.py before 4.0): not API.
NOT_API = frozenset({"sys", "os", "socket", "threading", "time", "warnings"})

SURFACE_CODE = r"""
import inspect, json, pkgutil, sys
import paramiko
from paramiko.transport import Transport

def params(obj):
    try:
        named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return [p.name for p in inspect.signature(obj).parameters.values() if p.kind in named and p.name != "self"]
    except (TypeError, ValueError):
        return None

names, members = {}, {}
for name in dir(paramiko):
    if name.startswith("_"):
        continue
    obj = getattr(paramiko, name)
    if inspect.ismodule(obj):
        kind = "module" if obj.__name__.startswith("paramiko.") else "foreign"
    elif inspect.isclass(obj):
        kind = "class"
        own = {"__init__": params(obj)}
        for member in dir(obj):
            if not member.startswith("_"):
                own[member] = params(getattr(obj, member)) if callable(getattr(obj, member)) else None
        members[name] = own
    elif callable(obj):
        kind = "function"
    else:
        kind = "constant"
    names[name] = kind
print(json.dumps({
    "version": paramiko.__version__,
    "names": names,
    "modules": sorted(m.name for m in pkgutil.iter_modules(paramiko.__path__) if not m.name.startswith("_")),
    "members": members,
    "pubkeys": list(Transport._preferred_pubkeys),
}))
"""

NETMIKO_CODE = r"""
import json
from netmiko import ConnectHandler, __version__
conn = ConnectHandler(device_type="cisco_ios", host="127.0.0.1", disable_sha2_fix=True, auto_connect=False)
print(json.dumps({"version": __version__, "disabled_algorithms": conn.disabled_algorithms}))
"""


def _run(with_: list[str], code: str) -> dict[str, Any]:
    """Run ``code`` in a throw-away uv environment holding ``with_``; its last stdout line is JSON."""
    args = [UV, "run", "--no-project", "--quiet", "--python", "3.11"]
    for requirement in with_:
        args += ["--with", requirement]
    out = subprocess.run([*args, "python", "-c", code], check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def surface(version: str) -> dict[str, Any]:
    """Paramiko ``version``'s public surface (see the module docstring)."""
    extra = ["six"] if version.startswith("2.") else []
    return _run([f"paramiko=={version}", *extra], SURFACE_CODE)


def _fact(kind: str, name: str, old: str, new: str, **more: Any) -> dict[str, Any]:
    return {
        "package": "paramiko",
        "kind": kind,
        "name": name,
        "removed_in": new,
        "last_with": old,
        **more,
        "source": CHANGELOG,
    }


def _member_facts(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Removed members and removed parameters of the classes both releases have."""
    facts: list[dict[str, Any]] = []
    for cls, members in sorted(old["members"].items()):
        after = new["members"].get(cls)
        if after is None:
            continue
        for member, params in sorted(members.items()):
            callable_name = f"paramiko.{cls}" if member == "__init__" else f"paramiko.{cls}.{member}"
            if member not in after:
                facts.append(_fact("attribute", callable_name, old["version"], new["version"]))
                continue
            gone = [p for p in params or () if p not in (after[member] or ())]
            added = [p for p in after[member] or () if p not in (params or ())]
            facts += [
                _fact("argument", callable_name, old["version"], new["version"], argument=p, added=added) for p in gone
            ]
    return facts


def removed(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Every fact "``old`` had it, ``new`` does not", in a stable order."""
    facts: list[dict[str, Any]] = []
    for module in old["modules"]:
        if module not in new["modules"]:
            facts.append(_fact("module", f"paramiko.{module}", old["version"], new["version"]))
    for name, kind in sorted(old["names"].items()):
        if kind in ("module", "foreign") or name in NOT_API or name in new["names"]:
            continue
        facts.append(_fact("attribute", f"paramiko.{name}", old["version"], new["version"]))
    facts += _member_facts(old, new)
    gone = [a for a in old["pubkeys"] if a not in new["pubkeys"]]
    if gone:
        facts.append(
            _fact("pubkey-algorithm", ",".join(gone), old["version"], new["version"], remaining=new["pubkeys"])
        )
    return facts


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def render(facts: list[dict[str, Any]], netmiko: dict[str, Any]) -> str:
    """The TOML text of ``rules/removed-api.toml``."""
    lines = [
        "# Generated by scripts/gen_removed_api.py: do not edit by hand.",
        "# Each [[removed]] is a name, member or argument Paramiko's release `last_with` had and `removed_in` lacks,",
        f"# read from the releases themselves ({', '.join(RELEASES)}); `source` is the changelog entry of that release.",
        "# kind: module | attribute | argument (of the callable `name`; `added`: its new parameters) | pubkey-algorithm (signature algorithms",
        "# for user-key authentication, Transport._preferred_pubkeys; `remaining` is what the release keeps).",
        "",
    ]
    for fact in facts:
        lines.append("[[removed]]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in fact.items()]
        lines.append("")
    lines += [
        "# What a netmiko option disables, read from ConnectHandler(..., auto_connect=False).disabled_algorithms.",
        "[[option]]",
        'package = "netmiko"',
        f'version = "{netmiko["version"]}"',
        'call = "netmiko.ConnectHandler"',
        'argument = "disable_sha2_fix"',
        "value = true",
        f"disabled_algorithms = {{ pubkeys = {_toml_value(sorted(netmiko['disabled_algorithms']['pubkeys']))} }}",
        f'source = "{NETMIKO_SOURCE}"',
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    """Regenerate (or with ``--check`` compare) ``rules/removed-api.toml``; 0 when written or equal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = parser.parse_args()
    surfaces = [surface(v) for v in RELEASES]
    facts = [fact for old, new in itertools.pairwise(surfaces) for fact in removed(old, new)]
    netmiko = _run([f"netmiko=={NETMIKO}"], NETMIKO_CODE)
    text = render(facts, netmiko)
    if args.check:
        same = OUTPUT.read_text(encoding="utf-8") == text
        print("rules/removed-api.toml is current" if same else "rules/removed-api.toml differs; regenerate it")
        return 0 if same else 1
    write_atomic(OUTPUT, text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(facts)} facts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
