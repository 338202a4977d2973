"""The one mutating step: call the vendor for an approved request and record the outcome.

Only a request this process moved from `pending` to `executing` (a compare-and-set in the store)
reaches `execute`, so each request calls its vendor at most once, whatever the clicks, retries and
processes do. Whatever happens in the call, the request leaves `executing`: `succeeded`,
`failed`, or `unknown` when we cannot tell whether the vendor acted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from adapters.base import Outcome, Progress
from adapters.clock import Clock
from adapters.errors import AdapterError, OutcomeUnknown
from adapters.registry import Adapters
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Services
from bot.model import AuditEventName, RequestRecord, RequestState
from bot.observability.logs import bind
from bot.store import Store, integrity_failure

log = logging.getLogger(__name__)

_FINAL = {
    RequestState.SUCCEEDED: AuditEventName.SUCCEEDED,
    RequestState.FAILED: AuditEventName.FAILED,
    RequestState.UNKNOWN: AuditEventName.UNKNOWN,
}


class ProgressThrottle:
    """Passes bulk progress on at most once per `interval` seconds (plus the final tick);
    single-target progress is dropped."""

    def __init__(
        self, show: Callable[[Progress], None], *, clock: Clock, interval: float = 1.0
    ) -> None:
        self._show = show
        self._clock = clock
        self._interval = interval
        self._last: float | None = None
        self._lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        if progress.total <= 1:
            return  # one target: the outcome itself is the only news
        now = self._clock.monotonic()
        with self._lock:
            due = self._last is None or now - self._last >= self._interval
            if not (due or progress.done >= progress.total):
                return
            self._last = now
        self._show(progress)


class Execution:
    """Makes the vendor call of a request this process moved to `executing`, then shows how
    it ended: on the card, and to the requester."""

    def __init__(self, services: Services, replies: Replies) -> None:
        self.s = services
        self.replies = replies

    def run(self, record: RequestRecord) -> RequestRecord:
        """Call the vendor once for `record` and record the outcome. Never raises.

        Returns:
            The request as it ended.
        """
        with self.s.store.leases.held(record.id):  # renewed while the call runs
            final = run_vendor_call(
                record,
                adapters=self.s.adapters,
                store=self.s.store,
                clock=self.s.clock,
                show_progress=self._show_progress,
            )
        self.replies.settled(final)
        return final

    def _show_progress(self, record: RequestRecord, progress: Progress) -> None:
        # Called from inside the vendor call: the redraw must not hold up the next batch.
        self.replies.refresh_card_soon(record, progress=progress)


def run_vendor_call(
    record: RequestRecord,
    *,
    adapters: Adapters,
    store: Store,
    clock: Clock,
    show_progress: Callable[[RequestRecord, Progress], None],
) -> RequestRecord:
    """Execute an `executing` request and move it to its final state. Never raises.

    Returns:
        The final record (or the record as it stands, if something else finished it first).
    """
    bind(request_id=record.id, operation=record.operation)  # for every log line of the call
    throttle = ProgressThrottle(lambda p: show_progress(record, p), clock=clock)
    # What executes must be exactly what the audit chain says was requested and approved.
    problem = store.integrity_problem(record)
    if problem is None:
        state, outcome = _call(record, adapters, throttle)
    else:
        state, outcome = RequestState.FAILED, integrity_failure(problem)
    detail = _audit_detail(outcome)
    # From `unknown` too (see `TRANSITIONS`): if this replica stalled past its lease while the
    # call was in flight, another may have marked it unknown; only this replica knows the result.
    final = store.transition(
        record.id, to=state, event=_FINAL[state], actor="system", detail=detail, outcome=outcome
    )
    if final is not None:
        return final
    current = store.get(record.id) or record
    if state is RequestState.UNKNOWN and current.state is RequestState.UNKNOWN:
        # Marked unknown by a restarting process, and unknown here too: keep what this call saw.
        store.log(record.id, AuditEventName.UNKNOWN, actor="system", detail=detail)
    return current


def _call(
    record: RequestRecord, adapters: Adapters, progress: Callable[[Progress], None]
) -> tuple[RequestState, dict[str, Any]]:
    try:
        adapter = adapters.get(record.vendor)
        result: Outcome = adapter.execute(record.as_operation(), progress=progress)
    except OutcomeUnknown as exc:
        return RequestState.UNKNOWN, exc.detail()
    except AdapterError as exc:
        return RequestState.FAILED, exc.detail()
    except Exception:
        # We cannot know whether the vendor acted before this happened: say `unknown`, never retry.
        log.exception("unexpected error executing %s", record.id)
        return RequestState.UNKNOWN, {
            "error": "InternalError",
            "message": "opsgate failed unexpectedly during the vendor call; the request's state "
            "is unknown",
            "next_step": "Check the vendor console before requesting it again, and tell the "
            "opsgate maintainers (see the bot's logs for this request id).",
        }
    state = RequestState.SUCCEEDED if result.ok else RequestState.FAILED
    return state, result.model_dump(mode="json")


def _audit_detail(outcome: dict[str, Any]) -> dict[str, Any]:
    """The audit log keeps the vendor's ids and codes, not the whole (possibly huge) outcome."""
    keys = (
        "summary",
        "vendor_request_ids",
        "already_gone",
        "total",
        "error",
        "code",
        "message",
        "vendor_request_id",
        "http_status",
    )
    detail = {k: outcome[k] for k in keys if k in outcome}
    failures = outcome.get("failures") or []
    if failures:
        detail["failed_targets"] = sum(len(f["targets"]) for f in failures)
        detail["failure_codes"] = sorted({str(f["code"]) for f in failures})
    return detail
