"""A cancel whose answer may follow a cancel the vendor carried out ends unknown, and is sent once.

README ("What each vendor needs"): a mutating call answered with a server error (a 5xx, or a
gateway's error page) may follow a change that happened, so it ends `unknown`, whatever its
body says; only calls the vendor refused outright (throttling) are sent again.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.base import Counts, FailureKind
from adapters.clock import FakeClock
from adapters.errors import OutcomeUnknown
from commands.model import OperationRequest

CANCELS = "Action=CancelOTATaskByDevice"
DEVICES = tuple(f"dev-{i:05d}" for i in range(400))  # two calls of 200

#: Answers a gateway in front of IoT may give, each with a JSON body that is not IoT's success.
GATEWAY_5XX: list[tuple[int, dict[str, Any]]] = [
    (504, {"message": "upstream request timeout"}),
    (502, {"RequestId": "r-502"}),
    (500, {"RequestId": "r-500", "Success": False, "Code": "iot.ota.Oops", "ErrorMessage": "no"}),
    (503, {"Success": True}),
]


def behind_a_gateway(
    sim: AliyunSimulator, status: int, body: dict[str, Any], *, naming: str = ""
) -> httpx.MockTransport:
    """The simulator behind a gateway that lets IoT carry out each cancel (naming `naming`),
    then answers `status` with `body` instead of IoT's answer."""

    def handle(request: httpx.Request) -> httpx.Response:
        answer = sim.handle(request)
        url = str(request.url)
        if CANCELS in url and naming in url:
            return httpx.Response(status, json=body)
        return answer

    return httpx.MockTransport(handle)


def adapter(transport: httpx.BaseTransport, clock: FakeClock) -> AliyunAdapter:
    client = httpx.Client(transport=transport)
    return AliyunAdapter(config=sbx.SETTINGS, client=client, clock=clock, workers=1)


def cancel(targets: tuple[str, ...]) -> OperationRequest:
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=targets,
        params={"product": sbx.PRODUCT_KEY, "firmware": sbx.FIRMWARE_ID},
        reason="halt rollout",
    )


@pytest.mark.parametrize(("status", "body"), GATEWAY_5XX)
def test_a_5xx_to_a_cancel_is_unknown_whatever_its_body(
    sim: AliyunSimulator, clock: FakeClock, status: int, body: dict[str, Any]
) -> None:
    with pytest.raises(OutcomeUnknown) as caught:
        adapter(behind_a_gateway(sim, status, body), clock).execute(cancel(("thermo-001",)))
    assert f"HTTP {status}" in caught.value.message
    assert "state is unknown" in caught.value.message
    assert len(sim.requests_to(CANCELS)) == 1  # never sent again


def test_a_5xx_to_one_call_of_a_bulk_run_counts_its_devices_unknown_not_failed(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    gateway = behind_a_gateway(
        sim, 504, {"message": "upstream request timeout"}, naming="dev-00250"
    )

    outcome = adapter(gateway, clock).execute(cancel(DEVICES))

    assert outcome.counts == Counts(succeeded=200, unknown=200)
    [failure] = outcome.failures
    assert failure.kind is FailureKind.UNKNOWN and failure.code is None
    assert failure.targets == DEVICES[200:400]
    assert "HTTP 504" in failure.message and "upstream request timeout" in failure.message
    assert len([r for r in sim.requests_to(CANCELS) if "dev-00250" in str(r.url)]) == 1
    assert outcome.summary == "Cancel accepted for 200 of 400 devices"


def test_a_redirect_answering_a_cancel_is_unknown_not_success(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    redirect = behind_a_gateway(sim, 302, {"RequestId": "r-302", "Success": True})
    with pytest.raises(OutcomeUnknown) as caught:
        adapter(redirect, clock).execute(cancel(("thermo-001",)))
    assert "HTTP 302" in caught.value.message and "redirect" in caught.value.message
    assert len(sim.requests_to(CANCELS)) == 1
