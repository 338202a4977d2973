"""Running a bulk cancel: many calls of up to 200 devices, each one's failure kept to itself.

Calls run on a small thread pool (the account's rate limiter paces them; the pool only keeps
network latency from slowing the run below the limit). Progress is reported from the calling
thread, once per finished call, so it only ever grows.

An answer that every batch would get too (credentials, signature or permission refused, no such
instance) stops the run: batches not yet sent are reported as ``not_sent`` instead of being sent
only to be refused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Final

from adapters.base import ItemFailure, Outcome, Progress, ProgressCallback
from adapters.errors import (
    AdapterError,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorUnreachable,
)

#: Refusals about the account or instance, not the devices: every other batch would get them too.
STOPS_THE_RUN: Final = frozenset(
    {
        "iot.common.RamActionPermissionDeny",
        "iot.common.AuthActionPermissionDeny",
        "iot.system.InstanceNotFound",
    }
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


def batches(targets: Sequence[str], size: int) -> list[Batch]:
    """`targets`, de-duplicated in order, in chunks of at most `size`."""
    unique = tuple(dict.fromkeys(targets))  # the vendor refuses duplicate names in one call
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def run_batches(
    call: BatchCall, chunks: Sequence[Batch], *, workers: int, progress: ProgressCallback | None
) -> Outcome:
    """Send every batch; collect failures per batch; report progress after each one."""
    total, done, failed = sum(len(b) for b in chunks), 0, 0
    results: list[BatchResult] = []
    stop = threading.Event()
    with ThreadPoolExecutor(workers, thread_name_prefix="aliyun-bulk") as pool:
        futures = [pool.submit(_try, call, i, batch, stop) for i, batch in enumerate(chunks)]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            done += len(result.targets)
            failed += len(result.targets) if result.failure else 0
            if progress is not None:
                progress(Progress(done=done, total=total, failed=failed))
    return outcome(sorted(results, key=lambda r: r.index), total)


def _try(call: BatchCall, index: int, batch: Batch, stop: threading.Event) -> BatchResult:
    if stop.is_set():
        return BatchResult(index, batch, failure=_not_sent(batch))
    try:
        return BatchResult(index, batch, request_id=call(batch))
    except (VendorError, OutcomeUnknown, VendorUnreachable) as exc:
        if isinstance(exc, VendorAuthError) or getattr(exc, "code", None) in STOPS_THE_RUN:
            stop.set()
        request_id = exc.vendor_request_id if isinstance(exc, VendorError) else None
        return BatchResult(index, batch, request_id, failure(batch, exc))


def _not_sent(batch: Batch) -> ItemFailure:
    return ItemFailure(
        targets=batch,
        code="not_sent",
        message="not sent: an earlier batch was refused for a reason every batch shares",
        next_step="Fix the refusal shown for the earlier batch, then request these devices again.",
    )


def failure(batch: Batch, exc: AdapterError) -> ItemFailure:
    """The `ItemFailure` for a batch whose call raised `exc` (code ``unknown``: no answer)."""
    if isinstance(exc, OutcomeUnknown):
        return ItemFailure(
            targets=batch,
            code="unknown",
            message=f"state unknown: {exc.message}",
            next_step=exc.next_step,
        )
    code = exc.code if isinstance(exc, VendorError) else "unreachable"
    request_id = exc.vendor_request_id if isinstance(exc, VendorError) else None
    suffix = f" (RequestId {request_id})" if request_id else ""
    return ItemFailure(
        targets=batch, code=code, message=exc.message + suffix, next_step=exc.next_step
    )


def outcome(results: Sequence[BatchResult], total: int) -> Outcome:
    """The run's `Outcome`: every RequestId in batch order, and every failed batch."""
    failures = [r.failure for r in results if r.failure is not None]
    done = total - sum(len(f.targets) for f in failures)
    ids = tuple(r.request_id for r in results if r.request_id)
    return Outcome(
        summary=summary(done, total, failures),
        vendor_request_ids=ids,
        total=total,
        failures=tuple(failures),
    )


def summary(done: int, total: int, failures: Sequence[ItemFailure] = ()) -> str:
    """ "Cancelled OTA tasks on 9,800 of 10,000 devices; 1 batch failed"."""
    noun = "device" if total == 1 else "devices"
    text = f"Cancelled OTA tasks on {done:,} of {total:,} {noun}"
    unknown = sum(1 for f in failures if f.code == "unknown")
    unsent = sum(1 for f in failures if f.code == "not_sent")
    counts = (
        (len(failures) - unknown - unsent, "failed"),
        (unknown, "state unknown"),
        (unsent, "not sent"),
    )
    for count, what in counts:
        if count:
            text += f"; {count} batch{'es' if count != 1 else ''} {what}"
    return text
