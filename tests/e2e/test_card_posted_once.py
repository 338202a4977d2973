"""An approval card is posted once, however the network fails around its post (README "Known
limitations" once said otherwise): through signed HTTP, against the Slack stand-in failing the
post's connection. A post whose answer is lost may have been posted, so it is not sent again
blindly: opsgate looks for the card in the channel (its metadata names the request) and takes
it, or posts it when it is not there. Each test checks the channel holds one card, the request
knows it, a click on it works, and the requester is told the truth."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

from served_app import CHANNEL, Served, served_opsgate

from bot import cards
from bot.console.standin.server import RecordedCall
from bot.model import RequestState

ALICE, BOB = "U0ALICE", "U0BOB"
POLICY = '[policy]\nchannels = ["C0OPS"]\napprovers = ["S0OPSLEADS"]\n'
COMMAND = "servicepower job cancel JOB-1001 --reason customer asked"
POST = "chat.postMessage"
HISTORY = "conversations.history"


def cards_in_channel(served: Served) -> list[RecordedCall]:
    """Every approval card Slack holds in the channel (each post the stand-in did)."""
    return [
        call
        for call in served.slack.calls_to(POST)
        if call.params.get("channel") == CHANNEL and not call.params.get("thread_ts")
    ]


def request_once(served: Served) -> str:
    """Alice's request, once its handling is over; its id."""
    served.slash(COMMAND, user=ALICE)
    assert served.opsgate.runner.wait_idle(30)
    [record] = served.opsgate.store.history(limit=5)
    return record.id


def told_alice(served: Served) -> str:
    """What Alice was told last, privately (through the command's response_url)."""
    answers = [c for c in served.slack.calls_to("response_url") if "cmd-U0ALICE" in (c.key or "")]
    return json.dumps(answers[-1].params)


def the_one_card_works(served: Served, rid: str) -> None:
    """The channel holds one card, of `rid`, where the request says; Bob's click on it is
    taken and the request runs."""
    [card] = cards_in_channel(served)
    assert card.params["metadata"]["event_payload"] == {"request_id": rid}
    record = served.opsgate.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.message_ts is not None
    posted = served.slack.message(CHANNEL, record.message_ts)
    assert posted is not None and posted["metadata"] == card.params["metadata"]
    assert served.click(cards.APPROVE_ACTION, rid, user=BOB).status_code == 200
    deadline = time.monotonic() + 30
    while (done := served.opsgate.store.get(rid)) is not None and done.state in {
        RequestState.PENDING,
        RequestState.EXECUTING,
    }:
        assert time.monotonic() < deadline, "the click on the card was not taken"
        time.sleep(0.02)
    assert done is not None and done.state is RequestState.SUCCEEDED
    assert served.opsgate.runner.wait_idle(30)
    shown = served.slack.message(CHANNEL, str(record.message_ts))
    assert shown is not None and "Succeeded" in json.dumps(shown["blocks"])


def test_a_connection_dropped_after_slack_posted_the_card_posts_no_second_card(
    tmp_path: Path,
) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        served.slack.fail(POST, "drop_after")
        rid = request_once(served)
        the_one_card_works(served, rid)
        assert len(served.slack.calls_to(HISTORY)) == 1  # looked for once, and found
        assert f"Request `{rid}` is posted" in told_alice(served)


def test_a_read_timeout_after_slack_posted_the_card_keeps_the_request(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        served.opsgate.bolt.client.timeout = 1  # the answer never comes: give up after 1 s
        served.slack.fail(POST, "stall_after")
        rid = request_once(served)
        the_one_card_works(served, rid)
        assert f"Request `{rid}` is posted" in told_alice(served)
        assert "could not be reached" not in told_alice(served)


def test_a_post_dropped_before_slack_had_it_is_posted_once_more(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        # The first post never reaches Slack; the answer to the second is lost after it.
        served.slack.fail(POST, "drop")
        served.slack.fail(POST, "drop_after")
        rid = request_once(served)
        the_one_card_works(served, rid)
        assert len(served.slack.calls_to(HISTORY)) == 2  # not there; then there
        assert f"Request `{rid}` is posted" in told_alice(served)


def test_a_card_slack_will_not_say_of_waits_for_the_sweep_which_finds_it(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        served.opsgate.bolt.client.timeout = 1
        served.slack.fail(POST, "stall_after")
        served.slack.refuse(HISTORY, "missing_scope")  # an app installed without the scope
        rid = request_once(served)
        record = served.opsgate.store.get(rid)
        assert record is not None and record.state is RequestState.PENDING
        assert record.message_ts is None  # not known yet, and not given up
        said = told_alice(served)
        assert "could not say whether the card is there" in said and "`missing_scope`" in said
        assert "has ended" not in said

        served.slack.refuse(HISTORY, None)  # the scope is granted; the sweep looks again
        assert served.opsgate.service.sweeps.post_cardless(grace=timedelta(0)) == 1
        assert served.opsgate.runner.wait_idle(30)
        told = served.slack.calls_to(POST)[-1]
        assert told.params["channel"] == ALICE and f"{rid} is now posted" in told.params["text"]
        the_one_card_works(served, rid)


def test_a_break_glass_card_whose_answer_was_lost_is_posted_once_and_reviewed(
    tmp_path: Path,
) -> None:
    policy = POLICY + 'break_glass = ["U0ALICE"]\n'
    with served_opsgate(tmp_path, policy=policy) as served:
        served.slack.fail(POST, "drop_after")
        served.slash(f"{COMMAND} --break-glass INC-42 dispatch storm", user=ALICE)
        assert served.opsgate.runner.wait_idle(30)
        [record] = served.opsgate.store.history(limit=5)
        assert record.state is RequestState.SUCCEEDED
        [card] = cards_in_channel(served)
        assert "[BREAK-GLASS]" in json.dumps(card.params["blocks"])
        assert record.message_ts is not None
        served.click(cards.REVIEW_ACTION, record.id, user=BOB)
        assert served.opsgate.runner.wait_idle(30)
        reviewed = served.opsgate.store.get(record.id)
        assert reviewed is not None and reviewed.reviewed_by == BOB
        shown = served.slack.message(CHANNEL, record.message_ts)
        assert shown is not None and "Reviewed* by <@U0BOB>" in json.dumps(shown["blocks"])


def test_a_gateway_error_after_slack_posted_the_card_keeps_the_request(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        served.slack.fail(POST, "gateway_after")  # Slack posted it; its edge answered 502
        rid = request_once(served)
        the_one_card_works(served, rid)  # not sent again blindly, found and taken
        assert len(served.slack.calls_to(HISTORY)) == 1
        assert f"Request `{rid}` is posted" in told_alice(served)


def test_a_gateway_error_before_slack_had_the_card_posts_it_once_more(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        served.slack.fail(POST, "gateway")  # a 503: Slack never had it
        rid = request_once(served)
        the_one_card_works(served, rid)
        assert len(served.slack.calls_to(HISTORY)) == 1  # looked for, not there: posted
        assert f"Request `{rid}` is posted" in told_alice(served)
