"""An answer whose body is not in the encoding it names (``Content-Encoding: gzip`` over bytes
that are not gzip: a proxy that mangled it) is an answer opsgate cannot read, judged by its
status as any such answer is (README "Errors"): a read is unanswered, a mutating call's 2xx or
5xx is ``unknown``, a 4xx a refusal. It never escapes as an unexpected error, which the
lifecycle must read as ``unknown`` even when the delete itself was never sent (the token
request got the mangled answer), and which dropped an accepted Alibaba cancel's outcome when
the listing after it got one."""

from __future__ import annotations

import httpx
import pytest
from aliyun_requests import sandbox_cancel
from pydantic import SecretStr

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.simulator import sandbox as sbx
from adapters.clock import FakeClock
from adapters.errors import AdapterError, OutcomeUnknown, VendorUnreachable
from adapters.http import send
from adapters.huawei.adapter import HuaweiAdapter
from adapters.huawei.settings import HuaweiSettings
from adapters.huawei.simulator.api import SANDBOX_APP_ID, SANDBOX_SECRET, HuaweiSimulator
from adapters.ratelimit import RateLimiter
from commands.model import OperationRequest


def mangled(status: int) -> httpx.Response:
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    # A stream, as a network answer is: the body is decoded as it is read, not here.
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(b'{"code": 0}'))


@pytest.mark.parametrize(
    ("status", "mutating", "error"),
    [
        (200, True, OutcomeUnknown),
        (500, True, OutcomeUnknown),
        (403, True, VendorUnreachable),
        (200, False, VendorUnreachable),
    ],
)
def test_an_undecodable_body_is_one_opsgate_cannot_read(
    status: int, mutating: bool, error: type[AdapterError]
) -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda _: mangled(status)))
    request = client.build_request("DELETE", "http://v/x")
    with pytest.raises(error, match=f"HTTP {status} with a body opsgate cannot read") as caught:
        send(client, request, vendor="v", mutating=mutating)
    assert isinstance(caught.value, OutcomeUnknown) is (error is OutcomeUnknown)


def test_a_mangled_login_answer_fails_the_delete_before_it_is_sent() -> None:
    clock = FakeClock()
    sim = HuaweiSimulator.seeded(clock=clock)

    def answer(request: httpx.Request) -> httpx.Response:
        return mangled(200) if "/iocm/app/sec/" in request.url.path else sim.handle(request)

    adapter = HuaweiAdapter(
        config=HuaweiSettings(
            base_url="https://iot.example.test",
            app_id=SANDBOX_APP_ID,
            secret=SecretStr(SANDBOX_SECRET),
        ),
        client=httpx.Client(transport=httpx.MockTransport(answer)),
        clock=clock,
        limiter=RateLimiter(calls=100, period=60.0, clock=clock),
    )
    request = OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=("dev-meter-0001",)
    )
    with pytest.raises(VendorUnreachable):
        adapter.execute(request)
    assert [r for r in sim.calls if r.method == "DELETE"] == []


def test_a_mangled_listing_after_an_accepted_cancel_keeps_the_cancel() -> None:
    clock = FakeClock()
    sim = sbx.seeded(clock=clock)

    def answer(request: httpx.Request) -> httpx.Response:
        listing = "Action=ListOTAUnfinishedTaskByDevice" in str(request.url)
        return mangled(200) if listing else sim.handle(request)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    adapter = AliyunAdapter(config=sbx.SETTINGS, client=client, clock=clock)
    outcome = adapter.execute(sandbox_cancel(("thermo-002", "thermo-003")))
    assert outcome.counts.succeeded == 2
    assert "could not" in outcome.checked
