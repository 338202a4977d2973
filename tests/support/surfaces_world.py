"""Test support for the request form, App Home and Workflow Builder step: the real app behind
signed Slack payloads (the console's session), with the local Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.cards.form import OPERATION_ACTION, OPERATION_BLOCK
from bot.console.session import CHANNEL, ConsoleSession
from bot.console.standin.views import Answer, state_values
from bot.settings import load_settings

ALICE, BOB, CAROL, DAVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"
LEADS = "S0123OPSLEADS"
#: Only the ops leads approve; dave may request nothing but ServicePower cancels.
POLICY = f"""\
[policy]
approvers = ["{LEADS}"]

[policy.operations."huawei.device.delete"]
requesters = ["{ALICE}", "{BOB}"]
"""


#: A Workflow step's inputs: cancel a ServicePower job, in #ops, for @alice.
STEP = {
    "operation": "servicepower job cancel",
    "targets": "JOB-1001",
    "reason": "customer cancelled, INC-9",
    "channel": CHANNEL,
    "requester": {"id": ALICE, "secret": "c2VjcmV0"},
}


@contextmanager
def session_with(tmp_path: Path, policy: str = POLICY) -> Iterator[ConsoleSession]:
    """The app, sandboxed, behind signed payloads, with this policy."""
    (tmp_path / "opsgate.toml").write_text(policy)
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    with ConsoleSession(settings, db=tmp_path / "opsgate.db") as session:
        yield session


def latest_view(session: ConsoleSession, view_id: str | None = None) -> dict[str, Any]:
    views = session.standin.opened_views()
    if view_id is None:
        return views[-1]
    return next(v for v in reversed(views) if v["id"] == view_id)


def open_form(session: ConsoleSession, *, user: str = ALICE) -> dict[str, Any]:
    """``/ops`` alone; the modal it opens."""
    before = len(session.standin.calls)
    reply = session.slash("", user=user)
    assert reply.status == 200
    session.standin.wait_for(lambda c: c.method == "views.open", since=before, timeout=10)
    return latest_view(session)


def choose(
    session: ConsoleSession, view: dict[str, Any], operation: str, *, user: str = ALICE
) -> dict[str, Any]:
    """Choose an operation in the form's select; the form as the app redraws it."""
    before = len(session.standin.calls)
    click_operation(session, view, operation, user=user)
    session.standin.wait_for(lambda c: c.method == "views.update", since=before, timeout=10)
    return latest_view(session, view["id"])


def click_operation(
    session: ConsoleSession, view: dict[str, Any], operation: str, *, user: str = ALICE
) -> None:
    """Send the click that chooses `operation` in the form's select (acked, not yet redrawn)."""
    select = next(b for b in view["blocks"] if b.get("block_id") == OPERATION_BLOCK)
    option = next(o for o in select["element"]["options"] if o["value"] == operation)
    action = {
        "type": "static_select",
        "action_id": OPERATION_ACTION,
        "block_id": OPERATION_BLOCK,
        "selected_option": option,
    }
    state = state_values(view, {OPERATION_BLOCK: operation})
    assert session.view_action(view, action, state, user=user).status == 200


def submit(
    session: ConsoleSession,
    view: dict[str, Any],
    answers: dict[str, Answer | None],
    *,
    user: str = ALICE,
) -> dict[str, str]:
    """Submit the form; the errors the app answered with (empty: it was accepted)."""
    reply = session.submit(view, state_values(view, answers), user=user)
    assert reply.status == 200
    session.wait()
    message = reply.message or {}
    if message:
        assert message.get("response_action") == "errors", message
    return dict(message.get("errors") or {})


def input_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
