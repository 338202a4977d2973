"""ServicePowerAdapter against the simulator (and a few hand-written wire variants)."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from adapters.base import MASK, Progress, Verdict
from adapters.clock import FakeClock
from adapters.errors import (
    NotConfigured,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
    VendorUnreachable,
)
from adapters.servicepower.adapter import IRREVERSIBLE, ServicePowerAdapter, from_config
from adapters.servicepower.auth import RENEW_MARGIN, TOKEN_LIFETIME
from adapters.servicepower.errors import RETURN_CODES, CancelRequestError
from adapters.servicepower.plugin import sandboxed
from adapters.servicepower.settings import ServicePowerSettings
from adapters.servicepower.simulator.api import (
    SANDBOX_BASE_URL,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_JOBS,
    ServicePowerSimulator,
)
from adapters.simulator import Fault
from commands.model import OperationRequest

BASE = "https://sb.test"
SYSTEM_TOKEN = "sys-token-DO-NOT-LEAK"


def job_cancel(
    job_id: str = "JOB-1001", *, reason: str | None = None, **params: Any
) -> OperationRequest:
    return OperationRequest(
        operation="servicepower.job.cancel",
        vendor="servicepower",
        targets=(job_id,),
        params=params,
        reason=reason,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> tuple[ServicePowerAdapter, ServicePowerSimulator]:
    built = sandboxed(clock)
    return built.adapter, built.simulator


def puts(sim: ServicePowerSimulator) -> list[httpx.Request]:
    return sim.requests_to("CancelJob")


def system_adapter(
    clock: FakeClock, token: str = SYSTEM_TOKEN
) -> tuple[ServicePowerAdapter, ServicePowerSimulator]:
    sim = ServicePowerSimulator(clock=clock, system_token=SYSTEM_TOKEN)
    sim.add_job("JOB-1")
    config = ServicePowerSettings(base_url=BASE, token=SecretStr(token))
    client = httpx.Client(transport=sim.transport())
    return ServicePowerAdapter(config=config, client=client, clock=clock), sim


def wire_adapter(handler: Callable[[httpx.Request], httpx.Response]) -> ServicePowerAdapter:
    """An adapter (system token) on a hand-written transport, for wire variants."""
    config = ServicePowerSettings(base_url=BASE, token=SecretStr(SYSTEM_TOKEN))
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return ServicePowerAdapter(config=config, client=client)


# -- the sandbox and the JWT flow --------------------------------------------------------------
def test_sandbox_cancels_a_seeded_job_with_its_reason(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    assert adapter.sandbox is True
    assert set(sim.jobs) == set(SANDBOX_JOBS)
    progress: list[Progress] = []
    outcome = adapter.execute(job_cancel(reason="INC-42", reason_id=3), progress=progress.append)
    assert outcome.ok
    assert "JOB-1001" in outcome.summary
    assert outcome.vendor_request_ids == ()  # ServiceBroker documents none
    assert "JOB-1001" not in sim.jobs
    assert (sim.cancelled[0].reason_id, sim.cancelled[0].reason_desc) == (3, "INC-42")
    assert progress == [Progress(done=1, total=1)]
    assert sim.tokens_issued == 1


def test_jwt_is_cached_and_renewed_before_it_expires(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator], clock: FakeClock
) -> None:
    adapter, sim = sandbox
    adapter.preview(job_cancel())
    clock.advance(TOKEN_LIFETIME - RENEW_MARGIN - 1)
    adapter.execute(job_cancel("JOB-1001"))
    assert sim.tokens_issued == 1
    clock.advance(2)  # now inside the renewal margin, still before the vendor's expiry
    adapter.execute(job_cancel("JOB-1002"))
    assert sim.tokens_issued == 2
    assert len(puts(sim)) == 2  # no 401 was needed


def test_token_request_carries_the_documented_fields(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    adapter.check()
    [request] = sim.requests_to("oauth2/accessToken")
    assert request.method == "POST"
    assert json.loads(request.content) == {
        "ClientId": "opsgate-sandbox",
        "ClientSecret": SANDBOX_CLIENT_SECRET,
        "GrantType": "ClientCredentials",
        "ExpiresInSeconds": TOKEN_LIFETIME,
    }


def test_401_renews_the_jwt_once_and_resends(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    adapter.preview(job_cancel())
    sim.expire_tokens()
    assert adapter.execute(job_cancel()).ok
    assert sim.tokens_issued == 2
    first, second = puts(sim)
    assert first.headers["Authorization"] != second.headers["Authorization"]
    assert "JOB-1001" not in sim.jobs


@pytest.mark.parametrize("body", [b"", b"<html>401</html>", b'{"error": "expired"}'])
def test_a_401_with_any_body_or_none_renews_the_jwt_once(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator], body: bytes
) -> None:
    """VENDORS.md §7: {Code, Message} is promised for 400 and 500 only."""
    adapter, sim = sandbox
    adapter.preview(job_cancel())
    sim.expire_tokens()
    sim.bare_401 = True
    outcome = adapter.execute(job_cancel())
    assert outcome.ok and len(puts(sim)) == 2 and sim.tokens_issued == 2
    sim.bare_401 = False
    # And when every answer is a bodyless (or unreadable) 401: an auth error, not a crash.
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(401, content=body))
    )
    system = ServicePowerAdapter(
        config=ServicePowerSettings(base_url=BASE, token=SecretStr(SYSTEM_TOKEN)), client=client
    )
    with pytest.raises(VendorAuthError) as caught:
        system.execute(job_cancel())
    assert caught.value.http_status == 401 and caught.value.code == "HTTP 401"
    assert "`OPSGATE_SERVICEPOWER__TOKEN`" in caught.value.next_step


def test_a_second_401_is_an_auth_error_not_a_loop() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("accessToken"):
            return httpx.Response(200, json={"access_token": f"t{len(calls)}", "expires_in": 60})
        return httpx.Response(401, json={"Code": "401", "Message": "Not authorized"})

    config = ServicePowerSettings(base_url=BASE, client_id="c", client_secret=SecretStr("s"))
    client = httpx.Client(transport=httpx.MockTransport(handler))
    adapter = ServicePowerAdapter(config=config, client=client)
    with pytest.raises(VendorAuthError) as caught:
        adapter.execute(job_cancel())
    assert [p.rsplit("/", 1)[1] for p in calls] == [
        "accessToken",
        "CancelJob",
        "accessToken",
        "CancelJob",
    ]
    assert caught.value.http_status == 401
    assert "client c" in caught.value.next_step


def test_wrong_client_secret_shows_in_the_preview(clock: FakeClock) -> None:
    sim = ServicePowerSimulator(clock=clock)
    config = ServicePowerSettings(
        base_url=BASE, client_id="opsgate-sandbox", client_secret=SecretStr("no")
    )
    adapter = ServicePowerAdapter(
        config=config, client=httpx.Client(transport=sim.transport()), clock=clock
    )
    with pytest.raises(VendorAuthError) as caught:
        adapter.preview(job_cancel())
    assert "CLIENT_SECRET" in caught.value.next_step
    assert puts(sim) == []


def test_token_endpoint_failure_is_retried(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    sim.inject(Fault.SERVER_ERROR, path_contains="accessToken")
    assert "valid 3600 s" in adapter.check()
    assert len(sim.requests_to("accessToken")) == 2


def test_token_answer_without_access_token_is_an_error() -> None:
    config = ServicePowerSettings(base_url=BASE, client_id="c", client_secret=SecretStr("s"))
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json={"token_type": "bearer"}))
    adapter = ServicePowerAdapter(config=config, client=httpx.Client(transport=transport))
    with pytest.raises(VendorError, match="no access_token"):
        adapter.check()


# -- the system access token ------------------------------------------------------------------
def test_system_token_is_sent_as_is_without_a_token_call(clock: FakeClock) -> None:
    adapter, sim = system_adapter(clock)
    assert adapter.execute(job_cancel("JOB-1")).ok
    assert [r.headers["Authorization"] for r in sim.calls] == [f"Bearer {SYSTEM_TOKEN}"]


def test_system_token_401_is_an_auth_error_without_a_retry(clock: FakeClock) -> None:
    adapter, sim = system_adapter(clock, token="revoked")
    with pytest.raises(VendorAuthError) as caught:
        adapter.execute(job_cancel("JOB-1"))
    assert "OPSGATE_SERVICEPOWER__TOKEN" in caught.value.next_step
    assert len(sim.calls) == 1
    assert "JOB-1" in sim.jobs


def test_check_with_a_system_token_reaches_the_server_and_is_honest_about_the_token(
    clock: FakeClock,
) -> None:
    adapter, sim = system_adapter(clock)
    assert adapter.check() == (
        f"ServicePower {BASE}: reached (its base URL answered HTTP 401); system access token "
        "configured: ServiceBroker offers no harmless call to verify it, so the first cancel "
        "will show whether it is accepted"
    )
    [reached] = sim.calls
    assert (reached.method, str(reached.url)) == ("GET", f"{BASE}/")
    assert "Authorization" not in reached.headers  # nothing could verify it: not sent
    assert "JOB-1" in sim.jobs


def test_check_with_a_system_token_fails_when_the_server_cannot_be_reached() -> None:
    """A closed port used to pass as ok: the token was never used, so nothing connected."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    config = ServicePowerSettings(base_url=closed, token=SecretStr(SYSTEM_TOKEN), timeout=2)
    adapter = from_config(config)
    try:
        with pytest.raises(VendorUnreachable, match="could not connect to servicepower"):
            adapter.check()
    finally:
        adapter.close()


def test_a_token_and_client_credentials_together_are_refused() -> None:
    """A tenant uses one or the other: opsgate never silently ignores one of them."""
    with pytest.raises(ValidationError) as caught:
        ServicePowerSettings(
            base_url=BASE, token=SecretStr("t"), client_id="c", client_secret=SecretStr("s")
        )
    [error] = caught.value.errors()
    assert (error["type"], error.get("ctx")) == (
        "credentials_conflict",
        {"field": "token", "with": ["client_id", "client_secret"]},
    )


def test_check_with_jwt_fetches_a_token(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    assert adapter.check() == (
        f"ServicePower {SANDBOX_BASE_URL}: JWT issued for client opsgate-sandbox, valid 3600 s"
    )
    assert sim.tokens_issued == 1


# -- the body sent ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reason", "params", "expected"),
    [
        (
            "stale, INC-42",
            {"reason_id": 3},
            {"cancelReasonId": "3", "cancelReasonDesc": "stale, INC-42"},
        ),
        (None, {"reason_id": 0}, {"cancelReasonId": "0"}),  # a string (VENDORS.md §7)
        ("stale", {}, {"cancelReasonDesc": "stale"}),
        (None, {}, None),
        ("   ", {}, None),
    ],
)
def test_cancel_reason_holds_only_what_was_given(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
    reason: str | None,
    params: dict[str, Any],
    expected: dict[str, Any] | None,
) -> None:
    adapter, sim = sandbox
    adapter.execute(job_cancel(reason=reason, **params))
    [put] = puts(sim)
    body = json.loads(put.content)
    assert body == (
        {"Id": "JOB-1001"} if expected is None else {"Id": "JOB-1001", "CancelReason": expected}
    )
    assert put.method == "PUT"
    assert put.url == f"{SANDBOX_BASE_URL}/up/v5/rest/scheduling/CancelJob"
    assert put.headers["Content-Type"] == "application/json"


def test_reason_over_500_characters_is_shortened_and_the_preview_says_so(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    reason = "x" * 600
    preview = adapter.preview(job_cancel(reason=reason))
    assert any("600 characters" in w for w in preview.warnings)
    adapter.execute(job_cancel(reason=reason))
    sent = sim.cancelled[0].reason_desc
    assert sent is not None
    assert (len(sent), sent[-1]) == (500, "…")


def test_reason_of_exactly_500_characters_is_sent_whole(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    adapter.execute(job_cancel(reason="y" * 500))
    assert sim.cancelled[0].reason_desc == "y" * 500


@pytest.mark.parametrize(
    "request_",
    [
        job_cancel("J" * 51),
        job_cancel("has space"),
        job_cancel("JOB-1", reason_id=True),
        job_cancel("JOB-1", reason_id=-1),
        job_cancel("JOB-1", reason_id="3"),
        OperationRequest(operation="huawei.device.delete", vendor="huawei", targets=("x",)),
        OperationRequest(
            operation="servicepower.job.cancel", vendor="servicepower", targets=("a", "b")
        ),
    ],
)
def test_invalid_requests_are_refused_before_any_call(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator], request_: OperationRequest
) -> None:
    adapter, sim = sandbox
    for method in (adapter.preview, adapter.execute, adapter.describe):
        with pytest.raises(CancelRequestError):
            method(request_)
    assert sim.calls == []


# -- answers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [c for c in RETURN_CODES if c != "0"])
def test_every_return_code_is_named_numbered_and_explained(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator], code: str
) -> None:
    adapter, sim = sandbox
    sim.refuse_next(code)
    known = RETURN_CODES[code]
    with pytest.raises(VendorError) as caught:
        adapter.execute(job_cancel())
    assert caught.value.code == f"{known.name} ({code})"
    assert known.message.removesuffix(".") + " (ServiceBroker code 9)." in caught.value.message
    assert "ServiceBroker code 9" in caught.value.message
    assert caught.value.next_step
    assert len(puts(sim)) == 1  # a refusal is never retried
    assert "JOB-1001" in sim.jobs


def test_unknown_return_code_is_shown_verbatim(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    sim.refuse_next("417")
    with pytest.raises(VendorError) as caught:
        adapter.execute(job_cancel())
    assert caught.value.code == "417"
    assert len(puts(sim)) == 1


def test_cancelling_twice_is_sp_jobid_invalid(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    adapter.execute(job_cancel())
    with pytest.raises(VendorError) as caught:
        adapter.execute(job_cancel())
    assert caught.value.code == "SP_JOBID_INVALID (1)"
    assert "already cancelled" in caught.value.message
    assert len(puts(sim)) == 2


@pytest.mark.parametrize("broker_code", ["9", 9])
def test_refusal_code_may_be_a_string_or_a_number(broker_code: object) -> None:
    body = {
        "Success": False,
        "Code": broker_code,
        "Payload": {"returnCode": {"type": "Error", "code": 1}},
    }
    adapter = wire_adapter(lambda r: httpx.Response(200, json=body))
    with pytest.raises(VendorError) as caught:
        adapter.execute(job_cancel())
    assert caught.value.code == "SP_JOBID_INVALID (1)"
    assert "ServiceBroker code 9" in caught.value.message


@pytest.mark.parametrize("broker_code", ["0", 0])
def test_success_code_may_be_a_string_or_a_number(broker_code: object) -> None:
    body = {
        "Success": True,
        "Code": broker_code,
        "Payload": {"result": {"type": "OK", "code": "0"}},
    }
    headers = {"X-Request-Id": "req-7"}
    adapter = wire_adapter(lambda r: httpx.Response(200, json=body, headers=headers))
    assert adapter.execute(job_cancel()).vendor_request_ids == ("req-7",)


def test_refusal_without_a_return_code_shows_the_broker_code() -> None:
    body = {"Success": False, "Code": 12, "Message": "Scheduling not configured"}
    adapter = wire_adapter(lambda r: httpx.Response(200, json=body))
    with pytest.raises(VendorError) as caught:
        adapter.execute(job_cancel())
    assert caught.value.code == "12"
    assert "Scheduling not configured" in caught.value.message


@pytest.mark.parametrize(
    ("body", "disagreeing"),
    [
        (
            {"Success": False, "Code": 9, "Payload": {"returnCode": {"type": "OK", "code": "0"}}},
            "Scheduling return code SP_OK (0)",
        ),
        (
            {"Success": True, "Code": 9, "Payload": {"returnCode": {"type": "Error", "code": 1}}},
            "Scheduling return code SP_JOBID_INVALID (1)",
        ),
        (
            {"Success": True, "Code": 9, "Payload": {"result": {"type": "OK", "code": "0"}}},
            "ServiceBroker code 9",
        ),
        # Either way round, and whichever code disagrees (the ServiceBroker code too):
        ({"Success": False, "Code": "0"}, "Success false but ServiceBroker code 0"),
        ({"Success": False, "Code": 0, "Message": ""}, "Success false but ServiceBroker code 0"),
        (
            {"Success": False, "Code": 9, "Payload": {"returnCode": {"code": 0.0}}},
            "Scheduling return code 0.0",  # a zero spelled otherwise: it may mean SP_OK
        ),
        (
            {"Success": True, "Code": "0", "Payload": {"result": {"type": "Error", "code": "0"}}},
            "Success true but Scheduling result type Error",
        ),
        (
            {
                "Success": False,
                "Code": 9,
                "Payload": {"returnCode": {"code": "1"}, "result": {"type": "OK", "code": "0"}},
            },
            "Scheduling return code SP_OK (0), Scheduling result type OK",
        ),
    ],
)
def test_a_success_flag_its_codes_contradict_is_outcome_unknown(
    body: dict[str, object], disagreeing: str
) -> None:
    """Neither layer can be believed over the other: "failed" would say the job certainly
    still exists, "Cancelled" that it is gone."""
    sent: list[httpx.Request] = []
    adapter = wire_adapter(lambda r: sent.append(r) or httpx.Response(200, json=body))
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(job_cancel())
    assert disagreeing in caught.value.message and "contradicts itself" in caught.value.message
    assert "ServiceOptimizer first" in caught.value.next_step
    assert len(sent) == 1


def test_a_contradicting_answer_keeps_its_request_id_for_servicepower_support() -> None:
    body = {"Success": False, "Code": "0", "RequestId": "sp-req-42"}
    adapter = wire_adapter(lambda r: httpx.Response(200, json=body))
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(job_cancel())
    assert caught.value.vendor_request_id == "sp-req-42"


def test_a_5xx_to_the_cancel_keeps_its_request_id_for_servicepower_support() -> None:
    headers = {"x-request-id": "sp-req-500"}
    body = {"Code": "500", "Message": "internal error"}
    adapter = wire_adapter(lambda r: httpx.Response(500, json=body, headers=headers))
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(job_cancel())
    assert caught.value.vendor_request_id == "sp-req-500"


def test_answer_without_success_flag_is_outcome_unknown() -> None:
    adapter = wire_adapter(lambda r: httpx.Response(200, json={"Code": "0"}))
    with pytest.raises(OutcomeUnknown):
        adapter.execute(job_cancel())


def test_timeout_on_the_put_is_outcome_unknown_and_the_job_is_gone(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    sim.inject(Fault.TIMEOUT, path_contains="CancelJob", apply=True)
    with pytest.raises(OutcomeUnknown):
        adapter.execute(job_cancel())
    assert len(puts(sim)) == 1
    assert "JOB-1001" not in sim.jobs


def test_malformed_body_is_outcome_unknown(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    sim.inject(Fault.MALFORMED, path_contains="CancelJob")
    with pytest.raises(OutcomeUnknown):
        adapter.execute(job_cancel())
    assert len(puts(sim)) == 1


def test_server_error_is_outcome_unknown_not_retried(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    sim.inject(Fault.SERVER_ERROR, path_contains="CancelJob")
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(job_cancel())
    assert "(HTTP 500, code 500: " in caught.value.message
    assert "may or may not be cancelled" in caught.value.message
    assert "still exists" in caught.value.next_step
    assert len(puts(sim)) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_page_after_the_cancel_happened_is_outcome_unknown(
    clock: FakeClock, status: int
) -> None:
    sim = ServicePowerSimulator(clock=clock, system_token=SYSTEM_TOKEN)
    sim.add_job("JOB-1001")

    def cancel_then_lose_the_answer(request: httpx.Request) -> httpx.Response:
        answer = sim.handle(request)
        if request.url.path.endswith("CancelJob") and answer.status_code == 200:
            return httpx.Response(status, text="<html><h1>Gateway Timeout</h1></html>")
        return answer

    with pytest.raises(OutcomeUnknown) as caught:
        wire_adapter(cancel_then_lose_the_answer).execute(job_cancel())
    assert f"(HTTP {status}: " in caught.value.message
    assert "JOB-1001" not in sim.jobs  # it did happen: "failed" would be untrue
    assert len(puts(sim)) == 1


@pytest.mark.parametrize("status", [302, 303, 307])
def test_a_redirect_answering_the_cancel_is_outcome_unknown_whatever_its_body(status: int) -> None:
    sent: list[httpx.Request] = []

    def redirect(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        headers = {"location": "https://elsewhere.test/"}
        return httpx.Response(status, json={"Success": True, "Code": "0"}, headers=headers)

    with pytest.raises(OutcomeUnknown) as caught:
        wire_adapter(redirect).execute(job_cancel())
    assert f"servicepower answered HTTP {status} (a redirect" in caught.value.message
    assert "still exists" in caught.value.next_step
    assert len(sent) == 1


def test_400_is_a_vendor_error() -> None:
    answer = {"Code": "400", "Message": "Invalid CancelJob object"}
    adapter = wire_adapter(lambda r: httpx.Response(400, json=answer))
    with pytest.raises(VendorError, match="Invalid CancelJob object") as caught:
        adapter.execute(job_cancel())
    assert caught.value.http_status == 400


def test_unexpected_status_without_json_is_a_vendor_error() -> None:
    adapter = wire_adapter(lambda r: httpx.Response(404, text="<html>not found</html>"))
    with pytest.raises(VendorError) as caught:
        adapter.execute(job_cancel())
    assert caught.value.code == "HTTP 404"
    assert "BASE_URL" in caught.value.next_step


def test_throttling_is_retried_then_reported(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    sim.inject(Fault.THROTTLE, path_contains="CancelJob")
    assert adapter.execute(job_cancel("JOB-1001")).ok
    assert len(puts(sim)) == 2
    sim.inject(Fault.THROTTLE, path_contains="CancelJob", times=10)
    with pytest.raises(VendorThrottled):
        adapter.execute(job_cancel("JOB-1002"))
    assert "JOB-1002" in sim.jobs


def test_connection_failure_is_retried_because_nothing_was_sent(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    sim.inject(Fault.DISCONNECT, path_contains="CancelJob", times=3)
    with pytest.raises(VendorUnreachable):
        adapter.execute(job_cancel())
    assert len(puts(sim)) == 3
    assert adapter.execute(job_cancel()).ok


# -- preview, describe, secrets ---------------------------------------------------------------
def test_preview_changes_nothing_and_says_what_it_cannot_know(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator],
) -> None:
    adapter, sim = sandbox
    preview = adapter.preview(job_cancel(reason="INC-42", reason_id=3))
    assert preview.summary == (
        "ServicePower offers no read of a job over REST: opsgate cannot confirm job JOB-1001 "
        "exists before cancelling"
    )
    assert preview.warnings == [] and preview.verdict is Verdict.OK
    assert preview.facts["Undo"] == IRREVERSIBLE
    assert preview.facts["Job id"] == "JOB-1001"
    assert (preview.facts["Reason id"], preview.facts["Reason"]) == ("3", "INC-42")
    assert "credentials work" in preview.facts["Credentials"]
    assert [r.method for r in sim.calls] == ["POST"]
    assert puts(sim) == []
    assert set(sim.jobs) == set(SANDBOX_JOBS)


@pytest.mark.parametrize(
    ("reason", "reason_id", "sent"),
    [
        ("INC-42", 3, "reason id 3 and the reason's text"),
        (None, 7, "reason id 7, no text"),
        ("INC-42", None, "the reason's text, no id"),
        (None, None, None),
    ],
)
def test_the_preview_says_exactly_which_part_of_the_reason_is_sent(
    clock: FakeClock, reason: str | None, reason_id: int | None, sent: str | None
) -> None:
    adapter, _ = system_adapter(clock)
    given = {} if reason_id is None else {"reason_id": reason_id}
    facts = adapter.preview(job_cancel(reason=reason, **given)).facts
    said = facts.get("Reason sent")
    assert said == (None if sent is None else f"{sent} (Scheduling before 11.3 ignores it)")


def test_preview_with_system_token_calls_nothing(clock: FakeClock) -> None:
    adapter, sim = system_adapter(clock)
    preview = adapter.preview(job_cancel("JOB-1"))
    assert preview.facts["Reason"] == "(none)"
    assert "cannot be verified" in preview.facts["Credentials"]
    assert sim.calls == []


def test_describe_is_the_exact_put_with_the_token_masked(clock: FakeClock) -> None:
    adapter, sim = system_adapter(clock)
    [call] = adapter.describe(job_cancel("JOB-1", reason="why", reason_id=2))
    assert (call.method, call.url) == ("PUT", f"{BASE}/up/v5/rest/scheduling/CancelJob")
    assert call.headers["authorization"] == f"Bearer {MASK}"
    assert call.headers["content-type"] == "application/json"
    assert call.body is not None
    assert json.loads(call.body) == {
        "Id": "JOB-1",
        "CancelReason": {"cancelReasonId": "2", "cancelReasonDesc": "why"},
    }
    assert SYSTEM_TOKEN not in call.model_dump_json()
    assert sim.calls == []


def test_no_secret_reaches_describe_errors_or_logs(
    sandbox: tuple[ServicePowerAdapter, ServicePowerSimulator], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    adapter, sim = sandbox
    text = [adapter.check(), adapter.preview(job_cancel()).model_dump_json()]
    text += [c.model_dump_json() for c in adapter.describe(job_cancel())]
    sim.expire_tokens()
    adapter.execute(job_cancel())
    sim.inject(Fault.SERVER_ERROR, path_contains="CancelJob")
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(job_cancel("JOB-1002"))
    text.append(json.dumps(caught.value.detail()))
    tokens = [r.headers["Authorization"].split()[1] for r in puts(sim)]
    everything = "\n".join([*text, caplog.text])
    for secret in [SANDBOX_CLIENT_SECRET, *tokens]:
        assert secret not in everything
    assert "cancelling ServicePower job JOB-1001" in caplog.text


# -- construction -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "config",
    [
        ServicePowerSettings(),
        # The model refuses these; built unchecked, the adapter must refuse them too.
        ServicePowerSettings.model_construct(base_url=BASE),
        ServicePowerSettings.model_construct(base_url=BASE, client_id="c"),
        ServicePowerSettings.model_construct(token=SecretStr("t")),
    ],
)
def test_missing_settings_are_not_configured(config: ServicePowerSettings) -> None:
    with pytest.raises(NotConfigured):
        from_config(config)


def test_from_config_targets_the_configured_base_url() -> None:
    adapter = from_config(ServicePowerSettings(base_url=BASE + "/", token=SecretStr("t")))
    [call] = adapter.describe(job_cancel())
    assert call.url == f"{BASE}/up/v5/rest/scheduling/CancelJob"
    assert adapter.sandbox is False


def test_adapter_works_over_real_http(clock: FakeClock) -> None:
    sim = ServicePowerSimulator(clock=clock, system_token=SYSTEM_TOKEN)
    sim.add_job("JOB-9")
    with sim.serve() as base_url:
        config = ServicePowerSettings(base_url=base_url, token=SecretStr(SYSTEM_TOKEN))
        with httpx.Client(timeout=5) as client:
            adapter = ServicePowerAdapter(config=config, client=client, clock=clock)
            assert adapter.execute(job_cancel("JOB-9", reason="e2e")).ok
    assert sim.cancelled[0].reason_desc == "e2e"


def test_a_request_id_in_the_body_or_a_correlation_header_is_kept() -> None:
    ok = {"Success": True, "Code": "0", "CorrelationId": "c-1"}
    assert wire_adapter(lambda r: httpx.Response(200, json=ok)).execute(
        job_cancel()
    ).vendor_request_ids == ("c-1",)
    refused = {"Success": False, "Code": 9, "Payload": {"returnCode": {"code": "1"}}}
    headers = {"X-Correlation-Id": "corr-9"}
    adapter = wire_adapter(lambda r: httpx.Response(200, json=refused, headers=headers))
    with pytest.raises(VendorError) as caught:
        adapter.execute(job_cancel())
    assert caught.value.vendor_request_id == "corr-9"
