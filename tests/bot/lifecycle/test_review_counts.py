"""How many break-glass runs await review, past what a list reads (SPEC §11): App Home reads
the first 100 and `/ops history --unreviewed` the first 1,000; the "N more" each says counts
all of them, by the same rules that decide who may review or read each one."""

from __future__ import annotations

import json

import pytest
from lifecycle_world import ALICE, BOB, CAROL, DAVE, LEADS, World, package_request

from bot import cards
from bot.lifecycle import Origin
from bot.lifecycle.home import UNREVIEWED_SCANNED, HomeTab
from bot.model import AuditEventName, RequestState
from commands.model import HistoryCommand

POLICY = f"""
[policy]
approvers = ["{LEADS}"]
break_glass = ["{ALICE}", "{BOB}"]
channels = ["C0OPS"]
"""


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def ran(world: World, count: int, *, by: str) -> None:
    """`count` break-glass runs by `by` that ended and await review (stored as a run stores
    them: the vendor is not what is counted here)."""
    request = package_request()
    terms = world.service.s.policy.for_operation(request.operation)
    for n in range(count):
        made = request.model_copy(update={"targets": (f"pkg-{by}-{n}",), "break_glass": "INC-1"})
        record = world.store.create_request(
            made, requester=by, channel="C0OPS", policy=terms, sandbox=True, break_glass=True
        )
        world.store.transition(
            record.id, to=RequestState.SUCCEEDED, event=AuditEventName.SUCCEEDED, actor="system"
        )


def test_app_home_counts_every_run_its_approver_may_review(world: World) -> None:
    """101 of alice's runs, which bob may review, and bob's own two, which he may not: his tab
    shows ten and says 91 more, not what the first 100 read held."""
    ran(world, UNREVIEWED_SCANNED + 1, by=ALICE)
    ran(world, 2, by=BOB)
    tab = HomeTab(world.service.s, operation_ids=world.service.s.catalog.ids)
    shown = json.dumps(cards.home_view(tab.content(BOB)))
    assert "_91 more runs awaiting review" in shown
    assert tab.reviews(BOB)[1] == UNREVIEWED_SCANNED + 1
    assert tab.reviews(CAROL)[1] == UNREVIEWED_SCANNED + 3  # everyone's: an approver, no requester
    assert tab.reviews(DAVE)[1] == 0  # no approver


def test_history_unreviewed_counts_past_the_thousand_it_reads(world: World) -> None:
    ran(world, 1003, by=ALICE)
    asked = world.service.history(
        HistoryCommand(unreviewed=True, limit=5), Origin(user=BOB, channel="D0BOB")
    )
    assert asked.text.startswith("1,003 break-glass requests awaiting review")
    nobody = world.service.history(
        HistoryCommand(unreviewed=True), Origin(user=DAVE, channel="D0DAVE")
    )
    assert nobody.text.startswith("0 break-glass requests")  # none of them dave's to read


def test_a_list_read_whole_asks_the_store_for_no_count(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The common case: fewer runs await review than a list reads, and it counts them itself."""
    ran(world, 3, by=ALICE)

    def counted() -> None:
        raise AssertionError("counted in the store although the list read every run")

    monkeypatch.setattr(world.store, "unreviewed_break_glass_kinds", counted)
    tab = HomeTab(world.service.s, operation_ids=world.service.s.catalog.ids)
    assert tab.reviews(BOB)[1] == 3
    asked = world.service.history(
        HistoryCommand(unreviewed=True, limit=1), Origin(user=BOB, channel="D0BOB")
    )
    assert asked.text.startswith("3 break-glass requests awaiting review")
