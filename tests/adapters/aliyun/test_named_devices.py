"""The preview and the check after a cancel name the devices they warn about.

An on-call engineer who typed four device names and reads "1 device does not exist" has to
guess which one is the typo; the card names it (a few at most, then how many more).
"""

from __future__ import annotations

import httpx
from aliyun_requests import sandbox_cancel as cancel

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.confirm import sample_line
from adapters.aliyun.preview import DeviceLook
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.aliyun.wording import named
from adapters.clock import FakeClock


def adapter(sim: AliyunSimulator, clock: FakeClock) -> AliyunAdapter:
    client = httpx.Client(transport=sim.transport())
    return AliyunAdapter(config=sbx.SETTINGS, client=client, clock=clock, workers=1)


def test_the_preview_names_the_device_that_does_not_exist(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    targets = ("thermo-001", "thermo-002", sbx.IDLE_DEVICES[2], "thermo-999")
    preview = adapter(sim, clock).preview(cancel(targets))
    assert "1 device (`thermo-999`) does not exist in product a1OpsThermo." in preview.warnings
    assert (
        f"1 of the 4 devices (`{sbx.IDLE_DEVICES[2]}`) has nothing to cancel for this firmware: "
        "the cancel changes nothing for it."
    ) in preview.warnings


def test_the_preview_names_the_device_already_upgrading(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    upgrading = sbx.BUSY_DEVICES[9]  # thermo-010: IN_PROGRESS
    preview = adapter(sim, clock).preview(cancel(("thermo-001", upgrading)))
    assert any(
        w.startswith(f"1 device (`{upgrading}`) is already upgrading (IN_PROGRESS)")
        for w in preview.warnings
    )


def test_a_long_list_names_three_and_counts_the_rest(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    ghosts = tuple(f"ghost-{i:03d}" for i in range(10))
    preview = adapter(sim, clock).preview(cancel(("thermo-001", *ghosts)))
    assert (
        "10 devices (`ghost-000`, `ghost-001`, `ghost-002` +7 more) do not exist in product "
        "a1OpsThermo."
    ) in preview.warnings


def test_the_check_afterwards_names_what_it_found() -> None:
    looked = [
        DeviceLook("thermo-001", found=True),
        DeviceLook("thermo-010", found=True, upgrading=1),
        DeviceLook("thermo-999", found=False),
    ]
    assert sample_line(looked, of=3) == (
        "listed again (all 3 devices, no `--job` given): 1 (`thermo-010`) is upgrading "
        "(IN_PROGRESS: not cancellable); 1 (`thermo-999`) does not exist"
    )


def test_named_counts_what_it_leaves_out() -> None:
    assert named(["a"]) == "`a`"
    assert named(["a", "b", "c"]) == "`a`, `b`, `c`"
    assert named(["a", "b", "c", "d"]) == "`a`, `b`, `c` +1 more"
    assert named([f"d{i}" for i in range(1_003)]).endswith(" +1,000 more")


def test_the_check_by_job_names_the_devices_it_shows_nothing_for(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    outcome = adapter(sim, clock).execute(cancel(("thermo-001", "thermo-999"), job=sbx.JOB_ID))
    assert outcome.checked == (
        f"job `{sbx.JOB_ID}` now shows a cancelled task for 1 of the 2 devices; "
        "the other 1 (`thermo-999`) shows none in it"
    )
