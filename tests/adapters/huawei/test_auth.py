"""Huawei OceanConnect auth: login, token reuse, refresh, single flight, re-login on 1010005."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from adapters.clock import FakeClock
from adapters.errors import VendorAuthError, VendorError
from adapters.huawei.adapter import HuaweiAdapter
from adapters.huawei.plugin import sandboxed
from adapters.huawei.settings import HuaweiSettings
from adapters.huawei.simulator.api import SANDBOX_APP_ID, SANDBOX_SECRET, HuaweiSimulator
from adapters.ratelimit import RateLimiter
from adapters.simulator import Fault
from commands.model import OperationRequest

LOGIN = "/iocm/app/sec/v1.1.0/login"
REFRESH = "/iocm/app/sec/v1.1.0/refreshToken"


World = tuple[HuaweiAdapter, HuaweiSimulator]


def device_delete(device_id: str = "dev-meter-0001") -> OperationRequest:
    return OperationRequest(operation="huawei.device.delete", vendor="huawei", targets=(device_id,))


def adapter_on(
    sim: HuaweiSimulator,
    clock: FakeClock,
    handler: Callable[[httpx.Request], httpx.Response] | None = None,
    *,
    secret: str = SANDBOX_SECRET,
) -> HuaweiAdapter:
    """A second adapter (another process, say) on the same simulator, optionally wrapped."""
    config = HuaweiSettings(
        base_url="https://iot.example.test", app_id=SANDBOX_APP_ID, secret=SecretStr(secret)
    )
    client = httpx.Client(transport=httpx.MockTransport(handler or sim.handle))
    limiter = RateLimiter(calls=100, period=60.0, clock=clock)
    return HuaweiAdapter(config=config, client=client, clock=clock, limiter=limiter)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(clock: FakeClock) -> tuple[HuaweiAdapter, HuaweiSimulator]:
    built = sandboxed(clock)
    return built.adapter, built.simulator


def test_login_posts_the_form_body_and_every_call_carries_app_key_and_bearer(world: World) -> None:
    adapter, sim = world
    adapter.preview(device_delete())
    login, read = sim.calls
    assert login.method == "POST" and login.url.path == LOGIN
    assert login.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(login.content.decode()) == {
        "appId": [SANDBOX_APP_ID],
        "secret": [SANDBOX_SECRET],
    }
    token = sim.state.grants[SANDBOX_APP_ID].access
    assert read.headers["app_key"] == SANDBOX_APP_ID
    assert read.headers["authorization"] == f"Bearer {token}"
    assert read.headers["content-type"] == "application/json"


def test_the_token_is_reused_not_fetched_per_request(world: World) -> None:
    adapter, sim = world
    for _ in range(5):
        adapter.preview(device_delete())
    assert sim.logins == 1
    assert len(sim.requests_to(LOGIN)) == 1


def test_the_token_is_refreshed_before_it_expires(world: World, clock: FakeClock) -> None:
    adapter, sim = world
    adapter.preview(device_delete())
    first = sim.state.grants[SANDBOX_APP_ID].access
    clock.advance(3600 - 59)  # inside the 60 s renewal margin
    adapter.preview(device_delete())
    assert (sim.logins, sim.refreshes) == (1, 1)
    assert sim.state.grants[SANDBOX_APP_ID].access != first
    refresh = sim.requests_to(REFRESH)[0]
    assert refresh.headers["content-type"] == "application/json"
    assert b'"refreshToken"' in refresh.content and b'"appId"' in refresh.content


def test_a_refused_refresh_falls_back_to_a_login(world: World, clock: FakeClock) -> None:
    adapter, sim = world
    adapter.preview(device_delete())
    sim.state.grants[SANDBOX_APP_ID].refresh = "revoked"
    clock.advance(3600 - 30)
    adapter.preview(device_delete())
    assert (sim.logins, sim.refreshes) == (2, 0)


def test_an_expired_refresh_token_is_not_tried(world: World, clock: FakeClock) -> None:
    adapter, sim = world
    adapter.check()
    clock.advance(25 * 3600)
    adapter.check()
    assert (sim.logins, sim.refreshes) == (2, 0)
    assert sim.requests_to(REFRESH) == []


def test_twenty_threads_needing_a_token_cause_exactly_one_login(clock: FakeClock) -> None:
    sim = HuaweiSimulator.seeded(clock=clock)
    start = threading.Barrier(20)

    def slow_login(request: httpx.Request) -> httpx.Response:
        if request.url.path == LOGIN:
            time.sleep(0.05)  # real time, so the other threads pile up behind the login
        return sim.handle(request)

    adapter = adapter_on(sim, clock, slow_login)
    errors: list[BaseException] = []

    def work() -> None:
        start.wait()
        try:
            adapter.preview(device_delete())
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert errors == []
    assert sim.logins == 1
    assert len(sim.requests_to("/devices/")) == 20


def test_a_token_invalidated_by_another_login_causes_one_relogin_and_one_retry(
    world: World, clock: FakeClock
) -> None:
    adapter, sim = world
    adapter.check()
    adapter_on(sim, clock).check()  # another process logs in: our token is no longer valid
    outcome = adapter.execute(device_delete())
    assert outcome.summary == "Deleted device dev-meter-0001"
    assert sim.logins == 3
    assert len(sim.requests_to("/devices/dev-meter-0001")) == 2


def test_a_second_1010005_surfaces_as_an_auth_error_without_looping(clock: FakeClock) -> None:
    sim = HuaweiSimulator.seeded(clock=clock)
    refused: list[str] = []

    def refuse_everything_but_login(request: httpx.Request) -> httpx.Response:
        if request.url.path == LOGIN:
            return sim.handle(request)
        refused.append(request.method)
        body = {"error_code": "1010005", "error_desc": "App_key or access_token is invalid."}
        return httpx.Response(403, json=body)

    adapter = adapter_on(sim, clock, refuse_everything_but_login)
    with pytest.raises(VendorAuthError) as caught:
        adapter.execute(device_delete())
    assert caught.value.code == "1010005"
    assert sim.logins == 2
    assert refused == ["DELETE", "DELETE"]


def test_a_wrong_secret_is_an_auth_error_with_a_next_step(world: World, clock: FakeClock) -> None:
    _, sim = world
    adapter = adapter_on(sim, clock, secret="wrong")
    with pytest.raises(VendorAuthError) as caught:
        adapter.check()
    assert caught.value.code == "100208"
    assert caught.value.http_status == 401
    assert "OPSGATE_HUAWEI__SECRET" in caught.value.next_step
    assert sim.logins == 0


def test_an_internal_error_on_login_is_retried(world: World) -> None:
    adapter, sim = world
    sim.inject(Fault.SERVER_ERROR, path_contains=LOGIN)
    assert adapter.check() == "Huawei login OK (token valid 3600 s)"
    assert len(sim.requests_to(LOGIN)) == 2


def test_a_login_that_keeps_failing_surfaces_50252(world: World) -> None:
    adapter, sim = world
    sim.inject(Fault.SERVER_ERROR, times=10, path_contains=LOGIN)
    with pytest.raises(VendorError) as caught:
        adapter.check()
    assert caught.value.code == "50252"


def test_check_reports_the_token_lifetime_and_reuses_the_cached_token(world: World) -> None:
    adapter, sim = world
    assert adapter.check() == "Huawei login OK (token valid 3600 s)"
    assert adapter.check() == "Huawei login OK (token valid 3600 s)"
    assert sim.logins == 1


def test_no_secret_or_token_reaches_the_logs(
    world: World, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter, sim = world
    caplog.set_level(logging.DEBUG)
    adapter.check()
    adapter_on(sim, clock).check()  # forces a re-login on our next call
    adapter.execute(device_delete())
    adapter.describe(device_delete("gw-0001"))
    tokens = [g.access for g in sim.state.grants.values()] + ["sim-access-0001"]
    assert "logging in again" in caplog.text  # the logs did record the re-login
    for secret in [SANDBOX_SECRET, *tokens]:
        assert secret not in caplog.text


# -- VENDORS.md §7 ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "code"),
    [(401, "100208"), (400, "100247"), (400, "102202"), (400, "50400"), (500, "50252")],
)
def test_every_refused_refresh_is_answered_by_one_fresh_login(
    world: World, clock: FakeClock, status: int, code: str
) -> None:
    adapter, sim = world
    adapter.check()
    sim.refuse_refreshes(status, code, times=5)
    clock.advance(3600 - 30)  # inside the renewal margin: a refresh is due

    adapter.preview(device_delete())

    assert len(sim.requests_to(REFRESH)) == 1  # tried once, never again
    assert sim.logins == 2 and sim.refreshes == 0


def test_a_refresh_that_cannot_connect_is_answered_by_a_login(
    world: World, clock: FakeClock
) -> None:
    adapter, sim = world
    adapter.check()
    sim.inject(Fault.DISCONNECT, path_contains="refreshToken")
    clock.advance(3600 - 30)
    adapter.preview(device_delete())
    assert sim.logins == 2


def test_1010005_on_a_preview_read_is_answered_by_one_login_and_one_retry(
    world: World, clock: FakeClock
) -> None:
    adapter, sim = world
    adapter.check()
    adapter_on(sim, clock).check()  # another login: our token is refused from now on

    preview = adapter.preview(device_delete())

    assert preview.found and sim.logins == 3
    assert len(sim.requests_to("/devices/dev-meter-0001")) == 2


def test_1010005_on_the_children_listing_is_answered_by_one_login_too(clock: FakeClock) -> None:
    sim = HuaweiSimulator.seeded(clock=clock)
    other = adapter_on(sim, clock)
    listings: list[str] = []

    def another_login_before_the_first_listing(request: httpx.Request) -> httpx.Response:
        if "gatewayId=" in str(request.url):
            listings.append(request.method)
            if len(listings) == 1:
                other.check()  # our token dies just before the listing reaches the platform
        return sim.handle(request)

    preview = adapter_on(sim, clock, another_login_before_the_first_listing).preview(
        device_delete("gw-0001")
    )

    assert preview.facts["child devices"] == "3"
    assert listings == ["GET", "GET"] and sim.logins == 3


def test_error_codes_sent_as_numbers_are_read_as_codes(world: World) -> None:
    adapter, sim = world
    sim.codes_as_numbers = True
    preview = adapter.preview(device_delete("nope"))
    assert preview.blocked is not None and preview.blocked.code == "100403"


@pytest.mark.parametrize("expires_in", ["soon", {"seconds": 3600}, [3600], -5, None])
def test_a_login_whose_expires_in_is_not_a_positive_number_keeps_the_documented_hour(
    expires_in: object, clock: FakeClock
) -> None:
    """The login answered (with a token): its odd ``expiresIn`` is read as the documented 3600 s,
    so the delete goes ahead, and the token is reused, not fetched again for every call."""
    built = sandboxed(clock)
    sim = built.simulator

    def handle(request: httpx.Request) -> httpx.Response:
        answer = sim.handle(request)
        if request.url.path == LOGIN:
            return httpx.Response(200, json={**answer.json(), "expiresIn": expires_in})
        return answer

    adapter = adapter_on(sim, clock, handle)
    adapter.preview(device_delete())
    assert adapter.execute(device_delete()).summary == "Deleted device dev-meter-0001"
    assert (sim.logins, sim.refreshes, adapter.session.granted_seconds) == (1, 0, 3600)
