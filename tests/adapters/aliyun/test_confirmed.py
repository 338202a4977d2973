"""The cancel's outcome says only what the vendor confirmed (issue 7 #4, #22; VENDORS.md §7).

`Success: true` means the vendor accepted a call, not what it cancelled: the outcome says
"cancel accepted", and what a listing after the cancel shows, per device.
"""

from __future__ import annotations

import httpx
from aliyun_requests import sandbox_cancel as cancel

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.confirm import sample_line
from adapters.aliyun.preview import DeviceLook
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.base import Counts, FailureKind
from adapters.clock import FakeClock
from adapters.simulator import Fault

CONFIG = sbx.SETTINGS
#: The sandbox's 55 devices, then 9,945 names that do not exist: 10,000 targets.
GHOSTS = tuple(f"ghost-{i:05d}" for i in range(9_945))
MOSTLY_MISSING = (*sbx.BUSY_DEVICES, *sbx.IDLE_DEVICES, *GHOSTS)


def adapter(sim: AliyunSimulator, clock: FakeClock) -> AliyunAdapter:
    """One worker: with a fake clock, parallel sleeps would add up (paced runs need one)."""
    client = httpx.Client(transport=sim.transport())
    return AliyunAdapter(config=CONFIG, client=client, clock=clock, workers=1)


def test_nothing_to_cancel_says_accepted_and_what_the_listing_shows(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    outcome = adapter(sim, clock).execute(cancel(sbx.IDLE_DEVICES[:2]))

    assert outcome.summary == "Cancel accepted for 2 devices"
    assert "Cancelled" not in outcome.summary
    assert outcome.checked == (
        "listed again (all 2 devices, no `--job` given): none has a pending task for the firmware"
    )
    listed = sim.accepted_calls("ListOTAUnfinishedTaskByDevice")
    assert {p["DeviceName"] for p in listed} == set(sbx.IDLE_DEVICES[:2])


def test_ten_thousand_names_with_a_job_are_checked_by_listing_the_job(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    outcome = adapter(sim, clock).execute(cancel(MOSTLY_MISSING, job=sbx.JOB_ID))

    assert outcome.summary == "Cancel accepted for 10,000 devices"
    assert outcome.counts == Counts(succeeded=10_000)
    # 45 of the 55 real devices had a cancellable task (5 upgrading, 5 already done).
    assert outcome.checked == (
        f"job `{sbx.JOB_ID}` now shows a cancelled task for 45 of the 10,000 devices; "
        "the other 9,955 (`thermo-010`, `thermo-020`, `thermo-030` +9,952 more) show none in it"
    )
    listed = sim.accepted_calls("ListOTATaskByJob")
    assert len(listed) == 100
    assert all(p["TaskStatus"] == "CANCELED" and p["JobId"] == sbx.JOB_ID for p in listed)
    assert max(len([k for k in p if k.startswith("DeviceNames.")]) for p in listed) == 100
    assert sim.throttled_count == 0


def test_ten_thousand_names_without_a_job_are_checked_on_a_sample_said_to_be_one(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    outcome = adapter(sim, clock).execute(cancel(MOSTLY_MISSING))

    assert outcome.summary == "Cancel accepted for 10,000 devices"
    assert outcome.checked.startswith("listed again (a sample of 20 of 10,000, no `--job` given)")
    assert "do not exist" in outcome.checked
    assert len(sim.accepted_calls("ListOTAUnfinishedTaskByDevice")) == 20


def test_each_count_checked_afterwards_agrees_with_its_verb(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    upgrading = sbx.BUSY_DEVICES[9]  # thermo-010: IN_PROGRESS
    one = adapter(sim, clock).execute(cancel((upgrading,)))
    assert one.summary == "Cancel accepted for 1 device"
    assert one.checked == (
        "listed again (the one device, no `--job` given): "
        f"1 (`{upgrading}`) is upgrading (IN_PROGRESS: not cancellable)"
    )
    several = adapter(sim, clock).execute(cancel((upgrading, sbx.BUSY_DEVICES[19], GHOSTS[0])))
    assert several.checked == (
        "listed again (all 3 devices, no `--job` given): "
        f"2 (`{upgrading}`, `{sbx.BUSY_DEVICES[19]}`) are upgrading "
        "(IN_PROGRESS: not cancellable); "
        f"1 (`{GHOSTS[0]}`) does not exist"
    )
    by_job = adapter(sim, clock).execute(cancel((sbx.BUSY_DEVICES[0], GHOSTS[0]), job=sbx.JOB_ID))
    assert by_job.checked == (
        f"job `{sbx.JOB_ID}` now shows a cancelled task for 1 of the 2 devices; "
        f"the other 1 (`{GHOSTS[0]}`) shows none in it"
    )


def test_a_device_still_pending_is_said_in_the_singular() -> None:
    pending = DeviceLook("thermo-001", found=True, cancellable=1)
    assert sample_line([pending], of=1) == (
        "listed again (the one device, no `--job` given): 1 (`thermo-001`) still has a task the "
        "cancel acts on"
    )
    assert sample_line([pending, pending], of=40).endswith(
        "(a sample of 2 of 40, no `--job` given): 2 (`thermo-001`, `thermo-001`) still have a task "
        "the cancel acts on"
    )


def test_an_unreadable_503_among_successes_is_unknown_not_failed(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    devices = tuple(f"dev-{i:04d}" for i in range(1_000))
    sim.inject(Fault.UNAVAILABLE, path_contains="dev-0400")

    outcome = adapter(sim, clock).execute(cancel(devices))

    assert outcome.counts == Counts(succeeded=800, unknown=200)
    [failure] = outcome.failures
    assert failure.kind is FailureKind.UNKNOWN and failure.code is None
    assert failure.targets == devices[400:600]
    assert "HTTP 503" in failure.message
    assert len(sim.requests_to("dev-0400")) == 1  # a mutating call with no answer: never retried
    assert outcome.summary == "Cancel accepted for 800 of 1,000 devices"


def test_a_failed_listing_keeps_what_the_cancel_answered(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("iot.common.RamActionPermissionDeny", action="ListOTATaskByJob", times=9)

    outcome = adapter(sim, clock).execute(cancel(sbx.BUSY_DEVICES[:3], job=sbx.JOB_ID))

    assert outcome.ok and outcome.summary == "Cancel accepted for 3 devices"
    assert outcome.checked.startswith("could not list the devices' tasks (")
    assert outcome.checked.endswith("; check them in the IoT console (OTA upgrades)")
