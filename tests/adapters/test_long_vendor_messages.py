"""A vendor whose answer quotes a huge message (a stack trace, a page of HTML in a JSON string)
cannot bloat the request's outcome or its audit event, which are kept for ever: what an error
quotes is cut to `MESSAGE_LIMIT` characters, saying how much was left out. The code is kept."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import SecretStr

from adapters.clock import FakeClock
from adapters.enos.adapter import EnosAdapter
from adapters.enos.settings import EnosSettings
from adapters.enos.simulator import api as enos
from adapters.errors import MESSAGE_LIMIT, AdapterError, OutcomeUnknown, VendorError
from commands.model import OperationRequest

DELETE = OperationRequest(
    operation="enos.ota-job.delete",
    vendor="enos",
    targets=(enos.SANDBOX_STOPPED_JOB_ID,),
    params={"org": enos.SANDBOX_ORG_ID},
)


def delete_answered(body: dict[str, object]) -> AdapterError:
    sim = enos.demo_simulator(clock=FakeClock())

    def answer(request: httpx.Request) -> httpx.Response:
        if "action=delete" in str(request.url):
            return httpx.Response(200, json=body)
        return sim.handle(request)

    config = EnosSettings(
        base_url=enos.SANDBOX_BASE_URL,
        app_key=enos.SANDBOX_APP_KEY,
        app_secret=SecretStr(enos.SANDBOX_APP_SECRET),
    )
    client = httpx.Client(transport=httpx.MockTransport(answer))
    adapter = EnosAdapter(config=config, client=client, clock=FakeClock())
    with pytest.raises(AdapterError) as caught:
        adapter.execute(DELETE)
    return caught.value


@pytest.mark.parametrize(("code", "kind"), [(24618, VendorError), (24500, OutcomeUnknown)])
def test_a_huge_vendor_message_is_cut_and_says_so(code: int, kind: type[AdapterError]) -> None:
    error = delete_answered({"code": code, "msg": "stack frame " * 50_000, "requestId": "r-1"})

    assert isinstance(error, kind)
    assert len(error.message) <= MESSAGE_LIMIT
    assert error.message.endswith("more characters)")
    assert "stack frame stack frame" in error.message  # the start of what it said stays
    assert len(json.dumps(error.detail())) < 2 * MESSAGE_LIMIT
    assert str(code) in str(error)


def test_a_message_within_the_limit_is_kept_whole() -> None:
    error = delete_answered({"code": 24618, "msg": "job is running", "requestId": "r-1"})
    assert error.message.endswith('(EnOS: "job is running")')


@pytest.mark.parametrize("offset", range(MESSAGE_LIMIT - 60, MESSAGE_LIMIT + 1))
def test_a_secret_quoted_where_the_message_is_cut_is_masked_not_half_shown(offset: int) -> None:
    """A login endpoint echoing the refused request (the secret in it) at the limit: the
    secret is masked before the message is cut, so no beginning of it stays behind."""
    secret = "s3cr3t-Key-0123"
    said = "a" * offset + secret + "&appId=app-1&" + "b" * 100  # longer than the limit
    error = VendorError(said, vendor="v", code="1", next_step=said).hiding(secret)

    assert len(error.message) <= MESSAGE_LIMIT
    for shown in (error.message, error.next_step, str(error)):
        assert "s3cr" not in shown
