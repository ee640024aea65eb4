"""The vulnerability services: pip-audit's JSON read into records, and the choice of service."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.errors import VulnerabilityServiceError
from auditor.services.vulnerabilities import OsvDirectory, PipAuditService, records_from_json, service_for
from auditor.settings import Settings

OSV = Path(__file__).resolve().parents[3] / "fixtures" / "osv"

# The shape of `pip-audit --format json` (pip-audit 2.x, pip_audit/_format/json.py): one entry per
# dependency, either with its vulns or with the reason it was skipped.
PIP_AUDIT_JSON = {
    "dependencies": [
        {
            "name": "Paramiko",
            "version": "2.10.0",
            "vulns": [
                {
                    "id": "PYSEC-2022-166",
                    "fix_versions": ["2.10.1", "2.9.10"],
                    "aliases": ["GHSA-f8q4-jwww-x3wv", "CVE-2022-24302"],
                    "description": "In Paramiko before 2.10.1, a race condition\n between creation and chmod ...",
                }
            ],
        },
        {"name": "netmiko", "version": "4.4.0", "vulns": []},
        {"name": "scp", "skip_reason": "Dependency not found on PyPI and could not be audited: scp (0.15.0)"},
    ],
    "fixes": [],
}


def test_records_from_pip_audit_json() -> None:
    records = records_from_json(PIP_AUDIT_JSON, {"paramiko": "2.10.0", "netmiko": "4.4.0", "scp": "0.15.0"})
    (advisory,) = records.found["paramiko"]
    assert advisory.id == "PYSEC-2022-166"
    assert advisory.fixed == ("2.9.10", "2.10.1")  # PEP 440 order, not string order
    assert advisory.aliases == ("CVE-2022-24302", "GHSA-f8q4-jwww-x3wv")
    assert "\n" not in advisory.summary and advisory.summary.startswith("In Paramiko before 2.10.1, a race")
    assert "netmiko" not in records.found
    (skip,) = records.skipped
    assert skip.subject == "vulnerability: scp" and "not found on PyPI" in skip.reason


@pytest.mark.parametrize("data", [{}, {"dependencies": [{"version": "1"}]}, {"dependencies": 3}])
def test_unexpected_json_is_a_service_error(data: object) -> None:
    with pytest.raises(VulnerabilityServiceError):
        records_from_json(data, {"paramiko": "2.10.0"})


def test_service_for_settings(tmp_path: Path) -> None:
    assert isinstance(service_for(replace(Settings(), vuln_db=OSV, offline=True)), OsvDirectory)
    assert service_for(replace(Settings(), offline=True)) is None
    online = service_for(replace(Settings(), timeout=2.4))
    assert isinstance(online, PipAuditService) and online.timeout == 2


def test_osv_directory_query() -> None:
    records = OsvDirectory(OSV).query({"paramiko": "2.3.1"})
    assert records.checked == {"paramiko": "2.3.1"}
    assert {a.id for a in records.found["paramiko"]} >= {"SSHDRIFT-TEST-2", "SSHDRIFT-TEST-3"}
