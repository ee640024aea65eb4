"""The ``whatif`` report: what happens if we require X? Answered before anyone upgrades.

The project is copied to a temporary directory (always removed), the requirements are added
there (each replaces the project's own requirement on the same package), and the copy is
re-resolved (:mod:`auditor.analysis.whatif`). The report has every version that moves, up and
down (``changes``), a ``downgrade`` finding for each that goes down (a security pin that silently
moves netmiko back is how a cap gets lost; severities in :mod:`auditor.checks.drift`), the lock
rules run on the NEW resolution, the project's code against the new releases, and the devices
probed (or predicted from ``--fleet``) with every SSH client the new resolution would install, at its release.
The user's files are never written.
"""

from __future__ import annotations

from dataclasses import replace

from packaging.utils import canonicalize_name

from auditor.analysis.changes import change_notes
from auditor.analysis.code import code_changes
from auditor.analysis.devices import device_checks
from auditor.analysis.lock import analyze_lockfile, locked_paramiko
from auditor.analysis.whatif import resolve_whatif
from auditor.analysis.whatif_findings import refuse_prereleases, whatif_findings
from auditor.checks.constraints import project_info
from auditor.checks.drift import change_findings
from auditor.engine.command_requests import WhatIfRequest
from auditor.model import Report
from auditor.progress import Progress
from auditor.report_parts import WhatIfSummary
from auditor.settings import Settings
from auditor.sources.lockfiles import load_lockfile
from auditor.sources.ssh_stack import ssh_stack


def whatif_report(request: WhatIfRequest, settings: Settings, progress: Progress) -> Report:
    """Re-resolve a copy of the project with ``request.requirements`` added and report the consequences.

    Args:
        request: the requirements (e.g. ``paramiko==5.1.0``), the project, the inventory to probe
            with the new Paramiko (or None) and ``--upgrade``.
        settings: ``fleet``, ``offline``, ``python_version``, probe options.
        progress: told about resolution, metadata fetching and probing.

    Returns:
        The report: ``changes``, downgrade, lock-rule, code and device findings of the new
        resolution, every listed release the change crosses with what it removed and each lost
        extra (:mod:`auditor.analysis.whatif_findings`), device results, and what was asked (``whatif``:
        each requirement as given and as resolved, with the extras and marker kept of the project's own).

    Raises:
        ResolverError: an invalid or unsatisfiable requirement, uv failed (uv's reason), or the
            resolution takes a pre-release without ``request.pre`` (exit 3).
        LockfileError, InventoryError: bad input (exit 3).
    """
    lockfile = load_lockfile(request.project, python_version=settings.python_version)
    whatif = resolve_whatif(
        lockfile,
        request.requirements,
        upgrade=request.upgrade,
        offline=settings.offline,
        python_version=settings.python_version,
        progress=progress,
    )
    changes, context, new_lock = whatif.changes, whatif.context, whatif.lockfile
    refuse_prereleases(changes, allowed=request.pre, asked=" ".join(request.requirements))
    analysis = analyze_lockfile(new_lock, replace(settings, fleet=None), progress)
    stack = ssh_stack(settings.ssh_stack_extra, settings.open_ended)
    # Only silent downgrades count: a package the user names in a requirement moves on purpose.
    downgrades = [
        f
        for f in change_findings(
            changes, context=context, stack=stack, file=lockfile.path.name, lock_format=lockfile.format
        )
        if f.rule == "downgrade" and canonicalize_name(f.package or "") not in whatif.asked
    ]
    before = locked_paramiko(lockfile)
    after = locked_paramiko(new_lock)
    notes = [*change_notes(changes, context.capitalize(), stack), *whatif.lifted_notes(), *whatif.carried_notes()]
    code_findings, code_notes = code_changes(settings, lockfile.path.parent, lockfile, new_lock)
    notes.extend(code_notes)
    # Every SSH client the new resolution brings in is judged at the release it would install.
    results, device_findings, device_notes, device_skipped = device_checks(
        request.inventory,
        after,
        settings,
        progress,
        why=f"the version the new resolution would install; locked today: {before}",
        lockfile=new_lock,
        lock_label="the new resolution",
    )
    notes.extend(device_notes)
    answers, answer_notes = whatif_findings(
        lockfile,
        new_lock,
        changes,
        stack,
        context=context,
        devices=results or None,
        offline=settings.offline,
        progress=progress,
    )
    notes.extend(answer_notes)
    for result in results:
        if result.status.value == "incompatible":
            why = "; ".join(result.reasons) or "negotiation fails"
            broken = [f"{v.client} {v.version}" for v in result.judged if v.status.value == "incompatible"]
            notes.append(f"{result.device.name} would break with {' and '.join(broken) or f'paramiko {after}'}: {why}")
    return Report(
        command="whatif",
        project=project_info(lockfile),
        packages=analysis.packages,
        findings=(*downgrades, *answers, *analysis.findings, *code_findings, *device_findings),
        devices=tuple(results),
        skipped=(*analysis.skipped, *device_skipped),
        changes=changes,
        notes=tuple(notes),
        whatif=WhatIfSummary(request.requirements, request.upgrade, before, after, whatif.requirements),
    )
