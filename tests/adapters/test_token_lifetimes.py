"""A token answer whose lifetime is no positive number of seconds (0, negative, a Boolean, not
finite, an integer too large for a float) keeps the vendor's documented lifetime, as Huawei's
``expiresIn`` does: taken as given, it made every later call fetch a new token first (or, too
large, failed the token request with an OverflowError) (VENDORS.md §1: ``expire`` in seconds,
7200; §6: ``expires_in``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.base import Adapter
from adapters.clock import FakeClock
from adapters.enos.adapter import EnosAdapter
from adapters.enos.settings import EnosSettings
from adapters.enos.simulator import api as enos
from adapters.servicepower.adapter import ServicePowerAdapter
from adapters.servicepower.settings import ServicePowerSettings
from adapters.servicepower.simulator import api as sp
from commands.model import OperationRequest

Handler = Callable[[httpx.Request], httpx.Response]
Body = dict[str, Any]


def with_lifetime(
    handle: Handler, token_path: str, set_lifetime: Callable[[Body], None], calls: list[int]
) -> Handler:
    """`handle`, its token answers' lifetime set by `set_lifetime`; counts them in `calls`."""

    def answer(request: httpx.Request) -> httpx.Response:
        response = handle(request)
        if token_path not in request.url.path:
            return response
        calls.append(1)
        body = response.json()
        set_lifetime(body)
        return httpx.Response(response.status_code, json=body)

    return answer


def enos_world(lifetime: object, calls: list[int]) -> tuple[Adapter, OperationRequest]:
    sim = enos.demo_simulator(clock=FakeClock())

    def set_lifetime(body: Body) -> None:
        body["data"]["expire"] = lifetime

    handler = with_lifetime(sim.handle, "/apim-token-service/", set_lifetime, calls)
    config = EnosSettings(
        base_url=enos.SANDBOX_BASE_URL,
        app_key=enos.SANDBOX_APP_KEY,
        app_secret=SecretStr(enos.SANDBOX_APP_SECRET),
    )
    adapter = EnosAdapter(
        config=config,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        clock=FakeClock(),
    )
    request = OperationRequest(
        operation="enos.ota-job.delete",
        vendor="enos",
        targets=(enos.SANDBOX_STOPPED_JOB_ID,),
        params={"org": enos.SANDBOX_ORG_ID},
    )
    return adapter, request


def servicepower_world(lifetime: object, calls: list[int]) -> tuple[Adapter, OperationRequest]:
    clock = FakeClock()
    sim = sp.ServicePowerSimulator(clock=clock)
    sim.add_job("JOB-1002")

    def set_lifetime(body: Body) -> None:
        body["expires_in"] = lifetime

    handler = with_lifetime(sim.handle, "/oauth2/", set_lifetime, calls)
    config = ServicePowerSettings(
        base_url=sp.SANDBOX_BASE_URL,
        client_id=sp.SANDBOX_CLIENT_ID,
        client_secret=SecretStr(sp.SANDBOX_CLIENT_SECRET),
    )
    adapter = ServicePowerAdapter(
        config=config, client=httpx.Client(transport=httpx.MockTransport(handler)), clock=clock
    )
    request = OperationRequest(
        operation="servicepower.job.cancel", vendor="servicepower", targets=("JOB-1002",)
    )
    return adapter, request


@pytest.mark.parametrize("world", [enos_world, servicepower_world])
@pytest.mark.parametrize("lifetime", [0, -60, True, "soon", None, 10**400])  # 10**400: past floats
def test_a_lifetime_that_is_no_positive_number_keeps_the_documented_one(
    world: Callable[[object, list[int]], tuple[Adapter, OperationRequest]], lifetime: object
) -> None:
    calls: list[int] = []
    adapter, request = world(lifetime, calls)
    adapter.preview(request)
    adapter.preview(request)
    adapter.execute(request)
    assert len(calls) == 1  # one token for all three calls
