"""``--format junit``: JUnit XML for CI test reports (Jenkins, GitLab, Azure, GitHub test reporters).

Follows the de-facto JUnit XML schema (``testsuites`` > ``testsuite`` > ``testcase`` with
``failure``, ``error``, ``skipped`` and ``system-out``). One test case per SSH-stack package
(and per other package a finding names), one per device, and one per finding that concerns
neither (for example an ssh_config option). Error findings are failures; warnings and notes
are listed in the case's ``system-out`` so a report that exits 0 with the default
``--fail-on error`` does not show red tests. An unreachable device is an ``error`` (the check
could not run); a skipped check is a ``skipped`` case, and so is an ignored finding (an
accepted risk, with its reason), in a suite of its own.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from auditor.choices import DeviceStatus
from auditor.formats.summary import (
    constraint_text,
    device_address,
    device_outcome,
    ignored_findings,
    ignored_reason,
    subject,
    summary_line,
)
from auditor.model import Finding, Report, Severity


class _Suite:
    def __init__(self, name: str) -> None:
        self.element = ET.Element("testsuite", name=name)
        self.tests = self.failures = self.errors = self.skipped = 0

    def case(self, classname: str, name: str) -> ET.Element:
        self.tests += 1
        return ET.SubElement(self.element, "testcase", classname=classname, name=name, time="0")

    def add_findings(
        self, case: ET.Element, findings: Iterable[Finding], extra_out: list[str], reason: str | None = None
    ) -> None:
        """One ``failure`` per case (many JUnit readers accept no more): ``reason`` and every error finding."""
        out = list(extra_out)
        failed = [reason] if reason else []
        kind = "incompatible-device" if reason else None
        for finding in findings:
            line = f"{finding.severity.value}: {finding.rule}: {finding.message}"
            if finding.fix:
                line += f" (fix: {finding.fix})"
            if finding.severity is Severity.ERROR:
                failed.append(line)
                kind = kind or finding.rule
            else:
                out.append(line)
        if failed:
            failure = ET.SubElement(case, "failure", type=kind or "sshdrift", message=failed[0])
            failure.text = "\n".join(failed)
            self.failures += 1
        if out:
            ET.SubElement(case, "system-out").text = "\n".join(out)

    def finish(self) -> ET.Element:
        self.element.set("tests", str(self.tests))
        self.element.set("failures", str(self.failures))
        self.element.set("errors", str(self.errors))
        self.element.set("skipped", str(self.skipped))
        self.element.set("time", "0")
        return self.element


def _packages(report: Report, findings: Sequence[Finding]) -> _Suite:
    """One case per SSH-stack package, and per other package a finding names."""
    suite = _Suite("sshdrift.packages")
    names = [p.name for p in report.packages]
    names += sorted({f.package for f in findings if f.package and f.device is None and f.package not in names})
    reports = {p.name: p for p in report.packages}
    for name in names:
        pkg = reports.get(name)
        case = suite.case("sshdrift.packages", f"{name} {pkg.version}" if pkg else name)
        out = []
        if pkg is not None:
            out.append(
                f"effective range: {pkg.effective_range or 'any'}; open-ended: {'yes' if pkg.open_ended else 'no'}"
            )
            out += [f"constraint {constraint_text(c)}" for c in pkg.constraints]
        suite.add_findings(case, (f for f in findings if f.package == name and f.device is None), out)
    return suite


def _devices(report: Report, findings: Sequence[Finding]) -> _Suite:
    """One case per device: an error when it could not be judged, a failure when it is incompatible.

    An incompatible device whose ``incompatible-device`` finding is ignored (an accepted risk)
    does not fail: the finding is a skipped case of the ``sshdrift.ignored`` suite.
    """
    suite = _Suite("sshdrift.devices")
    accepted = {f.device for f in report.findings if f.ignored is not None and f.rule == "incompatible-device"}
    by_device: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.device is not None:
            by_device.setdefault(finding.device, []).append(finding)
    for result in report.devices:
        name = result.device.name
        case = suite.case("sshdrift.devices", f"{name} ({device_address(result)})")
        info = [
            f"status: {result.status.value}",
            f"banner: {result.banner or '-'}",
            f"paramiko: {result.paramiko or '-'}",
        ]
        if result.status is DeviceStatus.COMPATIBLE:
            info.append(f"negotiated: {device_outcome(result)}")
        reason = None
        if result.status in (DeviceStatus.UNREACHABLE, DeviceStatus.ERROR):
            text = device_outcome(result)
            ET.SubElement(case, "error", type=result.status.value, message=text).text = text
            suite.errors += 1
        elif result.status is DeviceStatus.INCOMPATIBLE and name not in accepted:
            # The failure carries the negotiation reason itself, not only a finding's summary.
            reason = device_outcome(result)
        suite.add_findings(case, by_device.get(name, []), info, reason)
    return suite


def _others(findings: Sequence[Finding]) -> _Suite:
    """One case per finding about neither a package nor a device (an ssh_config option)."""
    suite = _Suite("sshdrift.findings")
    for finding in findings:
        if finding.package is None and finding.device is None:
            where = f"{finding.file}:{finding.line}" if finding.file and finding.line else (finding.file or "project")
            suite.add_findings(suite.case("sshdrift.findings", f"{finding.rule} {where}"), [finding], [])
    return suite


def _skipped(report: Report) -> _Suite:
    suite = _Suite("sshdrift.skipped")
    for item in report.skipped:
        case = suite.case("sshdrift.skipped", item.subject)
        ET.SubElement(case, "skipped", message=item.reason)
        suite.skipped += 1
    return suite


def _ignored(report: Report) -> _Suite:
    """One skipped case per ignored finding (an accepted risk), its reason as the skip message."""
    suite = _Suite("sshdrift.ignored")
    for finding in ignored_findings(report):
        case = suite.case("sshdrift.ignored", f"{finding.rule} {subject(finding)}")
        skipped = ET.SubElement(case, "skipped", message=f"ignored: {ignored_reason(finding)}")
        skipped.text = f"{finding.severity.value}: {finding.rule}: {finding.message}"
        suite.skipped += 1
    return suite


def to_junit(report: Report) -> ET.Element:
    """Return the ``<testsuites>`` element for ``report``.

    Suites, each present only when it has cases: packages, devices, other findings, skipped
    checks, ignored findings. Ignored findings appear only in the last, as skipped cases.
    """
    findings = [f for f in report.findings if f.ignored is None]
    suites = [
        s
        for s in (
            _packages(report, findings),
            _devices(report, findings),
            _others(findings),
            _skipped(report),
            _ignored(report),
        )
        if s.tests
    ]
    root = ET.Element("testsuites", name=f"sshdrift {report.command}")
    for suite in suites:
        root.append(suite.finish())
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(getattr(s, attr) for s in suites)))
    root.set("time", "0")
    root.insert(0, ET.Comment(f" {summary_line(report)} "))
    return root


def render(report: Report, *, color: bool = False) -> str:
    """Return the JUnit XML document (UTF-8 declaration, indented, final newline); ``color`` is ignored."""
    root = to_junit(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
