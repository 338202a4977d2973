"""An OTA task listing answered with an object that says nothing (``{}``, a RequestId alone,
``"Success": null``: no flag, no Data, no Code) is not "no pending task": it is an answer
opsgate cannot read. The preview is unavailable (the card says so) instead of warning that the
cancel "would change nothing", which could wave an approver through a cancel that changes
plenty; after an accepted cancel, the check says the listing failed."""

from __future__ import annotations

import httpx
import pytest
from aliyun_requests import sandbox_cancel

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.base import Verdict
from adapters.clock import FakeClock
from adapters.errors import VendorUnreachable

SILENT = [{}, {"RequestId": "r-1"}, {"RequestId": "r-1", "Success": None}]


def listings_answering(sim: AliyunSimulator, body: dict[str, object]) -> AliyunAdapter:
    def handle(request: httpx.Request) -> httpx.Response:
        if "Action=ListOTA" in str(request.url):
            return httpx.Response(200, json=body)
        return sim.handle(request)

    client = httpx.Client(transport=httpx.MockTransport(handle))
    return AliyunAdapter(config=sbx.SETTINGS, client=client, clock=sim.clock)


@pytest.mark.parametrize("body", SILENT)
def test_a_silent_listing_makes_no_preview(sim: AliyunSimulator, body: dict[str, object]) -> None:
    with pytest.raises(VendorUnreachable, match="says nothing"):
        listings_answering(sim, body).preview(sandbox_cancel(("thermo-002",)))


@pytest.mark.parametrize("body", SILENT)
def test_a_silent_listing_after_an_accepted_cancel_is_a_failed_check(
    sim: AliyunSimulator, body: dict[str, object]
) -> None:
    outcome = listings_answering(sim, body).execute(sandbox_cancel(("thermo-002",), job=sbx.JOB_ID))
    assert outcome.ok and outcome.counts.succeeded == 1
    assert outcome.checked.startswith("could not list the devices' tasks (")


def test_a_listing_that_says_success_without_data_still_means_no_task(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    preview = listings_answering(sim, {"RequestId": "r-1", "Success": True}).preview(
        sandbox_cancel(("thermo-002",))
    )
    assert preview.verdict is Verdict.WARN
    assert "would change nothing" in " ".join(preview.warnings)
