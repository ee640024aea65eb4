"""``--format junit``: JUnit XML for CI test reports (Jenkins, GitLab, Azure, GitHub test reporters).

Follows the de-facto JUnit XML schema (``testsuites`` > ``testsuite`` > ``testcase`` with
``failure``, ``error``, ``skipped`` and ``system-out``). One test case per SSH-stack package
(and per other package a finding names), one per device, and one per finding that concerns
neither (for example an ssh_config option). Error findings are failures; warnings and notes
are listed in the case's ``system-out`` so a report that exits 0 with the default
``--fail-on error`` does not show red tests. An unreachable device is an ``error`` (the check
could not run); a skipped check is a ``skipped`` case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from auditor.formats.summary import constraint_text, device_address, device_outcome, summary_line
from auditor.model import DeviceStatus, Finding, Report, Severity


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


def to_junit(report: Report) -> ET.Element:
    """Return the ``<testsuites>`` element for ``report`` (suites: packages, devices, other findings, skipped)."""
    findings = list(report.findings)
    packages = _Suite("sshdrift.packages")
    names = [p.name for p in report.packages]
    names += sorted({f.package for f in findings if f.package and f.device is None and f.package not in names})
    reports = {p.name: p for p in report.packages}
    for name in names:
        pkg = reports.get(name)
        title = f"{name} {pkg.version}" if pkg else name
        case = packages.case("sshdrift.packages", title)
        out = []
        if pkg is not None:
            out.append(
                f"effective range: {pkg.effective_range or 'any'}; open-ended: {'yes' if pkg.open_ended else 'no'}"
            )
            out += [f"constraint {constraint_text(c)}" for c in pkg.constraints]
        packages.add_findings(case, (f for f in findings if f.package == name and f.device is None), out)

    devices = _Suite("sshdrift.devices")
    for result in report.devices:
        name = result.device.name
        case = devices.case("sshdrift.devices", f"{name} ({device_address(result)})")
        own = [f for f in findings if f.device == name]
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
            devices.errors += 1
        elif result.status is DeviceStatus.INCOMPATIBLE:
            # The failure carries the negotiation reason itself, not only a finding's summary.
            reason = device_outcome(result)
        devices.add_findings(case, own, info, reason)

    other = _Suite("sshdrift.findings")
    for finding in findings:
        if finding.package is None and finding.device is None:
            where = f"{finding.file}:{finding.line}" if finding.file and finding.line else (finding.file or "project")
            other.add_findings(other.case("sshdrift.findings", f"{finding.rule} {where}"), [finding], [])

    skipped = _Suite("sshdrift.skipped")
    for item in report.skipped:
        case = skipped.case("sshdrift.skipped", item.subject)
        ET.SubElement(case, "skipped", message=item.reason)
        skipped.skipped += 1

    root = ET.Element("testsuites", name=f"sshdrift {report.command}")
    suites = [s for s in (packages, devices, other, skipped) if s.tests]
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
