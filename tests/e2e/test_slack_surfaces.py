"""Slack's other ways in over real HTTP, as Slack delivers them to `opsgate serve --http`:
signed shortcut, modal, App Home and workflow step payloads; unsigned ones refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from served_app import CHANNEL, SECRET, Served, served_opsgate

from bot.cards.form import FILE_BLOCK, OPERATION_ACTION, OPERATION_BLOCK, REASON_BLOCK
from bot.console.standin.payloads import FORM, JSON, app_home_opened_body, signed_headers
from bot.console.standin.surfaces import (
    function_executed_body,
    shortcut_body,
    submission_body,
    view_action_body,
)
from bot.console.standin.views import state_values
from bot.model import RequestState
from bot.slack.manifest import SHORTCUT_CALLBACK, STEP_CALLBACK

ALICE, BOB = "U0ALICE", "U0BOB"
OPERATION = "aliyun.ota-task.cancel"


def post(served: Served, body: str, content_type: str, *, secret: str = SECRET) -> httpx.Response:
    headers = signed_headers(body, signing_secret=secret, content_type=content_type)
    return served.http.post(f"{served.url}/slack/events", content=body, headers=headers)


def current_view(served: Served, view_id: str | None = None) -> dict[str, Any]:
    views = served.slack.opened_views()
    return views[-1] if view_id is None else next(v for v in reversed(views) if v["id"] == view_id)


def test_shortcut_form_and_file_over_http(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        before = len(served.slack.calls)
        assert (
            post(
                served, shortcut_body(callback_id=SHORTCUT_CALLBACK, user_id=ALICE), FORM
            ).status_code
            == 200
        )
        served.slack.wait_for(lambda c: c.method == "views.open", since=before, timeout=10)
        view = current_view(served)
        select = next(b for b in view["blocks"] if b.get("block_id") == OPERATION_BLOCK)
        option = next(o for o in select["element"]["options"] if o["value"] == OPERATION)
        action = {"type": "static_select", "action_id": OPERATION_ACTION, "selected_option": option}
        state = state_values(view, {OPERATION_BLOCK: OPERATION})
        before = len(served.slack.calls)
        changed = view_action_body(user_id=ALICE, view=view, action=action, state=state)
        assert post(served, changed, FORM).status_code == 200
        served.slack.wait_for(lambda c: c.method == "views.update", since=before, timeout=10)
        view = current_view(served, view["id"])
        file = served.slack.upload("devices.txt", b"thermo-001\nthermo-002\n")
        answers = {
            "channel": CHANNEL,
            FILE_BLOCK: [file],
            f"param:{OPERATION}:--product": "a1OpsThermo",
            f"param:{OPERATION}:--firmware": "fw-thermo-2.1.0",
            REASON_BLOCK: "bad rollout",
        }
        body = submission_body(user_id=ALICE, view=view, state=state_values(view, answers))
        response = post(served, body, FORM)
        assert (response.status_code, response.text) == (200, "")  # accepted: the form closes
        served.opsgate.runner.wait_idle(30)
        (record,) = served.opsgate.store.history(limit=5)
        assert record.targets == ("thermo-001", "thermo-002") and record.message_ts


def test_workflow_step_and_app_home_over_http(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        inputs = {
            "operation": "servicepower job cancel",
            "targets": "JOB-1002",
            "reason": "customer cancelled",
            "channel": CHANNEL,
            "requester": {"id": ALICE, "secret": "x"},
        }
        step = function_executed_body(
            callback_id=STEP_CALLBACK, inputs=inputs, execution_id="FxE2E"
        )
        assert post(served, step, JSON).status_code == 200
        served.opsgate.runner.wait_idle(30)
        (record,) = served.opsgate.store.history(limit=5)
        before = len(served.slack.calls)
        assert post(served, app_home_opened_body(user_id=BOB), JSON).status_code == 200
        served.slack.wait_for(lambda c: c.method == "views.publish", since=before, timeout=10)
        served.click("opsgate_approve", record.id, user=BOB)
        served.opsgate.runner.wait_idle(30)
        done = served.opsgate.store.get(record.id)
        assert done is not None and done.state is RequestState.SUCCEEDED
        (completed,) = served.slack.calls_to("functions.completeSuccess")
        assert completed.params["function_execution_id"] == "FxE2E"
        assert completed.params["outputs"]["request_id"] == record.id


def test_an_unsigned_form_submission_is_refused(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        body = submission_body(
            user_id=ALICE, view={"callback_id": "opsgate_request_form"}, state={}
        )
        assert post(served, body, FORM, secret="not-the-secret").status_code == 401
        step = function_executed_body(callback_id=STEP_CALLBACK, inputs={}, execution_id="Fx1")
        assert post(served, step, JSON, secret="not-the-secret").status_code == 401
        assert served.slack.calls_to("functions.completeError") == []
