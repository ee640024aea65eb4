"""The recognized platform in the device rows of the table and Markdown formats, and in JSON."""

from __future__ import annotations

import json

from auditor.choices import OutputFormat, Show
from auditor.device_model import Device, DeviceResult, DeviceStatus, Negotiated, Platform
from auditor.formats import render
from auditor.model import Report

PLATFORM = Platform(
    id="cisco-iosxe-17",
    title="Cisco IOS-XE 17.x",
    certainty="medium",
    evidence=("identification string Cisco-1.25",),
    source="https://example.invalid/cisco",
)


def _report(platform: Platform | None) -> Report:
    result = DeviceResult(
        device=Device("xe17", "127.0.0.1", 2203),
        status=DeviceStatus.COMPATIBLE,
        banner="SSH-2.0-Cisco-1.25",
        paramiko="5.1.0",
        negotiated=Negotiated("curve25519-sha256", "rsa-sha2-512", "aes128-ctr", "hmac-sha2-256"),
        verified=True,
        platform=platform,
    )
    return Report(command="probe", devices=(result,))


def test_table_row_names_the_platform_under_the_banner() -> None:
    text = render(_report(PLATFORM), OutputFormat.TABLE, show=Show.ALL)
    lines = text.splitlines()
    banner = next(i for i, line in enumerate(lines) if "SSH-2.0-Cisco-1.25" in line)
    assert "Cisco IOS-XE 17.x (medium certainty)" in lines[banner + 1]
    assert "(medium certainty)" not in render(_report(None), OutputFormat.TABLE, show=Show.ALL)


def test_markdown_row_names_the_platform_in_the_banner_cell() -> None:
    text = render(_report(PLATFORM), OutputFormat.MARKDOWN, show=Show.ALL)
    row = next(line for line in text.splitlines() if line.startswith("| **xe17**"))
    assert "`SSH-2.0-Cisco-1.25`<br>Cisco IOS-XE 17.x (medium certainty)" in row


def test_json_device_carries_the_platform() -> None:
    (device,) = json.loads(render(_report(PLATFORM), OutputFormat.JSON))["devices"]
    assert device["platform"] == {
        "id": "cisco-iosxe-17",
        "title": "Cisco IOS-XE 17.x",
        "certainty": "medium",
        "evidence": ["identification string Cisco-1.25"],
        "source": "https://example.invalid/cisco",
    }
    (device,) = json.loads(render(_report(None), OutputFormat.JSON))["devices"]
    assert device["platform"] is None
