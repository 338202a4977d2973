"""The EnOS simulator on its own: the token service, the gateway's checks, and OTA job state."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from adapters.clock import FakeClock
from adapters.enos.auth import sign
from adapters.enos.simulator.api import EnosSimulator
from adapters.enos.simulator.apim import expected_signature
from adapters.simulator import Fault, SlidingWindow

BASE = "https://apim.test"
KEY, SECRET = "app-1", "secret-1"
ORG = "o100"
#: The test clock's start in Unix milliseconds: the gateway refuses timestamps far from its clock.
START_MS = int(FakeClock().now() * 1000)


def stamp(offset_ms: int) -> str:
    """A timestamp `offset_ms` after the test clock's start, as EnOS signs it."""
    return str(START_MS + offset_ms)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> EnosSimulator:
    sim = EnosSimulator(clock=clock)
    sim.add_app(KEY, SECRET)
    sim.add_job(ORG, "stopped-1")
    sim.add_job(ORG, "started-1", status="started")
    return sim


@pytest.fixture
def client(sim: EnosSimulator) -> httpx.Client:
    return httpx.Client(transport=sim.transport())


def token_body(offset_ms: int, *, key: str = KEY, secret: str = SECRET) -> dict[str, Any]:
    """A token request stamped `offset_ms` after the test clock's start."""
    timestamp = int(stamp(offset_ms))
    digest = hashlib.sha256(f"{key}{timestamp}{secret}".encode()).hexdigest()
    return {"appKey": key, "timestamp": timestamp, "encryption": digest}


def get_token(client: httpx.Client, timestamp: int = 1000) -> str:
    answer = client.post(f"{BASE}/apim-token-service/v2.0/token/get", json=token_body(timestamp))
    token: str = answer.json()["data"]["accessToken"]
    return token


def call(
    client: httpx.Client,
    token: str,
    action: str,
    job: str,
    *,
    timestamp: str = "5000",
    secret: str = SECRET,
    method: str | None = None,
) -> httpx.Response:
    """A signed business call stamped `timestamp` (ms) after the test clock's start."""
    timestamp = stamp(int(timestamp))
    method = method or ("GET" if action == "get" else "POST")
    params = {"action": action, "orgId": ORG, "jobId": job}
    request = client.build_request(method, f"{BASE}/connect-service/v2.1/ota-jobs", params=params)
    signature = sign(
        token=token,
        params=request.url.params.multi_items(),
        body=request.content,
        timestamp=timestamp,
        app_secret=secret,
    )
    request.headers.update(
        {"apim-accesstoken": token, "apim-timestamp": timestamp, "apim-signature": signature}
    )
    return client.send(request)


def test_the_gateway_signature_matches_the_vendor_test_vector() -> None:
    body = json.dumps({"count": 20, "page": 1, "desc": "描述"}, indent=2, ensure_ascii=False)
    request = httpx.Request("POST", "https://x/m/v1/b?k3=v3&k1=v1&k2=v2", content=body.encode())
    assert (
        expected_signature(request, "xxxxaaaxxxx", "1572574909697", "xxxappSecretxxx")
        == "59828328f6c1f9771015dc74e4929ae30f518a35a3d2353972c2ea46556fc981"
    )


# -- token service ------------------------------------------------------------------------------
def test_token_get_issues_a_token_for_7200_s(client: httpx.Client, sim: EnosSimulator) -> None:
    answer = client.post(f"{BASE}/apim-token-service/v2.0/token/get", json=token_body(1))
    body = answer.json()
    assert (answer.status_code, body["status"], body["msg"]) == (200, 0, "SUCCESS")
    assert body["business"] == "apim-token-service"
    assert body["data"]["expire"] == 7200
    assert body["data"]["accessToken"]
    assert sim.tokens_issued == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"appKey": KEY, "timestamp": 1}, 1202),
        ({**token_body(1), "appKey": ""}, 1202),
        (token_body(1, key="nobody"), 1002),
        (token_body(1, secret="wrong"), 1003),
        ({**token_body(1), "timestamp": "soon"}, 1004),
    ],
)
def test_token_get_refusals(client: httpx.Client, body: dict[str, Any], status: int) -> None:
    answer = client.post(f"{BASE}/apim-token-service/v2.0/token/get", json=body)
    assert answer.json()["status"] == status


def test_token_request_that_is_not_json_is_invalid(client: httpx.Client) -> None:
    answer = client.post(f"{BASE}/apim-token-service/v2.0/token/get", content=b"appKey=x")
    assert answer.json()["status"] == 1004


def test_a_timestamp_encryption_pair_is_usable_once(client: httpx.Client) -> None:
    url = f"{BASE}/apim-token-service/v2.0/token/get"
    assert client.post(url, json=token_body(7)).json()["status"] == 0
    assert client.post(url, json=token_body(7)).json()["status"] == 1001
    assert client.post(url, json=token_body(8)).json()["status"] == 0


def test_refresh_issues_a_new_token(client: httpx.Client) -> None:
    old = get_token(client)
    body = {**token_body(2000), "accessToken": old}
    answer = client.post(f"{BASE}/apim-token-service/v2.0/token/refresh", json=body).json()
    new = answer["data"]["accessToken"]
    assert answer["status"] == 0
    assert new != old
    assert call(client, new, "get", "stopped-1").json()["code"] == 0


def test_refresh_of_an_expired_or_unknown_token_fails(
    client: httpx.Client, sim: EnosSimulator
) -> None:
    old = get_token(client)
    sim.expire_tokens()
    url = f"{BASE}/apim-token-service/v2.0/token/refresh"
    assert client.post(url, json={**token_body(2), "accessToken": old}).json()["status"] == 1204
    assert client.post(url, json={**token_body(3), "accessToken": "x"}).json()["status"] == 1204
    assert client.post(url, json=token_body(4)).json()["status"] == 1202


def test_tokens_expire_on_the_simulator_clock(client: httpx.Client, clock: FakeClock) -> None:
    token = get_token(client)
    clock.advance(7199)
    assert call(client, token, "get", "stopped-1", timestamp="7199001").json()["code"] == 0
    clock.advance(1)
    answer = call(client, token, "get", "stopped-1", timestamp="7200002")
    assert (answer.status_code, answer.json()["status"]) == (401, 1203)


# -- the gateway's checks -----------------------------------------------------------------------
def test_a_bad_signature_is_refused(client: httpx.Client, sim: EnosSimulator) -> None:
    token = get_token(client)
    answer = call(client, token, "delete", "stopped-1", secret="not-the-secret")
    assert (answer.status_code, answer.json()["status"]) == (401, 1003)
    assert sim.job(ORG, "stopped-1") is not None


def test_a_tampered_query_breaks_the_signature(client: httpx.Client) -> None:
    token = get_token(client)
    request = client.build_request(
        "GET", f"{BASE}/connect-service/v2.1/ota-jobs", params={"action": "get", "orgId": ORG}
    )
    signature = sign(
        token=token,
        params=request.url.params.multi_items(),
        body=b"",
        timestamp=stamp(9),
        app_secret=SECRET,
    )
    tampered = request.url.copy_add_param("jobId", "stopped-1")
    headers = {"apim-accesstoken": token, "apim-timestamp": stamp(9), "apim-signature": signature}
    assert client.get(tampered, headers=headers).json()["status"] == 1003


def test_missing_headers_unknown_tokens_and_replays_are_refused(client: httpx.Client) -> None:
    token = get_token(client)
    url = f"{BASE}/connect-service/v2.1/ota-jobs?action=get&orgId={ORG}&jobId=stopped-1"
    assert client.get(url).json()["status"] == 1202
    assert call(client, "forged", "get", "stopped-1").json()["status"] == 1004
    assert call(client, token, "get", "stopped-1", timestamp="77").json()["code"] == 0
    assert call(client, token, "get", "stopped-1", timestamp="77").json()["status"] == 1001


# -- OTA jobs -----------------------------------------------------------------------------------
def test_get_returns_the_job(client: httpx.Client) -> None:
    body = call(client, get_token(client), "get", "started-1").json()
    assert body["code"] == 0
    assert body["requestId"]
    assert body["data"]["status"] == "started"
    assert body["data"]["jobId"] == "started-1"
    assert body["data"]["name"]["defaultValue"]


def test_delete_a_stopped_job(client: httpx.Client, sim: EnosSimulator) -> None:
    token = get_token(client)
    body = call(client, token, "delete", "stopped-1", timestamp="1").json()
    assert body == {"code": 0, "msg": "OK", "requestId": sim.last_request_id, "data": None}
    assert sim.job(ORG, "stopped-1") is None
    assert call(client, token, "delete", "stopped-1", timestamp="2").json()["code"] == 24404


def test_a_running_job_must_be_stopped_before_deletion(
    client: httpx.Client, sim: EnosSimulator
) -> None:
    token = get_token(client)
    refused = call(client, token, "delete", "started-1", timestamp="1").json()
    assert (refused["code"], refused["msg"]) == (24618, "Not allowed to delete running job")
    assert call(client, token, "stop", "started-1", timestamp="2").json()["code"] == 0
    assert call(client, token, "delete", "started-1", timestamp="3").json()["code"] == 0
    assert sim.job(ORG, "started-1") is None


def test_unknown_job_and_wrong_method(client: httpx.Client) -> None:
    token = get_token(client)
    assert call(client, token, "get", "nope", timestamp="1").json()["code"] == 24404
    answer = call(client, token, "delete", "stopped-1", timestamp="2", method="GET").json()
    assert answer["code"] == 400


# -- faults -------------------------------------------------------------------------------------
def test_server_errors_are_the_vendors_own(client: httpx.Client, sim: EnosSimulator) -> None:
    token = get_token(client)
    sim.inject(Fault.SERVER_ERROR, path_contains="ota-jobs")
    body = call(client, token, "delete", "stopped-1").json()
    assert (body["code"], body["msg"]) == (24500, "OTA service internal error")
    assert sim.job(ORG, "stopped-1") is not None
    sim.inject(Fault.SERVER_ERROR, path_contains="token/get")
    answer = client.post(f"{BASE}/apim-token-service/v2.0/token/get", json=token_body(3))
    assert answer.json()["status"] == 1005


def test_timeout_with_apply_still_deletes(client: httpx.Client, sim: EnosSimulator) -> None:
    token = get_token(client)
    sim.inject(Fault.TIMEOUT, path_contains="action=delete", apply=True)
    with pytest.raises(httpx.ReadTimeout):
        call(client, token, "delete", "stopped-1")
    assert sim.job(ORG, "stopped-1") is None


def test_a_rate_window_throttles(clock: FakeClock) -> None:
    sim = EnosSimulator(clock=clock, rate_window=SlidingWindow(calls=2, period=1, clock=clock))
    sim.add_app(KEY, SECRET)
    client = httpx.Client(transport=sim.transport())
    url = f"{BASE}/apim-token-service/v2.0/token/get"
    answers = [client.post(url, json=token_body(n)) for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["status"] == 429
    assert sim.throttled_count == 1
    clock.advance(1)
    assert client.post(url, json=token_body(1009)).status_code == 200


def test_no_rate_limit_by_default(sim: EnosSimulator) -> None:
    assert sim.rate_window is None


def test_unknown_paths_are_404(client: httpx.Client) -> None:
    assert client.get(f"{BASE}/connect-service/v2.1/devices").status_code == 404


def test_missing_identifiers_are_a_bad_request(client: httpx.Client) -> None:
    token = get_token(client)
    request = client.build_request(
        "GET", f"{BASE}/connect-service/v2.1/ota-jobs", params={"action": "get", "orgId": ORG}
    )
    signature = sign(
        token=token,
        params=request.url.params.multi_items(),
        body=b"",
        timestamp=stamp(5),
        app_secret=SECRET,
    )
    request.headers.update(
        {"apim-accesstoken": token, "apim-timestamp": stamp(5), "apim-signature": signature}
    )
    assert client.send(request).json()["code"] == 400


# -- timestamps are Unix milliseconds near the gateway's clock (VENDORS.md §1)
@pytest.mark.parametrize(
    "timestamp",
    [
        START_MS // 1000,  # seconds, not milliseconds
        1,  # 1970
        START_MS - 86_400_000,  # a day old
        START_MS + 16 * 60 * 1000,  # a quarter of an hour and more ahead
    ],
)
def test_a_token_request_stamped_far_from_the_clock_is_refused(
    client: httpx.Client, sim: EnosSimulator, timestamp: int
) -> None:
    body = token_body(0)
    digest = hashlib.sha256(f"{KEY}{timestamp}{SECRET}".encode()).hexdigest()
    body.update(timestamp=timestamp, encryption=digest)
    answer = client.post(f"{BASE}/apim-token-service/v2.0/token/get", json=body)
    assert answer.json()["status"] == 1004
    assert sim.tokens_issued == 0


@pytest.mark.parametrize("offset_ms", [-START_MS + 1, -86_400_000, 16 * 60 * 1000])
def test_a_business_call_stamped_far_from_the_clock_is_refused(
    client: httpx.Client, sim: EnosSimulator, offset_ms: int
) -> None:
    token = get_token(client)
    answer = call(client, token, "delete", "stopped-1", timestamp=str(offset_ms))
    assert (answer.status_code, answer.json()["status"]) == (401, 1004)
    assert sim.job(ORG, "stopped-1") is not None


def test_a_business_call_stamped_in_seconds_is_refused(client: httpx.Client) -> None:
    token = get_token(client)
    seconds = str(START_MS // 1000 - START_MS)  # START_MS // 1000 once `call` adds START_MS
    assert call(client, token, "get", "stopped-1", timestamp=seconds).json()["status"] == 1004
    assert call(client, token, "get", "stopped-1", timestamp="60000").json()["code"] == 0
