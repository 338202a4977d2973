"""The ServicePower simulator answers as ServiceBroker documents it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.clock import FakeClock
from adapters.servicepower.simulator.api import (
    CANCEL_PATH,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    TOKEN_PATH,
    ServicePowerSimulator,
)
from adapters.simulator import Fault, SlidingWindow

BASE = "https://sb.test"
SYSTEM_TOKEN = "sys-token"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> ServicePowerSimulator:
    sim = ServicePowerSimulator(clock=clock, system_token=SYSTEM_TOKEN)
    sim.add_job("JOB-1", emp_id="E1")
    return sim


@pytest.fixture
def http(sim: ServicePowerSimulator) -> httpx.Client:
    return httpx.Client(transport=sim.transport(), base_url=BASE)


def token_request(**overrides: Any) -> dict[str, Any]:
    body = {
        "ClientId": SANDBOX_CLIENT_ID,
        "ClientSecret": SANDBOX_CLIENT_SECRET,
        "GrantType": "ClientCredentials",
        "ExpiresInSeconds": 300,
    }
    return {**body, **overrides}


def jwt(http: httpx.Client, lifetime: int = 300) -> str:
    response = http.post(TOKEN_PATH, json=token_request(ExpiresInSeconds=lifetime))
    assert response.status_code == 200
    token: str = response.json()["access_token"]
    return token


def cancel(http: httpx.Client, body: Any, token: str = SYSTEM_TOKEN) -> httpx.Response:
    return http.put(CANCEL_PATH, json=body, headers={"Authorization": f"Bearer {token}"})


def test_token_answer_has_the_documented_shape(http: httpx.Client) -> None:
    body = http.post(TOKEN_PATH, json=token_request()).json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 300
    assert body["access_token"]


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"ClientSecret": "wrong"}, 401),
        ({"ClientId": "someone-else"}, 401),
        ({"GrantType": "Password"}, 400),
        ({"ExpiresInSeconds": 0}, 400),
        ({"ExpiresInSeconds": "60"}, 400),
    ],
)
def test_token_request_is_checked(
    http: httpx.Client, overrides: dict[str, Any], status: int
) -> None:
    response = http.post(TOKEN_PATH, json=token_request(**overrides))
    assert response.status_code == status
    assert set(response.json()) == {"Code", "Message"}


def test_token_request_that_is_not_json_is_400(http: httpx.Client) -> None:
    assert http.post(TOKEN_PATH, content=b"ClientId=x").status_code == 400


def test_jwt_expires_on_the_simulator_clock(http: httpx.Client, clock: FakeClock) -> None:
    token = jwt(http, lifetime=60)
    clock.advance(59)
    assert cancel(http, {"Id": "nope"}, token).status_code == 200
    clock.advance(1)
    assert cancel(http, {"Id": "nope"}, token).status_code == 401


def test_expire_tokens_revokes_every_jwt(http: httpx.Client, sim: ServicePowerSimulator) -> None:
    token = jwt(http)
    sim.expire_tokens()
    assert cancel(http, {"Id": "JOB-1"}, token).status_code == 401
    assert "JOB-1" in sim.jobs


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer unknown", "Basic sys-token"])
def test_missing_or_unknown_token_is_401(http: httpx.Client, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = http.put(CANCEL_PATH, json={"Id": "JOB-1"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["Code"] == "401"


def test_cancel_removes_the_job_and_records_the_reason(
    http: httpx.Client, sim: ServicePowerSimulator, clock: FakeClock
) -> None:
    reason = {"cancelReasonId": "3", "cancelReasonDesc": "duplicate"}
    response = cancel(http, {"Id": "JOB-1", "CancelReason": reason})
    assert response.json() == {
        "Success": True,
        "Code": "0",
        "Message": "",
        "Payload": {"result": {"type": "OK", "code": "0"}},
    }
    assert sim.jobs == {}
    [done] = sim.cancelled
    assert (done.job.job_id, done.job.emp_id, done.reason_id, done.reason_desc) == (
        "JOB-1",
        "E1",
        3,
        "duplicate",
    )
    assert done.at == clock.now()


def test_cancel_without_a_reason_records_none(
    http: httpx.Client, sim: ServicePowerSimulator
) -> None:
    assert cancel(http, {"Id": "JOB-1"}).json()["Success"] is True
    assert (sim.cancelled[0].reason_id, sim.cancelled[0].reason_desc) == (None, None)


def test_scheduling_before_11_3_drops_the_reason(clock: FakeClock) -> None:
    sim = ServicePowerSimulator(clock=clock, system_token="t", reasons_supported=False)
    sim.add_job("J")
    http = httpx.Client(transport=sim.transport(), base_url=BASE)
    reason = {"cancelReasonId": "1", "cancelReasonDesc": "x"}
    assert cancel(http, {"Id": "J", "CancelReason": reason}, "t").json()["Success"] is True
    assert (sim.cancelled[0].reason_id, sim.cancelled[0].reason_desc) == (None, None)


@pytest.mark.parametrize("job_id", ["unknown", "", "J" * 51])
def test_invalid_job_id_is_return_code_1_with_a_numeric_code(
    http: httpx.Client, sim: ServicePowerSimulator, job_id: str
) -> None:
    sim.add_job("J" * 51)  # too long for Scheduling even if it were there
    response = cancel(http, {"Id": job_id})
    assert response.status_code == 200
    assert response.json() == {
        "Success": False,
        "Code": 9,
        "Payload": {"returnCode": {"type": "Error", "code": "1"}},
    }


def test_a_second_cancel_is_return_code_1(http: httpx.Client, sim: ServicePowerSimulator) -> None:
    assert cancel(http, {"Id": "JOB-1"}).json()["Success"] is True
    again = cancel(http, {"Id": "JOB-1"}).json()
    assert again["Payload"]["returnCode"]["code"] == "1"
    assert len(sim.cancelled) == 1


def test_refuse_next_answers_one_refusal(http: httpx.Client, sim: ServicePowerSimulator) -> None:
    sim.refuse_next("5")
    assert cancel(http, {"Id": "JOB-1"}).json()["Payload"]["returnCode"]["code"] == "5"
    assert "JOB-1" in sim.jobs
    assert cancel(http, {"Id": "JOB-1"}).json()["Success"] is True


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"id": "JOB-1"},
        {"Id": 7},
        {"Id": "JOB-1", "CancelReason": "stale"},
        {"Id": "JOB-1", "CancelReason": {"cancelReasonId": "three"}},
        {"Id": "JOB-1", "CancelReason": {"cancelReasonId": 3.5}},
        {"Id": "JOB-1", "CancelReason": {"cancelReasonId": True}},
        {"Id": "JOB-1", "CancelReason": {"cancelReasonDesc": "x" * 501}},
    ],
)
def test_malformed_cancel_body_is_400(
    http: httpx.Client, sim: ServicePowerSimulator, body: Any
) -> None:
    response = cancel(http, body)
    assert response.status_code == 400
    assert set(response.json()) == {"Code", "Message"}
    assert "JOB-1" in sim.jobs


def test_the_vendors_own_example_with_an_integer_reason_id_cancels(
    http: httpx.Client, sim: ServicePowerSimulator
) -> None:
    # The CancelJob page's example sends the id as a number; opsgate sends it as a string (§7).
    body = {"Id": "JOB-1", "CancelReason": {"cancelReasonId": 1, "cancelReasonDesc": ""}}
    assert cancel(http, body).json()["Success"] is True
    [done] = sim.cancelled
    assert (done.job.job_id, done.reason_id, done.reason_desc) == ("JOB-1", 1, "")


def test_cancel_body_must_be_declared_json(http: httpx.Client) -> None:
    headers = {"Authorization": "Bearer sys-token", "Content-Type": "text/plain"}
    assert http.put(CANCEL_PATH, content=b'{"Id": "JOB-1"}', headers=headers).status_code == 400


def test_unknown_path_is_404(http: httpx.Client) -> None:
    headers = {"Authorization": "Bearer sys-token"}
    assert http.get("/up/v5/rest/scheduling/GetJob", headers=headers).status_code == 404


def test_server_error_fault_is_500_with_the_standard_body(
    http: httpx.Client, sim: ServicePowerSimulator
) -> None:
    sim.inject(Fault.SERVER_ERROR, path_contains="CancelJob")
    response = cancel(http, {"Id": "JOB-1"})
    assert response.status_code == 500
    assert set(response.json()) == {"Code", "Message"}


def test_throttle_fault_is_429_with_retry_after(
    http: httpx.Client, sim: ServicePowerSimulator
) -> None:
    sim.inject(Fault.THROTTLE)
    response = cancel(http, {"Id": "JOB-1"})
    assert (response.status_code, response.headers["Retry-After"]) == (429, "1")


def test_no_rate_window_by_default_but_one_can_be_set(clock: FakeClock) -> None:
    assert ServicePowerSimulator(clock=clock).rate_window is None
    window = SlidingWindow(calls=1, period=1.0, clock=clock)
    sim = ServicePowerSimulator(clock=clock, system_token="t", rate_window=window)
    http = httpx.Client(transport=sim.transport(), base_url=BASE)
    assert cancel(http, {"Id": "x"}, "t").status_code == 200
    assert cancel(http, {"Id": "x"}, "t").status_code == 429
    assert sim.throttled_count == 1


def test_a_401_can_come_without_a_body(http: httpx.Client, sim: ServicePowerSimulator) -> None:
    sim.bare_401 = True
    response = http.put(CANCEL_PATH, json={"Id": "JOB-1"})
    assert (response.status_code, response.content) == (401, b"")
    assert "x-request-id" not in response.headers  # ServiceBroker documents no request id
