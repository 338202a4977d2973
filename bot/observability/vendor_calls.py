"""Vendor calls counted and timed around each adapter, so no adapter has to know about metrics.

An execution counts as what its request records: the lifecycle, which reads some answers
otherwise than they read alone (a vendor's "not found" is "already gone" only after a preview
that had found the target: `bot.model.as_recorded`), says how around the call
(`recorded_as`)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeAlias, TypeVar

from adapters.base import (
    Adapter,
    Outcome,
    Preview,
    ProgressCallback,
    StopSignal,
    VendorCall,
    call_execute,
)
from adapters.errors import OutcomeUnknown, VendorError
from adapters.registry import Adapters
from bot.model import FailedOutcome
from bot.observability.metrics import Metrics
from commands.model import OperationRequest

_T = TypeVar("_T")
#: How the lifecycle records an execution's answer: as it is, or as a failure.
Reading: TypeAlias = Callable[[Outcome], Outcome | FailedOutcome]
#: The reading of the execution under way in this thread, when the lifecycle gave one.
_READING: ContextVar[Reading | None] = ContextVar("opsgate_execution_reading", default=None)


@contextmanager
def recorded_as(reading: Reading) -> Iterator[None]:
    """Count each execution made in this block as `reading` records its answer: a delete the
    request records as failed counts ``failed``, whatever the adapter's answer said alone."""
    token = _READING.set(reading)
    try:
        yield
    finally:
        _READING.reset(token)


log = logging.getLogger(__name__)


def metered(adapters: Adapters, metrics: Metrics) -> Adapters:
    """The same adapters, each wrapped in a `MeteredAdapter` (simulators and the rest kept)."""
    wrapped: dict[str, Adapter] = {
        vendor: MeteredAdapter(a, metrics) for vendor, a in adapters.by_vendor.items()
    }
    return dataclasses.replace(adapters, by_vendor=wrapped)


class MeteredAdapter:
    """An `Adapter` that counts and times `preview` and `execute` of the adapter it wraps.

    Outcomes: ``ok`` (the vendor did it, or the read worked), ``failed`` (the vendor refused, or
    a bulk run had failures), ``unknown`` (no answer to a mutating call), ``stopped`` (a bulk
    run stopped before all its calls were sent, none refused) and ``error`` (anything else: not
    configured, unreachable, opsgate's own failure). Every other attribute is the
    wrapped adapter's.
    """

    def __init__(self, inner: Adapter, metrics: Metrics) -> None:
        self.inner = inner
        self.vendor = inner.vendor
        self.sandbox = inner.sandbox
        self._metrics = metrics

    def preview(self, request: OperationRequest) -> Preview:
        """The wrapped `preview`, counted as a vendor call. This is a read-only operation."""
        return self._timed("preview", lambda: self.inner.preview(request))

    def execute(
        self,
        request: OperationRequest,
        *,
        progress: ProgressCallback | None = None,
        stop: StopSignal | None = None,
    ) -> Outcome:
        """The wrapped `execute` (the one mutating call), counted as a vendor call and an
        execution; `stop` reaches it only if it takes one (`adapters.base.call_execute`)."""
        run = lambda: call_execute(self.inner, request, progress=progress, stop=stop)  # noqa: E731
        return self._timed("execute", run, reading=_READING.get(), targets=len(request.targets))

    def describe(self, request: OperationRequest) -> list[VendorCall]:
        """The wrapped `describe`; sends nothing mutating, so it is not counted."""
        return self.inner.describe(request)

    def check(self) -> str:
        """The wrapped `check`."""
        return self.inner.check()

    def close(self) -> None:
        """Close the wrapped adapter."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _timed(
        self,
        call: str,
        run: Callable[[], _T],
        *,
        reading: Reading | None = None,
        targets: int | None = None,
    ) -> _T:
        started = time.monotonic()
        outcome = "error"
        try:
            result = run()
            # An answer of the wrong type is the plugin's bug, as an exception would be; so is
            # an `Outcome` for other than the request's targets (the request ends unknown).
            if isinstance(result, Outcome) and targets in (None, result.total):
                outcome = _answered(result if reading is None else reading(result))
            else:
                outcome = _read(result)
            return result
        except OutcomeUnknown:
            outcome = "unknown"
            raise
        except VendorError:
            outcome = "failed"
            raise
        finally:
            seconds = time.monotonic() - started
            self._metrics.vendor_call(self.vendor, call=call, outcome=outcome, seconds=seconds)
            log.info("%s %s: %s in %.3f s", self.vendor, call, outcome, seconds)


def _read(result: object) -> str:
    """A preview is ``ok``; anything else where a `Preview` or an `Outcome` belongs, ``error``."""
    return "ok" if isinstance(result, Preview) else "error"


def _answered(outcome: Outcome | FailedOutcome) -> str:
    """A bulk run with any unknown target counts ``unknown`` (it is not failed), then one the
    vendor refused in part ``failed``; one stopped before all its calls were sent (Stop, or
    opsgate's shutdown), with no refusal, ``stopped``: the vendor refused nothing. An answer
    recorded as a failure (`recorded_as`) counts ``failed``."""
    if isinstance(outcome, FailedOutcome):
        return "failed"
    counts = outcome.counts
    if counts.unknown:
        return "unknown"
    if counts.failed:
        return "failed"
    return "stopped" if counts.not_sent else "ok"
