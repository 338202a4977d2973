"""A request without a card cannot be approved, so it must not linger: a card Slack will not
post ends the request at once (issue 7 item 23), and a card a dead process never posted is
posted by a sweep, or the request ends (issue 7 item 16)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lifecycle_world import ALICE, FakeDirectory, FakeSlack, World, package_request

from adapters.clock import FakeClock
from adapters.registry import build_adapters, installed_plugins
from bot.cards import Message
from bot.lifecycle import RequestService, Services
from bot.lifecycle.sweeper import Sweeper
from bot.lifecycle.sweeps import CARD_GRACE
from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import OperationPolicy, parse_policy
from bot.store import Store
from commands.model import OperationRequest

COMMAND = '/ops huawei package delete pkg-meter-fw-1.2.0 --reason "stale package"'


def texts(value: Any) -> list[str]:
    """Every ``text`` string inside blocks."""
    if isinstance(value, dict):
        own = [value["text"]] if isinstance(value.get("text"), str) else []
        return own + [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


def shown(message: Message) -> str:
    return "\n".join([message.text, *texts(message.blocks)])


def test_a_card_slack_will_not_post_ends_the_request_denied_at_once(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"
    world.service.submit(package_request(), world.origin(ALICE), command_text=COMMAND)

    [record] = world.store.history()
    assert record.state is RequestState.DENIED and record.message_ts is None
    [requested, denied] = world.store.events(request_id=record.id)
    assert requested.event is AuditEventName.REQUESTED
    assert denied.event is AuditEventName.DENIED and denied.actor == "system"
    assert denied.detail["slack_error"] == "not_in_channel"
    answer = shown(world.slack.of("respond")[-1].message)
    assert "`/invite @opsgate`" in answer and f"`{COMMAND}`" in answer
    assert "`not_in_channel`" in answer
    assert world.store.verify().ok  # the chain says it ended denied, as the table does


def test_the_request_can_be_made_again_once_the_bot_is_invited(world: World) -> None:
    world.slack.refuse_posts = "channel_not_found"
    world.service.submit(package_request(), world.origin(ALICE), command_text=COMMAND)
    world.slack.refuse_posts = None
    world.service.submit(package_request(), world.origin(ALICE), command_text=COMMAND)
    assert [r.state for r in world.store.history()] == [RequestState.PENDING, RequestState.DENIED]
    assert len(world.slack.of("post")) == 1


def test_a_command_too_long_to_copy_is_not_offered_clipped(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"
    long_command = COMMAND + " " + "x" * 300
    world.service.submit(package_request(), world.origin(ALICE), command_text=long_command)
    answer = shown(world.slack.of("respond")[-1].message)
    assert "run your command again" in answer and "xxxx" not in answer


def cardless(store: Store, target: str = "pkg-meter-fw-1.2.0") -> RequestRecord:
    """A pending request as a process leaves it when it dies between storing and posting."""
    return store.create_request(
        package_request(target),
        requester=ALICE,
        channel="C0OPS",
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
        sandbox=True,
    )


def test_a_sweep_posts_the_card_a_dead_process_never_posted(world: World) -> None:
    record = cardless(world.store)
    assert world.service.sweeps.post_cardless() == 0  # within the grace: its poster may be alive
    world.clock.advance(CARD_GRACE.total_seconds())

    assert world.service.sweeps.post_cardless() == 1

    [card, dm] = world.slack.of("post")
    assert card.target == "C0OPS" and record.id in shown(card.message)
    stored = world.store.get(record.id)
    assert stored is not None and stored.state is RequestState.PENDING and stored.message_ts
    assert dm.target == ALICE and "is now posted in <#C0OPS>" in shown(dm.message)
    assert world.service.sweeps.post_cardless() == 0  # posted: nothing left to do


def test_a_sweep_takes_the_card_a_dead_process_posted_and_posts_no_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The process died after its post reached Slack, before it stored where the card is.
    record = cardless(world.store)
    world.clock.advance(CARD_GRACE.total_seconds())
    found = {(record.channel, record.id): "1767225600.000777"}
    monkeypatch.setattr(world.slack, "find_card", lambda channel, rid: found.get((channel, rid)))

    assert world.service.sweeps.post_cardless() == 1

    stored = world.store.get(record.id)
    assert stored is not None and stored.state is RequestState.PENDING
    assert stored.message_ts == "1767225600.000777"
    [dm] = world.slack.of("post")  # the requester is told; no second card
    assert dm.target == ALICE and "is now posted in <#C0OPS>" in shown(dm.message)


def test_when_slack_still_refuses_the_request_ends_and_the_requester_is_told(
    world: World,
) -> None:
    record = cardless(world.store)
    world.clock.advance(CARD_GRACE.total_seconds())
    world.slack.refuse_posts = "not_in_channel"

    world.service.sweeps.post_cardless()

    assert world.store.get(record.id).state is RequestState.DENIED  # type: ignore[union-attr]
    [*_, denied] = world.store.events(request_id=record.id)
    assert denied.actor == "system" and denied.detail["slack_error"] == "not_in_channel"
    assert world.store.verify().ok
    [dm] = world.slack.of("post")
    assert dm.target == ALICE
    told = shown(dm.message)
    assert "`/invite @opsgate`" in told
    assert '`/ops huawei package delete pkg-meter-fw-1.2.0 --reason "stale package"`' in told


def test_start_up_posts_what_was_left_without_a_card(world: World) -> None:
    record = cardless(world.store)
    world.clock.advance(CARD_GRACE.total_seconds())
    sweeper = Sweeper(world.service.sweeps, world.runner)
    sweeper.start(every=60)
    sweeper.stop()
    assert world.runner.wait_idle(10)
    assert world.store.get(record.id).message_ts is not None  # type: ignore[union-attr]


def test_several_processes_sweeping_at_once_post_one_card_each(tmp_path: Path) -> None:
    processes = 3
    path = tmp_path / "shared.db"
    clock = FakeClock()
    seed = Store.open(path, clock=clock)
    ids = {cardless(seed, f"pkg-{n}").id for n in range(5)}
    seed.close()
    clock.advance(CARD_GRACE.total_seconds())
    slacks = [FakeSlack() for _ in range(processes)]
    services = [
        RequestService(
            Services(
                store=Store.open(path, clock=clock),
                policy=parse_policy({"approvers": ["*"], "channels": ["C0OPS"]}),
                adapters=build_adapters(installed_plugins(), {}, sandbox=True, clock=clock),
                slack=slack,
                directory=FakeDirectory(),
                clock=clock,
                catalog=installed_plugins().catalog,
            )
        )
        for slack in slacks
    ]
    start = threading.Barrier(processes)

    def sweep(service: RequestService) -> None:
        start.wait(10)
        service.sweeps.post_cardless()

    threads = [threading.Thread(target=sweep, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    cards = [p for slack in slacks for p in slack.of("post") if p.target == "C0OPS"]
    posted = sorted(rid for rid in ids for p in cards if rid in p.message.text)
    assert posted == sorted(ids)  # each card once, whoever posted it
    for service in services:
        service.s.adapters.close()
        service.s.store.close()


def test_a_request_for_an_operation_opsgate_no_longer_knows_is_not_offered_to_run_again(
    world: World,
) -> None:
    gone = OperationRequest(
        operation="acme.widget.delete", vendor="acme", targets=("w-1",), reason="x"
    )
    record = world.store.create_request(
        gone,
        requester=ALICE,
        channel="C0OPS",
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
        sandbox=True,
    )
    world.clock.advance(CARD_GRACE.total_seconds())
    world.slack.refuse_posts = "not_in_channel"
    world.service.sweeps.post_cardless()
    assert world.store.get(record.id).state is RequestState.DENIED  # type: ignore[union-attr]
    [dm] = world.slack.of("post")
    assert "run your command again" in shown(dm.message)


def test_a_request_typed_in_a_direct_message_says_to_use_a_channel(world_factory) -> None:  # type: ignore[no-untyped-def]
    """A DM cannot have the bot invited: the answer says where approval cards can go."""
    world = world_factory('[policy]\nrequesters = ["*"]\napprovers = ["*"]\napprovals = 1\n')
    world.slack.refuse_posts = "channel_not_found"
    world.service.submit(package_request(), world.origin(ALICE, "D0ALICEDM"), command_text=COMMAND)

    [record] = world.store.history()
    assert record.state is RequestState.DENIED
    answer = shown(world.slack.of("respond")[-1].message)
    assert "Slack would not post the approval card" in answer
    assert "not a direct message" in answer and f"`{COMMAND}`" in answer
    assert "Invite the bot with" not in answer
