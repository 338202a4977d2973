"""An EnOS preview whose answer does not say the job's status (no ``data``, ``data: null``, no
``status`` in it) cannot vouch that the delete will run: a running job is refused (24618). The
card says so (`Verdict.WARN`), instead of an ``ok`` beside "status unknown" (SPEC §8)."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from adapters.base import Verdict
from adapters.clock import FakeClock
from adapters.enos.adapter import EnosAdapter
from adapters.enos.settings import EnosSettings
from adapters.enos.simulator import api as enos
from commands.model import OperationRequest

REQUEST = OperationRequest(
    operation="enos.ota-job.delete",
    vendor="enos",
    targets=(enos.SANDBOX_STOPPED_JOB_ID,),
    params={"org": enos.SANDBOX_ORG_ID},
)


def preview_answered(body: dict[str, object]):  # type: ignore[no-untyped-def]
    sim = enos.demo_simulator(clock=FakeClock())

    def answer(request: httpx.Request) -> httpx.Response:
        if "action=get" in str(request.url):
            return httpx.Response(200, json=body)
        return sim.handle(request)

    config = EnosSettings(
        base_url=enos.SANDBOX_BASE_URL,
        app_key=enos.SANDBOX_APP_KEY,
        app_secret=SecretStr(enos.SANDBOX_APP_SECRET),
    )
    client = httpx.Client(transport=httpx.MockTransport(answer))
    return EnosAdapter(config=config, client=client, clock=FakeClock()).preview(REQUEST)


@pytest.mark.parametrize(
    "body",
    [
        {"code": 0, "msg": "OK"},
        {"code": 0, "msg": "OK", "data": None},
        {"code": 0, "msg": "OK", "data": {"name": "rollout"}},
        {"code": 0, "msg": "OK", "data": {"name": "rollout", "status": None}},
    ],
)
def test_a_job_whose_status_enos_did_not_give_is_a_warning(body: dict[str, object]) -> None:
    preview = preview_answered(body)
    assert preview.verdict is Verdict.WARN
    assert preview.facts["status"] == "unknown"
    assert preview.warnings == [
        "EnOS did not say whether the job is running: if it is, EnOS refuses to delete it "
        "(24618), so check its status in the EnOS console"
    ]


def test_a_stopped_job_is_still_ok() -> None:
    body = {"code": 0, "msg": "OK", "data": {"name": "rollout", "status": "stopped"}}
    preview = preview_answered(body)
    assert preview.verdict is Verdict.OK and preview.warnings == []
