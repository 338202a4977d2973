"""EnosAdapter on the wire: describe(), secrets kept out of logs, URL encoding, odd answers."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from pydantic import SecretStr

from adapters.base import MASK
from adapters.clock import FakeClock
from adapters.enos.adapter import EnosAdapter, from_config
from adapters.enos.errors import CATALOG, vendor_error
from adapters.enos.plugin import sandboxed
from adapters.enos.settings import EnosSettings
from adapters.enos.simulator.api import (
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    SANDBOX_BASE_URL,
    SANDBOX_ORG_ID,
    SANDBOX_RUNNING_JOB_ID,
    SANDBOX_STOPPED_JOB_ID,
    EnosSimulator,
    demo_simulator,
)
from adapters.errors import (
    NotConfigured,
    OutcomeUnknown,
    VendorError,
    VendorThrottled,
    VendorUnreachable,
)
from adapters.simulator import Fault
from commands.model import OperationRequest

ORG, STOPPED = SANDBOX_ORG_ID, SANDBOX_STOPPED_JOB_ID


def delete(job: str, org: str = ORG) -> OperationRequest:
    return OperationRequest(
        operation="enos.ota-job.delete", vendor="enos", targets=(job,), params={"org": org}
    )


def secrets_seen(sim: EnosSimulator) -> set[str]:
    """The app secret plus every token, encryption and signature that went over the wire."""
    seen = {SANDBOX_APP_SECRET}
    for request in sim.calls:
        for header in ("apim-accesstoken", "apim-signature"):
            if header in request.headers:
                seen.add(request.headers[header])
        if request.content:
            body = json.loads(request.content)
            seen.update(str(body[k]) for k in ("encryption", "accessToken") if k in body)
    return seen


def test_describe_masks_token_and_signature_and_sends_nothing() -> None:
    built = sandboxed(FakeClock())
    adapter, sim = built.adapter, built.simulator
    adapter.preview(delete(STOPPED))  # a cached token exists: it must not leak either
    calls_before = len(sim.calls)
    (call,) = adapter.describe(delete(STOPPED))
    assert len(sim.calls) == calls_before
    assert call.method == "POST"
    url = httpx.URL(call.url)
    assert url.path == "/connect-service/v2.1/ota-jobs"
    assert dict(url.params) == {"action": "delete", "orgId": ORG, "jobId": STOPPED}
    assert call.headers["apim-accesstoken"] == MASK
    assert call.headers["apim-signature"] == MASK
    assert call.headers["apim-timestamp"].isdigit()
    assert call.body is not None
    assert "/apim-token-service/v2.0/token/get" in call.body
    dumped = call.model_dump_json()
    for secret in secrets_seen(sim):
        assert secret not in dumped


def test_no_secret_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    built = sandboxed(clock)
    adapter, sim = built.adapter, built.simulator
    with caplog.at_level(logging.DEBUG):
        adapter.check()
        adapter.preview(delete(STOPPED))
        sim.expire_tokens()
        adapter.execute(delete(STOPPED))
        clock.advance(7000)
        adapter.preview(delete(SANDBOX_RUNNING_JOB_ID))  # a refresh
        with pytest.raises(VendorError):
            adapter.execute(delete(SANDBOX_RUNNING_JOB_ID))
    assert "EnOS token obtained" in caplog.text  # the adapter did log
    assert len(sim.requests_to("/token/refresh")) == 1
    for secret in secrets_seen(sim):
        assert secret not in caplog.text


def test_identifiers_are_encoded_and_signed_decoded() -> None:
    built = sandboxed(FakeClock())
    adapter, sim = built.adapter, built.simulator
    org, job = "o1+2 &x=y", "job/../a?b#c%d"
    sim.add_job(org, job, name="odd")
    assert adapter.preview(delete(job, org)).facts["name"] == "odd"
    assert adapter.execute(delete(job, org)).vendor_request_ids
    assert sim.job(org, job) is None
    raw = sim.requests_to("action=delete")[0].url.query.decode()
    assert "jobId=job%2F..%2Fa%3Fb%23c%25d" in raw
    assert "orgId=o1%2B2+%26x%3Dy" in raw
    assert "&x=y" not in raw


def test_an_unknown_code_is_shown_verbatim() -> None:
    sim = demo_simulator(clock=FakeClock())

    def handler(request: httpx.Request) -> httpx.Response:
        if "ota-jobs" in request.url.path:
            body = {"code": 31234, "msg": "Quota exceeded for org", "requestId": "rq-1"}
            return httpx.Response(200, json=body)
        return sim.handle(request)

    adapter = _adapter(httpx.MockTransport(handler))
    with pytest.raises(VendorError) as caught:
        adapter.execute(delete(STOPPED))
    assert caught.value.code == "31234"
    assert caught.value.vendor_request_id == "rq-1"
    assert "Quota exceeded for org" in caught.value.message


def test_a_gateway_5xx_on_delete_is_outcome_unknown_but_on_a_read_unreachable() -> None:
    sim = demo_simulator(clock=FakeClock())

    def handler(request: httpx.Request) -> httpx.Response:
        if "ota-jobs" in request.url.path:
            return httpx.Response(504, text="<html>Gateway Timeout</html>")
        return sim.handle(request)

    adapter = _adapter(httpx.MockTransport(handler))
    with pytest.raises(OutcomeUnknown):
        adapter.execute(delete(STOPPED))
    with pytest.raises(VendorUnreachable):
        adapter.preview(delete(STOPPED))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (504, {"status": 504, "msg": "Gateway Time-out"}),
        (502, {"code": 502, "msg": "Bad Gateway"}),
        (503, {"apim_status": 503}),
        (500, {"code": 0, "msg": "OK", "requestId": "rq-500"}),
        (302, {"code": 0, "msg": "OK"}),
    ],
)
def test_a_5xx_or_a_redirect_to_the_delete_is_unknown_whatever_its_body(
    status: int, body: dict[str, object]
) -> None:
    sim = demo_simulator(clock=FakeClock())

    def gateway(request: httpx.Request) -> httpx.Response:
        answer = sim.handle(request)  # EnOS deletes; the gateway in front answers instead
        if "action=delete" in str(request.url):
            return httpx.Response(status, json=body)
        return answer

    with pytest.raises(OutcomeUnknown) as caught:
        _adapter(httpx.MockTransport(gateway)).execute(delete(STOPPED))
    assert f"HTTP {status}" in caught.value.message
    assert "state is unknown" in caught.value.message
    assert "EnOS console" in caught.value.next_step
    assert len(sim.requests_to("action=delete")) == 1  # never sent again
    assert sim.job(ORG, STOPPED) is None  # it did happen: "failed" would be untrue


def test_a_5xx_with_a_code_to_a_read_is_still_the_vendors_error() -> None:
    adapter = _answering({"status": 504, "msg": "Gateway Time-out"}, status=504)
    with pytest.raises(VendorError) as caught:
        adapter.preview(delete(STOPPED))
    assert caught.value.code == "504"


def test_a_success_without_request_id_still_succeeds() -> None:
    sim = demo_simulator(clock=FakeClock())

    def handler(request: httpx.Request) -> httpx.Response:
        if "ota-jobs" in request.url.path:
            return httpx.Response(200, json={"code": "0", "msg": "OK", "data": None})
        return sim.handle(request)

    outcome = _adapter(httpx.MockTransport(handler)).execute(delete(STOPPED))
    assert outcome.vendor_request_ids == ()
    assert not outcome.already_gone


def test_every_documented_code_has_a_message_and_next_step() -> None:
    for code in ("1001", "1002", "1003", "1004", "1005", "1202", "1203", "1204"):
        assert code in CATALOG
    for code in ("24404", "24618", "24500"):
        assert code in CATALOG
    for code, info in CATALOG.items():
        error = vendor_error(code, vendor_message="m", request_id="r", http_status=200)
        assert isinstance(error, info.kind)
        assert error.message and error.next_step
        assert (error.code, error.vendor_request_id, error.retryable) == (code, "r", info.retryable)
    assert CATALOG["1005"].retryable
    assert not CATALOG["1002"].retryable


def test_missing_credentials_are_not_configured() -> None:
    # The model refuses half a key; built unchecked, the adapter must refuse it too.
    with pytest.raises(NotConfigured):
        from_config(
            EnosSettings.model_construct(base_url=SANDBOX_BASE_URL, app_key=SANDBOX_APP_KEY)
        )


def test_from_config_uses_the_configured_timeout() -> None:
    config = EnosSettings(
        base_url="https://apim-ppe1.envisioniot.com/",
        app_key="k",
        app_secret=SecretStr("s"),
        timeout=3.5,
    )
    adapter = from_config(config)
    assert not adapter.sandbox
    (call,) = adapter.describe(delete(STOPPED))
    assert call.url.startswith("https://apim-ppe1.envisioniot.com/connect-service/")
    assert adapter._client.timeout.read == 3.5


def test_sandboxed_is_marked_and_seeded() -> None:
    built = sandboxed(FakeClock())
    adapter, sim = built.adapter, built.simulator
    assert adapter.sandbox
    assert adapter.vendor == "enos"
    assert sim.job(ORG, STOPPED) is not None
    running = sim.job(ORG, SANDBOX_RUNNING_JOB_ID)
    assert running is not None
    assert running.status == "started"


def test_the_sandbox_answers_over_real_http() -> None:
    sim = demo_simulator(clock=FakeClock())
    with sim.serve() as base_url:
        config = EnosSettings(
            base_url=base_url, app_key=SANDBOX_APP_KEY, app_secret=SecretStr(SANDBOX_APP_SECRET)
        )
        with httpx.Client(timeout=5) as client:
            adapter = EnosAdapter(config=config, client=client, clock=sim.clock)
            assert adapter.preview(delete(STOPPED)).found
            assert adapter.execute(delete(STOPPED)).vendor_request_ids
    assert sim.job(ORG, STOPPED) is None


def test_a_sandbox_fault_reaches_the_adapter_as_unreachable() -> None:
    built = sandboxed(FakeClock())
    adapter, sim = built.adapter, built.simulator
    sim.inject(Fault.DISCONNECT, times=3, path_contains="/token/get")
    with pytest.raises(VendorUnreachable):
        adapter.check()


def _adapter(transport: httpx.MockTransport) -> EnosAdapter:
    config = EnosSettings(
        base_url=SANDBOX_BASE_URL, app_key=SANDBOX_APP_KEY, app_secret=SecretStr(SANDBOX_APP_SECRET)
    )
    client = httpx.Client(transport=transport)
    return EnosAdapter(config=config, client=client, clock=FakeClock())


def _answering(ota_body: object, *, status: int = 200, token_body: object = None) -> EnosAdapter:
    """An adapter whose OTA calls (and, if given, token calls) get these canned answers."""
    sim = demo_simulator(clock=FakeClock())

    def handler(request: httpx.Request) -> httpx.Response:
        if "ota-jobs" in request.url.path:
            return httpx.Response(status, json=ota_body)
        if token_body is not None:
            return httpx.Response(200, json=token_body)
        return sim.handle(request)

    return _adapter(httpx.MockTransport(handler))


def test_preview_reads_plain_strings_and_tolerates_missing_fields() -> None:
    data = {"name": "Plain name", "status": "stopped", "createTime": "2026-01-01 00:00:00"}
    preview = _answering({"code": 0, "msg": "OK", "requestId": "r", "data": data}).preview(
        delete(STOPPED)
    )
    assert preview.facts == {
        "name": "Plain name",
        "status": "stopped",
        "firmware": "unknown",
        "type": "unknown",
        "created": "2026-01-01 00:00:00",
    }


@pytest.mark.parametrize("create_time", [10**20, -(10**20)])
def test_a_create_time_no_calendar_holds_is_shown_as_sent(create_time: int) -> None:
    """A ``createTime`` in milliseconds that is no date (too far out) is shown as EnOS sent it,
    rather than making the whole preview fail."""
    data = {"name": "Far", "status": "stopped", "createTime": create_time}
    preview = _answering({"code": 0, "msg": "OK", "requestId": "r", "data": data}).preview(
        delete(STOPPED)
    )
    assert preview.facts["created"] == str(create_time)


def test_a_bare_http_429_is_throttling() -> None:
    adapter = _answering(None, status=429)
    with pytest.raises(VendorThrottled) as caught:
        adapter.execute(delete(STOPPED))
    assert caught.value.code == "429"


def test_a_token_answer_without_a_token_is_an_error() -> None:
    adapter = _answering({}, token_body={"status": 0, "msg": "SUCCESS", "data": {}})
    with pytest.raises(VendorError) as caught:
        adapter.check()
    assert caught.value.code == "1005"


def test_a_refresh_that_fails_otherwise_is_reported() -> None:
    clock = FakeClock()
    built = sandboxed(clock)
    adapter, sim = built.adapter, built.simulator
    adapter.preview(delete(STOPPED))
    clock.advance(7000)
    sim.inject(Fault.SERVER_ERROR, times=3, path_contains="/token/refresh")
    with pytest.raises(VendorError) as caught:
        adapter.execute(delete(STOPPED))  # execute has no outer retry: the token one is seen
    assert caught.value.code == "1005"
    assert len(sim.requests_to("/token/refresh")) == 3
    assert len(sim.requests_to("/token/get")) == 1
    assert sim.requests_to("action=delete") == []
