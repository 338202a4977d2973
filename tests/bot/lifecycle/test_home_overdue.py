"""App Home's break-glass runs awaiting review say by when each should be reviewed and mark the
overdue ones, as `/ops history --unreviewed` does (SPEC §10, §11)."""

from __future__ import annotations

import json

import pytest
from lifecycle_world import ALICE, BOB, LEADS, World, package_request

from bot import cards
from bot.lifecycle import Origin
from bot.lifecycle.home import HomeTab
from bot.model import AuditEventName, RequestState
from commands.model import HistoryCommand

POLICY = f"""
[policy]
approvers = ["{LEADS}"]
break_glass = ["{ALICE}"]
channels = ["C0OPS"]
review_within = "1h"
"""


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def test_app_home_marks_a_run_overdue_for_review_as_history_does(world: World) -> None:
    request = package_request().model_copy(update={"break_glass": "INC-7"})
    terms = world.service.s.policy.for_operation(request.operation)
    record = world.store.create_request(
        request, requester=ALICE, channel="C0OPS", policy=terms, sandbox=True, break_glass=True
    )
    world.store.transition(
        record.id, to=RequestState.SUCCEEDED, event=AuditEventName.SUCCEEDED, actor="system"
    )
    tab = HomeTab(world.service.s, operation_ids=world.service.s.catalog.ids)
    asked = HistoryCommand(unreviewed=True)

    def seen() -> tuple[str, str]:
        home = json.dumps(cards.home_view(tab.content(BOB)), ensure_ascii=False)
        history = world.service.history(asked, Origin(user=BOB, channel="D0BOB"))
        return home, json.dumps(history.blocks, ensure_ascii=False)

    home, history = seen()
    assert "review due <!date^" in home and "incident `INC-7`" in home
    assert "(overdue)" not in home and "(overdue)" not in history

    world.clock.advance(3601)
    home, history = seen()
    assert "*(overdue)*" in history
    assert "*(overdue)*" in home
