"""Fleet snapshots judged per client (:func:`auditor.probe.service.judge_snapshot`), from data only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.device_model import Device, DeviceResult, DeviceStatus
from auditor.probe.clients import get_client
from auditor.probe.service import Judge, judge_snapshot
from auditor.progress import NullProgress
from auditor.settings import Settings

CBC_ONLY = get_client("paramiko").offer("3.5.1")


def _saved() -> list[DeviceResult]:
    offered = replace(CBC_ONLY, cipher_c2s=("aes128-cbc",), cipher_s2c=("aes128-cbc",))
    return [
        DeviceResult(Device("procurve", "10.0.0.1"), DeviceStatus.COMPATIBLE, banner="SSH-2.0-x", offered=offered),
        # A device the snapshot holds no lists of keeps what the snapshot says of it.
        DeviceResult(Device("odd", "10.0.0.2"), DeviceStatus.COMPATIBLE, reasons=("merged by hand",)),
        DeviceResult(Device("gone", "10.0.0.3"), DeviceStatus.UNREACHABLE, reasons=("connection refused",)),
    ]


def test_each_client_a_verdict_and_saved_statuses_kept() -> None:
    judges = (Judge("paramiko", "3.5.1", "test"), Judge("asyncssh", "2.24.1", "test"))
    results, skipped = judge_snapshot(_saved(), Settings(), NullProgress(), judges)
    assert skipped == []
    procurve, odd, gone = results
    assert {v.client: v.status for v in procurve.judged} == {
        "paramiko": DeviceStatus.COMPATIBLE,
        "asyncssh": DeviceStatus.INCOMPATIBLE,
    }
    assert procurve.status is DeviceStatus.INCOMPATIBLE and not procurve.verified
    assert odd.status is DeviceStatus.COMPATIBLE and odd.reasons == ("in the snapshot: merged by hand",)
    assert all(v.status is DeviceStatus.COMPATIBLE for v in odd.judged)
    assert gone.status is DeviceStatus.UNREACHABLE and gone.reasons == ("in the snapshot: connection refused",)


def test_a_client_this_machine_cannot_settle_is_skipped_not_fatal(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ssh"
    judges = (Judge("paramiko", "3.5.1", "test"), Judge("openssh", str(missing), "test"))
    results, skipped = judge_snapshot(_saved(), Settings(), NullProgress(), judges)
    assert [client for client, _ in skipped] == ["openssh"] and str(missing) in skipped[0][1]
    assert [v.client for v in results[0].judged] == ["paramiko"]
    only_missing, not_settled = judge_snapshot(_saved(), Settings(), NullProgress(), judges[1:])
    assert only_missing == [] and len(not_settled) == 1
