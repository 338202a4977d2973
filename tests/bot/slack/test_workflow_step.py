"""The Workflow Builder step ``opsgate_request`` (SPEC §10) through signed ``function_executed``
events: it posts the approval card in the given channel as the workflow's user, and completes
when the request ends (``functions.completeSuccess`` with its outputs, or ``completeError`` with
the reason), in whichever process ends it, once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from json_log import json_lines
from pydantic import SecretStr
from surfaces_world import ALICE, BOB, DAVE, LEADS, STEP, session_with

from bot.app import build_app
from bot.console.session import CHANNEL, ConsoleSession
from bot.lifecycle import Origin
from bot.lifecycle.steps import StepCall, WorkflowSteps
from bot.model import AuditEventName, RequestState
from bot.store.notify import Appended, Observers

SUCCESS, ERROR = "functions.completeSuccess", "functions.completeError"


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path) as opened:
        yield opened


def run(session: ConsoleSession, inputs: dict[str, Any], execution_id: str = "Fx0001") -> None:
    assert session.run_step(inputs, execution_id=execution_id).status == 200
    session.wait()


def completions(session: ConsoleSession) -> list[tuple[str, dict[str, Any]]]:
    return [(c.method, c.params) for c in session.standin.calls if c.method in {SUCCESS, ERROR}]


def test_the_step_posts_the_card_and_completes_when_the_request_succeeds(
    session: ConsoleSession,
) -> None:
    run(session, STEP)
    (record,) = session.app.store.history(limit=5)
    assert (record.requester, record.channel, record.state) == (
        ALICE,
        CHANNEL,
        RequestState.PENDING,
    )
    assert record.message_ts is not None  # the card is up in the channel
    assert record.reason == "customer cancelled, INC-9"
    assert completions(session) == []  # the step waits for the request
    session.click("approve", record.id, user=BOB)
    session.wait()
    ((method, params),) = completions(session)
    assert method == SUCCESS and params["function_execution_id"] == "Fx0001"
    outputs = params["outputs"]
    assert outputs["request_id"] == record.id and outputs["state"] == "succeeded"
    assert outputs["summary"].startswith("servicepower.job.cancel on 1 target: ")


def test_the_steps_log_lines_name_its_operation_and_requester(session: ConsoleSession) -> None:
    # SPEC §13: log lines carry operation and actor where known; a step names both.
    with json_lines() as lines:
        run(session, STEP)
    [preview] = [line for line in lines() if line["message"].startswith("servicepower preview")]
    assert (preview.get("operation"), preview.get("actor")) == ("servicepower.job.cancel", ALICE)


@pytest.mark.parametrize(
    ("action", "user", "says"),
    [
        ("reject", BOB, "was rejected by user U0BOB"),
        ("withdraw", ALICE, "was withdrawn by user U0ALICE"),
    ],
)
def test_a_request_that_does_not_succeed_fails_the_step_with_why(
    session: ConsoleSession, action: str, user: str, says: str
) -> None:
    run(session, STEP)
    request_id = session.app.store.history(limit=1)[0].id
    if action == "reject":
        session.reject(request_id, user=user, reason=None)  # Reject asks why in a dialog
    else:
        session.click(action, request_id, user=user)
    session.wait()
    ((method, params),) = completions(session)
    assert method == ERROR and says in params["error"] and request_id in params["error"]


def test_a_request_the_policy_refuses_fails_the_step_at_once(session: ConsoleSession) -> None:
    refused = {**STEP, "operation": "huawei device delete", "targets": "gw-0001"}
    run(session, {**refused, "requester": {"id": DAVE}})
    ((method, params),) = completions(session)
    assert (
        method == ERROR
        and "was refused: You may not request huawei.device.delete" in params["error"]
    )
    (record,) = session.app.store.history(limit=1)
    assert record.state is RequestState.DENIED and record.requester == DAVE
    assert [e.event for e in session.app.store.events(request_id=record.id)] == [
        AuditEventName.DENIED
    ]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"operation": "servicepower job cancle"}, "did you mean"),
        ({"targets": "1001/x"}, "Bad jobId"),
        ({"targets": "JOB 1001/x"}, "takes one jobId; 2 were given"),  # the count first
        ({"operation": "servicepower job cancel --dry-run"}, "cannot be a dry run"),
        ({"requester": None}, "needs requester"),
        ({"requester": {"id": 5}}, "needs requester"),
        ({"requester": "u0alice"}, "needs requester"),
        ({"channel": ""}, "needs channel"),
        ({"channel": "#ops"}, "needs channel"),
        ({"reason": " "}, "The step needs reason: why this is wanted (the policy asks for one)."),
    ],
)
def test_inputs_that_are_no_valid_request_fail_the_step_at_once(
    session: ConsoleSession, changes: dict[str, Any], says: str
) -> None:
    run(session, {**STEP, **changes})
    ((method, params),) = completions(session)
    assert method == ERROR and says in params["error"]
    assert "`" not in params["error"]  # Workflow Builder shows it as plain text
    assert session.app.store.history(limit=5) == []


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("x" * 501, "The step's reason is 501 characters long; at most 500 fit."),
        ("a\x07b", "The step's reason contains the control character U+0007; remove it."),
    ],
)
def test_a_reason_the_step_cannot_take_is_named_as_its_input_not_as_a_flag(
    session: ConsoleSession, reason: str, says: str
) -> None:
    run(session, {**STEP, "reason": reason})
    ((method, params),) = completions(session)
    assert (method, params["error"]) == (ERROR, says)
    assert session.app.store.history(limit=5) == []


def test_a_reason_flag_in_the_operation_input_is_not_blamed_on_the_reason_input(
    session: ConsoleSession,
) -> None:
    """`--reason` typed into the operation input as well as a reason input: the error names the
    flag given twice, not "the step's reason", which the builder would look for in vain."""
    run(session, {**STEP, "operation": f"{STEP['operation']} --reason other"})
    ((method, params),) = completions(session)
    assert method == ERROR
    assert params["error"].startswith("--reason is given twice")
    assert "The step's reason" not in params["error"]
    assert session.app.store.history(limit=5) == []


def test_a_failed_steps_usage_follows_the_policy(session: ConsoleSession) -> None:
    """The policy asks a reason and lists nobody for break-glass: the usage said with the
    error must not show the reason as optional, nor offer --break-glass."""
    run(session, {**STEP, "targets": "JOB 1001/x"})
    ((method, params),) = completions(session)
    assert method == ERROR
    usage = next(line for line in params["error"].splitlines() if "/ops servicepower" in line)
    assert '--reason "<text>"' in usage and '[--reason "<text>"]' not in usage
    assert "--break-glass" not in usage


@dataclass
class Port:
    done: list[tuple[str, str, Any]] = field(default_factory=list)

    def complete(self, execution_id: str, outputs: dict[str, str]) -> None:
        self.done.append(("complete", execution_id, outputs))

    def fail(self, execution_id: str, error: str) -> None:
        self.done.append(("fail", execution_id, error))


def test_a_step_cannot_break_glass_even_for_someone_who_may(tmp_path: Path) -> None:
    """SPEC §10: the step posts an approval card. A --break-glass written into the workflow
    would run it at once, unapproved, for any break_glass user who runs the workflow."""
    policy = f'[policy]\napprovers = ["{LEADS}"]\nbreak_glass = ["{ALICE}"]\n'
    with session_with(tmp_path, policy) as session:
        run(session, {**STEP, "operation": "servicepower job cancel --break-glass INC-7"})
        ((method, params),) = completions(session)
        assert method == ERROR and "cannot break glass" in params["error"]
        assert session.app.store.history(limit=5) == []  # nothing ran, nothing stored


def test_a_step_whose_intake_opens_no_request_fails(session: ConsoleSession) -> None:
    """Intake may open nothing (an unconfigured vendor, say): the step must not hang."""
    port, seen = Port(), []

    def opens_nothing(request: Any, origin: Origin, then: Callable[[], None]) -> None:
        seen.append((request, origin))
        then()

    steps = WorkflowSteps(
        session.app.service.s,
        port=port,
        catalog=session.app.plugins.catalog,
        submit=opens_nothing,
    )
    steps.run(StepCall(execution_id="Fx0009", inputs=STEP))
    ((request, origin),) = seen
    assert (request.operation, request.targets, origin.user) == (
        "servicepower.job.cancel",
        ("JOB-1001",),
        ALICE,
    )
    assert port.done == [("fail", "Fx0009", port.done[0][2])]
    assert "opened no request" in port.done[0][2]


def test_a_redelivered_step_opens_one_request(session: ConsoleSession) -> None:
    run(session, STEP, execution_id="Fx0002")
    run(session, STEP, execution_id="Fx0002")
    assert len(session.app.store.history(limit=5)) == 1


def test_the_step_completes_from_the_process_that_ends_the_request(
    session: ConsoleSession, tmp_path: Path
) -> None:
    run(session, STEP, execution_id="Fx0003")
    record = session.app.store.history(limit=1)[0]
    settings = session.app.settings.model_copy(
        update={"slack_signing_secret": SecretStr("another-process")}
    )
    other = build_app(settings, plugins=session.app.plugins, sandbox=True)
    try:
        origin = Origin(user=BOB, channel=record.channel, message_ts=record.message_ts)
        other.service.approve(record.id, origin)
        other.runner.wait_idle(30)
    finally:
        other.close()
    session.wait()
    ((method, params),) = completions(session)
    assert method == SUCCESS and params["function_execution_id"] == "Fx0003"
    assert params["outputs"]["request_id"] == record.id


def test_a_step_completed_elsewhere_is_not_completed_again(session: ConsoleSession) -> None:
    run(session, STEP, execution_id="Fx0004")
    record = session.app.store.history(limit=1)[0]
    assert session.app.store.claim_step(record.id) == "Fx0004"  # as another process would
    session.reject(record.id, user=BOB, reason=None)
    session.wait()
    assert session.app.store.get(record.id).state is RequestState.REJECTED  # it did end
    assert completions(session) == []


def test_a_step_claimed_by_another_process_between_look_and_claim_is_left_alone(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(session, STEP, execution_id="Fx0005")
    store = session.app.store
    record = store.history(limit=1)[0]
    store.claim_step(record.id)  # another process claims it right after this one looked
    monkeypatch.setattr(store, "step_waiting", lambda request_id: "Fx0005")
    session.reject(record.id, user=BOB, reason=None)
    session.wait()
    assert session.app.store.get(record.id).state is RequestState.REJECTED  # it did end
    assert completions(session) == []


def test_a_process_that_dies_right_after_storing_the_request_leaves_the_step_linked(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The link is written with the request: nothing after that commit (here, telling the
    store's observers, which raises as a killed process would stop) is needed for another
    process to complete the step later."""

    def killed(self: Observers, appended: tuple[Appended, ...]) -> None:
        if appended:  # a write that appended events (claiming the trigger appends none)
            raise RuntimeError("the process died here")

    monkeypatch.setattr(Observers, "publish", killed)
    run(session, STEP, execution_id="Fx0010")
    request_id = session.app.store.step_request("Fx0010")
    assert request_id is not None
    assert session.app.store.step_waiting(request_id) == "Fx0010"
    assert session.app.store.get(request_id).state is RequestState.PENDING
