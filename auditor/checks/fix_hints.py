"""Where a project caps a package, per lockfile format: the ``fix`` sentence of lock findings."""

from __future__ import annotations


def cap_hint(fmt: str, requirement: str) -> str:
    """One sentence saying where to write ``requirement`` (e.g. ``paramiko<5``) for a ``fmt`` lockfile."""
    if fmt in ("uv", "pylock"):
        return f"add '{requirement}' to [tool.uv] constraint-dependencies in pyproject.toml and run 'uv lock', or run 'sshdrift fix'"
    if fmt == "poetry":
        # Poetry has no constraints table: a transitive package is capped by declaring it (what 'fix' writes).
        return (
            f"declare '{requirement}' in [tool.poetry.dependencies] of pyproject.toml and run 'poetry lock', "
            "or run 'sshdrift fix'"
        )
    if fmt == "pdm":
        return (
            f"cap it with '{requirement}' in [tool.pdm.resolution.overrides] of pyproject.toml and run 'pdm lock', "
            "or run 'sshdrift fix'"
        )
    if fmt == "pipfile":
        name, _, spec = requirement.partition("<")
        return f"add {name} = \"<{spec}\" to [packages] in Pipfile and run 'pipenv lock'"
    return f"add '{requirement}' to a constraints file passed with -c (or to requirements.in) and recompile"
