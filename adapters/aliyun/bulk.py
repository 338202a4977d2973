"""Running a bulk cancel: many calls of up to 200 devices, each one's failure kept to itself.

Calls run on a small thread pool (the account's rate limiter paces them; the pool only keeps
network latency from slowing the run below the limit). Progress is reported from the calling
thread, once per finished call, with the four counts (succeeded, failed, not sent, unknown),
so it only ever grows.

Each batch that does not succeed is one `ItemFailure` of its kind: ``failed`` (the vendor
refused, or the call never got through), ``unknown`` (no usable answer: never retried) or
``not_sent``. An answer that every batch would get too (credentials, signature or permission
refused, no such instance) stops the run: batches not yet sent are ``not_sent`` instead of being
sent only to be refused. An error no adapter type names (a bug) makes its batch ``unknown``
(nothing says whether its call went out) and stops the run the same way. So does the
lifecycle's stop signal (Stop, SPEC §8, or opsgate shutting down, §13): it is asked before each
batch and again right before its call goes out; calls in flight finish.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass
from typing import Final

from adapters.aliyun.errors import same_code
from adapters.base import FailureKind, ItemFailure, Progress, ProgressCallback, StopSignal
from adapters.errors import (
    AdapterError,
    CallNotSent,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorUnreachable,
)
from adapters.pools import ContextExecutor

logger = logging.getLogger(__name__)

#: Refusals about the account or instance, not the devices: every other batch would get them too.
STOPS_THE_RUN: Final = (
    "iot.common.RamActionPermissionDeny",
    "iot.common.AuthActionPermissionDeny",
    "Forbidden.RAM",
    "iot.system.InstanceNotFound",
)

Batch = tuple[str, ...]
#: Sends one call for a batch of devices; returns the vendor's RequestId.
BatchCall = Callable[[Batch], "str | None"]


@dataclass(frozen=True)
class BatchResult:
    """How one call went."""

    index: int
    targets: Batch
    request_id: str | None = None
    failure: ItemFailure | None = None


@dataclass(frozen=True)
class Run:
    """Every batch's result, in batch order."""

    results: tuple[BatchResult, ...]

    @property
    def failures(self) -> tuple[ItemFailure, ...]:
        """The batches that did not succeed, each with its kind."""
        return tuple(r.failure for r in self.results if r.failure is not None)

    @property
    def request_ids(self) -> tuple[str, ...]:
        """The RequestId of each call the vendor accepted, in batch order (a refused or
        unanswered batch's is its failure's `ItemFailure.vendor_request_id`)."""
        return tuple(r.request_id for r in self.results if r.request_id and r.failure is None)

    @property
    def accepted(self) -> tuple[str, ...]:
        """The devices whose call the vendor accepted."""
        return tuple(d for r in self.results if r.failure is None for d in r.targets)


def batches(targets: Sequence[str], size: int) -> list[Batch]:
    """`targets`, de-duplicated in order, in chunks of at most `size`."""
    unique = tuple(dict.fromkeys(targets))  # the vendor refuses duplicate names in one call
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def run_batches(
    call: BatchCall,
    chunks: Sequence[Batch],
    *,
    workers: int,
    progress: ProgressCallback | None,
    stop: StopSignal | None = None,
) -> Run:
    """Send every batch; collect failures per batch; report progress after each one.

    `stop` (Stop was pressed, or opsgate is shutting down) is asked before each batch; `call`
    asks it again right before sending, after the rate limiter's wait. Once it says so, batches
    not yet sent are not sent.
    """
    tally = _Tally(total=sum(len(b) for b in chunks))
    results: list[BatchResult] = []
    halt = _Halt(stop)
    with ContextExecutor(workers, thread_name_prefix="aliyun-bulk") as pool:
        futures = [pool.submit(_try, call, i, batch, halt) for i, batch in enumerate(chunks)]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            tally.add(result)
            if progress is not None:
                progress(tally.progress())
    return Run(tuple(sorted(results, key=lambda r: r.index)))


def tally(results: Sequence[BatchResult]) -> Progress:
    """The four counts of `results`."""
    counted = _Tally(total=sum(len(r.targets) for r in results))
    for result in results:
        counted.add(result)
    return counted.progress()


def not_sent(batch: Batch) -> ItemFailure:
    """The failure of a batch the run was stopped before sending."""
    return _STOPPED.model_copy(update={"targets": batch})


class _Tally:
    """The four counts so far."""

    def __init__(self, *, total: int) -> None:
        self.total = total
        self.counts = dict.fromkeys(("succeeded", *(k.value for k in FailureKind)), 0)

    def add(self, result: BatchResult) -> None:
        kind = "succeeded" if result.failure is None else result.failure.kind.value
        self.counts[kind] += len(result.targets)

    def progress(self) -> Progress:
        return Progress(total=self.total, **self.counts)


class _Halt:
    """Why batches not yet sent are not sent: a refusal every batch shares, or the stop signal."""

    def __init__(self, stop: StopSignal | None) -> None:
        self.refused = threading.Event()
        self.broken = threading.Event()
        self._stop = stop

    def reason(self) -> ItemFailure | None:
        """What to report for a batch not sent now, or None to send it."""
        if self.refused.is_set():
            return _REFUSED
        if self.broken.is_set():
            return _BROKEN
        return _STOPPED if self._stop is not None and self._stop() else None


def _try(call: BatchCall, index: int, batch: Batch, halt: _Halt) -> BatchResult:
    unsent = halt.reason()
    if unsent is not None:
        return BatchResult(index, batch, failure=unsent.model_copy(update={"targets": batch}))
    try:
        return BatchResult(index, batch, request_id=call(batch))
    except CallNotSent:  # stopped while waiting for the rate limiter: never sent
        return BatchResult(index, batch, failure=not_sent(batch))
    except (VendorError, OutcomeUnknown, VendorUnreachable) as exc:
        code = exc.code if isinstance(exc, VendorError) else None
        if isinstance(exc, VendorAuthError) or same_code(code, *STOPS_THE_RUN):
            halt.refused.set()
        return BatchResult(index, batch, failure=failure(batch, exc))
    except AdapterError as exc:  # another (not configured): before sending, and every batch's
        halt.refused.set()
        return BatchResult(index, batch, failure=failure(batch, exc))
    except Exception as exc:  # unforeseen: whether its call went out is unknown; send no more
        logger.exception("batch %d of a bulk cancel failed unexpectedly", index + 1)
        halt.broken.set()
        return BatchResult(index, batch, failure=_unforeseen(batch, exc))


_REFUSED: Final = ItemFailure(
    targets=(),
    kind=FailureKind.NOT_SENT,
    message="not sent: an earlier batch was refused for a reason every batch shares",
    next_step="Fix the refusal shown for the earlier batch, then request these devices again.",
)
_BROKEN: Final = ItemFailure(
    targets=(),
    kind=FailureKind.NOT_SENT,
    message="not sent: an earlier batch failed in a way opsgate did not foresee",
    next_step="Request these devices again once the opsgate maintainers have looked at the logs.",
)
_STOPPED: Final = ItemFailure(
    targets=(),
    kind=FailureKind.NOT_SENT,
    message="the run was stopped before this batch went out",
    next_step="Request these devices again if they still need cancelling.",
)


def failure(batch: Batch, exc: AdapterError) -> ItemFailure:
    """The `ItemFailure` for a batch whose call raised `exc`: unknown for no usable answer,
    failed (with the vendor's code, when it gave one) otherwise."""
    if isinstance(exc, OutcomeUnknown):
        return ItemFailure(
            targets=batch,
            kind=FailureKind.UNKNOWN,
            message=exc.message,
            next_step=exc.next_step,
            vendor_request_id=exc.vendor_request_id,
        )
    vendor = exc if isinstance(exc, VendorError) else None
    return ItemFailure(
        targets=batch,
        code=None if vendor is None else vendor.code,
        message=exc.message,
        next_step=exc.next_step,
        vendor_request_id=None if vendor is None else vendor.vendor_request_id,
    )


def _unforeseen(batch: Batch, exc: Exception) -> ItemFailure:
    return ItemFailure(
        targets=batch,
        kind=FailureKind.UNKNOWN,
        message=f"opsgate failed unexpectedly during this call ({type(exc).__name__}); its "
        "devices' state is unknown",
        next_step="Check these devices in the IoT console (OTA upgrades) before requesting "
        "them again, and tell the opsgate maintainers (see the bot's logs).",
    )
