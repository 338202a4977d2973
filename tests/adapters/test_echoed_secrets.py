"""A token endpoint that echoes the request it refuses (``bad request: appId=…&secret=…``) never
puts the secret opsgate sent into an error: not in the card's message, the audit detail, nor the
retry log line (SPEC §4: "No secret ever reaches the log"). Huawei's login and refresh carry the
application secret, ServicePower's JWT request the client secret; both quote what the endpoint
said when its code is not one they know."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from adapters.clock import FakeClock
from adapters.errors import AdapterError
from adapters.huawei.adapter import HuaweiAdapter
from adapters.huawei.settings import HuaweiSettings
from adapters.plugin_start import written_forms
from adapters.ratelimit import RateLimiter
from adapters.servicepower.adapter import ServicePowerAdapter
from adapters.servicepower.settings import ServicePowerSettings
from commands.model import OperationRequest

SECRET = "s3cr3t+/=&Key"  # a test value, with characters each encoding writes otherwise


def echoing(body: Callable[[str], dict[str, object]], status: int):  # type: ignore[no-untyped-def]
    def answer(request: httpx.Request) -> httpx.Response:
        said = f"bad request: {request.url} {request.content.decode()}"
        return httpx.Response(status, json=body(said))

    return answer


def huawei(status: int) -> tuple[HuaweiAdapter, OperationRequest]:
    answer = echoing(lambda said: {"error_code": "999999", "error_desc": said}, status)
    config = HuaweiSettings(
        base_url="https://iot.example.test", app_id="app-1", secret=SecretStr(SECRET)
    )
    clock = FakeClock()
    adapter = HuaweiAdapter(
        config=config,
        client=httpx.Client(transport=httpx.MockTransport(answer)),
        clock=clock,
        limiter=RateLimiter(calls=100, period=60.0, clock=clock),
    )
    return adapter, OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=("dev-1",)
    )


def servicepower(status: int) -> tuple[ServicePowerAdapter, OperationRequest]:
    answer = echoing(lambda said: {"Code": 9, "Message": said}, status)
    config = ServicePowerSettings(
        base_url="https://sb.example.test", client_id="c-1", client_secret=SecretStr(SECRET)
    )
    adapter = ServicePowerAdapter(
        config=config,
        client=httpx.Client(transport=httpx.MockTransport(answer)),
        clock=FakeClock(),
    )
    return adapter, OperationRequest(
        operation="servicepower.job.cancel", vendor="servicepower", targets=("JOB-1",)
    )


@pytest.mark.parametrize("vendor", [huawei, servicepower])
@pytest.mark.parametrize("status", [400, 401, 500])
def test_an_echoed_secret_never_reaches_an_error_or_the_log(
    vendor: Callable[[int], tuple[HuaweiAdapter | ServicePowerAdapter, OperationRequest]],
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter, request = vendor(status)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(AdapterError) as caught:
        adapter.execute(request)

    error = caught.value
    shown = f"{error} {error.detail()} {error.args} {caplog.text}"
    assert "bad request" in str(error)  # what the endpoint said is still quoted
    for form in written_forms(SECRET):
        assert form not in shown, form
