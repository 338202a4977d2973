"""Exactly once: simultaneous clicks never produce a second vendor call."""

from __future__ import annotations

import threading

from lifecycle_world import BOB, World, click_together, deletes, open_request

from bot.model import AuditEventName, RequestState


def test_twenty_simultaneous_approvals_call_the_vendor_once(world: World) -> None:
    rid = open_request(world)
    click_together(world, rid, [f"U0APPROVER{i:02d}" for i in range(20)])

    assert deletes(world, "/category/pkg-meter-fw-1.2.0") == 1
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    names = [e.event for e in world.store.events(request_id=rid)]
    assert names.count(AuditEventName.EXECUTING) == 1
    assert names.count(AuditEventName.SUCCEEDED) == 1
    assert world.store.verify().ok


def test_the_same_person_clicking_twenty_times_calls_once(world: World) -> None:
    rid = open_request(world)
    threads = [
        threading.Thread(target=world.service.approve, args=(rid, world.on_card(rid, BOB)))
        for _ in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert deletes(world, "/category/pkg-meter-fw-1.2.0") == 1
