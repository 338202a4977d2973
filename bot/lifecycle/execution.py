"""The one mutating step: call the vendor for an approved request and record the outcome.

Only a request this process moved from `pending` to `executing` (a compare-and-set in the store)
reaches `execute`, so each request calls its vendor at most once, whatever the clicks, retries and
processes do. Whatever happens in the call, the request leaves `executing`: `succeeded`,
`failed`, `unknown` when we cannot tell whether the vendor acted, or `stopped` when Stop kept
some calls from being sent (`bot.model.rules.final_state` decides which, from the outcome). The
adapter asks before each call of a bulk run whether to send no more: yes once someone pressed
Stop, in whichever process (the store is asked), or once this process began shutting down
(`Services.shutdown`, SIGTERM). The ``stopped`` event names whoever pressed Stop, or ``system``
when the shutdown stopped the run, with the run's counts: a run whose calls in flight finish
within the shutdown grace ends with what it did, not left for recovery. Adapters return an
`Outcome` or raise; `outcome_of_error` is the one place an error becomes a
`bot.model.RequestOutcome`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from typing import Any, Protocol, assert_never

from adapters.base import Outcome, Progress, StopSignal
from adapters.clock import Clock
from adapters.errors import AdapterError, OutcomeUnknown, VendorError
from adapters.registry import Adapters
from bot.lifecycle.outage import already_unknown, ended, recorded
from bot.lifecycle.plugin_calls import executed
from bot.lifecycle.progress import ProgressThrottle, keep_progress
from bot.lifecycle.replies import Replies
from bot.lifecycle.run_reads import checked_before_call, stop_signal
from bot.lifecycle.services import Services, Shutdown
from bot.model import (
    AuditEventName,
    FailedOutcome,
    RequestRecord,
    RequestState,
    UnknownOutcome,
    as_recorded,
    rules,
)
from bot.observability.logs import bind
from bot.observability.vendor_calls import recorded_as
from bot.store import SYSTEM_ACTOR, Store, integrity_failure

log = logging.getLogger(__name__)


class Turn(Protocol):
    """Where a vendor call stands among the work of its process (`Runner`)."""

    def reached_vendor(self) -> None: ...


_FINAL = {
    RequestState.SUCCEEDED: AuditEventName.SUCCEEDED,
    RequestState.FAILED: AuditEventName.FAILED,
    RequestState.UNKNOWN: AuditEventName.UNKNOWN,
    RequestState.STOPPED: AuditEventName.STOPPED,
}


class Execution:
    """Makes the vendor call of a request this process moved to `executing`, then shows how
    it ended: on the card, and to the requester.

    With a runner (`Services.runner`), the outcome is recorded as a job of its own that waits
    for the decisions still being made (`bot.lifecycle.workers.Runner.submit_after`): in a
    burst of clicks every approved call goes out first, and the outcomes follow. The request
    stays `executing`, its lease renewed, until its outcome is recorded.
    """

    def __init__(self, services: Services, replies: Replies) -> None:
        self.s = services
        self.replies = replies

    def run(self, record: RequestRecord, *, first: Callable[[], None] | None = None) -> None:
        """Call the vendor once for `record`, which this process has just moved to executing
        (after `first`, what is said before the call, such as redrawing its card); record the
        outcome now or, with a runner, as soon as the decisions waiting have been made. Its lease
        is held from the start: a Slack slow to take `first` never lets recovery mark the call
        unknown. What `first` raises is raised, the vendor not called."""
        lease = ExitStack()
        leases = self.s.store.leases
        lease.enter_context(leases.held(record.id, operation=record.operation))  # until recorded
        try:
            if first is not None:
                first()
            outcome = call_vendor(
                record,
                adapters=self.s.adapters,
                store=self.s.store,
                clock=self.s.clock,
                show_progress=self._show_progress,
                turn=self.s.runner,
                shutdown=self.s.shutdown,
            )
        except BaseException:
            lease.close()
            raise
        leases.answered(record.id)  # the call is over; its outcome is still to be recorded
        finish = partial(self._finish, record, outcome, lease)
        if self.s.runner is None:
            finish()
        else:
            self.s.runner.submit_after(finish)

    def _finish(self, record: RequestRecord, outcome: CallOutcome, lease: ExitStack) -> None:
        end = partial(_record_end, self.s.store, record, outcome, shutdown=self.s.shutdown)
        with lease:
            said = json.dumps(_audit_detail(outcome), ensure_ascii=False)  # kept if given up
            final = recorded(self.s.store, end, ended(record.id, outcome), said=said)
        self.replies.settled(final)

    def _show_progress(self, record: RequestRecord, progress: Progress) -> None:
        # Called from inside the vendor call, at most once a second: kept with the lease (for
        # recovery, should this process die mid-run), and the card redrawn without waiting.
        keep_progress(self.s.store, record, progress)
        self.replies.refresh_card_soon(record, progress=progress)


CallOutcome = Outcome | FailedOutcome | UnknownOutcome


def call_vendor(
    record: RequestRecord,
    *,
    adapters: Adapters,
    store: Store,
    clock: Clock,
    show_progress: Callable[[RequestRecord, Progress], None],
    turn: Turn | None = None,
    shutdown: Shutdown | None = None,
) -> CallOutcome:
    """Check an `executing` request against the audit chain and make its vendor call (with a
    `turn`, telling the runner the decision is made; with a `shutdown`, sending no more calls
    once it has begun). Never raises.

    Returns:
        What happened: the adapter's outcome, or why nothing could be sent.
    """
    bind(request_id=record.id, operation=record.operation)  # for every log line of the call
    throttle = ProgressThrottle(lambda p: show_progress(record, p), clock=clock)
    # What executes must be exactly what the audit chain says was requested and approved.
    refused = checked_before_call(store, record, clock)
    stop = stop_signal(store, record.id, shutdown or Shutdown(), clock)
    if turn is not None:
        turn.reached_vendor()
    if refused is not None:
        return refused
    return stop.explained(_call(record, adapters, throttle, stop))


def fail_integrity(store: Store, record: RequestRecord, problem: str) -> RequestRecord | None:
    """End a pending request a click found disagreeing with its audit record (`Store.checked`)
    as `call_vendor`'s check ends one: ``failed``, error ``integrity``, the same outcome and
    event; the vendor is never called. None when it was no longer pending."""
    outcome = integrity_failure(problem)
    return store.transition(
        record.id,
        to=RequestState.FAILED,
        event=AuditEventName.FAILED,
        actor=SYSTEM_ACTOR,
        detail=_audit_detail(outcome),
        outcome=outcome,
        only_from=RequestState.PENDING,  # never a call another click has started
    )


def _record_end(
    store: Store, record: RequestRecord, outcome: CallOutcome, *, shutdown: Shutdown
) -> RequestRecord:
    """Move the request to the state its outcome says (`stopped` when Stop or the shutdown kept
    calls from going out, the event then by whoever pressed Stop, or `system`) and append that
    state's event, naming whoever pressed Stop however the run ended."""
    stopper = _stopper(store, record, outcome, shutdown)
    state = rules.final_state(outcome, stopped=stopper is not None)
    detail = _audit_detail(outcome) | ({"stopped_by": stopper} if stopper else {})
    # From `unknown` too (see `TRANSITIONS`): if this replica stalled past its lease while the
    # call was in flight, another may have marked it unknown; only this replica knows the result.
    final = store.transition(
        record.id,
        to=state,
        event=_FINAL[state],
        actor=stopper if state is RequestState.STOPPED and stopper else SYSTEM_ACTOR,
        detail=detail,
        outcome=outcome,
    )
    if final is not None:
        return final
    current = store.get(record.id) or record
    if state is RequestState.UNKNOWN and current.state is RequestState.UNKNOWN:
        already_unknown(current, outcome, detail)
    return current


def _stopper(
    store: Store, record: RequestRecord, outcome: CallOutcome, shutdown: Shutdown
) -> str | None:
    """Who stopped the run, if anyone did: whoever pressed Stop, or `system` when this process's
    shutdown kept calls from being sent. The latter is stored as the request's stop, so its
    card and `/ops status` say who stopped it (unless someone pressed Stop in the meantime)."""
    current = store.get(record.id)
    stopper = None if current is None else current.stop_requested_by
    unsent = isinstance(outcome, Outcome) and outcome.counts.not_sent
    if stopper is None and shutdown.begun and unsent:
        stored = store.request_stop(record.id, by=SYSTEM_ACTOR) or store.get(record.id)
        stopper = (None if stored is None else stored.stop_requested_by) or SYSTEM_ACTOR
    return stopper


def _call(
    record: RequestRecord,
    adapters: Adapters,
    progress: Callable[[Progress], None],
    stop: StopSignal,
) -> Outcome | FailedOutcome | UnknownOutcome:
    try:
        adapter = adapters.get(record.vendor)
        changed = rules.sandbox_changed(record, sandboxed_now=adapters.is_sandboxed(record.vendor))
        if changed is not None:
            return changed
        recorded = partial(as_recorded, preview=record.preview)
        with recorded_as(recorded):  # its metric counts what the request records
            outcome = executed(adapter, record.as_operation(), progress=progress, stop=stop)
        if isinstance(outcome, UnknownOutcome):
            return outcome  # the plugin failed: `bot.lifecycle.plugin_calls` said how
        return recorded(outcome)
    except AdapterError as exc:
        return outcome_of_error(exc)
    except Exception:
        # We cannot know whether the vendor acted before this happened: say `unknown`, never retry.
        log.exception("unexpected error executing %s", record.id)
        return UnknownOutcome(
            error="InternalError",
            message="opsgate failed unexpectedly during the vendor call; the request's state "
            "is unknown",
            next_step="Check the vendor console before requesting it again, and tell the "
            "opsgate maintainers (see the bot's logs for this request id).",
        )


def outcome_of_error(error: AdapterError) -> FailedOutcome | UnknownOutcome:
    """What an adapter's error means for the request: the one place errors become outcomes.

    `OutcomeUnknown` (no usable answer to the mutating call) is unknown; every other error
    (the vendor refused, could not be reached, is not configured) failed, keeping the vendor's
    code, HTTP status and request id.
    """
    kind = type(error).__name__
    if isinstance(error, OutcomeUnknown):
        return UnknownOutcome(
            error=kind,
            message=error.message,
            next_step=error.next_step,
            vendor_request_id=error.vendor_request_id,
        )
    vendor = error if isinstance(error, VendorError) else None
    return FailedOutcome(
        error=kind,
        message=error.message,
        next_step=error.next_step,
        code=None if vendor is None else vendor.code,
        http_status=None if vendor is None else vendor.http_status,
        vendor_request_id=None if vendor is None else vendor.vendor_request_id,
    )


def _audit_detail(outcome: Outcome | FailedOutcome | UnknownOutcome) -> dict[str, Any]:
    """The audit log keeps the vendor's ids, codes and counts, not the whole (possibly huge)
    outcome: a 10,000-target run's failures name every target."""
    match outcome:
        case Outcome():
            detail = outcome.model_dump(
                mode="json", include={"summary", "vendor_request_ids", "already_gone", "total"}
            )
            detail["counts"] = outcome.counts.model_dump(mode="json")
            codes = {f.code for f in outcome.failures if f.code}
            if codes:
                detail["failure_codes"] = sorted(codes)
            # The vendor's ids of refused or unanswered batches: what its support asks for.
            failed_ids = {f.vendor_request_id for f in outcome.failures if f.vendor_request_id}
            if failed_ids:
                detail["failure_request_ids"] = sorted(failed_ids)
            if outcome.checked:
                detail["checked"] = outcome.checked
            return detail
        case FailedOutcome() | UnknownOutcome():
            return outcome.model_dump(mode="json", exclude={"kind", "next_step"}, exclude_none=True)
        case _:
            assert_never(outcome)
