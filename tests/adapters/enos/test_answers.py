"""What confirms an EnOS delete: only the API's documented success, ``"code": 0`` (VENDORS.md §1).
A 2xx without it (a token-service or gateway shape) confirms nothing, and a replay refused with
1001 may follow a copy of the delete that went through: both end unknown, never "Deleted"."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from adapters.clock import FakeClock
from adapters.enos.adapter import EnosAdapter
from adapters.enos.errors import CATALOG, CHECK_THE_JOB
from adapters.enos.settings import EnosSettings
from adapters.enos.simulator.api import (
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    SANDBOX_BASE_URL,
    SANDBOX_ORG_ID,
    SANDBOX_STOPPED_JOB_ID,
    demo_simulator,
)
from adapters.errors import OutcomeUnknown, VendorAuthError, VendorError, VendorThrottled
from commands.model import OperationRequest

DELETE = OperationRequest(
    operation="enos.ota-job.delete",
    vendor="enos",
    targets=(SANDBOX_STOPPED_JOB_ID,),
    params={"org": SANDBOX_ORG_ID},
)


def answering(status: int, body: object) -> tuple[EnosAdapter, list[int]]:
    """An adapter whose deletes get `status` and `body` (JSON, or raw when bytes; all else is
    the simulator), and the list of deletes sent."""
    sim = demo_simulator(clock=FakeClock())
    sent: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if "action=delete" in str(request.url):
            sent.append(1)
            if isinstance(body, bytes):
                return httpx.Response(status, content=body, headers={"content-type": "text/html"})
            return httpx.Response(status, json=body)
        return sim.handle(request)

    config = EnosSettings(
        base_url=SANDBOX_BASE_URL, app_key=SANDBOX_APP_KEY, app_secret=SecretStr(SANDBOX_APP_SECRET)
    )
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return EnosAdapter(config=config, client=client, clock=FakeClock()), sent


@pytest.mark.parametrize(
    "body",
    [
        {"status": 0, "msg": "SUCCESS"},  # the token service's success shape
        {"apim_status": 0, "requestId": "r-1"},  # the gateway's, as old clients saw it
        {"code": None, "status": "0", "msg": "OK"},
    ],
)
def test_a_delete_answered_without_code_0_is_unknown_not_deleted(body: dict[str, object]) -> None:
    adapter, sent = answering(200, body)
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(DELETE)
    assert '"code": 0' in caught.value.message and "state is unknown" in caught.value.message
    assert caught.value.next_step == CHECK_THE_JOB
    assert sent == [1]  # never sent again


def test_a_delete_answered_code_0_is_deleted() -> None:
    adapter, _ = answering(200, {"code": 0, "msg": "OK", "requestId": "r-ok", "data": None})
    assert adapter.execute(DELETE).vendor_request_ids == ("r-ok",)


def test_a_preview_still_reads_an_answer_without_code() -> None:
    """Reads are not held to the delete's success: a zero in any key reads as no refusal."""
    sim = demo_simulator(clock=FakeClock())

    def handler(request: httpx.Request) -> httpx.Response:
        answer = sim.handle(request)
        if "action=get" not in str(request.url):
            return answer
        body = answer.json()
        return httpx.Response(200, json={"status": body.pop("code"), **body})

    config = EnosSettings(
        base_url=SANDBOX_BASE_URL, app_key=SANDBOX_APP_KEY, app_secret=SecretStr(SANDBOX_APP_SECRET)
    )
    client = httpx.Client(transport=httpx.MockTransport(handler))
    preview = EnosAdapter(config=config, client=client, clock=FakeClock()).preview(DELETE)
    assert preview.found and preview.facts["status"] == "stopped"


def test_a_replay_refused_with_1001_on_the_delete_is_unknown() -> None:
    """opsgate never reuses a timestamp: a signature the gateway saw before is a copy of this
    very delete (a proxy's resend), which arrived first and may have deleted the job."""
    body = {"status": 1001, "msg": "Repeated requests with duplicated encryption."}
    adapter, sent = answering(401, body)
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(DELETE)
    assert "1001" in caught.value.message and "copy of this very request" in caught.value.message
    assert sent == [1]


def test_1001_is_described_for_api_calls_as_well_as_token_requests() -> None:
    info = CATALOG["1001"]
    assert "signature" in info.message and "token service saw" not in info.message
    assert info.kind is VendorAuthError and info.retryable  # a read or token request: try again


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"code": 0, "msg": "OK"}),
        (401, {"code": 0, "msg": "OK"}),
        (403, {"code": 0, "msg": "OK", "requestId": "r-4"}),
        (404, {"code": 0}),
        (409, {"code": "0"}),
        (403, b"<html>Request blocked</html>"),  # a firewall's page
        (404, b"Not Found"),
        (400, b""),
    ],
)
def test_a_4xx_to_the_delete_is_a_refusal_naming_its_status_whatever_its_body(
    status: int, body: object
) -> None:
    """A refusal status is not undone by a `"code": 0` in the body, and a 4xx that is not JSON
    is still a refusal (not an unreachable vendor): failed, sent once."""
    adapter, sent = answering(status, body)
    with pytest.raises(VendorError) as caught:
        adapter.execute(DELETE)
    assert caught.value.code == f"HTTP {status}" and caught.value.http_status == status
    assert f"refused the call with HTTP {status}" in caught.value.message
    assert not caught.value.retryable
    assert sent == [1]


def test_a_4xx_keeps_the_meaning_enos_documents_for_its_code() -> None:
    adapter, sent = answering(404, {"code": 24404, "msg": "Job not found"})
    assert adapter.execute(DELETE).already_gone  # the preview found it: deleted since
    adapter, sent = answering(400, {"code": 24618, "msg": "running"})
    with pytest.raises(VendorError) as caught:
        adapter.execute(DELETE)
    assert caught.value.code == "24618" and sent == [1]


@pytest.mark.parametrize(
    ("body", "quoted"),
    [
        ({"code": 0.0, "msg": "OK", "requestId": "q"}, '`"code": 0.0`'),
        ({"code": "00", "msg": "OK"}, '`"code": "00"`'),
        ({"code": 0, "msg": "OK", "apim_status": 1}, '`"code": 0, "apim_status": 1`'),
        ({"code": 0, "status": 1}, '`"code": 0, "status": 1`'),
    ],
)
def test_a_zero_spelled_otherwise_or_beside_a_gateway_code_is_unknown(
    body: dict[str, object], quoted: str
) -> None:
    """Neither is the documented success, nor a certain refusal: the job may be gone."""
    adapter, sent = answering(200, body)
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(DELETE)
    assert quoted in caught.value.message and "state is unknown" in caught.value.message
    assert caught.value.next_step == CHECK_THE_JOB
    assert sent == [1]


def test_a_read_answered_429_with_a_page_is_a_throttle_not_an_unreadable_answer() -> None:
    """A gateway's throttle page on a read says no code of EnOS's: the 429 is the throttle."""
    sim = demo_simulator(clock=FakeClock())

    def handler(request: httpx.Request) -> httpx.Response:
        if "action=get" in str(request.url):
            return httpx.Response(429, content=b"<html>slow down</html>")
        return sim.handle(request)

    config = EnosSettings(
        base_url=SANDBOX_BASE_URL, app_key=SANDBOX_APP_KEY, app_secret=SecretStr(SANDBOX_APP_SECRET)
    )
    client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(VendorThrottled) as caught:
        EnosAdapter(config=config, client=client, clock=FakeClock()).preview(DELETE)
    assert caught.value.http_status == 429
