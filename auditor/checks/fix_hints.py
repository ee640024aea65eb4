"""Where a project caps a package, per lockfile format: the ``fix`` sentence of lock findings."""

from __future__ import annotations


def cap_hint(fmt: str, requirement: str, *, fixable: bool = True) -> str:
    """One sentence saying where to write ``requirement`` (e.g. ``paramiko<5``) for a ``fmt`` lockfile.

    Args:
        fmt: the lockfile format (``uv``, ``poetry``, ``pdm``, ``pylock``, ``pipfile``, ``requirements``).
        requirement: the cap to declare, a PEP 508 requirement such as ``paramiko<5``.
        fixable: whether ``sshdrift fix`` writes this cap (it does for ``open-ended-range`` errors);
            when False the sentence does not offer it.
    """
    also = ", or run 'sshdrift fix'" if fixable else ""
    if fmt in ("uv", "pylock"):
        return f"add '{requirement}' to [tool.uv] constraint-dependencies in pyproject.toml and run 'uv lock'{also}"
    if fmt == "poetry":
        # Poetry has no constraints table: a transitive package is capped by declaring it (what 'fix' writes).
        return f"declare '{requirement}' in [tool.poetry.dependencies] of pyproject.toml and run 'poetry lock'{also}"
    if fmt == "pdm":
        return (
            f"cap it with '{requirement}' in [tool.pdm.resolution.overrides] of pyproject.toml and run 'pdm lock'{also}"
        )
    if fmt == "pipfile":
        name, _, spec = requirement.partition("<")
        return f"add {name} = \"<{spec}\" to [packages] in Pipfile and run 'pipenv lock'"
    return f"add '{requirement}' to a constraints file passed with -c (or to requirements.in) and recompile{also}"
