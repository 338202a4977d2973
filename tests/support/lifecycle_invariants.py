"""What must hold after any step, and after any sequence, of `lifecycle_fuzz`.

After each step (`check_step`): every event it appended is by whoever acted or by opsgate
(``system``), and each decision's actor could take it under the policy and the groups of that
moment, judged here from the policy's own words (not by opsgate's policy code): approvers are
listed both by the current policy and by the one stored with the request, the requester
counts as their own approver only where both allow it (or confirms alone, with no approvals
needed), only the requester withdraws, only someone else reviews, only a break-glass user runs
without approvals, and a request executes only with as many valid approvals as it needs.

After a sequence (`check_world`): the chain verifies; each request's state events are moves
`TRANSITIONS` allows and lead to its stored state; each job was cancelled at most once, and
only by a request that executed; a bulk run sent each device at most once; counts add up.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from aliyun_gate import received
from lifecycle_world import CHANNEL, World

from adapters.base import Outcome
from bot.cards.request import STATE_TITLES
from bot.model import TRANSITIONS, AuditEvent, AuditEventName, RequestRecord, RequestState

SYSTEM = "system"
_E = AuditEventName
_STATES = frozenset(state.value for state in RequestState) - {"pending", "denied"}


@dataclass(frozen=True)
class Terms:
    """The policy in force, in its own words: approvers, self-approval, break-glass users,
    approvals needed, requesters (none: the operation is turned off) and channels."""

    approvers: tuple[str, ...]
    self_approval: bool
    break_glass: tuple[str, ...]
    approvals: int = 1
    requesters: tuple[str, ...] = ("*",)
    channels: tuple[str, ...] = (CHANNEL,)

    @property
    def open_here(self) -> bool:
        """Requests may still be made in the requests' channel."""
        return "*" in self.channels or CHANNEL in self.channels


def listed(user: str, entries: Collection[str], groups: Mapping[str, Collection[str]]) -> bool:
    """`user` is named by `entries` (ids, group ids, or "*")."""
    return any(e in ("*", user) or user in groups.get(e, ()) for e in entries)


def may_approve(
    user: str, record: RequestRecord, terms: Terms, groups: Mapping[str, Collection[str]]
) -> bool:
    """Whether `user` may count as an approver of `record` now: listed by both the current
    policy and the one stored with the request; its requester only where both allow it.
    (Needing no approvals, only its requester confirms it.)"""
    stored = record.policy
    assert stored is not None
    if record.approvals_needed < terms.approvals:  # made under a laxer policy: none count
        return False
    if not terms.requesters or not terms.open_here:  # turned off, or not in its channel
        return False
    if record.approvals_needed == 0:
        return user == record.requester and listed(user, terms.requesters, groups)
    if user == record.requester and not (terms.self_approval and stored.self_approval):
        return False
    return listed_both(user, record, terms, groups)


def listed_both(
    user: str, record: RequestRecord, terms: Terms, groups: Mapping[str, Collection[str]]
) -> bool:
    """`user` is an approver by both the current policy and the one stored with `record`."""
    stored = record.policy
    assert stored is not None
    return listed(user, terms.approvers, groups) and listed(user, stored.approvers, groups)


def check_step(
    world: World, after_seq: int, user: str, terms: Terms, groups: Mapping[str, Collection[str]]
) -> None:
    """The events appended since `after_seq`, by `user`'s step, against the rules."""
    for event in (e for e in world.store.events() if e.seq > after_seq):
        assert event.actor in {user, SYSTEM}, (event.event, event.actor, user)
        record = world.store.get(event.request_id)
        assert record is not None
        problem = decision_problem(event, record, terms, groups)
        assert problem is None, (problem, event.event, event.actor, record.id)


def decision_problem(
    event: AuditEvent,
    record: RequestRecord,
    terms: Terms,
    groups: Mapping[str, Collection[str]],
) -> str | None:
    actor, requester = event.actor, record.requester
    confirms = record.approvals_needed == 0 and actor == requester
    match event.event:
        case _E.APPROVED if not (confirms or may_approve(actor, record, terms, groups)):
            return "approved by someone who may not approve"
        case _E.REJECTED if (
            actor == requester
            or not terms.open_here
            or not listed_both(actor, record, terms, groups)
        ):
            return "rejected by someone who may not reject"
        case _E.WITHDRAWN if actor != requester:
            return "withdrawn by someone other than the requester"
        case _E.REVIEWED if actor == requester or not listed(actor, terms.approvers, groups):
            return "reviewed by the requester or a non-approver"
        case _E.BREAK_GLASS if actor != requester or actor not in terms.break_glass:
            return "break-glass by someone the policy does not list"
        case _E.EXECUTING if record.break_glass is None:
            if datetime.fromisoformat(event.at) >= record.expires_at:
                return f"executing at {event.at}, past its expiry {record.expires_at}"
            counted = set(record.approvers) - set(record.lapsed)
            valid = {a for a in counted if may_approve(a, record, terms, groups)}
            if record.approvals_needed == 0:
                return None if actor == requester else "confirmed by someone else"
            if len(valid) < record.approvals_needed:
                return f"executing with {sorted(valid)} of {sorted(counted)} valid"
    return None


def check_world(
    world: World, requests: list[str], jobs: Mapping[str, str], *, others: Sequence[World] = ()
) -> None:
    """What must hold after any sequence (see the module's docstring); `others`: more
    processes on the same database, whose vendor calls count too."""
    verdict = world.store.verify()
    assert verdict.ok, verdict
    calls = Counter(
        json.loads(call.content)["Id"]
        for each in (world, *others)
        for call in each.sim("servicepower").requests_to("CancelJob")
    )
    bulk_runs = 0
    for rid in requests:
        record = world.store.get(rid)
        assert record is not None
        events = list(world.store.events(request_id=rid))
        assert replayed(events) is record.state, (rid, [e.event for e in events])
        executed = any(e.event is _E.EXECUTING for e in events)
        job = next((j for j, r in jobs.items() if r == rid), None)
        if job is not None:
            assert calls[job] <= 1 and (calls[job] == 1) <= executed, (rid, calls[job])
        bulk_runs += executed and len(record.targets) > 1
        if isinstance(record.outcome, Outcome):
            assert record.outcome.counts.done == len(record.targets), (rid, record.outcome)
    sent = Counter(device for each in (world, *others) for device in received(each))
    assert all(n <= bulk_runs for n in sent.values())


def replayed(events: list[AuditEvent]) -> RequestState:
    """The state the events lead to, each state event an allowed move from the one before."""
    state = RequestState.PENDING if events[0].event is _E.REQUESTED else RequestState.DENIED
    for event in events[1:]:
        ends = event.event is _E.DENIED and event.detail.get("state") == "denied"
        if event.event.value in _STATES or ends:
            moved = RequestState(event.event.value)
            assert moved in TRANSITIONS[state], (event.request_id, state, moved)
            state = moved
    return state


def shown(message: object) -> str:
    """A message's text and blocks, as one string to search."""
    return str(getattr(message, "text", "")) + json.dumps(getattr(message, "blocks", []))


#: The ends its requester hears of by direct message (SPEC §8 "Who hears what").
TOLD: Final = frozenset(RequestState) - {RequestState.PENDING, RequestState.EXECUTING}


def check_slack(worlds: Sequence[World], requests: list[str]) -> None:
    """Each requester was told of their request's end; with one process, each card as last
    drawn shows its request's state."""
    store = worlds[0].store
    sent = [posted for world in worlds for posted in world.slack.sent]
    for rid in requests:
        record = store.get(rid)
        assert record is not None
        if record.state in TOLD - {RequestState.DENIED}:
            told = [p for p in sent if p.target.endswith(record.requester)]  # DM, or privately
            assert any(rid in shown(p.message) for p in told), (rid, record.state)
        if len(worlds) == 1 and record.message_ts is not None:
            card = last_card(worlds[0], record)
            assert STATE_TITLES[record.state].lower() in card.lower(), (rid, record.state, card)


def last_card(world: World, record: RequestRecord) -> str:
    """The card of `record` as last posted or updated (`FakeSlack` numbers each message it
    posts, replies included, in order)."""
    card, number = "", 0
    for posted in world.slack.sent:
        if posted.kind in {"post", "reply", "broadcast"}:
            number += 1
            ts = f"1767225600.{number:06d}"
            if posted.kind == "post" and ts == record.message_ts:
                card = shown(posted.message)
        elif posted.kind == "update" and posted.target == f"{record.channel}/{record.message_ts}":
            card = shown(posted.message)
    return card
