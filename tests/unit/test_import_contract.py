"""The flow, enforced: import-linter's contracts in pyproject.toml hold, and they cover every module.

``lint-imports`` runs as a subprocess, exactly as a developer runs it, so an import against the
flow (a rule importing a command, the engine importing a command, one command importing another)
fails the suite. A module added beside the layers would escape the layers contract silently, so
the second test checks that every module and package directly under ``auditor/`` is in a layer.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_lint_imports_keeps_every_contract(tmp_path: Path) -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    completed = subprocess.run(
        [str(lint_imports), "--no-logo", "--cache-dir", str(tmp_path / "cache")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", completed.stdout)
    assert kept is not None, completed.stdout
    assert (int(kept[1]), int(kept[2])) == (len(_contracts()), 0)


def test_every_top_level_module_is_in_a_layer() -> None:
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    assert isinstance(layers, list)
    named = {part.strip().strip("()") for layer in layers for part in re.split(r"[|:]", str(layer))}
    package = REPO / "auditor"
    present = {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if (path.suffix == ".py" and path.name != "__init__.py") or (path / "__init__.py").is_file()
    }
    assert present - named == set(), "add each new module to a layer of [tool.importlinter] in pyproject.toml"


def test_only_the_engine_builds_a_report() -> None:
    """``Report(...)`` is called in ``auditor/engine`` only (and read back from JSON by the saved-report source)."""
    import ast

    package = REPO / "auditor"
    allowed = {package / "sources" / "saved_report.py"}
    builders = []
    for path in sorted(package.rglob("*.py")):
        if package / "engine" in path.parents or path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Report":
                builders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert builders == [], "build reports in auditor/engine (one module per kind of run)"
