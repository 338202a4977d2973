"""What people are told, through the lifecycle: exactly what happened (issue 7 items 5 and 8)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from lifecycle_world import ALICE, BOB, CAROL, DAVE, LEADS, World, open_request, package_request

from adapters.errors import NotConfigured
from bot.cards import Message, plain
from bot.lifecycle.refusals import ended
from bot.model import AuditEventName, RequestRecord, RequestState

INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060")
TWO = (
    '[policy]\napprovers = ["*"]\nchannels = ["C0OPS"]\n'
    '[policy.operations."huawei.package.delete"]\napprovals = 2\n'
)


def shown(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def last_to(world: World, user: str) -> Message:
    for posted in reversed(world.slack.sent):
        if posted.kind in {"ephemeral", "respond"} and user in posted.target:
            return posted.message
    raise AssertionError(f"nothing was shown to {user}")


def confirm_text(message: Message) -> str:
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    return str(actions["elements"][0]["confirm"]["text"]["text"])


def test_a_first_approval_of_two_is_a_notice_not_a_refusal(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(TWO)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))

    notice = last_to(world, BOB)
    assert notice.text == f"Approval recorded for {rid} (1 of 2)."
    assert ":no_entry:" not in shown(notice) and "Refused" not in notice.text
    assert [e.event for e in world.store.events(request_id=rid)][-1] is AuditEventName.APPROVED


def test_the_approve_dialog_follows_the_approvals_so_far(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(TWO)
    rid = open_request(world)
    [posted] = world.slack.of("post")
    first = confirm_text(posted.message)
    assert "records your approval" in first and "cannot be undone" not in first
    assert "(1 of 2)" in first

    world.service.approve(rid, world.on_card(rid, BOB))
    second = confirm_text(world.slack.of("update")[-1].message)
    # The world's vendor is its simulator, as the card says: nothing real changes.
    assert second.startswith("This runs ") and second.endswith("Nothing real changes.")


def test_with_zero_approvals_the_card_says_the_requester_confirms_alone(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory('[policy]\napprovals = 0\nchannels = ["C0OPS"]\n')
    rid = open_request(world)
    [posted] = world.slack.of("post")
    assert "the requester confirms alone" in shown(posted.message)
    assert confirm_text(posted.message).startswith("This runs ")

    world.service.approve(rid, world.on_card(rid, ALICE))

    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    for message in [posted.message, *(u.message for u in world.slack.of("update"))]:
        assert " of 0" not in shown(message)
    assert "Confirmed by: <@U0ALICE>" in shown(world.slack.of("update")[-1].message)


@pytest.mark.parametrize(
    ("end", "words"),
    [
        ("approve", "has already succeeded; there is nothing left to reject."),
        ("reject", "was rejected by <@U0BOB>; there is nothing left to reject."),
        ("expire", "has expired; nothing was done."),
    ],
)
def test_a_click_on_an_ended_request_says_what_happened_in_english(
    world: World, end: str, words: str
) -> None:
    rid = open_request(world)
    if end == "expire":
        world.clock.advance(31 * 60)
    else:
        getattr(world.service, end)(rid, world.on_card(rid, BOB))

    world.service.reject(rid, world.on_card(rid, CAROL))

    answer = shown(last_to(world, CAROL))
    assert words in answer
    assert f"Request `{rid}` " in answer
    assert f" is {world.store.get(rid).state.value}" not in answer  # type: ignore[union-attr]


def test_a_withdrawn_request_says_who_withdrew_it(world: World) -> None:
    rid = open_request(world)
    world.service.withdraw(rid, world.on_card(rid, ALICE))
    world.service.approve(rid, world.on_card(rid, BOB))
    assert "was withdrawn by <@U0ALICE>; there is nothing left to approve." in shown(
        last_to(world, BOB)
    )


def test_a_short_ttl_counts_seconds_in_status(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory('[policy]\nttl = "10s"\nchannels = ["C0OPS"]\n')
    rid = open_request(world)
    [posted] = world.slack.of("post")
    assert "(in " not in shown(posted.message)  # the card stays up: it says only when
    status = world.service.status(rid, world.origin(ALICE))
    assert "(in 10 s)" in shown(status) and "(in 1 min)" not in shown(status)


def test_refusals_mention_the_group_live_and_log_plain_words(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\nchannels = ["C0OPS"]\n')
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, DAVE))

    refusal = last_to(world, DAVE)
    blocks = json.dumps(refusal.blocks, ensure_ascii=False)
    assert "1 approval from <!subteam^S0OPSLEADS>" in blocks
    assert "&lt;" not in blocks
    assert refusal.text.startswith("Refused: You may not approve huawei.package.delete")
    assert "user group S0OPSLEADS" in refusal.text
    [denied] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.DENIED]
    assert denied.detail["reason"] == (
        "You may not approve huawei.package.delete: 1 approval from user group S0OPSLEADS."
    )


def test_the_requester_is_named_live_when_someone_else_withdraws(world: World) -> None:
    rid = open_request(world)
    world.service.withdraw(rid, world.on_card(rid, BOB))
    assert f"Only the requester, <@{ALICE}>, can withdraw `{rid}`." in shown(last_to(world, BOB))


def test_a_vendor_message_with_setting_names_shows_them_copyable(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_configured(vendor: str) -> None:
        raise NotConfigured(
            "huawei is not configured",
            vendor=vendor,
            next_step="Set `OPSGATE_HUAWEI__APP_ID` and `OPSGATE_HUAWEI__SECRET`.",
        )

    monkeypatch.setattr(world.adapters, "get", not_configured)
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")

    answer = shown(last_to(world, ALICE))
    assert "`OPSGATE_HUAWEI__APP_ID`" in answer and "`OPSGATE_HUAWEI__SECRET`" in answer
    assert not any(ch in answer for ch in INVISIBLE)


def test_lifecycle_refusals_carry_no_invisible_characters(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    answer = shown(last_to(world, ALICE))
    assert "`/invite @opsgate`" in answer and "`not_in_channel`" in answer
    world.service.submit(package_request(reason=None), world.origin(ALICE), command_text="/ops …")
    reason = last_to(world, ALICE)
    answer += shown(reason)
    assert '`--reason "&lt;why&gt;"`' in reason.blocks[0]["text"]["text"]
    assert not any(ch in answer for ch in INVISIBLE)


def test_a_posted_request_points_to_its_status_command(world: World) -> None:
    rid = open_request(world)
    told = last_to(world, ALICE)
    assert f"`/ops status {rid}`" in shown(told)
    assert told.text == (
        f"Request {rid} is posted and waiting for approval. "
        f"Follow it on the card, or with /ops status {rid}."
    )


def test_a_request_needing_no_approvals_tells_its_requester_to_confirm_it(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory('[policy]\napprovals = 0\nchannels = ["C0OPS"]\n')
    rid = open_request(world)
    assert last_to(world, ALICE).text == (
        f"Request {rid} is posted and needs no approvals: press Approve on the card to confirm "
        f"it and run it. Follow it on the card, or with /ops status {rid}."
    )


def test_every_state_has_its_own_english() -> None:
    """No state reads "is <state>"; each says what happened to the request."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    said = set()
    for state in RequestState:
        record = RequestRecord(
            id="R-1",
            operation="huawei.package.delete",
            vendor="huawei",
            targets=("p",),
            requester=ALICE,
            channel="C0OPS",
            state=state,
            approvals_needed=1,
            created_at=now,
            expires_at=now + timedelta(minutes=1),
        )
        text = plain(ended(record, "approve"))
        assert text.startswith("Request R-1 ")
        assert not text.startswith(f"Request R-1 is {state.value}")
        said.add(text)
        for verb in ("reject", "withdraw", "stop"):
            assert f"to {verb}ed" not in plain(ended(record, verb))  # "nothing left to rejected"
    assert len(said) == len(RequestState)
    executing = record.model_copy(update={"state": RequestState.EXECUTING})
    assert plain(ended(executing, "approve")).endswith("so your approval was not needed.")
    assert plain(ended(executing, "reject")).endswith(
        "is already executing; it is too late to reject it."
    )


def test_a_reject_that_loses_the_race_is_told_in_the_words_of_its_click(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = open_request(world)
    store = world.store
    decide = store.transition

    def someone_else_first(request_id: str, **kwargs: object) -> RequestRecord | None:
        # Withdrawn by the requester between this click's look and its write.
        decide(request_id, to=RequestState.WITHDRAWN, event=AuditEventName.WITHDRAWN, actor=ALICE)
        return decide(request_id, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "transition", someone_else_first)
    world.service.reject_with_reason(rid, world.on_card(rid, BOB), "no")

    said = world.slack.last_text_to(BOB)
    assert said.endswith("was withdrawn; there is nothing left to reject."), said
