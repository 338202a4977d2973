"""EnosAdapter against the EnOS simulator: signing, tokens, preview, execute and its failures."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from pydantic import SecretStr

from adapters.base import Verdict
from adapters.clock import FakeClock
from adapters.enos.adapter import EnosAdapter, encryption, sign
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
    AdapterError,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
    VendorUnreachable,
)
from adapters.simulator import Fault
from commands.model import OperationRequest

ORG, STOPPED, RUNNING = SANDBOX_ORG_ID, SANDBOX_STOPPED_JOB_ID, SANDBOX_RUNNING_JOB_ID


def delete(job: str, org: str = ORG) -> OperationRequest:
    return OperationRequest(
        operation="enos.ota-job.delete", vendor="enos", targets=(job,), params={"org": org}
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wired(clock: FakeClock) -> tuple[EnosAdapter, EnosSimulator]:
    built = sandboxed(clock)
    return built.adapter, built.simulator


@pytest.fixture
def adapter(wired: tuple[EnosAdapter, EnosSimulator]) -> EnosAdapter:
    return wired[0]


@pytest.fixture
def sim(wired: tuple[EnosAdapter, EnosSimulator]) -> EnosSimulator:
    return wired[1]


def adapter_for(sim: EnosSimulator, clock: FakeClock, *, key: str, secret: str) -> EnosAdapter:
    config = EnosSettings(base_url=SANDBOX_BASE_URL, app_key=key, app_secret=SecretStr(secret))
    client = httpx.Client(transport=sim.transport())
    return EnosAdapter(config=config, client=client, clock=clock, sandbox=True)


# -- signing ------------------------------------------------------------------------------------
def test_sign_matches_the_vendor_test_vector() -> None:
    body = json.dumps({"count": 20, "page": 1, "desc": "描述"}, indent=2, ensure_ascii=False)
    signature = sign(
        token="xxxxaaaxxxx",
        params=[("k3", "v3"), ("k1", "v1"), ("k2", "v2")],
        body=body.encode(),
        timestamp="1572574909697",
        app_secret="xxxappSecretxxx",
    )
    assert signature == "59828328f6c1f9771015dc74e4929ae30f518a35a3d2353972c2ea46556fc981"


def test_token_request_carries_app_key_timestamp_and_encryption(
    adapter: EnosAdapter, sim: EnosSimulator, clock: FakeClock
) -> None:
    adapter.preview(delete(STOPPED))
    (token_call,) = sim.requests_to("/token/get")
    body = json.loads(token_call.content)
    assert set(body) == {"appKey", "timestamp", "encryption"}
    assert body["appKey"] == SANDBOX_APP_KEY
    assert body["timestamp"] == int(clock.now() * 1000)
    plain = f"{SANDBOX_APP_KEY}{body['timestamp']}{SANDBOX_APP_SECRET}".encode()
    assert body["encryption"] == hashlib.sha256(plain).hexdigest()
    assert body["encryption"] == encryption(
        app_key=SANDBOX_APP_KEY, timestamp=str(body["timestamp"]), app_secret=SANDBOX_APP_SECRET
    )


# -- tokens -------------------------------------------------------------------------------------
def test_token_is_cached_across_calls(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    adapter.preview(delete(STOPPED))
    adapter.preview(delete(RUNNING))
    adapter.execute(delete(STOPPED))
    assert len(sim.requests_to("/apim-token-service/")) == 1
    tokens = {r.headers["apim-accesstoken"] for r in sim.requests_to("/ota-jobs")}
    assert len(tokens) == 1


def test_token_is_refreshed_before_it_expires(
    adapter: EnosAdapter, sim: EnosSimulator, clock: FakeClock
) -> None:
    adapter.preview(delete(STOPPED))
    first = sim.requests_to("/ota-jobs")[-1].headers["apim-accesstoken"]
    clock.advance(7200 - 200)  # inside the 300 s renewal margin, still valid
    adapter.preview(delete(STOPPED))
    (refresh,) = sim.requests_to("/token/refresh")
    assert json.loads(refresh.content)["accessToken"] == first
    assert sim.requests_to("/ota-jobs")[-1].headers["apim-accesstoken"] != first
    assert len(sim.requests_to("/token/get")) == 1


def test_failed_refresh_falls_back_to_a_new_token(
    adapter: EnosAdapter, sim: EnosSimulator, clock: FakeClock
) -> None:
    adapter.preview(delete(STOPPED))
    clock.advance(7000)
    sim.expire_tokens()  # the refresh now fails with 1204
    assert adapter.preview(delete(STOPPED)).found
    assert len(sim.requests_to("/token/refresh")) == 1
    assert len(sim.requests_to("/token/get")) == 2


def test_lapsed_token_is_replaced_without_trying_a_refresh(
    adapter: EnosAdapter, sim: EnosSimulator, clock: FakeClock
) -> None:
    adapter.preview(delete(STOPPED))
    clock.advance(8000)
    adapter.preview(delete(STOPPED))
    assert sim.requests_to("/token/refresh") == []
    assert len(sim.requests_to("/token/get")) == 2


def test_expired_token_is_renewed_once_and_the_call_retried_once(
    adapter: EnosAdapter, sim: EnosSimulator
) -> None:
    adapter.preview(delete(STOPPED))
    sim.expire_tokens()  # our cache still believes the token is good
    outcome = adapter.execute(delete(STOPPED))
    assert outcome.vendor_request_ids == (sim.last_request_id,)
    assert len(sim.requests_to("action=delete")) == 2
    assert len(sim.requests_to("/token/get")) == 2
    assert sim.job(ORG, STOPPED) is None


def test_token_expired_twice_is_an_auth_error_after_one_retry(clock: FakeClock) -> None:
    sim = demo_simulator(clock=clock)
    sim.apim.token_lifetime = 0  # every token is born expired
    adapter = adapter_for(sim, clock, key=SANDBOX_APP_KEY, secret=SANDBOX_APP_SECRET)
    with pytest.raises(VendorAuthError) as caught:
        adapter.execute(delete(STOPPED))
    assert caught.value.code == "1203"
    assert len(sim.requests_to("action=delete")) == 2
    assert sim.job(ORG, STOPPED) is not None


@pytest.mark.parametrize(
    ("key", "secret", "code", "words"),
    [
        ("no-such-app", SANDBOX_APP_SECRET, "1002", "appKey does not exist"),
        (SANDBOX_APP_KEY, "wrong-secret", "1003", "app secret does not match"),
    ],
)
def test_refused_credentials_are_auth_errors(
    clock: FakeClock, key: str, secret: str, code: str, words: str
) -> None:
    sim = demo_simulator(clock=clock)
    adapter = adapter_for(sim, clock, key=key, secret=secret)
    with pytest.raises(VendorAuthError) as caught:
        adapter.preview(delete(STOPPED))
    assert caught.value.code == code
    assert words in caught.value.message
    assert "`OPSGATE_ENOS__APP_SECRET`" in caught.value.next_step
    assert sim.requests_to("/ota-jobs") == []


def test_token_service_internal_error_is_retried(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    sim.inject(Fault.SERVER_ERROR, path_contains="/token/get")
    assert adapter.check() == "EnOS token OK (expires in 7200 s)"
    bodies = [json.loads(r.content) for r in sim.requests_to("/token/get")]
    assert len(bodies) == 2
    assert bodies[0]["timestamp"] != bodies[1]["timestamp"]  # a pair is usable once (1001)


def test_check_reports_the_token_lifetime(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    assert adapter.check() == "EnOS token OK (expires in 7200 s)"
    assert len(sim.requests_to("/token/get")) == 1


# -- preview ------------------------------------------------------------------------------------
def test_preview_of_a_stopped_job(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    preview = adapter.preview(delete(STOPPED))
    assert preview.found
    assert preview.warnings == []
    assert preview.facts == {
        "name": "Inverter firmware 3.2.1 rollout",
        "status": "stopped",
        "firmware": "fw-inv-321 3.2.1",
        "type": "upgrade",
        "created": "2025-12-01 00:00:00 UTC",
        "product": "invCtl01",
    }
    assert STOPPED in preview.summary
    assert "stopped" in preview.summary
    assert sim.job(ORG, STOPPED) is not None  # read-only
    assert [r.method for r in sim.requests_to("/ota-jobs")] == ["GET"]


def test_preview_of_a_running_job_is_blocked_with_24618(adapter: EnosAdapter) -> None:
    preview = adapter.preview(delete(RUNNING))
    assert preview.facts["status"] == "started"
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert preview.blocked.code == "24618"
    assert "running" in preview.blocked.message
    assert f"`action=stop&orgId={ORG}&jobId={RUNNING}`" in preview.blocked.next_step
    assert preview.warnings == []


def test_preview_of_a_missing_job(adapter: EnosAdapter) -> None:
    preview = adapter.preview(delete("otajob-nope"))
    assert not preview.found
    assert "otajob-nope" in preview.summary
    assert "24404" in preview.summary
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert preview.blocked.code == "24404" and "`--org`" in preview.blocked.next_step


def test_preview_of_a_job_deleted_before_says_it_may_be_gone_already(adapter: EnosAdapter) -> None:
    """A job opsgate deleted a minute ago previews as 24404: the next step named only a wrong id
    or `--org`, sending the engineer to hunt for a typo (Huawei's says "it may have been
    deleted already")."""
    adapter.execute(delete(STOPPED))
    preview = adapter.preview(delete(STOPPED))
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert preview.blocked.next_step.endswith("the job may have been deleted already.")
    assert "`--org`" in preview.blocked.next_step


def test_preview_in_a_mistyped_org_is_blocked(adapter: EnosAdapter) -> None:
    preview = adapter.preview(delete(STOPPED, org="o1572426842484"))
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert "o1572426842484" in preview.blocked.message


def test_preview_of_a_stopped_job_is_ok(adapter: EnosAdapter) -> None:
    assert adapter.preview(delete(STOPPED)).verdict is Verdict.OK


def test_preview_retries_an_internal_error(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    sim.inject(Fault.SERVER_ERROR, path_contains="action=get")
    assert adapter.preview(delete(STOPPED)).found
    assert len(sim.requests_to("action=get")) == 2


def test_preview_gives_up_on_a_persistently_malformed_answer(
    adapter: EnosAdapter, sim: EnosSimulator
) -> None:
    sim.inject(Fault.MALFORMED, times=3, path_contains="action=get")
    with pytest.raises(VendorUnreachable):
        adapter.preview(delete(STOPPED))


# -- execute ------------------------------------------------------------------------------------
def test_execute_deletes_and_keeps_the_request_id(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    outcome = adapter.execute(delete(STOPPED))
    assert not outcome.already_gone
    assert outcome.vendor_request_ids == (sim.last_request_id,)
    assert outcome.vendor_request_ids[0]
    assert STOPPED in outcome.summary
    assert sim.job(ORG, STOPPED) is None
    (call,) = sim.requests_to("action=delete")
    assert call.method == "POST"
    assert call.content == b""


def test_execute_on_a_running_job_is_refused(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    with pytest.raises(VendorError) as caught:
        adapter.execute(delete(RUNNING))
    error = caught.value
    assert error.code == "24618"
    assert error.vendor_request_id == sim.last_request_id
    assert "Stop the job first" in error.next_step
    assert not error.retryable
    assert sim.job(ORG, RUNNING) is not None


def test_execute_on_a_missing_job_is_already_gone(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    assert adapter.preview(delete(STOPPED)).found
    adapter.execute(delete(STOPPED))  # as if someone else deleted it after the preview
    outcome = adapter.execute(delete(STOPPED))
    assert outcome.already_gone
    assert "24404" in outcome.summary
    assert outcome.vendor_request_ids == (sim.last_request_id,)


def test_internal_error_on_delete_is_unknown_and_not_resent(
    adapter: EnosAdapter, sim: EnosSimulator
) -> None:
    sim.inject(Fault.SERVER_ERROR, path_contains="action=delete", apply=True)  # deleted, then 24500
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(delete(STOPPED))
    message = caught.value.message
    assert "24500" in message and "state is unknown" in message
    assert f"requestId {sim.last_request_id}" in message
    assert "EnOS console" in caught.value.next_step
    assert len(sim.requests_to("action=delete")) == 1
    assert sim.job(ORG, STOPPED) is None  # it did happen: "failed" would be untrue


def test_internal_error_before_deleting_is_unknown_too(
    adapter: EnosAdapter, sim: EnosSimulator
) -> None:
    """EnOS's 24500 does not say whether the job was deleted: either way it is not resent."""
    sim.inject(Fault.SERVER_ERROR, path_contains="action=delete")
    with pytest.raises(OutcomeUnknown):
        adapter.execute(delete(STOPPED))
    assert len(sim.requests_to("action=delete")) == 1
    assert sim.job(ORG, STOPPED) is not None


def test_timeout_on_delete_is_outcome_unknown(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    sim.inject(Fault.TIMEOUT, path_contains="action=delete", apply=True)
    with pytest.raises(OutcomeUnknown):
        adapter.execute(delete(STOPPED))
    assert sim.job(ORG, STOPPED) is None  # the vendor did delete it
    assert len(sim.requests_to("action=delete")) == 1


def test_malformed_answer_to_delete_is_outcome_unknown(
    adapter: EnosAdapter, sim: EnosSimulator
) -> None:
    sim.inject(Fault.MALFORMED, path_contains="action=delete")
    with pytest.raises(OutcomeUnknown, match="state is unknown"):
        adapter.execute(delete(STOPPED))
    assert len(sim.requests_to("action=delete")) == 1


def test_disconnect_is_unreachable_and_changes_nothing(
    adapter: EnosAdapter, sim: EnosSimulator
) -> None:
    sim.inject(Fault.DISCONNECT, path_contains="action=delete")
    with pytest.raises(VendorUnreachable):
        adapter.execute(delete(STOPPED))
    assert sim.job(ORG, STOPPED) is not None


def test_throttled_delete_is_reported_not_retried(adapter: EnosAdapter, sim: EnosSimulator) -> None:
    sim.inject(Fault.THROTTLE, path_contains="action=delete")
    with pytest.raises(VendorThrottled) as caught:
        adapter.execute(delete(STOPPED))
    assert caught.value.retryable
    assert len(sim.requests_to("action=delete")) == 1


def test_execute_rejects_a_request_for_another_operation(
    adapter: EnosAdapter, sim: EnosSimulator
) -> None:
    wrong = OperationRequest(operation="huawei.package.delete", vendor="huawei", targets=("f",))
    with pytest.raises(AdapterError, match=r"enos\.ota-job\.delete"):
        adapter.execute(wrong)
    no_org = OperationRequest(operation="enos.ota-job.delete", vendor="enos", targets=("j",))
    with pytest.raises(AdapterError):
        adapter.preview(no_org)
    assert sim.calls == []


# -- VENDORS.md §7 ------------------------------------------------------------------------------
def test_a_gateway_refusal_inside_http_200_is_read_from_apim_status(
    adapter: EnosAdapter, sim: EnosSimulator
) -> None:
    sim.apim.refusal_style = "apim_status"
    adapter.preview(delete(STOPPED))
    sim.expire_tokens()  # the gateway now answers 200 {"apim_status": 1203}
    outcome = adapter.execute(delete(STOPPED))
    assert outcome.vendor_request_ids == (sim.last_request_id,)
    assert len(sim.requests_to("action=delete")) == 2  # renewed once, retried once
    assert sim.job(ORG, STOPPED) is None


@pytest.mark.parametrize("style", ["status", "apim_status"])
def test_token_codes_on_a_business_call_are_auth_errors(clock: FakeClock, style: str) -> None:
    sim = demo_simulator(clock=clock)
    sim.apim.refusal_style = style
    adapter = adapter_for(sim, clock, key=SANDBOX_APP_KEY, secret=SANDBOX_APP_SECRET)
    adapter.preview(delete(STOPPED))
    sim.apim.add_app(SANDBOX_APP_KEY, "rotated-secret")  # our signatures no longer match: 1003
    with pytest.raises(VendorAuthError) as caught:
        adapter.execute(delete(STOPPED))
    assert caught.value.code == "1003"
    assert len(sim.requests_to("action=delete")) == 1 and sim.job(ORG, STOPPED) is not None
