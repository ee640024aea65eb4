"""Read back a JSON report that sshdrift wrote (``--format json``, ``schema_version`` 1 or 2).

Saved reports are inputs too: a probe's report is a **fleet snapshot** (``--fleet FILE``: the
devices' offered name-lists, used for offline prediction), and the reports of sharded runs are
joined by ``sshdrift merge``. This module is the inverse of :meth:`auditor.model.Report.to_json`
(DESIGN.md "JSON report"); unknown members are ignored so newer reports still load.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated, Offered, Platform, Verdict
from auditor.errors import InventoryError
from auditor.model import (
    READABLE_SCHEMA_VERSIONS,
    Constraint,
    Finding,
    PackageReport,
    ProjectInfo,
    Report,
    Severity,
    Skipped,
)
from auditor.report_parts import Change

_HINT = "pass a report saved with 'sshdrift probe --format json --output FILE'"


class _Bad(ValueError):
    """A malformed member; the loader turns it into one InventoryError line."""


def _str(data: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _Bad(f"'{key}' must be a string")
    return value


def _strs(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _Bad(f"'{key}' must be a list of strings")
    return tuple(value)


def _opt_int(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"'{key}' must be an integer")
    return value


def _device(data: Any) -> DeviceResult:
    if not isinstance(data, dict):
        raise _Bad("a device entry must be an object")
    name = _str(data, "name")
    host = _str(data, "host")
    assert name is not None and host is not None
    port = _opt_int(data.get("port", 22), "port")
    try:
        status = DeviceStatus(data.get("status"))
    except ValueError:
        raise _Bad(f"device {name}: unknown status {data.get('status')!r}") from None
    offered_raw = data.get("offered")
    if offered_raw is not None and not isinstance(offered_raw, dict):
        raise _Bad(f"device {name}: 'offered' must be an object of name-lists")
    offered = None
    if offered_raw is not None:
        for category, names in offered_raw.items():
            _strs(names, f"offered.{category}")
        offered = Offered.from_json(offered_raw)
    negotiated_raw = data.get("negotiated")
    negotiated = None
    if isinstance(negotiated_raw, dict):
        try:
            negotiated = Negotiated(**{k: str(v) for k, v in negotiated_raw.items()})
        except TypeError:
            raise _Bad(f"device {name}: 'negotiated' has unexpected members") from None
    predicted_raw = data.get("predicted")
    try:
        predicted = DeviceStatus(predicted_raw) if predicted_raw is not None else None
    except ValueError:
        raise _Bad(f"device {name}: unknown predicted status {predicted_raw!r}") from None
    return DeviceResult(
        device=Device(
            name=name,
            host=host,
            port=port or 22,
            jumps=tuple(hop for hop in (_str(data, "jump", optional=True) or "").split(",") if hop),
        ),
        status=status,
        banner=_str(data, "banner", optional=True),
        offered=offered,
        paramiko=_str(data, "paramiko", optional=True),
        negotiated=negotiated,
        verified=bool(data.get("verified", False)),
        reasons=_strs(data.get("reasons"), "reasons"),
        host_key_fingerprint=_str(data, "host_key_fingerprint", optional=True),
        strict_kex=data.get("strict_kex") if isinstance(data.get("strict_kex"), bool) else None,
        predicted=predicted,
        probed_at=_str(data, "probed_at", optional=True),
        platform=_platform(data.get("platform"), name),
        server_sig_algs=_strs(data["server_sig_algs"], "server_sig_algs")
        if data.get("server_sig_algs") is not None
        else None,
        verdicts=_verdicts(name, data),
    )


def _platform(data: Any, device: str) -> Platform | None:
    """A device's saved ``platform`` member (:meth:`Platform.to_json`), or None when absent or null."""
    if data is None:
        return None
    try:
        return Platform(
            id=str(data["id"]),
            title=str(data["title"]),
            certainty=str(data["certainty"]),
            evidence=tuple(str(e) for e in data.get("evidence", ())),
            source=str(data["source"]),
        )
    except (TypeError, KeyError, AttributeError):
        raise _Bad(f"device {device}: 'platform' must be an object with id, title, certainty and source") from None


def _verdicts(name: str, data: Mapping[str, Any]) -> tuple[Verdict, ...]:
    """A device's ``verdicts`` (schema_version 2; none in a v1 report)."""
    try:
        return tuple(Verdict.from_json(v) for v in _list(data, "verdicts"))
    except ValueError as exc:
        raise _Bad(f"device {name}: {exc}") from None


def _finding(data: Any) -> Finding:
    if not isinstance(data, dict):
        raise _Bad("a finding must be an object")
    try:
        severity = Severity(data.get("severity"))
    except ValueError:
        raise _Bad(f"finding: unknown severity {data.get('severity')!r}") from None
    rule = _str(data, "rule")
    message = _str(data, "message")
    assert rule is not None and message is not None
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        package=_str(data, "package", optional=True),
        via=_strs(data.get("via"), "via"),
        file=_str(data, "file", optional=True),
        line=_opt_int(data.get("line"), "line"),
        device=_str(data, "device", optional=True),
        fix=_str(data, "fix", optional=True),
    )


def _package(data: Any) -> PackageReport:
    if not isinstance(data, dict):
        raise _Bad("a package entry must be an object")
    constraints = []
    for c in data.get("constraints") or []:
        if not isinstance(c, dict):
            raise _Bad("a constraint must be an object")
        constraints.append(
            Constraint(
                by=str(c.get("by", "")),
                package=str(data.get("name", "")),
                specifier=str(c.get("specifier", "")),
                marker=c.get("marker") if isinstance(c.get("marker"), str) else None,
                kind=str(c.get("kind", "requires-dist")),
            )
        )
    name = _str(data, "name")
    version = _str(data, "version")
    assert name is not None and version is not None
    return PackageReport(
        name=name,
        version=version,
        constraints=tuple(constraints),
        effective_range=str(data.get("effective_range", "")),
        open_ended=bool(data.get("open_ended", False)),
        path=_strs(data.get("path"), "path"),
    )


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad(f"'{key}' must be a list")
    return value


def parse_report(data: Any) -> Report:
    """Build a :class:`Report` from the parsed JSON of a saved report.

    Raises:
        ValueError: the data is not a schema-version-1 or -2 sshdrift report (the message says which member).
    """
    if not isinstance(data, dict):
        raise _Bad("the top level must be a JSON object")
    if data.get("schema_version") not in READABLE_SCHEMA_VERSIONS:
        raise _Bad(f"schema_version {data.get('schema_version')!r} is not 1 or 2")
    project_raw = data.get("project")
    project = None
    if isinstance(project_raw, dict):
        project = ProjectInfo(
            path=str(project_raw.get("path", "")),
            lockfile=project_raw.get("lockfile") if isinstance(project_raw.get("lockfile"), str) else None,
            format=project_raw.get("format") if isinstance(project_raw.get("format"), str) else None,
        )
    changes = tuple(
        Change(name=str(c.get("name")), before=c.get("before"), after=c.get("after"))
        for c in _list(data, "changes")
        if isinstance(c, dict)
    )
    skipped = tuple(
        Skipped(
            subject=str(s.get("subject", "")),
            reason=str(s.get("reason", "")),
            incomplete=s.get("incomplete") is True,
        )
        for s in _list(data, "skipped")
        if isinstance(s, dict)
    )
    return Report(
        command=str(data.get("command", "probe")),
        project=project,
        packages=tuple(_package(p) for p in _list(data, "packages")),
        findings=tuple(_finding(f) for f in _list(data, "findings")),
        devices=tuple(_device(d) for d in _list(data, "devices")),
        skipped=skipped,
        changes=changes,
        notes=_strs(data.get("notes"), "notes"),
    )


def load_report(path: Path) -> Report:
    """Read a JSON report sshdrift saved.

    Args:
        path: the file (``--output`` of a ``--format json`` run).

    Returns:
        The :class:`Report` it holds.

    Raises:
        InventoryError: missing, unreadable, not JSON, or not a schema-version-1 sshdrift report
            (one line naming the file and what to pass instead; exit 3).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InventoryError(f"{path}: no such file; {_HINT}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{path}: cannot read ({exc}); {_HINT}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(f"{path}: not JSON (line {exc.lineno}: {exc.msg}); {_HINT}") from exc
    try:
        return parse_report(data)
    except (_Bad, ValueError, TypeError) as exc:
        raise InventoryError(f"{path}: not an sshdrift JSON report ({exc}); {_HINT}") from exc
