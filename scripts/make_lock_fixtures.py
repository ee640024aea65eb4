"""Regenerate ``fixtures/lock/<case>/<tool>/`` with the real lockers, then hide the index host.

Each case is a tiny project (one or two requirements); each tool locks it exactly as a user would:
``uv lock``, ``uvx poetry lock``, ``uvx pdm lock``, ``uvx pipenv lock``, ``uvx --from pip-tools pip-compile``,
``uv pip compile``, ``uv export --format requirements.txt`` and ``uv export --format pylock.toml``.
The lockers write URLs of the package index only; the scheme and host of every URL is then rewritten
to ``https://index.invalid`` (sshdrift never needs those URLs, and no committed file may name the index). The tool versions used are written to
``fixtures/lock/README.md``.

Usage: ``uv run python scripts/make_lock_fixtures.py [--case NAME ...] [--tool NAME ...]``.
Needs the package index; takes a few minutes the first time (uvx installs the lockers).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "fixtures" / "lock"
UV = find_uv_bin()
# The newest PDM with a working set of its own dependencies (later httpx/unearth/hishel releases broke it).
PDM_TOOL_DATE = "2026-03-01"

# Scheme, credentials, host and port of any http(s) URL: every URL these lockers write points into the index.
_URL_ORIGIN = re.compile(r"https?://[^/\s\"'<>]+", re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    """One small project to lock."""

    name: str
    requirements: tuple[str, ...]
    tools: tuple[str, ...]
    exclude_newer: str | None = None
    """RFC 3339 date for the tools that support it (uv), so the lock is reproducible."""
    uv_tool: dict[str, list[str]] = field(default_factory=dict)
    """Extra ``[tool.uv]`` keys (constraint-dependencies, override-dependencies)."""


ALL_TOOLS = ("uv", "poetry", "pdm", "pipenv", "pip-compile", "uv-pip-compile", "uv-export", "pylock")

CASES = (
    # The incident: netmiko 4.4.0 declares paramiko>=2.9.5. Locked before paramiko 5.0.0 (2026-05-09) by uv,
    # so a rebuild would cross it; the other tools lock today's resolution.
    Case("netmiko-4.4.0", ("netmiko==4.4.0",), ALL_TOOLS, exclude_newer="2026-05-01T00:00:00Z"),
    Case("netmiko-4.7.0", ("netmiko==4.7.0",), ALL_TOOLS),
    Case("netmiko-4.8.0-par4", ("netmiko[par4]==4.8.0",), ALL_TOOLS),
    Case("paramiko-direct", ("paramiko>=3.5",), ALL_TOOLS),
    Case(
        "uv-constraint",
        ("netmiko==4.4.0",),
        ("uv", "uv-export", "pylock"),
        uv_tool={"constraint-dependencies": ["paramiko<5"]},
    ),
    Case(
        "large",
        (
            "napalm>=5",
            "nornir>=3.4",
            "nornir-netmiko>=1",
            "nornir-napalm>=0.5",
            "nornir-utils>=0.2",
            "ncclient>=0.6",
            "ansible-core>=2.16",
            "ansible-pylibssh>=1.1",
            "scrapli[paramiko,asyncssh]>=2024.1.30",
            "fabric>=3",
            "junos-eznc>=2.7",
            "ntc-templates>=4",
            "ttp>=0.9",
            "requests>=2.31",
            "httpx>=0.27",
            "pydantic>=2",
            "rich>=13",
            "typer>=0.12",
            "jinja2>=3",
            "pandas>=2",
            "boto3>=1.34",
            "fastapi>=0.110",
            "sqlalchemy>=2",
            "celery>=5.3",
            "pytest>=8",
            "hypothesis>=6",
            "sphinx>=7",
            "flask>=3",
            "django>=5",
            "black>=24",
            "mypy>=1.10",
            "netaddr>=1",
            "nornir-scrapli>=2024.1.30",
            "scrapli-netconf>=2024.1.30",
            "pyntc>=2",
            "textfsm>=1.1",
        ),
        ("uv",),
    ),
)


def _pyproject(case: Case) -> str:
    deps = "".join(f'    "{r}",\n' for r in case.requirements)
    text = (
        "[project]\n"
        f'name = "{case.name.replace(".", "-")}-app"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.10,<4"\n'
        f"dependencies = [\n{deps}]\n"
    )
    uv_keys = dict(case.uv_tool)
    if uv_keys:
        text += "\n[tool.uv]\n"
        for key, values in uv_keys.items():
            text += f"{key} = [{', '.join(repr(v).replace(chr(39), chr(34)) for v in values)}]\n"
    return text


def _pipfile(case: Case) -> str:
    lines = ["[packages]"]
    for req in case.requirements:
        m = re.match(r"^([A-Za-z0-9._-]+)(\[[^\]]+\])?(.*)$", req)
        assert m, req
        name, extras, spec = m.group(1), m.group(2), m.group(3) or "*"
        if extras:
            items = ", ".join(f'"{e.strip()}"' for e in extras[1:-1].split(","))
            lines.append(f'{name} = {{version = "{spec}", extras = [{items}]}}')
        else:
            lines.append(f'{name} = "{spec}"')
    lines += ["", "[requires]", 'python_version = "3.11"', ""]
    return "\n".join(lines)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Keep this machine's pip configuration (mirrors, find-links) out of the generated files.
    env["PIP_CONFIG_FILE"] = os.devnull
    env.pop("PIP_FIND_LINKS", None)
    env["PIPENV_IGNORE_VIRTUALENVS"] = "1"
    env["PIPENV_VENV_IN_PROJECT"] = "1"
    env["PIPENV_YES"] = "1"
    env["PIPENV_NOSPIN"] = "1"
    env["PIPENV_VERBOSITY"] = "-1"
    env["PDM_CHECK_UPDATE"] = "false"
    env["POETRY_VIRTUALENVS_IN_PROJECT"] = "true"
    env["UV_PYTHON"] = sys.executable
    env["PDM_PYTHON"] = sys.executable
    return env


def _run(argv: list[str], cwd: Path) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed in {cwd}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout + proc.stderr


def _exclude(case: Case) -> list[str]:
    return ["--exclude-newer", case.exclude_newer] if case.exclude_newer else []


def _uv_lock(case: Case, work: Path) -> None:
    (work / "pyproject.toml").write_text(_pyproject(case))
    _run([UV, "lock", "--python", sys.executable, *_exclude(case)], work)


def _tool_uv(case: Case, work: Path) -> list[str]:
    _uv_lock(case, work)
    return ["pyproject.toml", "uv.lock"]


def _tool_uv_export(case: Case, work: Path) -> list[str]:
    _uv_lock(case, work)
    _run([UV, "export", "--frozen", "--no-header", "--format", "requirements.txt", "-o", "requirements.txt"], work)
    (work / "uv.lock").unlink()
    return ["pyproject.toml", "requirements.txt"]


def _tool_pylock(case: Case, work: Path) -> list[str]:
    _uv_lock(case, work)
    _run([UV, "export", "--frozen", "--format", "pylock.toml", "-o", "pylock.toml"], work)
    (work / "uv.lock").unlink()
    return ["pyproject.toml", "pylock.toml"]


def _simple_index(work: Path) -> str:
    """The simple-index URL uv resolves from (its default, or ``UV_DEFAULT_INDEX``/``UV_INDEX_URL``), with a slash.

    uv names it itself (``uv pip compile --emit-index-url`` of no requirements; no network needed), so this
    file names no index. Raises RuntimeError when uv fails or names none.
    """
    found = re.search(
        r"^--index-url\s+(\S+)", _run([UV, "pip", "compile", "--quiet", "--emit-index-url", os.devnull], work), re.M
    )
    if not found:
        raise RuntimeError(f"uv named no index URL in {work}; check uv's index settings")
    return found.group(1).rstrip("/") + "/"


def _tool_poetry(case: Case, work: Path) -> list[str]:
    # An explicit primary source, as in the committed fixtures: Poetry records it in each [package.source].
    source = f'\n[[tool.poetry.source]]\nname = "index"\nurl = "{_simple_index(work)}"\npriority = "primary"\n'
    (work / "pyproject.toml").write_text(_pyproject(case) + source)
    _run([UV, "tool", "run", "--from", "poetry", "poetry", "lock", "--no-interaction"], work)
    return ["pyproject.toml", "poetry.lock"]


def _tool_pdm(case: Case, work: Path) -> list[str]:
    (work / "pyproject.toml").write_text(_pyproject(case))
    _run([UV, "tool", "run", "--exclude-newer", PDM_TOOL_DATE, "pdm", "lock"], work)
    return ["pyproject.toml", "pdm.lock"]


def _tool_pipenv(case: Case, work: Path) -> list[str]:
    (work / "Pipfile").write_text(_pipfile(case))
    _run([UV, "tool", "run", "pipenv", "lock", "--python", sys.executable], work)
    return ["Pipfile", "Pipfile.lock"]


def _tool_pip_compile(case: Case, work: Path) -> list[str]:
    (work / "requirements.in").write_text("".join(r + "\n" for r in case.requirements))
    _run(
        [
            UV,
            "tool",
            "run",
            "--from",
            "pip-tools",
            "pip-compile",
            "--generate-hashes",
            "--no-emit-index-url",
            "--no-emit-find-links",
            "--strip-extras",
            "-o",
            "requirements.txt",
            "requirements.in",
        ],
        work,
    )
    return ["requirements.in", "requirements.txt"]


def _tool_uv_pip_compile(case: Case, work: Path) -> list[str]:
    (work / "requirements.in").write_text("".join(r + "\n" for r in case.requirements))
    _run(
        [
            UV,
            "pip",
            "compile",
            "--python",
            sys.executable,
            "--generate-hashes",
            "--no-header",
            *_exclude(case),
            "-o",
            "requirements.txt",
            "requirements.in",
        ],
        work,
    )
    return ["requirements.in", "requirements.txt"]


TOOLS: dict[str, Callable[[Case, Path], list[str]]] = {
    "uv": _tool_uv,
    "poetry": _tool_poetry,
    "pdm": _tool_pdm,
    "pipenv": _tool_pipenv,
    "pip-compile": _tool_pip_compile,
    "uv-pip-compile": _tool_uv_pip_compile,
    "uv-export": _tool_uv_export,
    "pylock": _tool_pylock,
}


def hide_index_hosts(text: str) -> str:
    """Rewrite the origin of every http(s) URL in ``text`` to ``https://index.invalid``, keeping path and query.

    ``text`` is a generated lockfile, requirements file or pyproject; ``https://user@host:8443/simple/`` becomes
    ``https://index.invalid/simple/`` (credentials and port go too). The lockers write URLs of the package index only, so no host name list is needed (and none is committed).
    """
    return _URL_ORIGIN.sub("https://index.invalid", text)


def _make(case: Case, tool: str) -> str:
    dest = OUT / case.name / tool
    with tempfile.TemporaryDirectory(prefix=f"sshdrift-{case.name}-{tool}-") as tmp:
        work = Path(tmp)
        files = TOOLS[tool](case, work)
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for name in files:
            text = (work / name).read_text(encoding="utf-8")
            (dest / name).write_text(hide_index_hosts(text), encoding="utf-8")
    return f"{case.name}/{tool}"


def _versions() -> list[str]:
    probes = {
        "uv": [UV, "--version"],
        "poetry": [UV, "tool", "run", "--from", "poetry", "poetry", "--version"],
        "pdm": [UV, "tool", "run", "--exclude-newer", PDM_TOOL_DATE, "pdm", "--version"],
        "pipenv": [UV, "tool", "run", "pipenv", "--version"],
        "pip-tools": [UV, "tool", "run", "--from", "pip-tools", "pip-compile", "--version"],
    }
    lines = []
    for name, argv in probes.items():
        try:
            lines.append(f"- {name}: `{_run(argv, ROOT).strip().splitlines()[-1]}`")
        except RuntimeError:
            lines.append(f"- {name}: (not run)")
    return lines


def main() -> int:
    """Lock every selected (case, tool) pair, ``--jobs`` at a time; rewrite the README's tool versions.

    Returns the exit status: 0, or 1 when some locker failed (its error is printed, the others still run).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--tool", action="append", choices=sorted(TOOLS), help="only this tool (repeatable)")
    parser.add_argument("--jobs", type=int, default=3)
    args = parser.parse_args()
    jobs = [
        (case, tool)
        for case in CASES
        if not args.case or case.name in args.case
        for tool in case.tools
        if not args.tool or tool in args.tool
    ]
    failures = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(_make, case, tool) for case, tool in jobs]
        for fut in futures:
            try:
                print("made", fut.result(), flush=True)
            except RuntimeError as exc:
                failures += 1
                print(exc, file=sys.stderr, flush=True)
    readme = OUT / "README.md"
    body = readme.read_text(encoding="utf-8") if readme.exists() else ""
    head, sep, _ = body.partition("## Tool versions\n")
    if not sep:
        head = body
    (OUT / "README.md").write_text(head + "## Tool versions\n\n" + "\n".join(_versions()) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
