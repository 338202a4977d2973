"""Break-glass (SPEC §11, issue 9 item 1): a request run at once, without approvals, by someone
the policy's `break_glass` list names; loudly (BREAK-GLASS on the card, approvers mentioned);
reviewed afterwards by an approver; listed and announced again until it is."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from lifecycle_world import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    LEADS,
    FakeSlack,
    World,
    deletes,
    open_request,
    package_request,
)

from bot.cards import Message
from bot.lifecycle import Origin
from bot.model import AuditEventName, RequestState
from bot.slack.announce import AuditChannel
from bot.slack.port import SlackPostError
from commands.model import HistoryCommand, OperationRequest

POLICY = f"""
[policy]
approvers = ["{LEADS}"]
break_glass = ["{ALICE}", "S0ONCALL"]
channels = ["C0OPS"]
"""
PACKAGE = "/iodm/northbound/v1.5.0/category/pkg-meter-fw-1.2.0"
DAY = 24 * 3600


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def breaking(incident: str = "INC-42 fleet down", **changes: object) -> OperationRequest:
    return package_request().model_copy(update={"break_glass": incident, **changes})


def text(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def run(world: World, user: str = ALICE, request: OperationRequest | None = None) -> str | None:
    world.service.submit(request or breaking(), world.origin(user), command_text="/ops …")
    if world.service.s.runner is not None:  # in the background: the preview, then the run
        assert world.runner.wait_idle(10)
    records = world.store.history(requester=user, limit=1)
    return records[0].id if records else None


def card_texts(world: World, rid: str) -> list[str]:
    record = world.store.get(rid)
    assert record is not None and record.message_ts is not None
    where = f"{record.channel}/{record.message_ts}"
    posted = [text(p.message) for p in world.slack.of("post") if rid in p.message.text]
    return posted + [text(p.message) for p in world.slack.of("update") if p.target == where]


def events(world: World, rid: str) -> list[tuple[str, str]]:
    return [(e.event.value, e.actor) for e in world.store.events(request_id=rid)]


def test_break_glass_runs_at_once_without_approvals(world: World) -> None:
    rid = run(world)
    assert rid is not None

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert deletes(world, PACKAGE) == 1
    assert events(world, rid) == [
        ("requested", ALICE),
        ("break_glass", ALICE),
        ("executing", ALICE),
        ("succeeded", "system"),
    ]
    assert "runs now, without approvals, for incident" in world.slack.last_text_to(ALICE)
    assert world.store.verify().ok


def test_the_card_is_loud_and_mentions_the_approvers_when_first_posted(world: World) -> None:
    rid = run(world)
    assert rid is not None
    first, *later = card_texts(world, rid)

    assert "[BREAK-GLASS]" in first and "INC-42 fleet down" in first
    assert f"<!subteam^{LEADS}>" in json.loads(json.dumps(first))  # Slack notifies the group
    assert "None: run with break-glass" in first
    final = later[-1]
    assert "Succeeded" in final and "Review needed" in final
    assert "opsgate_review" in final and "Mark reviewed" in final


def test_a_member_of_a_listed_group_may_break_glass(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(POLICY)
    world.service.s.directory.groups["S0ONCALL"] = frozenset({DAVE})  # type: ignore[attr-defined]
    rid = run(world, DAVE)
    assert rid is not None and world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]


def test_anyone_else_is_refused_and_audited(world: World) -> None:
    rid = run(world, BOB)
    assert rid is not None

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.DENIED
    assert deletes(world, PACKAGE) == 0
    assert world.slack.of("post") == []  # no card
    [denied] = world.store.events(request_id=rid)
    assert (denied.event, denied.actor) == (AuditEventName.DENIED, BOB)
    assert denied.detail["break_glass"] == "INC-42 fleet down"
    assert "You may not use --break-glass" in denied.detail["reason"]
    assert "Drop `--break-glass`" in world.shown_to(BOB)


def test_a_dry_run_never_breaks_glass(world: World) -> None:
    world.service.submit(breaking(dry_run=True), world.origin(BOB), command_text="/ops …")
    assert list(world.store.events()) == []
    assert deletes(world, PACKAGE) == 0
    assert "Dry run" in world.slack.last_text_to(BOB)


def test_break_glass_keeps_to_one_open_request_per_target(world: World) -> None:
    held = open_request(world, user=DAVE)
    rid = run(world)
    assert rid is not None and world.store.get(rid).state is RequestState.DENIED  # type: ignore[union-attr]
    assert deletes(world, PACKAGE) == 0
    assert held in world.slack.last_text_to(ALICE)


def test_a_refusal_for_a_pending_request_s_target_says_who_can_withdraw_it(world: World) -> None:
    """Break-glass on a target someone else's pending request holds is refused; the on-call is
    told who can clear the way (its requester withdraws it) rather than only to wait."""
    held = open_request(world, user=DAVE)
    run(world)
    said = world.shown_to(ALICE)
    assert held in said and f"<@{DAVE}> can withdraw it" in said
    assert world.store.get(held).state is RequestState.PENDING  # type: ignore[union-attr]

    run(world, user=DAVE, request=breaking(break_glass=None))
    assert "you can withdraw it" in world.shown_to(DAVE)  # their own: they are told so


def test_a_refusal_for_a_pending_request_s_target_says_an_approver_may_reject_it(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    """An approver's Reject ends it too (README Policy), and in an incident an approver may
    be easier to reach than its requester; under `approvals = 0` nobody else may reject it."""
    world: World = world_factory(POLICY)
    held = open_request(world, user=DAVE)
    run(world)
    said = world.shown_to(ALICE)
    assert f"<@{DAVE}> can withdraw it, or one of its approvers (<!subteam^{LEADS}>) can " in said
    assert "can reject it." in said

    alone: World = world_factory(POLICY + "approvals = 0\nself_approval = true\n")
    held = open_request(alone, user=DAVE)
    run(alone)
    said = alone.shown_to(ALICE)
    assert held in said and f"only <@{DAVE}> can withdraw it." in said and "reject" not in said


def test_the_approvers_named_to_reject_a_held_target_leave_out_its_requester(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    """The requester of the holding request withdraws it and may not reject it
    (`Policy.check_rejection`): named among the approvers who can reject it, they would be
    named twice, once for something they cannot do."""
    world: World = world_factory(POLICY.replace(f'["{LEADS}"]', f'["{DAVE}", "{LEADS}"]'))
    open_request(world, user=DAVE)
    run(world)
    said = world.shown_to(ALICE)
    assert f"<@{DAVE}> can withdraw it, or one of its approvers (<!subteam^{LEADS}>) can " in said

    policy = POLICY.replace(f'["{LEADS}"]', f'["{DAVE}"]') + "self_approval = true\n"
    only: World = world_factory(policy)  # dave alone may approve: nobody may reject it
    open_request(only, user=DAVE)
    run(only)
    said = only.shown_to(ALICE)
    assert f"only <@{DAVE}> can withdraw it." in said and "reject" not in said


def test_break_glass_that_loses_the_race_for_a_target_is_refused_and_calls_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look before the preview passes, but another request takes the target before this one
    is stored: the store's own check refuses it, in its transaction, as for any request."""
    held = open_request(world, user=DAVE)
    monkeypatch.setattr(world.store, "check_overlap", lambda operation, targets: None)
    rid = run(world)
    assert rid is not None and world.store.get(rid).state is RequestState.DENIED  # type: ignore[union-attr]
    assert deletes(world, PACKAGE) == 0
    assert held in world.slack.last_text_to(ALICE)
    assert [name for name, _ in events(world, rid)] == ["denied"]


def test_a_card_slack_will_not_post_does_not_stop_the_call(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"
    rid = run(world)
    assert rid is not None

    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    assert deletes(world, PACKAGE) == 1
    told = [p.message for p in world.slack.of("post") if p.target == ALICE]
    [warned] = [m for m in told if "It runs all the same" in text(m)]
    assert "not_in_channel" in text(warned)
    # A warning, not a refusal: nothing was refused, and the call went ahead.
    assert warned.text.startswith("Warning: Slack would not post the card of break-glass")


def test_a_run_without_a_card_is_reviewed_from_app_home(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"
    rid = run(world)
    assert rid is not None and world.store.get(rid).message_ts is None  # type: ignore[union-attr]

    world.service.review(rid, world.on_card(rid, BOB))  # there is no card to click
    assert world.store.get(rid).reviewed_by is None  # type: ignore[union-attr]
    tab = Origin(user=BOB, channel="C0OPS")  # App Home's click, taken in the run's channel
    world.service.review_in_tab(rid, tab)
    assert world.store.get(rid).reviewed_by == BOB  # type: ignore[union-attr]
    assert events(world, rid)[-1] == ("reviewed", BOB)


def test_a_review_from_app_home_is_checked_like_the_card_s(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"
    rid = run(world)
    assert rid is not None
    for who in (ALICE, DAVE):
        world.service.review_in_tab(rid, Origin(user=who, channel="C0OPS"))
    assert world.store.get(rid).reviewed_by is None  # type: ignore[union-attr]
    assert [e for e, _ in events(world, rid)][-2:] == ["denied", "denied"]


def test_a_run_without_a_card_gets_it_when_announced_and_the_announcement_is_in_its_thread(
    world: World,
) -> None:
    world.slack.refuse_posts = "not_in_channel"
    rid = run(world)
    assert rid is not None
    world.slack.refuse_posts = None  # the bot was invited since
    world.clock.advance(DAY)
    world.service.remind()
    record = world.store.get(rid)
    assert record is not None and record.message_ts is not None
    [card] = [p for p in world.slack.of("post") if p.target == "C0OPS" and rid in p.message.text]
    assert "opsgate_review" in text(card.message)
    [announced] = world.slack.of("broadcast")
    assert announced.target == f"C0OPS/{record.message_ts}"
    assert "on its card" in text(announced.message)
    world.service.review(rid, world.on_card(rid, BOB))  # the card's button now counts
    assert world.store.get(rid).reviewed_by == BOB  # type: ignore[union-attr]


def test_a_run_whose_card_slack_still_refuses_is_announced_with_where_to_review_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.slack.refuse_posts = "not_in_channel"
    rid = run(world)
    assert rid is not None
    refusing_post = world.slack.post
    posted: list[Message] = []

    def only_the_announcement(channel: str, message: Message) -> str:
        if "opsgate_review" in text(message):  # the card: still refused
            return refusing_post(channel, message)
        posted.append(message)
        return "1767225600.999999"

    monkeypatch.setattr(world.slack, "post", only_the_announcement)
    world.clock.advance(DAY)
    world.service.remind()
    [announcement] = posted
    said = text(announcement)
    assert "App Home" in said and "on its card" not in said
    assert world.store.get(rid).message_ts is None  # type: ignore[union-attr]


class ResponseUrlUnreachable(FakeSlack):
    """Slack whose response_url cannot be reached: every private answer through it fails."""

    def respond(self, response_url: str, message: Message) -> None:
        raise urllib.error.URLError("Connection refused")


def test_a_private_answer_slack_will_not_take_does_not_stop_the_call(
    world_factory: Callable[..., World], caplog: pytest.LogCaptureFixture
) -> None:
    world = world_factory(POLICY, slack=ResponseUrlUnreachable())
    with caplog.at_level(logging.WARNING, logger="bot.lifecycle.breakglass"):
        rid = run(world)
    assert rid is not None

    assert deletes(world, PACKAGE) == 1
    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    assert world.slack.of("post"), "the card went up all the same"
    assert "could not answer the requester: URLError" in caplog.text


class ChannelUnreachable(FakeSlack):
    """Slack that cannot be reached to post in a channel: the card's post fails with a
    transport error, not a refusal Slack answered."""

    def post(self, channel: str, message: Message) -> str:
        if channel.startswith("C"):
            raise urllib.error.URLError("Connection reset")
        return super().post(channel, message)


def test_a_card_slack_cannot_be_reached_for_does_not_stop_the_call(
    world_factory: Callable[..., World], caplog: pytest.LogCaptureFixture
) -> None:
    world = world_factory(POLICY, slack=ChannelUnreachable())
    with caplog.at_level(logging.WARNING, logger="bot.lifecycle.breakglass"):
        rid = run(world)
    assert rid is not None

    assert deletes(world, PACKAGE) == 1
    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    assert "could not post the card: URLError" in caplog.text


# -- review -------------------------------------------------------------------------------------


def test_an_approver_marks_it_reviewed(world: World) -> None:
    rid = run(world)
    assert rid is not None

    world.service.review(rid, world.on_card(rid, CAROL))

    record = world.store.get(rid)
    assert record is not None and record.reviewed_by == CAROL
    assert events(world, rid)[-1] == ("reviewed", CAROL)
    final = card_texts(world, rid)[-1]
    assert "Reviewed* by <@U0CAROL>" in final and "opsgate_review" not in final
    assert "Marked" in world.slack.last_text_to(CAROL)
    assert world.store.verify().ok


def test_a_review_is_announced_in_the_audit_channel_with_the_head_it_moved_to(
    world: World,
) -> None:
    # The review comes after the end's announcement: without its own, the audit channel's last
    # anchor would stop short of the event that says who vouched for the break-glass run.
    world.store.subscribe(AuditChannel(world.slack, "C0AUDIT"))
    rid = run(world)
    assert rid is not None

    world.service.review(rid, world.on_card(rid, CAROL))

    announced = [p.message.text for p in world.slack.of("post") if p.target == "C0AUDIT"]
    ended, reviewed = (
        e for e in world.store.events(request_id=rid) if e.event.value in {"succeeded", "reviewed"}
    )
    assert announced == [
        f"{rid} huawei.package.delete succeeded · head {ended.seq}:{ended.hash}",
        f"{rid} huawei.package.delete reviewed · head {reviewed.seq}:{reviewed.hash}",
    ]
    assert world.store.verify(anchors=[world.store.head()]).ok


@pytest.mark.parametrize(
    ("who", "said"),
    [(ALICE, "so someone else reviews it"), (DAVE, "You may not review")],
    ids=["the requester", "a non-approver"],
)
def test_the_requester_and_non_approvers_cannot_review(world: World, who: str, said: str) -> None:
    rid = run(world)
    assert rid is not None

    world.service.review(rid, world.on_card(rid, who))

    assert world.store.get(rid).reviewed_by is None  # type: ignore[union-attr]
    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.actor, last.detail["action"]) == (AuditEventName.DENIED, who, "review")
    assert said in world.shown_to(who)


def test_a_review_counts_once_and_only_from_its_card(world: World) -> None:
    rid = run(world)
    assert rid is not None

    world.service.review(rid, world.on_card(rid, BOB, ts="1.999999"))
    assert world.store.get(rid).reviewed_by is None  # type: ignore[union-attr]
    world.service.review(rid, world.on_card(rid, BOB))
    world.service.review(rid, world.on_card(rid, CAROL))

    assert world.store.get(rid).reviewed_by == BOB  # type: ignore[union-attr]
    assert "already reviewed by <@U0BOB>" in world.shown_to(CAROL)
    assert [e for e, _ in events(world, rid)].count("reviewed") == 1


def test_an_ordinary_request_has_nothing_to_review(world: World) -> None:
    rid = open_request(world)
    world.service.review(rid, world.on_card(rid, BOB))
    assert "did not run with break-glass" in world.shown_to(BOB)


def test_anyone_is_told_first_that_an_ordinary_request_has_nothing_to_review(
    world: World,
) -> None:
    """Whether there is anything to review comes before who may review it."""
    rid = open_request(world)
    world.service.review(rid, world.on_card(rid, DAVE))
    said = world.shown_to(DAVE)
    assert "did not run with break-glass" in said and "You may not review" not in said


# -- listed and announced until reviewed --------------------------------------------------------


def unreviewed(world: World, user: str = BOB, channel: str = "D0BOB", **flags: object) -> str:
    origin = Origin(user=user, channel=channel)
    return text(world.service.history(HistoryCommand(unreviewed=True, **flags), origin))


def test_history_unreviewed_lists_runs_awaiting_review(world: World) -> None:
    first = run(world)
    second = run(
        world, request=breaking("INC-43").model_copy(update={"targets": ("pkg-gw-sw-2.0.1",)})
    )
    assert first and second
    world.service.review(second, world.on_card(second, BOB))

    listed = unreviewed(world)
    assert first in listed and second not in listed and "INC-42 fleet down" in listed
    assert "(overdue)" not in listed
    world.clock.advance(DAY)
    assert "(overdue)" in unreviewed(world)
    assert first not in unreviewed(world, DAVE, "D0DAVE")  # not theirs to read
    assert "Nothing awaits review" in unreviewed(world, vendor="enos")


def test_history_unreviewed_says_how_many_more_await_review_past_its_limit(world: World) -> None:
    """Three runs await review and `--limit 2` shows two: the reply counts all three and says
    how to see the rest, rather than passing two off as all there are."""
    packages = ("pkg-meter-fw-1.2.0", "pkg-meter-fw-1.1.0", "pkg-gw-sw-2.0.1")
    ids = [run(world, request=breaking(f"INC-{n}", targets=(p,))) for n, p in enumerate(packages)]
    assert all(ids)

    shown = world.service.history(
        HistoryCommand(unreviewed=True, limit=2), Origin(user=BOB, channel="D0BOB")
    )
    said = text(shown)
    assert sum(rid in said for rid in ids if rid) == 2
    assert shown.text.startswith("3 break-glass requests awaiting review")
    assert "1 more awaiting review" in said and "--limit 3" in said
    assert "more awaiting review" not in text(
        world.service.history(HistoryCommand(unreviewed=True), Origin(user=BOB, channel="D0BOB"))
    )


def test_history_unreviewed_past_its_limit_says_how_to_list_the_rest_with_its_filters(
    world: World,
) -> None:
    """`--mine --vendor v --limit 1` past its limit: the command it suggests keeps --mine and
    --vendor, so it lists the same runs (without them it would list everyone's)."""
    packages = ("pkg-meter-fw-1.2.0", "pkg-meter-fw-1.1.0")
    ids = [run(world, request=breaking(f"INC-{n}", targets=(p,))) for n, p in enumerate(packages)]
    assert all(ids)
    vendor = package_request().vendor

    said = unreviewed(world, user=ALICE, channel="D0ALICE", mine=True, vendor=vendor, limit=1)
    assert "1 more awaiting review" in said
    assert f"/ops history --unreviewed --mine --vendor {vendor} --limit 2" in said


def test_an_unreviewed_run_is_announced_again_once_a_day(world: World) -> None:
    rid = run(world)
    assert rid is not None
    record = world.store.get(rid)
    assert record is not None
    world.service.remind()
    assert world.slack.of("broadcast") == []  # not overdue yet

    world.clock.advance(DAY)
    world.service.remind()
    world.clock.advance(DAY / 2)
    world.service.remind()
    [announced] = world.slack.of("broadcast")
    assert announced.target == f"C0OPS/{record.message_ts}"  # in its card's thread, and channel
    assert f"<!subteam^{LEADS}>" in announced.message.blocks[0]["text"]["text"]
    assert rid in announced.message.text

    world.clock.advance(DAY / 2)
    world.service.remind()
    assert len(world.slack.of("broadcast")) == 2
    world.service.review(rid, world.on_card(rid, BOB))
    world.clock.advance(DAY)
    world.service.remind()
    assert len(world.slack.of("broadcast")) == 2


# -- reminders and the first mention ------------------------------------------------------------


def test_approvers_are_reminded_once_in_the_thread_at_half_the_ttl(world: World) -> None:
    rid = open_request(world)
    record = world.store.get(rid)
    assert record is not None
    world.clock.advance(15 * 60 - 1)
    world.service.remind()
    assert world.slack.of("reply") == []

    world.clock.advance(1)
    world.service.remind()
    world.service.remind()
    [reminder] = world.slack.of("reply")
    assert reminder.target == f"C0OPS/{record.message_ts}"
    said = text(reminder.message)
    assert f"<!subteam^{LEADS}>" in said and "still needs 1 more approval" in said


def test_a_reminder_goes_out_once_across_processes(world_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    one = world_factory(POLICY, db=tmp_path / "opsgate.db")
    two = world_factory(POLICY, db=tmp_path / "opsgate.db", slack=one.slack)
    open_request(one)
    for world in (one, two):
        world.clock.advance(15 * 60)
    one.service.remind()
    two.service.remind()
    assert len(one.slack.of("reply")) == 1


def test_the_first_post_mentions_the_approvers(world: World) -> None:
    open_request(world)
    [card] = world.slack.of("post")
    assert f"Your approval is needed: <!subteam^{LEADS}>" in card.message.text


QUIET = f"""
[policy]
approvers = ["{LEADS}", "{CAROL}"]
notify_approvers = false
channels = ["C0OPS"]
"""


def test_notify_approvers_false_mentions_nobody(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(QUIET)
    rid = open_request(world)
    world.clock.advance(15 * 60)
    world.service.remind()

    shown = [text(p.message) for p in world.slack.of("post") + world.slack.of("reply")]
    assert len(shown) == 2
    assert not any("<!subteam^" in t or "<@U0CAROL>" in t for t in shown)
    assert all("user group `S0OPSLEADS`" in t for t in shown)
    assert rid in shown[1]


def test_remind_false_sends_no_reminder(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(POLICY.replace("[policy]", "[policy]\nremind = false"))
    open_request(world)
    world.clock.advance(29 * 60)
    world.service.remind()
    assert world.slack.of("reply") == []


def test_a_blocked_preview_does_not_hold_break_glass_back_and_the_card_shows_it(
    world: World,
) -> None:
    running_job = OperationRequest(
        operation="enos.ota-job.delete",
        vendor="enos",
        targets=("otajob-9a41f0",),
        params={"org": "o15724268424841"},
        reason="stuck rollout",
        break_glass="INC-50",
    )
    rid = run(world, request=running_job)
    assert rid is not None

    record = world.store.get(rid)
    assert record is not None and record.preview is not None
    assert record.preview.verdict.value == "blocked"
    assert record.state is RequestState.FAILED  # it ran: EnOS refused (24618), as foreseen
    first = card_texts(world, rid)[0]
    assert "The preview says the vendor will refuse" in first and "24618" in first
    assert "[BREAK-GLASS]" in first
    assert "FORCED" not in first and "Forced by" not in first  # the incident is the force


@dataclass
class LateCardSlack(FakeSlack):
    """The card reaches Slack only once the run has ended (a slow chat.postMessage)."""

    ended: Callable[[], bool] = lambda: True

    def post(self, channel: str, message: Message) -> str:
        if channel.startswith("C"):
            deadline = time.monotonic() + 5
            while not self.ended() and time.monotonic() < deadline:
                time.sleep(0.005)
        return super().post(channel, message)


def test_a_card_posted_after_the_run_ended_shows_how_it_ended(world_factory) -> None:  # type: ignore[no-untyped-def]
    """The outcome's redraw found no card yet; the late card must not be left "executing"."""
    slack = LateCardSlack()
    world = world_factory(POLICY, slack=slack, background=True)

    def ended() -> bool:
        [record] = world.store.history(requester=ALICE, limit=1) or [None]
        return record is not None and record.state is RequestState.SUCCEEDED

    slack.ended = ended
    rid = run(world)
    assert rid is not None
    assert world.runner.wait_idle(10)

    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    assert "Succeeded" in card_texts(world, rid)[-1]


def test_someone_taken_out_of_the_break_glass_group_during_the_preview_does_not_run_it(
    world_factory,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(POLICY)
    groups = world.service.s.directory.groups
    groups["S0ONCALL"] = frozenset({DAVE})
    adapter = world.service.s.adapters.get("huawei")
    previewed = adapter.preview

    def slow_preview(request: OperationRequest) -> object:
        groups["S0ONCALL"] = frozenset()  # Slack: @dave left the group while it previewed
        return previewed(request)

    monkeypatch.setattr(adapter, "preview", slow_preview)
    rid = run(world, DAVE)
    assert rid is not None and world.store.get(rid).state is RequestState.DENIED
    assert deletes(world, PACKAGE) == 0
    [denied] = world.store.events(request_id=rid)
    assert (denied.event, denied.actor) == (AuditEventName.DENIED, DAVE)
    assert "You may not use --break-glass" in denied.detail["reason"]


@pytest.mark.parametrize("error", ["ratelimited", "token_revoked", "is_archived"])
def test_a_card_slack_will_not_post_for_another_reason_does_not_say_to_invite_the_bot(
    world: World, error: str
) -> None:
    world.slack.refuse_posts = error
    rid = run(world)
    assert rid is not None and world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    told = [p.message for p in world.slack.of("post") if p.target == ALICE]
    [warned] = [m for m in told if "It runs all the same" in text(m)]
    assert error in text(warned) and f"/ops status {rid}" in text(warned)
    assert "/invite" not in text(warned)  # inviting the bot would not help


def test_an_overdue_run_whose_card_slack_posted_unanswered_is_announced_under_that_card(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card's post was answered by a dropped connection and Slack would not say whether it
    was up (no history scope yet): the requester was warned. When the overdue announcement
    wants a card, it looks first (the scope granted since) and takes the one that is up."""
    in_channel: dict[str, str] = {}
    looks = {"allowed": False}
    post = world.slack.post

    def unanswered(channel: str, message: Message, request_id: str) -> str:
        in_channel[request_id] = post(channel, message)  # Slack posted it ...
        raise SlackPostError("RemoteDisconnected", uncertain=True)  # ... and the answer is lost

    def find(channel: str, request_id: str) -> str | None:
        if not looks["allowed"]:
            raise SlackPostError("missing_scope")
        return in_channel.get(request_id)

    monkeypatch.setattr(world.slack, "post_card", unanswered)
    monkeypatch.setattr(world.slack, "find_card", find)
    rid = run(world)
    assert rid is not None and world.store.get(rid).message_ts is None  # type: ignore[union-attr]

    looks["allowed"] = True  # the app reinstalled with the *:history scopes
    world.clock.advance(DAY + DAY / 2)
    world.service.remind()

    cards = [p for p in world.slack.of("post") if p.target == "C0OPS" and rid in p.message.text]
    assert len(cards) == 1  # no second card
    assert world.store.get(rid).message_ts == in_channel[rid]  # type: ignore[union-attr]
    [announced] = world.slack.of("broadcast")
    assert announced.target == f"C0OPS/{in_channel[rid]}"
