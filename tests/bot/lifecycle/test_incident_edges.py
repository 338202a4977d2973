"""The edges of break-glass, Stop, Mark reviewed and reminders: races lost to another process,
clicks that did not come from the card, unknown ids, and a Slack that will not take a message."""

from __future__ import annotations

import pytest
from lifecycle_world import ALICE, BOB, CAROL, LEADS, World, open_request, package_request

from bot.model import AuditEventName, RequestState
from bot.store import Store, StoreError
from commands.model import OperationRequest

POLICY = f"""
[policy]
approvers = ["{LEADS}"]
break_glass = ["{ALICE}"]
channels = ["C0OPS"]
"""
ANYONE = """
[policy]
approvers = ["*"]
break_glass = ["U0ALICE"]
channels = ["C0OPS"]
"""
DAY = 24 * 3600
BULK = OperationRequest(
    operation="aliyun.ota-task.cancel",
    vendor="aliyun",
    targets=tuple(f"thermo-{i:04d}" for i in range(450)),
    params={"product": "a1OpsThermo", "firmware": "fw-thermo-2.1.0"},
    reason="bad rollout",
)


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def breaking(incident: str = "INC-9") -> OperationRequest:
    return package_request().model_copy(update={"break_glass": incident})


def test_break_glass_loses_the_race_for_a_target_inside_the_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request took the target between the quick look and the insert."""
    held = open_request(world, user=CAROL)
    monkeypatch.setattr(world.store, "check_overlap", lambda operation, targets: None)
    world.service.submit(breaking(), world.origin(ALICE), command_text="/ops …")

    [mine] = world.store.history(requester=ALICE, limit=1)
    assert mine.state is RequestState.DENIED and mine.break_glass is None
    assert held in world.shown_to(ALICE)


def test_stop_and_review_from_elsewhere_than_the_card_are_refused(world: World) -> None:
    world.service.submit(breaking(), world.origin(ALICE), command_text="/ops …")
    [rid] = [r.id for r in world.store.history(requester=ALICE, limit=1)]

    world.service.review(rid, world.on_card(rid, BOB, ts="1.234567"))
    world.service.stop(rid, world.on_card(rid, BOB, channel="C0ELSEWHERE"))

    denied = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.DENIED]
    assert [e.detail["action"] for e in denied] == ["review", "stop"]
    assert all("mismatch" in e.detail for e in denied)
    assert world.store.get(rid).reviewed_by is None  # type: ignore[union-attr]


def test_clicks_on_an_unknown_request(world: World) -> None:
    for click in (world.service.stop, world.service.review):
        click("R-00000000", world.on_card("R-00000000", BOB, ts="1.0"))
        assert "There is no request" in world.shown_to(BOB)


def held_executing(world: World, monkeypatch: pytest.MonkeyPatch) -> str:
    """An approved bulk request held at executing (its run does nothing), so clicks find it
    running."""
    rid = open_request(world, BULK)
    monkeypatch.setattr("bot.lifecycle.clicks.Execution.run", lambda self, record, **_: record)
    world.service.approve(rid, world.on_card(rid, BOB))
    return rid


def test_a_stop_asked_for_twice_is_refused_the_second_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = held_executing(world, monkeypatch)
    assert world.store.get(rid).state is RequestState.EXECUTING  # type: ignore[union-attr]

    world.service.stop(rid, world.on_card(rid, ALICE))
    world.service.stop(rid, world.on_card(rid, BOB))

    assert world.store.get(rid).stop_requested_by == ALICE  # type: ignore[union-attr]
    assert "Stop was already asked for" in world.shown_to(BOB)


def test_a_stop_that_loses_a_race_says_who_won(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process stopped it between the read and the write."""
    rid = held_executing(world, monkeypatch)
    asked = world.store.request_stop
    monkeypatch.setattr(
        world.store, "request_stop", lambda request_id, by: asked(request_id, by=CAROL) and None
    )
    world.service.stop(rid, world.on_card(rid, ALICE))
    assert "Stop was already asked for" in world.shown_to(ALICE)


def test_a_review_that_loses_a_race_says_who_won(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.service.submit(breaking(), world.origin(ALICE), command_text="/ops …")
    [glass] = [r.id for r in world.store.history(requester=ALICE, limit=1)]
    review = world.store.review
    monkeypatch.setattr(
        world.store,
        "review",
        lambda request_id, reviewer, channel: (
            review(request_id, reviewer=CAROL, channel=channel) and None
        ),
    )
    world.service.review(glass, world.on_card(glass, BOB))
    assert "already reviewed by user U0CAROL" in world.shown_to(BOB)


def test_an_announcement_slack_refuses_is_logged_not_raised(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"  # the card never went up either
    world.service.submit(breaking(), world.origin(ALICE), command_text="/ops …")
    world.clock.advance(DAY)
    assert world.service.remind() == 1  # claimed, tried, and logged when Slack said no
    assert world.slack.of("broadcast") == []


def test_with_anyone_approving_the_reminder_names_nobody(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(ANYONE)
    open_request(world)
    world.clock.advance(15 * 60)
    world.service.remind()
    [reminder] = world.slack.of("reply")
    said = reminder.message.blocks[0]["text"]["text"]
    assert said.startswith(":bell: `R-") and "Approvers:" not in said


def test_the_store_refuses_break_glass_without_an_incident(world: World) -> None:
    with pytest.raises(StoreError, match="needs an incident ref"):
        world.store.create_request(
            breaking(""),
            requester=ALICE,
            channel="C0OPS",
            policy=world.policy.for_operation("huawei.package.delete"),
            sandbox=True,
            break_glass=True,
        )
    assert isinstance(world.store, Store) and world.store.verify().ok
