"""A 4xx is a refusal, whatever its body: sent once and reported with its status (README, "notes
on errors"); throttling, documented as safe to resend, is still sent again. And a refusal that
names no code says so, rather than passing the HTTP status off as the vendor's code."""

from __future__ import annotations

import httpx
import pytest
from aliyun_requests import sandbox_cancel

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.clock import FakeClock
from adapters.errors import VendorError, VendorThrottled

CANCELS = "Action=CancelOTATaskByDevice"


def page_for_cancels(
    sim: AliyunSimulator, status: int, page: bytes
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """The simulator behind a firewall that answers every cancel with `status` and an HTML
    `page` (and lets the reads through); the list holds the cancels sent."""
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if CANCELS in str(request.url):
            sent.append(request)
            return httpx.Response(status, content=page, headers={"content-type": "text/html"})
        return sim.handle(request)

    return httpx.MockTransport(handle), sent


def adapter(transport: httpx.BaseTransport, clock: FakeClock) -> AliyunAdapter:
    return AliyunAdapter(config=sbx.SETTINGS, client=httpx.Client(transport=transport), clock=clock)


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_4xx_page_answering_the_cancel_is_a_refusal_sent_once(
    sim: AliyunSimulator, clock: FakeClock, status: int
) -> None:
    transport, sent = page_for_cancels(sim, status, b"<html>Forbidden</html>")
    with pytest.raises(VendorError) as caught:
        adapter(transport, clock).execute(sandbox_cancel(("thermo-001",)))
    assert not isinstance(caught.value, VendorThrottled) and not caught.value.retryable
    assert (caught.value.code, caught.value.http_status) == (f"HTTP {status}", status)
    assert f"refused the call with HTTP {status} and" in caught.value.message
    assert "nothing was done" in caught.value.message
    assert "OPSGATE_ALIYUN__ENDPOINT" in caught.value.next_step
    assert len(sent) == 1


def test_a_429_page_is_a_throttle_and_sent_again(sim: AliyunSimulator, clock: FakeClock) -> None:
    transport, sent = page_for_cancels(sim, 429, b"<html>Too Many Requests</html>")
    with pytest.raises(VendorThrottled) as caught:
        adapter(transport, clock).execute(sandbox_cancel(("thermo-001",)))
    assert caught.value.code == "HTTP 429"
    assert len(sent) > 1  # refused before IoT saw it: safe to resend


@pytest.mark.parametrize("body", [{"message": "Too Many Requests"}, {"RequestId": "r-9"}])
def test_a_429_whose_json_names_no_code_is_a_throttle_too(
    sim: AliyunSimulator, clock: FakeClock, body: dict[str, str]
) -> None:
    """A gateway's JSON 429 without a ``Code`` is the same throttle as its HTML page: refused
    before IoT saw the call, so it is sent again, and reported as throttling if it persists."""
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if CANCELS in str(request.url):
            sent.append(request)
            return httpx.Response(429, json=body)
        return sim.handle(request)

    with pytest.raises(VendorThrottled) as caught:
        adapter(httpx.MockTransport(handle), clock).execute(sandbox_cancel(("thermo-001",)))
    assert (caught.value.code, caught.value.http_status) == ("HTTP 429", 429)
    assert len(sent) > 1


def test_a_documented_throttle_code_keeps_its_retries(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("Throttling.User", status=400, gateway=True, times=2)
    assert adapter(sim.transport(), clock).execute(sandbox_cancel(("thermo-001",))).ok
    assert len(sim.requests_to(CANCELS)) == 3


def test_success_false_without_a_code_says_there_was_none(clock: FakeClock) -> None:
    body = {"RequestId": "r-5", "Success": False}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with pytest.raises(VendorError) as caught:
        adapter(transport, clock).execute(sandbox_cancel(("thermo-001",)))
    assert caught.value.code == "" and caught.value.http_status == 200
    assert "without an error code" in caught.value.message
    assert str(caught.value).startswith("aliyun error: ")
    assert "HTTP 200" not in str(caught.value) and "code list" not in caught.value.next_step
