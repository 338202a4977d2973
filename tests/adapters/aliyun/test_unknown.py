"""A cancel whose answer may follow a cancel the vendor carried out ends unknown, and is sent once.

README ("What each vendor needs"): a mutating call answered with a server error (a 5xx, or a
gateway's error page) may follow a change that happened, so it ends `unknown`, whatever its
body says; only calls the vendor refused outright (throttling) are sent again.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from aliyun_requests import sandbox_cancel

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.errors import CHECK_THE_TASKS
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.base import Counts, FailureKind
from adapters.clock import FakeClock
from adapters.errors import OutcomeUnknown, VendorError, VendorUnreachable
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
    return sandbox_cancel(targets)


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


# -- an internal error may follow a cancel IoT carried out: VENDORS.md §2, "The SDK does not
# -- retry IoT calls"; only throttling (refused before IoT saw the call) is sent again
@pytest.mark.parametrize(
    ("code", "status", "gateway"),
    [
        ("iot.system.SystemException", 200, False),  # IoT's own: Success false, HTTP 200
        ("IOT.System.SystemException", 200, False),  # codes are compared case-insensitively
        ("InternalError", 500, True),
        ("ServiceUnavailable", 503, True),
        ("InternalError", 200, False),
    ],
)
def test_an_internal_error_answering_a_cancel_is_unknown_and_never_resent(
    sim: AliyunSimulator, clock: FakeClock, code: str, status: int, gateway: bool
) -> None:
    sim.inject_error(code, "the vendor's own words", status=status, gateway=gateway, times=9)
    with pytest.raises(OutcomeUnknown) as caught:
        adapter(sim.transport(), clock).execute(cancel(("thermo-001",)))
    assert code in caught.value.message and "state is unknown" in caught.value.message
    assert "RequestId" in caught.value.message and caught.value.next_step == CHECK_THE_TASKS
    assert len(sim.requests_to(CANCELS)) == 1


def test_an_internal_error_to_one_call_of_a_bulk_run_counts_its_devices_unknown(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("iot.system.SystemException", device="dev-00250", times=9)

    outcome = adapter(sim.transport(), clock).execute(cancel(DEVICES))

    assert outcome.counts == Counts(succeeded=200, unknown=200)
    [failure] = outcome.failures
    assert failure.kind is FailureKind.UNKNOWN and failure.code is None
    assert failure.targets == DEVICES[200:400]
    assert len([r for r in sim.requests_to(CANCELS) if "dev-00250" in str(r.url)]) == 1


def test_a_nonce_already_seen_answering_a_cancel_is_unknown_and_never_resent(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    """opsgate signs every attempt with a new nonce: one seen before means another copy of this
    very request (a proxy's resend) reached the vendor first, and may have been carried out."""
    sim.inject_error("SignatureNonceUsed", status=400, gateway=True, times=9)
    with pytest.raises(OutcomeUnknown, match="SignatureNonceUsed"):
        adapter(sim.transport(), clock).execute(cancel(("thermo-001",)))
    assert len(sim.requests_to(CANCELS)) == 1


def test_another_transient_code_answering_a_cancel_fails_without_a_resend(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("iot.common.QueryDeviceActionError", status=200, times=9)
    with pytest.raises(VendorError) as caught:
        adapter(sim.transport(), clock).execute(cancel(("thermo-001",)))
    assert caught.value.code == "iot.common.QueryDeviceActionError"
    assert not caught.value.retryable
    assert len(sim.requests_to(CANCELS)) == 1


def test_a_throttled_cancel_is_still_sent_again(sim: AliyunSimulator, clock: FakeClock) -> None:
    sim.inject_error("Throttling.User", status=400, gateway=True, times=2)
    assert adapter(sim.transport(), clock).execute(cancel(("thermo-001",))).ok
    assert len(sim.requests_to(CANCELS)) == 3  # refused before IoT saw it: safe to resend


def test_an_internal_error_answering_a_read_is_still_retried(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("iot.system.SystemException", action="ListOTAUnfinishedTaskByDevice", times=2)
    preview = adapter(sim.transport(), clock).preview(cancel(("thermo-001",)))
    assert preview.found
    assert len(sim.requests_to("Action=ListOTAUnfinishedTaskByDevice")) == 3


# -- only `"Success": true` confirms the cancel (VENDORS.md §2 documents the flag): an answer
# -- that says neither success nor failure confirms nothing
NO_VERDICT: list[dict[str, Any]] = [
    {},
    {"RequestId": "r-quiet"},
    {"RequestId": "r-null", "Success": None},
    {"RequestId": "r-text", "Success": "true"},
    {"RequestId": "r-one", "Success": 1},
]


@pytest.mark.parametrize("body", NO_VERDICT)
def test_a_cancel_answered_without_success_true_is_unknown_not_accepted(
    sim: AliyunSimulator, clock: FakeClock, body: dict[str, Any]
) -> None:
    with pytest.raises(OutcomeUnknown) as caught:
        adapter(behind_a_gateway(sim, 200, body), clock).execute(cancel(("thermo-001",)))
    assert '"Success": true' in caught.value.message and "state is unknown" in caught.value.message
    assert caught.value.next_step == CHECK_THE_TASKS
    assert caught.value.vendor_request_id == body.get("RequestId")
    assert len(sim.requests_to(CANCELS)) == 1  # never sent again


def test_a_bulk_call_answered_without_success_counts_its_devices_unknown(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    gateway = behind_a_gateway(sim, 200, {"RequestId": "r-quiet"}, naming="dev-00250")

    outcome = adapter(gateway, clock).execute(cancel(DEVICES))

    assert outcome.counts == Counts(succeeded=200, unknown=200)
    [failure] = outcome.failures
    assert failure.kind is FailureKind.UNKNOWN and failure.vendor_request_id == "r-quiet"


def test_a_read_may_leave_the_success_flag_out(sim: AliyunSimulator, clock: FakeClock) -> None:
    """Re-hosted copies answer reads with plain data and no flag: nothing says they failed."""

    def no_flags(request: httpx.Request) -> httpx.Response:
        answer = sim.handle(request)
        body = {k: v for k, v in answer.json().items() if k != "Success"}
        return httpx.Response(answer.status_code, json=body)

    preview = adapter(httpx.MockTransport(no_flags), clock).preview(cancel(("thermo-001",)))
    assert preview.found


@pytest.mark.parametrize("flag", ["yes", 1])
def test_a_read_whose_flag_says_neither_is_unreadable_not_unknown(
    clock: FakeClock, flag: object
) -> None:
    """A read changes nothing, so an answer it cannot read is asked again (VendorUnreachable),
    never an unknown outcome."""
    answer = {"RequestId": "r-1", "Success": flag}
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answer)))
    with pytest.raises(VendorUnreachable):
        AliyunAdapter(config=sbx.SETTINGS, client=client, clock=clock, workers=1).check()


#: Answers that say both that the cancel succeeded and that it did not (the documented answer
#: carries a `Code` only on failure): the cancel may have been carried out.
CONTRADICTING: list[tuple[dict[str, Any], str]] = [
    ({"RequestId": "r-1", "Success": True, "Code": 0}, '`"Success": true` beside `"Code": 0`'),
    ({"RequestId": "r-1", "Success": True, "Code": "0"}, '`"Success": true` beside `"Code": "0"`'),
    ({"RequestId": "r-1", "Success": "true", "Code": "0"}, '`"Success": "true"` beside'),
    ({"RequestId": "r-1", "Success": True, "Code": "Throttling.User"}, 'true` beside `"Code"'),
    ({"RequestId": "r-1", "Success": True, "SUCCESS": False}, "`Success` given as false and true"),
    ({"RequestId": "r-1", "Success": False, "success": True}, "`Success` given as false and true"),
]


@pytest.mark.parametrize(("body", "said"), CONTRADICTING)
def test_a_cancel_answered_with_a_contradiction_is_unknown_not_failed_nor_resent(
    sim: AliyunSimulator, clock: FakeClock, body: dict[str, Any], said: str
) -> None:
    with pytest.raises(OutcomeUnknown) as caught:
        adapter(behind_a_gateway(sim, 200, body), clock).execute(cancel(("thermo-001",)))
    message = caught.value.message
    assert "HTTP 200, RequestId r-1 and `" in message and said in message
    assert "contradicts itself" in message and "state is unknown" in message
    assert caught.value.next_step == CHECK_THE_TASKS and caught.value.vendor_request_id == "r-1"
    assert len(sim.requests_to(CANCELS)) == 1  # never sent again, not even "throttled"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"Success": False, "Code": 0}, "0", "Alibaba Cloud IoT refused the call (HTTP 200)"),
        (
            {"Success": "false"},
            "",
            'Alibaba Cloud IoT answered `"Success": "false"` without an error code or message',
        ),
    ],
)
def test_a_refusal_is_described_as_answered(
    sim: AliyunSimulator, clock: FakeClock, body: dict[str, Any], code: str, message: str
) -> None:
    """A Code of 0 is a code (not "none"), and the flag is quoted as the vendor spelled it."""
    with pytest.raises(VendorError) as caught:
        adapter(behind_a_gateway(sim, 200, body), clock).execute(cancel(("thermo-001",)))
    assert (caught.value.code, caught.value.message) == (code, message)
    assert len(sim.requests_to(CANCELS)) == 1
