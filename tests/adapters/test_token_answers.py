"""A token answer holding a token no HTTP header can carry (a character outside printable
ASCII: a line break, an accented letter, a NUL; or white space around it) is refused at the
token request, before the mutating call: nothing was sent, so the request fails and never
reads as ``unknown`` (README "Errors").

Without that check the token broke the call it was put in: httpx refused to encode a non-ASCII
header (an unexpected error, read as ``unknown``), and the HTTP layer refused a header holding a
line break once the call was under way (a transport error, read as ``unknown`` too), although
no byte of the delete or cancel had left opsgate."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from adapters.base import Adapter
from adapters.clock import FakeClock
from adapters.enos.adapter import EnosAdapter
from adapters.enos.settings import EnosSettings
from adapters.enos.simulator import api as enos
from adapters.errors import AdapterError, OutcomeUnknown
from adapters.huawei.adapter import HuaweiAdapter
from adapters.huawei.settings import HuaweiSettings
from adapters.huawei.simulator.api import HuaweiSimulator
from adapters.huawei.simulator.state import SANDBOX_APP_ID, SANDBOX_SECRET
from adapters.ratelimit import RateLimiter
from adapters.servicepower.adapter import ServicePowerAdapter
from adapters.servicepower.settings import ServicePowerSettings
from adapters.servicepower.simulator import api as sp
from adapters.simulator import Simulator
from adapters.tokens import header_safe
from commands.model import OperationRequest

Handler = Callable[[httpx.Request], httpx.Response]
UNSENDABLE = ["tok\u00e9n", "abc\ndef", "abc\r\nX-Injected: 1", "a\x00b", "\ttab", "padded "]


def enos_world(token_answer: Handler) -> tuple[Adapter, Simulator, OperationRequest]:
    sim = enos.demo_simulator(clock=FakeClock())
    config = EnosSettings(
        base_url=enos.SANDBOX_BASE_URL,
        app_key=enos.SANDBOX_APP_KEY,
        app_secret=SecretStr(enos.SANDBOX_APP_SECRET),
    )
    client = httpx.Client(transport=httpx.MockTransport(_routed(sim, "/apim-token", token_answer)))
    request = OperationRequest(
        operation="enos.ota-job.delete",
        vendor="enos",
        targets=(enos.SANDBOX_STOPPED_JOB_ID,),
        params={"org": enos.SANDBOX_ORG_ID},
    )
    return EnosAdapter(config=config, client=client, clock=FakeClock()), sim, request


def huawei_world(token_answer: Handler) -> tuple[Adapter, Simulator, OperationRequest]:
    clock = FakeClock()
    sim = HuaweiSimulator.seeded(clock=clock)
    config = HuaweiSettings(
        base_url="https://iot.example.test", app_id=SANDBOX_APP_ID, secret=SecretStr(SANDBOX_SECRET)
    )
    handler = _routed(sim, "/iocm/app/sec/", token_answer)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    limiter = RateLimiter(calls=100, period=60.0, clock=clock)
    adapter = HuaweiAdapter(config=config, client=client, clock=clock, limiter=limiter)
    request = OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=("dev-meter-0001",)
    )
    return adapter, sim, request


def servicepower_world(token_answer: Handler) -> tuple[Adapter, Simulator, OperationRequest]:
    clock = FakeClock()
    sim = sp.ServicePowerSimulator(clock=clock)
    sim.add_job("JOB-1002")
    config = ServicePowerSettings(
        base_url=sp.SANDBOX_BASE_URL,
        client_id=sp.SANDBOX_CLIENT_ID,
        client_secret=SecretStr(sp.SANDBOX_CLIENT_SECRET),
    )
    client = httpx.Client(transport=httpx.MockTransport(_routed(sim, "/oauth2/", token_answer)))
    adapter = ServicePowerAdapter(config=config, client=client, clock=clock)
    request = OperationRequest(
        operation="servicepower.job.cancel", vendor="servicepower", targets=("JOB-1002",)
    )
    return adapter, sim, request


def _routed(sim: Simulator, token_path: str, token_answer: Handler) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        return token_answer(request) if token_path in request.url.path else sim.handle(request)

    return handle


def token_answers(token: object) -> dict[str, Handler]:
    """Each vendor's documented token answer, carrying `token`."""
    enos_body = {"status": 0, "msg": "SUCCESS", "data": {"accessToken": token, "expire": 7200}}
    huawei_body = {"accessToken": token, "refreshToken": "r", "expiresIn": 3600}
    sp_body = {"access_token": token, "token_type": "bearer", "expires_in": 3600}
    return {
        "enos": lambda _: httpx.Response(200, json=enos_body),
        "huawei": lambda _: httpx.Response(200, json=huawei_body),
        "servicepower": lambda _: httpx.Response(200, json=sp_body),
    }


WORLDS = {"enos": enos_world, "huawei": huawei_world, "servicepower": servicepower_world}
MUTATING = {
    "enos": ("POST", "action=delete"),
    "huawei": ("DELETE", ""),
    "servicepower": ("PUT", ""),
}


def mutating_calls(vendor: str, sim: Simulator) -> list[httpx.Request]:
    method, marker = MUTATING[vendor]
    return [r for r in sim.calls if r.method == method and marker in str(r.url)]


@pytest.mark.parametrize("vendor", sorted(WORLDS))
@pytest.mark.parametrize("token", UNSENDABLE, ids=repr)
def test_an_unsendable_token_fails_the_call_before_anything_is_sent(
    vendor: str, token: str
) -> None:
    adapter, sim, request = WORLDS[vendor](token_answers(token)[vendor])

    with pytest.raises(AdapterError) as caught:
        adapter.execute(request)

    assert not isinstance(caught.value, OutcomeUnknown), caught.value
    assert mutating_calls(vendor, sim) == []
    assert token not in str(caught.value)  # the token itself is never quoted


@pytest.mark.parametrize("vendor", sorted(WORLDS))
def test_a_token_of_visible_ascii_is_sent_as_given(vendor: str) -> None:
    token = "eyJ.a-b_c~d+e/f="
    adapter, sim, request = WORLDS[vendor](token_answers(token)[vendor])

    with contextlib.suppress(AdapterError):  # the simulator did not issue it, so refuses it
        adapter.execute(request)

    sent = mutating_calls(vendor, sim)
    assert sent and any(token in value for value in sent[0].headers.values())


def test_header_safe_accepts_visible_ascii_only() -> None:
    assert header_safe("eyJhbGciOi.J9-_~+/=") == "eyJhbGciOi.J9-_~+/="
    assert header_safe("two words") == "two words"  # a header may hold a space, inside
    for value in [*UNSENDABLE, "", None, 7, ["x"], {"a": 1}]:
        assert header_safe(value) is None
