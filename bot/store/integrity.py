"""Do the tables say what the audit chain says? Pure comparisons, no SQL (SPEC §9).

The ``requests`` and ``approvals`` tables are what opsgate acts on; the hash chain is what it
can prove. These functions compare a stored request with its events and name the first thing
that differs, in one sentence:

- `request_problem`: the request against its first event (``requested``, or ``denied`` when the
  policy refused it): operation, targets, requester, parameters, reason, channel, sandbox,
  preview, creation time, expiry, approvals needed and the policy that applied, as JSON (types
  included), as `bot.store.first_event` reads them: a ``requested`` event without
  ``created_at`` (written before opsgate recorded it) is not held to the creation time; one
  without ``break_glass`` and ``review_due_at`` (release 1) records neither; a denied request's
  holds what opsgate writes for any denial. A first event that refers to an event
  (``requested_seq``, which only later events carry) is named.
- `approvals_problem`: the approvers against the ``approved`` events (who, how many).
- `EventSummary` / `state_problem`: the stored state against the state the events imply, and
  each state event against `TRANSITIONS` (`moves_problem`): a request that ended and was then
  set back to pending shows in its events as a move no request makes (``succeeded`` to
  ``executing``), even when its row and its last event agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from bot.model import (
    INTEGRITY_ERROR,
    TRANSITIONS,
    AuditEvent,
    AuditEventName,
    FailedOutcome,
    RequestRecord,
    RequestState,
)
from bot.model.shown import escaped
from bot.store.bound_columns import rewritten_json, same_json, stored_json
from bot.store.first_event import event_view, request_view

_SHOWN: Final = 3
#: Events that end (or begin) a state of their own; ``denied`` only as a request's first event,
#: or later when its detail says it ended the request (``"state": "denied"``: a card Slack would
#: not post); any other later ``denied`` is a refused click.
STATE_EVENTS: Final = frozenset(RequestState) - {RequestState.PENDING, RequestState.DENIED}


def request_problem(
    record: RequestRecord, first: AuditEvent | None, row: Mapping[str, Any] | None = None
) -> str | None:
    """What differs between a stored request and its first event; None when nothing does.
    Values are compared as JSON, types included (`same_json`); given the request's `row`,
    its params and policy are compared as stored, not as read."""
    if first is None:
        return "it has no events in the audit log (its requested event is gone)"
    if first.event not in {AuditEventName.REQUESTED, AuditEventName.DENIED}:
        return f"its first event (seq {first.seq}) is {first.event.value}, not requested"
    if "requested_seq" in first.detail:  # only later events refer to the first
        reference = _short(first.detail["requested_seq"])
        return (
            f"its first event (seq {first.seq}) refers to an event (requested_seq {reference}), "
            "which a request's first event never does"
        )
    if record.vendor != record.operation.split(".", 1)[0]:
        return f"its vendor {record.vendor!r} is not the vendor of {record.operation!r}"
    stored, logged = request_view(record), event_view(first)
    if row is not None:
        stored.update(stored_json(row))
    for key, value in logged.items():
        if not same_json(stored[key], value):
            return _differs(key, stored[key], value, first.seq)
    column = None if row is None else rewritten_json(row)  # the same values, other text
    return None if column is None else f"{column}: the stored request's JSON is not as written"


def approvals_problem(
    record: RequestRecord, actors: Sequence[str], *, need_count: bool
) -> str | None:
    """What differs between the stored approvers and the actors of the ``approved`` events.

    Args:
        record: The stored request (its `approvers` come from the approvals table).
        actors: Who approved, by the request's ``approved`` events, in seq order.
        need_count: Also require as many approvals as the request needs (it went ahead).
    """
    if sorted(actors) != sorted(record.approvers):
        return (
            f"approvals: the stored approvers are {_list(record.approvers)} but the approved "
            f"events name {_list(actors)}"
        )
    twice = sorted({actor for actor in actors if actors.count(actor) > 1})
    if twice:
        return f"approvals: {_list(twice)} approved more than once"
    needed, got = max(record.approvals_needed, 1), len(actors)
    if need_count and got < needed:
        are = f"approval{'s are' if needed != 1 else ' is'} needed"
        return f"approvals: {got} approved event{'s' * (got != 1)}, but {needed} {are}"
    return None


@dataclass
class EventSummary:
    """What one request's events say, gathered in seq order by `add`."""

    first_seq: int
    state: RequestState | None = None
    approvers: list[str] = field(default_factory=list)
    executed: bool = False
    break_glass: bool = False
    reviewer: str | None = None
    #: Who the events say stopped the run: an ending event's ``stopped_by``, else the actor
    #: of a ``stopped`` event.
    stopper: str | None = None
    bad_reference: int | None = None
    #: The first state event that is no allowed move: (its seq, the state before, its state).
    bad_move: tuple[int, RequestState, RequestState] | None = None

    def add(self, seq: int, name: str, actor: str, detail: Mapping[str, Any]) -> None:
        """Take in the request's next event (as stored: its seq, name, actor and detail)."""
        if seq == self.first_seq:
            first = RequestState.PENDING if name == AuditEventName.REQUESTED else None
            self.state = RequestState.DENIED if name == AuditEventName.DENIED else first
        elif name in STATE_EVENTS or detail.get("state") == name == AuditEventName.DENIED:
            self._move(seq, RequestState(name))
        # ``"again"``: an approver's later click that counted lapsed approvals again, no approval
        again = detail.get("again") is True and actor in self.approvers
        if name == AuditEventName.APPROVED and not again:
            self.approvers.append(actor)
        self.executed |= name == AuditEventName.EXECUTING
        self.break_glass |= name == AuditEventName.BREAK_GLASS
        if name in STATE_EVENTS and (name == AuditEventName.STOPPED or "stopped_by" in detail):
            self.stopper = detail.get("stopped_by", actor)
        if name == AuditEventName.REVIEWED:
            self.reviewer = self.reviewer or actor
        reference = detail.get("requested_seq", self.first_seq)
        if seq != self.first_seq and reference != self.first_seq and self.bad_reference is None:
            self.bad_reference = seq

    def _move(self, seq: int, to: RequestState) -> None:
        before = self.state
        # `unknown` twice: a restarting process marked the call unknown, and the call itself
        # then found no answer either (`bot.lifecycle.execution`).
        if before is None or to in TRANSITIONS[before] or before is to is RequestState.UNKNOWN:
            self.state = to
            return
        if self.bad_move is None:
            self.bad_move = (seq, before, to)
        self.state = to

    @property
    def needs_approvals(self) -> bool:
        """True when the events say the request went ahead (an ``executing`` event; only enough
        approvals, or break-glass, lead there), so its approvals must add up. A request that
        failed its integrity check at a click, while pending, never went ahead."""
        return self.executed and not self.break_glass


def state_problem(record: RequestRecord, summary: EventSummary) -> str | None:
    """What differs between the stored state and the state its events imply."""
    if summary.bad_reference is not None:
        return (
            f"event {summary.bad_reference} refers to another event than the request's first "
            f"(seq {summary.first_seq})"
        )
    moved = moves_problem(record, summary)
    if moved is not None:
        return moved
    if summary.reviewer != record.reviewed_by:
        return (
            f"review: the stored reviewer is {_name(record.reviewed_by)} but its events "
            f"name {_name(summary.reviewer)}"
        )
    return None


def moves_problem(record: RequestRecord, summary: EventSummary) -> str | None:
    """A state event that is no allowed move (`TRANSITIONS`), or a stored state other than the
    one the events end in; None when neither."""
    if summary.bad_move is not None:
        seq, before, to = summary.bad_move
        return (
            f"event {seq} moves it from {before.value} to {to.value}, which no request does: "
            f"its events go on after it {_ended(before)}"
        )
    if summary.state is not record.state:
        implied = summary.state.value if summary.state else "no state"
        return f"the stored state is {record.state.value} but its events end in {implied}"
    return None


def _ended(state: RequestState) -> str:
    return f"ended {state.value}" if state.terminal else f"was {state.value}"


def _differs(key: str, stored: Any, logged: Any, seq: int) -> str:
    """One sentence naming what differs, short even for 10,000 targets."""
    if key != "targets":
        return (
            f"{key}: the stored request has {_short(stored)} but its first event (seq {seq}) "
            f"has {_short(logged)}"
        )
    text = (
        f"targets: the stored request names {_list(stored)} but its first event (seq {seq}) "
        f"names {_list(logged)}"
    )
    if len(stored) == len(logged) > _SHOWN:
        at = next(i for i, (a, b) in enumerate(zip(stored, logged, strict=True)) if a != b)
        first = f"{escaped(stored[at])} instead of {escaped(logged[at])}"
        text += f"; the first difference is target {at + 1:,}: {first}"
    return text


def _list(items: Sequence[str]) -> str:
    """Names or targets as stored, escaped (`escaped`): a sentence about them stays one line."""
    shown = [escaped(str(item)) for item in items[:_SHOWN]]
    if len(items) <= _SHOWN:
        return ", ".join(shown) or "none"
    return f"{len(items):,} ({', '.join(shown)}, …)"


def _name(actor: str | None) -> str:
    return "nobody" if actor is None else escaped(actor)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:119] + "…"


def integrity_failure(problem: str) -> FailedOutcome:
    """The outcome of a request whose stored form disagrees with the chain: the vendor was not
    called. A `FailedOutcome` whose error is `INTEGRITY_ERROR`, so cards and the audit log show
    it like any failure, and say what did not match."""
    return FailedOutcome(
        error=INTEGRITY_ERROR,
        message=(
            "opsgate did not call the vendor: the stored request does not match its audit "
            f"record ({problem})"
        ),
        next_step=(
            "Treat the database as tampered with: run `opsgate audit verify`, compare it with an "
            "exported copy or an anchor; once it is explained, type the request again (this "
            "card offers no Request again: its stored form is not to be trusted)."
        ),
    )
