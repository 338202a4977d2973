"""One target, one open request (SPEC §8 "Binding and duplicates", issue 7 item 9): a request
that overlaps a pending or executing one is refused, pointing at that request's card."""

from __future__ import annotations

import json
import threading

from lifecycle_world import ALICE, BOB, DAVE, World, open_request, package_request

from bot.model import AuditEventName, RequestState

GETS = "/category/pkg-meter-fw-1.2.0"


def previews(world: World) -> int:
    return sum(1 for r in world.sim("huawei").requests_to(GETS) if r.method == "GET")


def test_a_second_request_for_a_pending_target_is_refused_pointing_at_the_first(
    world: World,
) -> None:
    first = open_request(world)
    looked = previews(world)

    world.service.submit(package_request(reason="again"), world.origin(DAVE), command_text="/ops …")

    assert len(world.slack.of("post")) == 1  # no second card
    assert previews(world) == looked  # refused before the vendor was asked anything
    [refused] = world.store.history(requester=DAVE)
    assert refused.state is RequestState.DENIED
    [event] = world.store.events(request_id=refused.id)
    assert event.event is AuditEventName.DENIED and first in event.detail["reason"]
    answer = world.slack.of("respond")[-1].message
    blocks = json.dumps(answer.blocks)
    assert f"`{first}` (waiting for approval) in <#C0OPS>" in blocks
    assert f"`/ops status {first}`" in blocks and "`pkg-meter-fw-1.2.0`" in blocks


def test_an_executing_request_holds_its_target_and_an_ended_one_frees_it(world: World) -> None:
    first = open_request(world)
    world.store.approve(first, approver=BOB)  # executing (as if the call were in flight)
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    assert world.store.history(limit=1)[0].state is RequestState.DENIED
    assert "(executing)" in world.slack.of("respond")[-1].message.text

    second = open_request(world, package_request("pkg-meter-fw-1.1.0"))
    world.service.withdraw(second, world.on_card(second, ALICE))
    third = open_request(world, package_request("pkg-meter-fw-1.1.0"))
    assert world.store.get(third).state is RequestState.PENDING  # type: ignore[union-attr]


def test_a_dry_run_of_a_held_target_is_still_shown(world: World) -> None:
    open_request(world)
    world.service.submit(package_request(dry_run=True), world.origin(DAVE), command_text="/ops …")
    assert "DELETE" in world.slack.of("respond")[-1].message.text + str(
        world.slack.of("respond")[-1].message.blocks
    )
    assert world.store.history(requester=DAVE) == []


def test_simultaneous_requests_for_one_target_post_one_card(world: World) -> None:
    """Every submit passes the quick look before any is stored; the store decides."""
    racers = 6
    at_preview = threading.Barrier(racers)
    adapter = world.adapters.by_vendor["huawei"]
    real_preview = adapter.preview

    def preview_together(request):  # type: ignore[no-untyped-def]
        at_preview.wait(10)
        return real_preview(request)

    adapter.preview = preview_together  # type: ignore[method-assign]
    threads = [
        threading.Thread(
            target=world.service.submit,
            args=(package_request(), world.origin(f"U0RACER{n}")),
            kwargs={"command_text": "/ops …"},
        )
        for n in range(racers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(world.slack.of("post")) == 1
    states = sorted(r.state.value for r in world.store.history(limit=50))
    assert states == ["denied"] * (racers - 1) + ["pending"]
