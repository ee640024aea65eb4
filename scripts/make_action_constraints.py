"""Regenerate ``action-constraints.txt``: the exact versions the GitHub Action installs sshdrift with.

The Action (``action.yml``) installs sshdrift from its own checkout with ``uv pip install --constraint
action-constraints.txt``, so a workflow pinned to a tag gets the dependency versions that tag was tested
with (the Action self-test workflow runs on them), not whatever resolves on the day. The file is
``uv export --no-hashes --no-dev --no-emit-project`` of the project's lock (runtime dependencies only,
PEP 508 markers kept), with no index URL in it. Usage (from the repository root; resolves with uv)::

    uv run python scripts/make_action_constraints.py
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.fileio import write_atomic  # noqa: E402

OUTPUT = ROOT / "action-constraints.txt"
HEADER = """\
# The versions the sshdrift GitHub Action installs (uv pip install --constraint), tested by the Action
# self-test workflow. Regenerate with: uv run python scripts/make_action_constraints.py
"""


def export() -> str:
    """The runtime dependencies of the project's lock as a requirements file (``uv export``, no hashes)."""
    proc = subprocess.run(
        ["uv", "export", "--quiet", "--no-hashes", "--no-dev", "--no-emit-project", "--no-header"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def main() -> None:
    text = export()
    if re.search(r"^-|://", text, re.MULTILINE):
        sys.exit("uv export wrote an option or a URL (an index?); the constraints file must hold only pins")
    write_atomic(OUTPUT, HEADER + text)
    print(f"wrote {OUTPUT} ({sum(1 for line in text.splitlines() if '==' in line)} pins)")


if __name__ == "__main__":
    main()
