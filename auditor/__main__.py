"""Allow ``python -m auditor``; :func:`main` is also the ``sshdrift`` command's entry point."""

from __future__ import annotations

import gc


def main() -> None:
    """The process entry point (the ``sshdrift`` command, ``python -m auditor``): the CLI, start-up kept short.

    The cyclic garbage collector is paused while the modules load: they create many long-lived objects
    and few cycles, and each collection walks them all again (CPython's ``gc`` module). The CLI resumes
    it before the command runs (:func:`auditor.cli.resume_collector`), so a long run is collected as
    usual. Exits with the command's code (``SystemExit``).
    """
    gc.disable()
    from auditor.cli import main as cli_main  # Start-up: imported after the pause, it loads Typer.

    cli_main()


if __name__ == "__main__":
    main()
