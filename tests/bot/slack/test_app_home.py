"""App Home (SPEC §10) through signed Slack payloads: what waits for the user, with Approve
and Reject bound to the request; their own requests; the review list for approvers."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from block_kit import block_problems
from surfaces_world import ALICE, BOB, CAROL, DAVE, POLICY, session_with
from tampering import tamper

from bot.cards.home import HOME_APPROVE_ACTION, HOME_REJECT_ACTION, HOME_REVIEW_ACTION
from bot.console.session import ConsoleSession
from bot.console.standin.payloads import JSON, app_home_opened_body
from bot.lifecycle.home import HomeTab
from bot.model import AuditEventName, RequestState


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path) as opened:
        yield opened


def request(
    session: ConsoleSession, text: str = "servicepower job cancel JOB-1001 --reason x"
) -> str:
    session.slash(text, user=ALICE)
    session.wait()
    return session.app.store.history(limit=1)[0].id


def home(session: ConsoleSession, user: str) -> dict[str, Any]:
    before = len(session.standin.calls)
    assert session.open_home(user=user).status == 200
    session.standin.wait_for(lambda c: c.method == "views.publish", since=before, timeout=10)
    view = session.standin.home_view(user)
    assert view is not None
    return view


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element.get("value", ""))
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def headers(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def test_opening_the_messages_tab_draws_no_home_tab(session: ConsoleSession) -> None:
    body = json.loads(app_home_opened_body(user_id=BOB))
    body["event"]["tab"] = "messages"
    assert session._dispatch(json.dumps(body), JSON).status == 200
    session.wait()
    assert session.standin.calls_to("views.publish") == []
    home(session, BOB)  # the home tab itself is drawn
    assert len(session.standin.calls_to("views.publish")) == 1


def test_an_approver_sees_what_waits_for_them_with_approve_and_reject(
    session: ConsoleSession,
) -> None:
    request_id = request(session)
    bob = home(session, BOB)
    assert (HOME_APPROVE_ACTION, request_id) in buttons(bob)
    assert (HOME_REJECT_ACTION, request_id) in buttons(bob)
    approve = next(
        e
        for b in bob["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == HOME_APPROVE_ACTION
    )
    assert approve["style"] == "danger" and approve["confirm"]["confirm"]["text"] == "Approve"
    assert headers(bob) == [
        "opsgate",
        "Waiting for you",
        "Your requests",
        "Break-glass runs awaiting review",
        "What you can request",
    ]
    assert block_problems(bob["blocks"], limit=100) == []


def test_the_requester_and_non_approvers_have_nothing_to_approve(session: ConsoleSession) -> None:
    request_id = request(session)
    alice, dave = home(session, ALICE), home(session, DAVE)
    for view in (alice, dave):
        assert all(
            action not in {HOME_APPROVE_ACTION, HOME_REJECT_ACTION} for action, _ in buttons(view)
        )
        assert "Nothing is waiting for your approval." in json.dumps(view)
        assert "Break-glass runs awaiting review" not in headers(view)  # not approvers
    assert request_id in json.dumps(alice)  # "Your requests"
    assert request_id not in json.dumps(dave)


def test_your_requests_when_empty_says_you_made_none_not_that_none_exist(
    session: ConsoleSession,
) -> None:
    """@alice's request exists; @dave, who made none, is told he made none ("Your requests"
    lists only his own), not "No requests yet.", which is untrue while hers exists."""
    request(session)
    said = json.dumps(home(session, DAVE), ensure_ascii=False)
    assert "No requests yet." not in said
    assert "You have made no requests yet." in said


def test_approve_in_the_tab_is_the_card_s_approve(session: ConsoleSession) -> None:
    request_id = request(session)
    home(session, BOB)
    before = len(session.standin.calls)
    assert session.tab_click("approve", request_id, user=BOB).status == 200
    session.wait()
    record = session.app.store.get(request_id)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert record.approvers == (BOB,)
    events = [e.event for e in session.app.store.events(request_id=request_id)]
    assert events[-3:] == [
        AuditEventName.APPROVED,
        AuditEventName.EXECUTING,
        AuditEventName.SUCCEEDED,
    ]
    # The card in the channel shows it, and bob's tab is redrawn without it.
    updates = [c for c in session.standin.calls[before:] if c.method == "chat.update"]
    assert updates and updates[-1].params["ts"] == record.message_ts
    view = session.standin.home_view(BOB)
    assert view is not None and (HOME_APPROVE_ACTION, request_id) not in buttons(view)


def test_a_tab_click_is_acked_before_the_store_is_read(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store read shares the database connection's lock with durable writes: in the ack path
    # it would hold the ack up behind them. The card is looked up on the worker instead.
    request_id = request(session)
    store = session.app.store
    readers: list[str] = []
    get = store.get

    def recorded_get(request_id: str) -> Any:
        readers.append(threading.current_thread().name)
        return get(request_id)

    monkeypatch.setattr(store, "get", recorded_get)
    assert session.tab_click("approve", request_id, user=BOB).status == 200
    session.wait()
    assert readers and not [name for name in readers if name.startswith("opsgate-ack")]


def test_the_tab_re_checks_the_policy_like_the_card(session: ConsoleSession) -> None:
    request_id = request(session)
    assert session.tab_click("approve", request_id, user=DAVE).status == 200
    session.wait()
    record = session.app.store.get(request_id)
    assert record is not None and record.state is RequestState.PENDING
    denied = [e for e in session.app.store.events(request_id=request_id) if e.actor == DAVE]
    assert [e.event for e in denied] == [AuditEventName.DENIED]


def test_reject_in_the_tab_asks_why_like_the_card_then_rejects(session: ConsoleSession) -> None:
    request_id = request(session)
    before = len(session.standin.opened_views())
    session.tab_click("reject", request_id, user=BOB)
    session.wait()
    opened = session.standin.opened_views()[before:]
    assert len(opened) == 1  # the Reject dialog, as from the card
    record = session.app.store.get(request_id)
    assert record is not None and record.state is RequestState.PENDING
    session.reject(request_id, user=BOB, reason="still in use", in_tab=True)
    session.wait()
    record = session.app.store.get(request_id)
    assert record is not None and record.state is RequestState.REJECTED


def test_a_tab_button_from_anywhere_but_app_home_is_ignored(session: ConsoleSession) -> None:
    request_id = request(session)
    modal = {"type": "modal", "id": "V0MODAL"}
    action = {"type": "button", "action_id": HOME_APPROVE_ACTION, "value": request_id}
    assert session.view_action(modal, action, {}, user=BOB).status == 200
    session.wait()
    record = session.app.store.get(request_id)
    assert record is not None and record.state is RequestState.PENDING and record.approvers == ()


def test_break_glass_runs_awaiting_review_are_listed_for_approvers(tmp_path: Path) -> None:
    policy = POLICY.replace("[policy]\n", f'[policy]\nbreak_glass = ["{ALICE}"]\n', 1)
    with session_with(tmp_path, policy) as session:
        tab = HomeTab(session.app.service.s, operation_ids=session.app.plugins.catalog.ids)
        assert tab.is_approver(BOB) and not tab.is_approver(DAVE)
        assert tab.break_glass_awaiting_review(BOB) == []
        assert "None awaiting review." in json.dumps(home(session, BOB))

        rid = request(session, "servicepower job cancel JOB-1001 --reason x --break-glass INC-1")
        assert [r.id for r in tab.break_glass_awaiting_review(BOB)] == [rid]
        assert tab.break_glass_awaiting_review(ALICE) == []  # not hers to review
        listed = json.dumps(home(session, BOB))
        assert rid in listed and "None awaiting review." not in listed

        session.click("review", rid, user=BOB)
        session.wait()
        assert tab.break_glass_awaiting_review(CAROL) == []


def test_mark_reviewed_in_the_tab_reviews_a_run_even_without_a_card(tmp_path: Path) -> None:
    policy = POLICY.replace("[policy]\n", f'[policy]\nbreak_glass = ["{ALICE}"]\n', 1)
    with session_with(tmp_path, policy) as session:
        rid = request(session, "servicepower job cancel JOB-1001 --reason x --break-glass INC-1")
        # As if Slack had not posted the card: nothing on a card could review it.
        tamper(tmp_path / "opsgate.db", "UPDATE requests SET message_ts = NULL")
        assert (HOME_REVIEW_ACTION, rid) in buttons(home(session, BOB))
        assert session.tab_click("review", rid, user=ALICE).status == 200  # not hers to review
        session.wait()
        assert session.app.store.get(rid).reviewed_by is None  # type: ignore[union-attr]
        assert session.tab_click("review", rid, user=BOB).status == 200
        session.wait()
        assert session.app.store.get(rid).reviewed_by == BOB  # type: ignore[union-attr]
        view = session.standin.home_view(BOB)
        assert view is not None and (HOME_REVIEW_ACTION, rid) not in buttons(view)


def damage(path: Path, request_id: str) -> None:
    """Make the request's row one opsgate cannot read back (its parameters, broken JSON)."""
    tamper(path, "UPDATE requests SET params = '{' WHERE id = ?", params=(request_id,))


def test_a_tab_click_on_a_request_whose_row_cannot_be_read_decides_nothing(
    session: ConsoleSession, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    request_id = request(session)
    assert (HOME_APPROVE_ACTION, request_id) in buttons(home(session, BOB))
    damage(tmp_path / "opsgate.db", request_id)

    before = len(session.standin.calls)
    with caplog.at_level(logging.ERROR):
        assert session.tab_click("approve", request_id, user=BOB).status == 200
        session.wait()
        session.standin.wait_for(lambda c: c.method == "views.publish", since=before, timeout=10)

    events = [e.event for e in session.app.store.events(request_id=request_id)]
    assert events == [AuditEventName.REQUESTED]  # not approved, not run
    view = session.standin.home_view(BOB)
    assert view is not None and (HOME_APPROVE_ACTION, request_id) not in buttons(view)
    ignored = [r for r in caplog.records if r.getMessage().endswith("a tab click was ignored")]
    assert [r.getMessage().startswith(f"request {request_id} cannot be read") for r in ignored] == [
        True
    ]
    assert not [r for r in caplog.records if r.exc_info]  # one line, not a failed job's trace


def test_a_card_click_on_a_request_whose_row_cannot_be_read_is_answered_in_plain_words(
    session: ConsoleSession, tmp_path: Path
) -> None:
    request_id = request(session)
    damage(tmp_path / "opsgate.db", request_id)

    before = len(session.standin.calls)
    assert session.click("approve", request_id, user=BOB).status == 200
    session.wait()

    answers = [c for c in session.standin.calls[before:] if c.method == "chat.postEphemeral"]
    assert answers and answers[-1].params["user"] == BOB
    assert "cannot be read: it was changed outside opsgate" in json.dumps(answers[-1].params)
    events = [e.event for e in session.app.store.events(request_id=request_id)]
    assert events == [AuditEventName.REQUESTED]


@pytest.mark.parametrize("error", ["ratelimited", "token_revoked"])
def test_a_tab_slack_will_not_draw_is_one_log_line_not_a_traceback(
    session: ConsoleSession, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    session.standin.refuse("views.publish", error)
    caplog.set_level(logging.INFO)
    assert session.open_home(user=BOB).status == 200
    assert session.wait()
    assert session.standin.calls_to("views.publish")  # asked, and refused
    assert "background job failed" not in caplog.text and "Traceback" not in caplog.text
    assert f"App Home of {BOB} not drawn: Slack said {error}" in caplog.messages
