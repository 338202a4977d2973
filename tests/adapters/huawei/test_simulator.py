"""The Huawei OceanConnect simulator behaves as the platform documents (spoken to in raw HTTP)."""

from __future__ import annotations

import httpx
import pytest

from adapters.clock import FakeClock
from adapters.huawei.plugin import sandboxed
from adapters.huawei.simulator.api import SANDBOX_APP_ID, SANDBOX_SECRET, HuaweiSimulator
from adapters.ratelimit import RateLimiter
from commands.model import OperationRequest

BASE = "https://iot.example.test:8743"
LOGIN = f"{BASE}/iocm/app/sec/v1.1.0/login"
DEVICES = f"{BASE}/iocm/app/dm/v1.4.0/devices"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> HuaweiSimulator:
    return HuaweiSimulator.seeded(clock=clock)


@pytest.fixture
def http(sim: HuaweiSimulator) -> httpx.Client:
    return httpx.Client(transport=sim.transport())


def login(http: httpx.Client, secret: str = SANDBOX_SECRET) -> httpx.Response:
    return http.post(LOGIN, data={"appId": SANDBOX_APP_ID, "secret": secret})


def auth(token: str, app: str = SANDBOX_APP_ID) -> dict[str, str]:
    return {"app_key": app, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error_code"]


def test_login_answers_the_documented_shape(http: httpx.Client, sim: HuaweiSimulator) -> None:
    body = login(http).json()
    assert set(body) == {"scope", "tokenType", "expiresIn", "accessToken", "refreshToken"}
    assert (body["tokenType"], body["expiresIn"]) == ("bearer", 3600)
    assert sim.logins == 1


def test_a_wrong_secret_is_100208(http: httpx.Client, sim: HuaweiSimulator) -> None:
    assert code(login(http, "wrong")) == (401, "100208")
    assert sim.logins == 0


def test_only_the_newest_token_is_valid(http: httpx.Client) -> None:
    first = login(http).json()["accessToken"]
    second = login(http).json()["accessToken"]
    assert code(http.get(f"{DEVICES}/dev-meter-0001", headers=auth(first))) == (403, "1010005")
    assert http.get(f"{DEVICES}/dev-meter-0001", headers=auth(second)).status_code == 200


def test_a_token_expires_after_an_hour(http: httpx.Client, clock: FakeClock) -> None:
    token = login(http).json()["accessToken"]
    clock.advance(3600)
    assert code(http.get(f"{DEVICES}/dev-meter-0001", headers=auth(token))) == (403, "1010005")


def test_app_key_must_name_the_tokens_application(http: httpx.Client) -> None:
    token = login(http).json()["accessToken"]
    response = http.get(f"{DEVICES}/dev-meter-0001", headers=auth(token, app="partner-app"))
    assert code(response) == (403, "1010005")


def test_refresh_issues_a_new_token_and_retires_the_old_one(
    http: httpx.Client, sim: HuaweiSimulator
) -> None:
    grant = login(http).json()
    body = {
        "appId": SANDBOX_APP_ID,
        "secret": SANDBOX_SECRET,
        "refreshToken": grant["refreshToken"],
    }
    fresh = http.post(f"{BASE}/iocm/app/sec/v1.1.0/refreshToken", json=body).json()
    assert fresh["accessToken"] != grant["accessToken"]
    assert sim.refreshes == 1
    old = http.get(f"{DEVICES}/dev-meter-0001", headers=auth(grant["accessToken"]))
    assert code(old) == (403, "1010005")


@pytest.mark.parametrize(
    ("device_id", "app", "expected"),
    [
        ("partner-dev-0001", "no-such-app", (403, "100203")),
        ("stranger-dev-0001", "stranger-app", (403, "100217")),
        ("nope", None, (404, "100403")),
        ("partner-dev-0001", None, (404, "100418")),  # exists, but not in our application
    ],
)
def test_device_errors(
    http: httpx.Client, device_id: str, app: str | None, expected: tuple[int, str]
) -> None:
    token = login(http).json()["accessToken"]
    params = {"appId": app} if app else None
    response = http.delete(f"{DEVICES}/{device_id}", params=params, headers=auth(token))
    assert code(response) == expected


def test_an_authorized_apps_device_is_deleted_with_app_id(
    http: httpx.Client, sim: HuaweiSimulator
) -> None:
    token = login(http).json()["accessToken"]
    params = {"appId": "partner-app", "cascade": "true"}
    response = http.delete(f"{DEVICES}/partner-dev-0001", params=params, headers=auth(token))
    assert response.status_code == 204
    assert "partner-dev-0001" not in sim.state.devices


def test_the_device_list_by_gateway_includes_the_gateway_itself(http: httpx.Client) -> None:
    token = login(http).json()["accessToken"]
    params = {"gatewayId": "gw-0001", "pageNo": "0", "pageSize": "2"}
    body = http.get(DEVICES, params=params, headers=auth(token)).json()
    assert body["totalCount"] == 4 and len(body["devices"]) == 2
    assert code(http.get(DEVICES, headers=auth(token))) == (400, "100218")


def test_package_errors(http: httpx.Client) -> None:
    token = login(http).json()["accessToken"]
    url = f"{BASE}/iodm/northbound/v1.5.0/category"
    assert code(http.delete(f"{url}/pkg-nope", headers=auth(token))) == (404, "123002")
    assert code(http.delete(f"{url}/bad%20id", headers=auth(token))) == (400, "120015")
    response = http.delete(f"{url}/pkg-gw-sw-2.0.1", headers=auth(token))
    assert (response.status_code, response.content) == (200, b"")


def test_the_rate_window_answers_1010009_past_100_calls_a_minute(
    http: httpx.Client, sim: HuaweiSimulator, clock: FakeClock
) -> None:
    token = login(http).json()["accessToken"]
    answers = [http.get(f"{DEVICES}/dev-meter-0001", headers=auth(token)) for _ in range(101)]
    assert [a.status_code for a in answers[:100]] == [200] * 100
    assert code(answers[100]) == (403, "1010009")
    assert login(http).status_code == 200  # logins are not counted (and not refused)
    clock.advance(60)
    fresh = auth(login(http).json()["accessToken"])
    assert http.get(f"{DEVICES}/dev-meter-0001", headers=fresh).status_code == 200
    assert sim.throttled_count == 1


def test_without_the_client_limiter_a_bulk_run_is_throttled(clock: FakeClock) -> None:
    """The control for the zero-throttle tests: the simulator really enforces the limit."""
    built = sandboxed(clock)
    adapter, sim = built.adapter, built.simulator
    adapter.session.limiter = RateLimiter(calls=1000, period=60.0, clock=clock)
    for _ in range(101):
        adapter.preview(
            OperationRequest(operation="huawei.package.delete", vendor="huawei", targets=("p",))
        )
    assert sim.throttled_count == 1


# -- what the platform refuses, the simulator refuses (or adapter bugs hide behind it)
PACKAGES = f"{BASE}/iodm/northbound/v1.5.0/category"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", f"{PACKAGES}/pkg-gw-sw-2.0.1"),
        ("PUT", f"{PACKAGES}/pkg-gw-sw-2.0.1"),
        ("PUT", f"{DEVICES}/dev-meter-0001"),
        ("POST", f"{DEVICES}/dev-meter-0001"),
        ("DELETE", DEVICES),
        ("GET", LOGIN),
    ],
)
def test_a_method_the_resource_does_not_answer_is_405_and_changes_nothing(
    http: httpx.Client, sim: HuaweiSimulator, method: str, url: str
) -> None:
    token = login(http).json()["accessToken"]
    response = http.request(method, url, headers=auth(token), json={})
    assert response.status_code == 405 and response.headers["Allow"]
    assert "pkg-gw-sw-2.0.1" in sim.state.packages and "dev-meter-0001" in sim.state.devices


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_business_call_without_json_content_type_is_refused(
    http: httpx.Client, sim: HuaweiSimulator, content_type: str | None
) -> None:
    headers = auth(login(http).json()["accessToken"])
    del headers["Content-Type"]
    if content_type is not None:
        headers["Content-Type"] = content_type
    assert http.get(f"{DEVICES}/dev-meter-0001", headers=headers).status_code == 415
    assert http.delete(f"{PACKAGES}/pkg-gw-sw-2.0.1", headers=headers).status_code == 415
    assert "pkg-gw-sw-2.0.1" in sim.state.packages


def test_a_refresh_sent_as_a_form_is_refused_as_the_platform_would(
    http: httpx.Client, sim: HuaweiSimulator
) -> None:
    grant = login(http).json()
    form = {
        "appId": SANDBOX_APP_ID,
        "secret": SANDBOX_SECRET,
        "refreshToken": grant["refreshToken"],
    }
    refresh = f"{BASE}/iocm/app/sec/v1.1.0/refreshToken"
    assert http.post(refresh, data=form).status_code == 415
    not_json = {"Content-Type": "application/json"}
    assert code(http.post(refresh, content=b"appId=x", headers=not_json)) == (400, "50400")
    assert sim.refreshes == 0
