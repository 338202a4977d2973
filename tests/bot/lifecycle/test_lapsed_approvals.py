"""An approval counts only while its approver may still approve (SPEC §2, §3): someone taken
out of the approvers' group, or left out by a policy loaded since, no longer counts towards the
request, and its card says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lifecycle_world import BOB, CAROL, DAVE, LEADS, World, click_together, deletes, open_request

from bot.model import AuditEventName, RequestState

PKG = "/category/pkg-meter-fw-1.2.0"
GROUP_POLICY = f"""
[policy]
approvers = ["{LEADS}"]
approvals = 2
channels = ["C0OPS"]
"""
NO_LONGER = f"<@{BOB}> (no longer an approver)"


def leads(world: World, *members: str) -> None:
    """Slack's user group of approvers now has exactly `members`."""
    world.service.s.directory.groups[LEADS] = frozenset(members)  # type: ignore[attr-defined]


def card(world: World) -> str:
    """The card as last drawn."""
    last = world.slack.of("update")[-1].message
    return last.text + str(last.blocks)


def approved_event(world: World, request_id: str, actor: str) -> dict[str, object]:
    return next(
        dict(e.detail)
        for e in world.store.events(request_id=request_id)
        if e.event is AuditEventName.APPROVED and e.actor == actor
    )


def test_an_approver_taken_out_of_the_group_no_longer_counts(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(GROUP_POLICY)
    leads(world, BOB, CAROL, DAVE)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    leads(world, CAROL, DAVE)  # bob leaves the group

    world.service.approve(rid, world.on_card(rid, CAROL))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert deletes(world, PKG) == 0
    assert record.approvers == (BOB, CAROL) and record.lapsed == (BOB,)
    assert "1 of 2" in world.shown_to(CAROL)
    assert "1 of 2 needed" in card(world) and NO_LONGER in card(world)
    assert approved_event(world, rid, CAROL) == {
        "approvals": 1,
        "needed": 2,
        "lapsed": [BOB],
        "requested_seq": 1,
    }
    assert world.store.verify().ok

    world.service.approve(rid, world.on_card(rid, DAVE))  # a second current approver

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert deletes(world, PKG) == 1
    executing = next(
        e for e in world.store.events(request_id=rid) if e.event is AuditEventName.EXECUTING
    )
    assert executing.detail["approvers"] == [CAROL, DAVE]
    assert f"<@{CAROL}>, <@{DAVE}>, {NO_LONGER}" in card(world)
    assert world.store.verify().ok


def test_a_policy_loaded_since_without_the_approver_does_not_count_them(
    world_factory,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    before = f'[policy]\napprovers = ["{BOB}", "{CAROL}", "{DAVE}"]\napprovals = 2\n'
    first = world_factory(before, db=tmp_path / "opsgate.db")
    rid = open_request(first)
    first.service.approve(rid, first.on_card(rid, BOB))
    after = f'[policy]\napprovers = ["{CAROL}", "{DAVE}"]\napprovals = 2\n'
    restarted = world_factory(after, db=tmp_path / "opsgate.db", slack=first.slack)

    restarted.service.approve(rid, restarted.on_card(rid, CAROL))

    record = restarted.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert deletes(restarted, PKG) == 0
    assert "1 of 2" in restarted.shown_to(CAROL) and NO_LONGER in card(restarted)
    restarted.service.approve(rid, restarted.on_card(rid, DAVE))
    assert deletes(restarted, PKG) == 1
    assert restarted.store.verify().ok


def test_an_approver_back_in_the_group_counts_again(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\napprovals = 3\n')
    leads(world, BOB, CAROL, DAVE)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    leads(world, CAROL, DAVE)
    world.service.approve(rid, world.on_card(rid, CAROL))
    assert world.store.get(rid).lapsed == (BOB,)  # type: ignore[union-attr]
    leads(world, BOB, CAROL, DAVE)  # bob is back

    world.service.approve(rid, world.on_card(rid, DAVE))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert record.lapsed == () and deletes(world, PKG) == 1
    assert "no longer" not in card(world)
    assert world.store.verify().ok


@pytest.mark.parametrize("again", [BOB, CAROL])
def test_approvers_who_both_approved_complete_it_by_clicking_again(
    world_factory,  # type: ignore[no-untyped-def]
    again: str,
) -> None:
    """Bob's approval lapsed while he was out of the group; once he is back, a click by either
    of the two who approved counts it again (nobody else could: the group is the two of them)."""
    world = world_factory(GROUP_POLICY)
    leads(world, BOB, CAROL)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    leads(world, CAROL)
    world.service.approve(rid, world.on_card(rid, CAROL))
    assert world.store.get(rid).lapsed == (BOB,)  # type: ignore[union-attr]
    leads(world, BOB, CAROL)  # bob is back

    world.service.approve(rid, world.on_card(rid, again))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert record.lapsed == () and deletes(world, PKG) == 1
    named = [(e.event, e.actor) for e in world.store.events(request_id=rid)]
    assert named.count((AuditEventName.APPROVED, BOB)) == 1  # nobody approves twice
    executing = next(
        e for e in world.store.events(request_id=rid) if e.event is AuditEventName.EXECUTING
    )
    assert (executing.actor, executing.detail["approvers"]) == (again, [BOB, CAROL])
    assert world.store.verify().ok


def test_clicking_again_while_a_lapsed_approver_is_still_out_is_refused(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(GROUP_POLICY)
    leads(world, BOB, CAROL)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    leads(world, CAROL)
    world.service.approve(rid, world.on_card(rid, CAROL))

    world.service.approve(rid, world.on_card(rid, CAROL))
    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.lapsed == (BOB,) and deletes(world, PKG) == 0
    assert "You already approved" in world.shown_to(CAROL)
    assert "You may not approve" in world.shown_to(BOB)


def test_nothing_changes_when_no_approval_lapsed(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(GROUP_POLICY)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    assert "1 of 2" in world.shown_to(BOB)
    world.service.approve(rid, world.on_card(rid, CAROL))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert record.lapsed == () and deletes(world, PKG) == 1
    assert approved_event(world, rid, CAROL) == {"approvals": 2, "needed": 2, "requested_seq": 1}
    assert f"Approved by: <@{BOB}>, <@{CAROL}>" in card(world)
    assert "no longer" not in card(world)


def test_concurrent_clicks_by_current_approvers_run_it_once_without_the_lapsed_one(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(GROUP_POLICY)
    current = [f"U0LEAD{n:02d}" for n in range(12)]
    leads(world, BOB, *current)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    leads(world, *current)

    click_together(world, rid, current)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert deletes(world, PKG) == 1
    executing = [
        e for e in world.store.events(request_id=rid) if e.event is AuditEventName.EXECUTING
    ]
    assert len(executing) == 1
    assert BOB not in executing[0].detail["approvers"]
    assert len(executing[0].detail["approvers"]) == 2
    assert world.store.verify().ok


def test_concurrent_clicks_by_one_current_approver_do_not_complete_it(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(GROUP_POLICY)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    leads(world, CAROL)

    click_together(world, rid, [CAROL] * 12)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.approvers == (BOB, CAROL) and record.lapsed == (BOB,)
    assert deletes(world, PKG) == 0
    assert world.store.verify().ok


class AnswersThen:
    """Slack's user groups, answered as they are when asked; then, once, `meanwhile` runs before
    the answer reaches the click, which goes on with what it was told."""

    def __init__(self, *members: str) -> None:
        self.groups = {LEADS: frozenset(members)}
        self.meanwhile: Callable[[], None] | None = None

    def members(self, group_id: str) -> frozenset[str]:
        answer = self.groups.get(group_id, frozenset())
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return answer

    def outsider(self, user_id: str) -> bool:
        return False


def test_a_click_judged_before_an_approver_left_does_not_count_them_again(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\napprovals = 3\n')
    directory = AnswersThen(BOB, CAROL, DAVE)
    object.__setattr__(world.service.s, "directory", directory)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))

    def bob_leaves_then_carol_approves() -> None:
        directory.groups[LEADS] = frozenset({CAROL, DAVE})
        world.service.approve(rid, world.on_card(rid, CAROL))

    # Dave's click is told bob is a lead; before it counts, bob leaves and Carol's click (the
    # later judgement) finds that bob's approval no longer counts.
    directory.meanwhile = bob_leaves_then_carol_approves
    world.service.approve(rid, world.on_card(rid, DAVE))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.approvers == (BOB, CAROL, DAVE) and record.lapsed == (BOB,)
    assert deletes(world, PKG) == 0
    assert "2 of 3" in world.shown_to(DAVE) and NO_LONGER in card(world)
    assert approved_event(world, rid, DAVE)["lapsed"] == [BOB]
    assert world.store.verify().ok


def test_a_click_judged_before_a_restored_approver_left_again_does_not_restore_them(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    """Dave's click saw bob's approval lapsed and judged bob back; before it counts, bob
    clicks again (his approval counts again), then leaves again and Erin's click (the later
    judgement) finds his approval lapsed anew: Dave's older judgement must not count him."""
    erin = "U0ERIN"
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\napprovals = 4\n')
    directory = AnswersThen(BOB, CAROL, DAVE, erin)
    object.__setattr__(world.service.s, "directory", directory)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    directory.groups[LEADS] = frozenset({CAROL, DAVE, erin})
    world.service.approve(rid, world.on_card(rid, CAROL))  # bob's approval lapses
    directory.groups[LEADS] = frozenset({BOB, CAROL, DAVE, erin})

    def bob_back_then_out_again() -> None:
        world.service.approve(rid, world.on_card(rid, BOB))  # counts again: 2 of 4
        directory.groups[LEADS] = frozenset({CAROL, DAVE, erin})
        world.clock.advance(1)  # a later click than the one that first saw bob's lapse
        world.service.approve(rid, world.on_card(rid, erin))  # bob lapses anew: 2 of 4

    directory.meanwhile = bob_back_then_out_again
    world.service.approve(rid, world.on_card(rid, DAVE))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.lapsed == (BOB,)
    assert deletes(world, PKG) == 0


def test_a_click_that_counts_an_approval_again_without_completing_it_is_recorded(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    """Bob approved, left the group (his approval lapsed) and is back: his click again counts
    his approval, 2 of 3. Every click is in the audit log with who took it, and the reply says
    what happened; nothing is approved twice, and verify accepts the log."""
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\napprovals = 3\n')
    leads(world, BOB, CAROL, DAVE)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    leads(world, CAROL, DAVE)
    world.service.approve(rid, world.on_card(rid, CAROL))
    leads(world, BOB, CAROL, DAVE)  # bob is back
    before = len(list(world.store.events(request_id=rid)))

    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.approvers == (BOB, CAROL) and record.lapsed == ()
    new = list(world.store.events(request_id=rid))[before:]
    assert [(e.event, e.actor) for e in new] == [(AuditEventName.APPROVED, BOB)]
    assert new[0].detail["again"] is True and new[0].detail["restored"] == [BOB]
    assert new[0].detail["approvals"] == 2
    shown = world.shown_to(BOB)
    assert f"Your approval of {rid} counts again (2 of 3)." in shown
    assert "no longer" not in card(world)
    assert world.store.verify().ok

    world.service.approve(rid, world.on_card(rid, DAVE))

    assert deletes(world, PKG) == 1
    assert world.store.verify().ok


def test_a_click_judged_before_a_lapsed_approver_was_found_out_again_does_not_restore_them(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    """Dave's click saw bob's approval lapsed and judged bob back in the group; before it
    counts, bob leaves again and Erin's click (the later judgement) finds bob still out. Bob's
    approval never counted in between, so its lapse reads as before: Dave's older judgement
    must still not count him, or the request runs on an approval the newest judgement refused."""
    erin = "U0ERIN"
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\napprovals = 4\n')
    directory = AnswersThen(BOB, CAROL, DAVE, erin)
    object.__setattr__(world.service.s, "directory", directory)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    directory.groups[LEADS] = frozenset({CAROL, DAVE, erin})
    world.service.approve(rid, world.on_card(rid, CAROL))  # bob's approval lapses
    directory.groups[LEADS] = frozenset({BOB, CAROL, DAVE, erin})

    def bob_out_again_then_erin_approves() -> None:
        directory.groups[LEADS] = frozenset({CAROL, DAVE, erin})
        world.clock.advance(1)
        world.service.approve(rid, world.on_card(rid, erin))  # bob still out: 2 of 4

    directory.meanwhile = bob_out_again_then_erin_approves
    world.service.approve(rid, world.on_card(rid, DAVE))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.lapsed == (BOB,)
    assert deletes(world, PKG) == 0
    assert world.store.verify().ok


def test_a_click_does_not_restore_an_approval_it_never_judged(
    world_factory,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between Dave's click reading the request and reading its lapses, Wes approves and his
    approval lapses (he left; Erin's click found him out). Dave's click judged only those who
    had approved when it read the request: it must not count Wes again."""
    wes, erin = "U0WES", "U0ERIN"
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\napprovals = 4\n')
    leads(world, BOB, CAROL, DAVE, wes, erin)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    leads(world, CAROL, DAVE, wes, erin)
    world.service.approve(rid, world.on_card(rid, CAROL))  # bob's approval lapses
    lapses = world.store.lapses

    def wes_approves_and_leaves(request_id: str) -> dict[str, str]:
        monkeypatch.setattr(world.store, "lapses", lapses)
        world.service.approve(rid, world.on_card(rid, wes))
        leads(world, CAROL, DAVE, erin)
        world.service.approve(rid, world.on_card(rid, erin))  # wes's approval lapses
        return lapses(request_id)

    monkeypatch.setattr(world.store, "lapses", wes_approves_and_leaves)
    world.service.approve(rid, world.on_card(rid, DAVE))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert set(record.lapsed) == {BOB, wes}
    assert deletes(world, PKG) == 0


def test_a_repeat_click_that_finds_a_lapse_but_restores_nobody_leaves_it_to_the_next_click(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    """Bob and carol approved (2 of 3); carol leaves the group; bob clicks Approve again. His
    click finds carol's approval lapsed but has nothing to count again, so it is refused and
    saves nothing (the card still says 2 of 3, as it did before his click: lapses are found at
    clicks). That is harmless: every click that counts an approval judges all earlier ones
    again, so carol never counts towards the run."""
    erin = "U0ERIN"
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\napprovals = 3\n')
    leads(world, BOB, CAROL, DAVE, erin)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    world.service.approve(rid, world.on_card(rid, CAROL))
    leads(world, BOB, DAVE, erin)  # carol leaves

    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.lapsed == () and record.state is RequestState.PENDING
    assert "You already approved" in world.shown_to(BOB)

    world.service.approve(rid, world.on_card(rid, DAVE))  # 3 approvals stored, 2 count

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.lapsed == (CAROL,) and deletes(world, PKG) == 0
    assert approved_event(world, rid, DAVE)["lapsed"] == [CAROL]

    world.service.approve(rid, world.on_card(rid, erin))

    assert deletes(world, PKG) == 1
    executing = next(
        e for e in world.store.events(request_id=rid) if e.event is AuditEventName.EXECUTING
    )
    assert executing.detail["approvers"] == [BOB, DAVE, erin]
    assert world.store.verify().ok
