"""The command line: Typer commands that build one :class:`Settings`, call a command, render, exit.

Nothing else lives here. The one error boundary is :func:`_boundary`: an
:class:`~auditor.errors.AuditorError` becomes one red line and its documented exit code; any
other exception is an internal error (exit 5) without a traceback unless ``SSHDRIFT_DEBUG=1``.
Heavy modules (Paramiko, pip-audit, uv wrappers, asyncssh) are imported inside the commands
that need them, so ``sshdrift lock`` starts fast enough for a pre-commit hook.

No ``from __future__ import annotations`` here, unlike the rest of the package: Typer reads every
command's annotations at each start, and evaluating them from strings costs the pre-commit hook
about 7 ms a run.
"""

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from auditor import __version__
from auditor.choices import FailOn, OutputFormat, Show
from auditor.errors import AuditorError, ExitCode, UsageError
from auditor.progress import NullProgress, Progress
from auditor.settings import Settings, build_settings

if TYPE_CHECKING:
    from auditor.model import Report

_APP: dict[str, Any] = {
    "name": "sshdrift",
    "help": (
        "Audit a project's lockfile for drift in its SSH stack (paramiko, netmiko, napalm, scrapli, ...) "
        "and prove that the Paramiko it will run can still negotiate with your devices.\n\n"
        "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error, 3 bad input, "
        "4 incomplete (devices unreachable), 5 internal error, 130 interrupted (Ctrl-C)."
    ),
    "pretty_exceptions_show_locals": False,
    "pretty_exceptions_enable": False,
    "no_args_is_help": True,
    "add_completion": False,
    "rich_markup_mode": None,
}
"""The app's settings, written once: :func:`main` builds a one-command app with the same."""
app = typer.Typer(**_APP)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sshdrift {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Audit SSH-stack drift and device negotiation before you deploy."""


# ------------------------------------------------------------------ shared options
# Each option is defined once here and named by the commands that take it. A parameter named as a
# Settings field is a setting (see _settings); the others (PATH, --base, --below) are the command's own.
# Every option shows its default: the value in force when neither the command line nor
# [tool.sshdrift] sets it (Settings' defaults; None below means "not given", so the table can apply).
# Choices take any case (--format JSON).

_D = Settings()


def _opt(*flags: str, help: str, default: str, metavar: str | None = None, **more: Any) -> Any:
    """A ``typer.Option`` whose help shows ``default``: what applies when neither it nor the table is given."""
    return typer.Option(*flags, metavar=metavar, help=help, show_default=default, **more)


def _show(default: str) -> Any:
    return _opt(
        "--show",
        help="Devices the table and Markdown list: failures (others grouped, counted) or all.",
        default=default,
        case_sensitive=False,
    )


def _timeout(what: str) -> Any:
    return _opt("--timeout", metavar="SECONDS", min=0.1, help=what, default=f"{_D.timeout:g}")


def _devices(what: str) -> Any:
    return _opt("--devices", "-d", metavar="INVENTORY", help=what, default="[tool.sshdrift] devices, else none")


PathArg = Annotated[Path, typer.Argument(metavar="[PATH]", help="Project directory or a lockfile.")]
FormatOpt = Annotated[
    OutputFormat | None, _opt("--format", "-f", help="Output format.", default=_D.format.value, case_sensitive=False)
]
ShowOpt = Annotated[Show | None, _show(_D.show.value)]
DemoShowOpt = Annotated[Show | None, _show(Show.ALL.value)]
OutputOpt = Annotated[
    Path | None,
    _opt("--output", "-o", metavar="FILE", help="Write the report to FILE (atomically).", default="standard output"),
]
FailOnOpt = Annotated[
    FailOn | None,
    _opt(
        "--fail-on", help="Lowest severity that makes the exit code 1.", default=_D.fail_on.value, case_sensitive=False
    ),
]
# --timeout bounds different waits per command: say which.
LockTimeoutOpt = Annotated[float | None, _timeout("Seconds for each request to the vulnerability service.")]
ProbeTimeoutOpt = Annotated[
    float | None, _timeout("Seconds per device for connect, banner and KEXINIT, and again for the handshake.")
]
AuditTimeoutOpt = Annotated[
    float | None,
    _timeout(
        "Seconds per device for connect, banner and KEXINIT, and again for the handshake; "
        "also for each request to the vulnerability service."
    ),
]
ConcurrencyOpt = Annotated[
    int | None, _opt("--concurrency", metavar="N", min=1, help="Devices probed at once.", default=str(_D.concurrency))
]
OfflineOpt = Annotated[
    bool | None,
    _opt("--offline/--online", help="Use only the lock and the metadata cache; never the network.", default="online"),
]
PythonVersionOpt = Annotated[
    str | None,
    _opt(
        "--python-version",
        metavar="X.Y",
        help="Evaluate markers for this Python (e.g. 3.12).",
        default="the running Python",
    ),
]
SshConfigOpt = Annotated[
    list[Path] | None,
    _opt("--ssh-config", metavar="FILE", help="ssh_config file to lint (repeatable).", default="none"),
]
AnsibleCfgOpt = Annotated[
    Path | None, _opt("--ansible-cfg", metavar="FILE", help="ansible.cfg to lint.", default="none")
]
FleetOpt = Annotated[
    Path | None,
    _opt(
        "--fleet",
        metavar="REPORT.json",
        help="A saved probe JSON report: predict offline against that fleet.",
        default="none",
    ),
]
VulnDbOpt = Annotated[
    Path | None,
    _opt(
        "--vuln-db",
        metavar="DIR",
        help="Directory of OSV records to use instead of the online service.",
        default="the online service",
    ),
]
AllPackagesOpt = Annotated[
    bool | None,
    _opt("--all-packages", help="Check every locked package for vulnerabilities.", default="the SSH stack only"),
]
NoVulnOpt = Annotated[
    bool | None,
    _opt("--vulnerabilities/--no-vulnerabilities", help="Run the vulnerability rule.", default="vulnerabilities"),
]
ParamikoOpt = Annotated[
    str | None,
    _opt(
        "--paramiko",
        metavar="auto|installed|locked|X.Y.Z",
        help="Paramiko to verify with: auto (the lock of --project or of the working directory, else "
        "--python, else sshdrift's own), installed, locked (the lockfile of --project, default the working directory), or a version like 5.1.0.",
        default=_D.paramiko,
    ),
]
ClientOpt = Annotated[
    list[str] | None,
    _opt(
        "--client",
        metavar="NAME",
        help="SSH client to judge with (repeatable): paramiko, asyncssh, libssh, openssh, ssh2.",
        default="the clients the lock brings in",
    ),
]
ProjectOpt = Annotated[
    Path | None,
    _opt("--project", metavar="PATH", help="Project directory or lockfile (--paramiko locked).", default="none"),
]
PythonOpt = Annotated[
    Path | None,
    _opt(
        "--python",
        metavar="PYTHON",
        help="Interpreter of the project's environment (--paramiko installed).",
        default="the running interpreter",
    ),
]
NoVerifyOpt = Annotated[
    bool,
    _opt(
        "--no-verify",
        help="Predict from data only; skip the real Paramiko handshake.",
        default="off: handshakes verify",
    ),
]
KnownHostsOpt = Annotated[
    Path | None,
    _opt(
        "--known-hosts",
        metavar="FILE",
        help="known_hosts file to compare host keys with.",
        default="~/.ssh/known_hosts when it exists",
    ),
]
WriteKnownHostsOpt = Annotated[
    Path | None,
    _opt(
        "--write-known-hosts",
        metavar="FILE",
        help="Merge the host keys the handshakes verified into this known_hosts file (plain names).",
        default="not written",
    ),
]
SshBinaryOpt = Annotated[
    Path | None,
    _opt(
        "--ssh-binary",
        metavar="PATH",
        help="OpenSSH client the openssh client judges (ssh -V, ssh -G, real handshakes).",
        default="ssh on PATH",
    ),
]
ShardOpt = Annotated[
    str | None,
    _opt(
        "--shard",
        metavar="K/N",
        help="K/N: probe only slice K of N of the inventory (deterministic).",
        default="the whole inventory",
    ),
]
InventoryFormatOpt = Annotated[
    str | None,
    _opt(
        "--inventory-format",
        metavar="FORMAT",
        help="Force the inventory format: text, yaml, csv, ansible, nornir, netmiko.",
        default="detected from the content",
    ),
]
SaveKexinitOpt = Annotated[
    Path | None,
    _opt(
        "--save-kexinit", metavar="DIR", help="Directory to keep each device's raw KEXINIT payload.", default="not kept"
    ),
]
IgnoreOpt = Annotated[
    list[str] | None,
    _opt(
        "--ignore",
        metavar="RULE:SUBJECT",
        help="Accept a risk: RULE's findings on a package, device or advisory id stay in the report but pass (repeatable).",
        default="[[tool.sshdrift.ignore]] only",
    ),
]
BaseOpt = Annotated[
    str | None,
    _opt(
        "--base",
        metavar="REF|LOCKFILE",
        help=(
            "Judge the change against the lock at a git revision (origin/main) or another lockfile: each SSH-stack "
            "package that moves, an error across a breaking release, and the devices the change cuts off."
        ),
        default="none: the lock alone",
    ),
]
JumpKeyOpt = Annotated[
    Path | None, _opt("--jump-key", metavar="FILE", help="Private key for jump hosts.", default="ssh-agent")
]


# ------------------------------------------------------------------ boundary


_INTERRUPTED = 130
"""Exit code after Ctrl-C: 128 + SIGINT, what a shell reports for a command SIGINT stopped."""


def _fail(message: str, code: int) -> NoReturn:
    # Start-up: rich is imported only when there is an error to print.
    from rich.console import Console
    from rich.markup import escape

    # Messages quote user text such as "[tool.sshdrift]": never let rich read it as markup.
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]sshdrift: error:[/] {escape(message)}")
    raise typer.Exit(code)


@contextmanager
def _boundary() -> Iterator[None]:
    """Turn every error into one line on stderr and a documented exit code."""
    try:
        yield
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except AuditorError as exc:
        _fail(exc.message, int(exc.exit_code))
    except KeyboardInterrupt:
        _fail("interrupted", _INTERRUPTED)
    except Exception as exc:
        if os.environ.get("SSHDRIFT_DEBUG"):
            raise
        first = (str(exc).splitlines() or [""])[0]
        _fail(
            f"internal error: {type(exc).__name__}: {first}; "
            "run again with SSHDRIFT_DEBUG=1 for a traceback and report it",
            int(ExitCode.INTERNAL),
        )


def _progress() -> Progress:
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return NullProgress()
    # Start-up: rich's live display only on a terminal, never in a hook or CI.
    from auditor.progress_rich import RichProgress

    return RichProgress()


def _emit(report: "Report", settings: Settings) -> NoReturn:
    """Render ``report``, print or write it, and exit with its code."""
    # Start-up: '--help' and '--version' load no model or formats.
    from auditor.fileio import write_atomic
    from auditor.formats import render

    if settings.output is not None:
        try:
            write_atomic(settings.output, render(report, settings.format, show=settings.show))
        except OSError as exc:
            # Keep the result: the terminal gets the table, then the one-line error (exit 3).
            sys.stdout.write(render(report, OutputFormat.TABLE, color=sys.stdout.isatty(), show=settings.show))
            sys.stdout.flush()
            raise AuditorError(
                f"{settings.output}: cannot write the report ({exc.strerror or exc}); "
                "check that the directory exists and is writable"
            ) from exc
        if settings.format is not OutputFormat.TABLE:
            # The file holds the machine format; the terminal still gets the summary table.
            sys.stdout.write(render(report, OutputFormat.TABLE, color=sys.stdout.isatty(), show=settings.show))
    else:
        sys.stdout.write(render(report, settings.format, color=sys.stdout.isatty(), show=settings.show))
    sys.stdout.flush()
    raise typer.Exit(report.exit_code(settings.fail_on))


_RENAMED = {"fmt": "format", "client": "clients"}
"""Command parameters named apart from their Settings field (``format`` is a builtin; ``--client`` repeats)."""


def _settings(project: Path | None, given: dict[str, Any], /, **fixed: Any) -> Settings:
    """The run's settings: the command's options over ``[tool.sshdrift]`` of ``project``, ``fixed`` over both.

    Args:
        project: the project directory or lockfile whose ``pyproject.toml`` is read, or None.
        given: the command's parameters by name (its ``locals()`` on entry). Those named as a
            :class:`Settings` field (``fmt`` and ``client`` renamed, ``no_verify`` turned into
            ``verify``) are settings; the others are the command's own and not read here.
        fixed: values the command sets itself; None leaves a setting as the table or default has it.

    Raises:
        ConfigError: a bad ``[tool.sshdrift]`` table (exit 3).
        UsageError: a bad ``--shard`` or ``--python-version`` (exit 2).
    """
    cli = {_RENAMED.get(name, name): value for name, value in given.items()}
    if "no_verify" in cli:
        cli["verify"] = not cli.pop("no_verify")
    return build_settings({**cli, **fixed}, project)


def resume_collector() -> None:
    """Resume the garbage collector :func:`auditor.__main__.main` paused for start-up; nothing when it runs already.

    What loaded so far is moved to the permanent generation (``gc.freeze``): modules, classes and
    tables that live as long as the process, never walked again, also not at exit.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _run(command: Callable[[Progress], "Report"], settings: Settings) -> NoReturn:
    """Run ``command`` (it calls the engine) with the progress display, then render and exit."""
    resume_collector()
    _emit(command(_progress()), settings)


# ------------------------------------------------------------------ commands
# Start-up: each command imports only its own stack, inside its body.


@app.command()
def lock(
    path: PathArg = Path(),
    fmt: FormatOpt = None,
    show: ShowOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    offline: OfflineOpt = None,
    python_version: PythonVersionOpt = None,
    ssh_config: SshConfigOpt = None,
    ansible_cfg: AnsibleCfgOpt = None,
    fleet: FleetOpt = None,
    vuln_db: VulnDbOpt = None,
    all_packages: AllPackagesOpt = None,
    vulnerabilities: NoVulnOpt = None,
    timeout: LockTimeoutOpt = None,
    ignore: IgnoreOpt = None,
    base: BaseOpt = None,
) -> None:
    """Audit a lockfile: open-ended ranges and breaking releases in the SSH stack.

    Reads uv.lock, poetry.lock, pdm.lock, pylock.toml, Pipfile.lock or a pinned requirements
    file (found in PATH, or PATH itself), intersects every declared constraint on each SSH-stack
    package, and reports which ones a rebuild could move across a breaking release.
    """
    with _boundary():
        settings = _settings(path, locals())
        from auditor.commands.lock import run_lock

        _run(lambda progress: run_lock(path, settings, progress, base), settings)


@app.command()
def probe(
    inventory: Annotated[
        Path, typer.Argument(metavar="INVENTORY", help="Inventory: text, YAML/CSV, Ansible, Nornir or netmiko list.")
    ],
    paramiko: ParamikoOpt = None,
    client: ClientOpt = None,
    project: ProjectOpt = None,
    python: PythonOpt = None,
    no_verify: NoVerifyOpt = False,
    known_hosts: KnownHostsOpt = None,
    write_known_hosts: WriteKnownHostsOpt = None,
    ssh_binary: SshBinaryOpt = None,
    shard: ShardOpt = None,
    inventory_format: InventoryFormatOpt = None,
    save_kexinit: SaveKexinitOpt = None,
    ssh_config: SshConfigOpt = None,
    jump_key: JumpKeyOpt = None,
    fmt: FormatOpt = None,
    show: ShowOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    timeout: ProbeTimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
) -> None:
    """Probe devices: read each server's banner and KEXINIT (no credentials) and decide negotiation.

    The outcome is predicted from data for the chosen Paramiko and verified with a real
    handshake (Transport.start_client, no authentication) unless --no-verify.
    """
    with _boundary():
        settings = _settings(project, locals())
        from auditor.commands.probe import run_probe

        _run(lambda progress: run_probe(inventory, settings, progress), settings)


@app.command()
def audit(
    path: PathArg = Path(),
    devices: Annotated[Path | None, _devices("Inventory to probe with the Paramiko the lock pins.")] = None,
    client: ClientOpt = None,
    no_verify: NoVerifyOpt = False,
    known_hosts: KnownHostsOpt = None,
    write_known_hosts: WriteKnownHostsOpt = None,
    ssh_binary: SshBinaryOpt = None,
    shard: ShardOpt = None,
    inventory_format: InventoryFormatOpt = None,
    jump_key: JumpKeyOpt = None,
    fmt: FormatOpt = None,
    show: ShowOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    offline: OfflineOpt = None,
    python_version: PythonVersionOpt = None,
    ssh_config: SshConfigOpt = None,
    ansible_cfg: AnsibleCfgOpt = None,
    fleet: FleetOpt = None,
    vuln_db: VulnDbOpt = None,
    all_packages: AllPackagesOpt = None,
    vulnerabilities: NoVulnOpt = None,
    timeout: AuditTimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    ignore: IgnoreOpt = None,
    base: BaseOpt = None,
) -> None:
    """The lock checks plus the probe with exactly the Paramiko the lock resolves: one report, one exit code."""
    with _boundary():
        settings = _settings(path, locals())
        from auditor.commands.audit import run_audit

        _run(lambda progress: run_audit(path, settings, progress, base), settings)


@app.command()
def whatif(
    requirements: Annotated[
        list[str] | None,
        typer.Argument(metavar="REQUIREMENT...", help="Requirements to add, e.g. paramiko==5.1.0 'netmiko>=4.8'."),
    ] = None,
    project: Annotated[Path, typer.Option("--project", metavar="PATH", help="Project directory or lockfile.")] = Path(),
    devices: Annotated[Path | None, _devices("Inventory to probe with the Paramiko of the new resolution.")] = None,
    upgrade: Annotated[
        bool, _opt("--upgrade", help="Re-resolve everything to the newest allowed.", default="off")
    ] = False,
    pre: Annotated[
        bool,
        typer.Option("--pre", help="Let the resolution take pre-releases (refused otherwise).", show_default="off"),
    ] = False,
    no_verify: NoVerifyOpt = False,
    fmt: FormatOpt = None,
    show: ShowOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    fleet: FleetOpt = None,
    python_version: PythonVersionOpt = None,
    vuln_db: VulnDbOpt = None,
    vulnerabilities: NoVulnOpt = None,
    timeout: ProbeTimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
) -> None:
    """What if we upgrade? Re-resolve a copy of the project with REQUIREMENT... added; never touches it."""
    with _boundary():
        if not requirements and not upgrade:
            raise UsageError("whatif: give at least one REQUIREMENT (e.g. paramiko==5.1.0) or --upgrade")
        settings = _settings(project, locals(), project=None)  # its --project is the one it re-resolves
        from auditor.commands.whatif import run_whatif

        _run(
            lambda progress: run_whatif(requirements or [], project, upgrade, settings, progress, pre),
            settings,
        )


@app.command()
def drift(
    path: PathArg = Path(),
    exclude_newer: Annotated[
        str | None,
        _opt(
            "--exclude-newer",
            metavar="DATE",
            help="Resolve as of DATE (YYYY-MM-DD or RFC 3339), like a past rebuild.",
            default="today",
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    python_version: PythonVersionOpt = None,
) -> None:
    """Compare the lock with a fresh resolution of the same declarations (today, or as of a date)."""
    with _boundary():
        settings = _settings(path, locals())
        from auditor.commands.drift import run_drift

        _run(lambda progress: run_drift(path, exclude_newer, settings, progress), settings)


@app.command()
def fix(
    path: PathArg = Path(),
    below: Annotated[
        str | None,
        _opt(
            "--below",
            metavar="[PACKAGE=]VERSION",
            help="Upper bound to write: '5' or '<5' caps every package fixed below 5, 'paramiko=5' only "
            "paramiko; join several with commas (paramiko=5,netmiko=5).",
            default="the locked major + 1",
        ),
    ] = None,
    dry_run: Annotated[bool, _opt("--dry-run", help="Print a unified diff; write nothing.", default="off")] = False,
    relock: Annotated[
        bool,
        _opt(
            "--lock",
            help="Re-lock with the lockfile's own tool afterwards (uv lock, poetry lock, ...) and show the new versions.",
            default="off",
        ),
    ] = False,
    offline: OfflineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Add the missing upper bounds for open-ended SSH-stack ranges, formatting preserved."""
    with _boundary():
        settings = _settings(path, locals())
        from auditor.commands.fix import run_fix

        _run(lambda progress: run_fix(path, below, dry_run, relock, settings, progress), settings)


@app.command()
def merge(
    reports: Annotated[
        list[Path], typer.Argument(metavar="REPORT.json...", help="JSON reports of probe/audit shards to join.")
    ],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Join the JSON reports of sharded runs (--shard K/N) into one report."""
    with _boundary():
        settings = _settings(None, locals())
        from auditor.commands.merge import run_merge

        _run(lambda _: run_merge(reports, settings), settings)


@app.command()
def demo(
    fmt: FormatOpt = None,
    show: DemoShowOpt = None,
    output: OutputOpt = None,
    no_verify: NoVerifyOpt = False,
) -> None:
    """The whole job on a bundled netmiko 4.4.0 lock and an emulated device lab on loopback."""
    with _boundary():
        settings = _settings(None, locals(), show=show or Show.ALL, fail_on=FailOn.NEVER)
        from auditor.commands.demo import run_demo

        _run(lambda progress: run_demo(settings, progress), settings)


@app.command()
def baseline(
    path: PathArg = Path(),
    write: Annotated[
        bool, _opt("--write", help="Append the entries to the project's pyproject.toml (atomically).", default="off")
    ] = False,
    fail_on: FailOnOpt = None,
    offline: OfflineOpt = None,
    python_version: PythonVersionOpt = None,
    ssh_config: SshConfigOpt = None,
    ansible_cfg: AnsibleCfgOpt = None,
    fleet: FleetOpt = None,
    vuln_db: VulnDbOpt = None,
    vulnerabilities: NoVulnOpt = None,
    timeout: LockTimeoutOpt = None,
) -> None:
    """Print [[tool.sshdrift.ignore]] entries for today's findings (--write: add them to pyproject.toml) to review."""
    with _boundary():
        resume_collector()  # this command does not go through _run
        settings = _settings(path, locals())
        from auditor.commands.baseline import run_baseline

        result = run_baseline(path, settings, _progress(), write=write)
        for line in result.unnamed:
            sys.stderr.write(f"sshdrift: no entry can name this finding; fix it instead: {line}\n")
        if result.written:
            sys.stdout.write(
                f"{result.pyproject}: added {result.count} [[tool.sshdrift.ignore]] entries; "
                "replace each TODO reason with why the risk is accepted\n"
            )
        elif result.count:
            sys.stdout.write(result.toml.rstrip("\n") + "\n")
        else:
            sys.stderr.write(f"sshdrift: no finding at --fail-on {settings.fail_on.value} to accept\n")


@app.command()
def lab(
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="First port; devices listen on consecutive ports.")
    ] = 2201,
    inventory: Annotated[
        Path | None,
        _opt("--inventory", metavar="FILE", help="Also write an inventory of the lab devices to FILE.", default="none"),
    ] = None,
) -> None:
    """Start the emulated device lab on 127.0.0.1 until Ctrl-C, to try your own pipelines against."""
    with _boundary():
        from auditor.commands.lab import run_lab

        resume_collector()  # the lab runs until Ctrl-C
        run_lab(port, inventory)


def main() -> None:
    """Run the CLI (``auditor.__main__.main``, the process entry point, calls it after pausing the collector).

    When the first argument names a command, Typer builds only that command's options (the same
    command, callback and settings; each command's own help and errors are unchanged): building all ten
    costs the pre-commit hook about 4 ms a run. Anything else (``--help``, ``--version``, a typo) gets the whole app.
    """
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    chosen = [
        c for c in app.registered_commands if c.callback and typer.main.get_command_name(c.callback.__name__) == name
    ]
    if not chosen:
        app()
        return
    one = typer.Typer(**_APP)
    one.registered_callback = app.registered_callback
    one.registered_commands = chosen
    one()
