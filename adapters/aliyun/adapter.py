"""Alibaba Cloud IoT: ``aliyun.ota-task.cancel`` (``CancelOTATaskByDevice``, RPC 2018-01-20).

Up to 10,000 device names per request, sent as calls of at most 200 ``DeviceName.N`` each, all
through one rate limiter per AccessKey account (the vendor allows 10 calls/s per account, shared
by every RAM user). A small thread pool keeps the limiter, not network latency, the bottleneck.
After the cancel calls the devices are listed again (`adapters.aliyun.confirm`): the vendor's
``Success`` says a call was accepted, not what it cancelled, so the outcome says only that, and
what the listing afterwards showed.

Each cancel call is sent once, like the vendor's SDK does (VENDORS.md §2): again only when the
vendor refused it before acting (throttling) or the connection failed. An answer that may follow
a cancel the vendor carried out (none, a 5xx or a redirect whatever its body, an internal error)
is reported as state unknown, as for every vendor (`adapters.aliyun.errors.for_the_cancel`).
Requesting a refused cancel again is harmless: the vendor only cancels tasks that are awaiting
confirmation, queued or pushed, so the same cancel again matches nothing new (the seed document
describes exactly those states; that a repeat answers ``Success`` rather than an error is our
assumption, and either way nothing more is cancelled).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import httpx

from adapters.aliyun import bulk as aliyun_bulk
from adapters.aliyun import preview as aliyun_preview
from adapters.aliyun.confirm import check_after_cancel
from adapters.aliyun.errors import VENDOR, field
from adapters.aliyun.operations import MAX_DEVICES_PER_CALL
from adapters.aliyun.rpc import RpcClient, replicated_limiter, shared_limiter
from adapters.aliyun.settings import AliyunSettings
from adapters.aliyun.signing import percent_encode
from adapters.base import (
    MASK,
    Outcome,
    Preview,
    ProgressCallback,
    StopSignal,
    VendorCall,
)
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.errors import AdapterError, CallNotSent, VendorError
from adapters.http import vendor_client
from adapters.pools import ContextExecutor
from adapters.ratelimit import RateLimiter
from adapters.shared import Shared
from commands.model import OperationRequest

ACTION = "CancelOTATaskByDevice"
WORKERS = 4
MASKED_PARAMS = frozenset({"Signature", "AccessKeyId"})
T = TypeVar("T")
R = TypeVar("R")


class AliyunAdapter:
    """Cancels devices' OTA upgrade tasks for one firmware (and job) on Alibaba Cloud IoT.

    Args:
        config: The account, region, endpoint and default IotInstanceId.
        client: The HTTP client (its transport is the network or `AliyunSimulator`).
        clock: Time for signing timestamps and the limiter.
        sandbox: True when `client` talks to the simulator.
        limiter: The account's limiter; default: the one shared by every adapter using this key
            (in this process, or with `shared` across replicas).
        workers: Calls in flight at once during bulk runs and previews.
        shared: Where replicas share the account's rate window (`adapters.shared`): 10 calls/s
            in total across replicas, not per replica.
    """

    vendor = VENDOR

    def __init__(
        self,
        *,
        config: AliyunSettings,
        client: httpx.Client,
        clock: Clock = SYSTEM_CLOCK,
        sandbox: bool = False,
        limiter: RateLimiter | None = None,
        workers: int = WORKERS,
        shared: Shared | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.config = config
        if shared is not None and limiter is None:
            limiter = replicated_limiter(config, clock, shared)
        self.limiter = limiter or shared_limiter(config, clock)
        self._rpc = RpcClient(config=config, client=client, clock=clock, limiter=self.limiter)
        self._workers = workers
        self._client = client

    def close(self) -> None:
        """Close the HTTP client and its pooled connections."""
        self._client.close()

    def preview(self, request: OperationRequest) -> Preview:
        """Name the firmware and look at (a sample of) the devices' unfinished tasks.

        This is a read-only operation: it changes nothing at the vendor.
        """
        batches = aliyun_bulk.batches(request.targets, MAX_DEVICES_PER_CALL)
        devices = [device for batch in batches for device in batch]
        return aliyun_preview.build_preview(
            self._rpc, self._base_params(request), devices, calls=len(batches), map_=self._map
        )

    def execute(
        self,
        request: OperationRequest,
        *,
        progress: ProgressCallback | None = None,
        stop: StopSignal | None = None,
    ) -> Outcome:
        """Cancel the firmware's pending OTA tasks on every target device, 200 per call, then
        list again to say what the vendor confirms per device (`adapters.aliyun.confirm`).

        The vendor's ``Success`` only says it accepted a call, so the outcome says "cancel
        accepted", never "cancelled". A single call's failure raises; in a bulk run each call
        that does not succeed becomes an `ItemFailure` of its kind and the other calls go ahead.
        `stop` is asked before each call of a bulk run (Stop, or opsgate shutting down): calls
        not yet sent are not sent, and once it has said so, neither are the listings that would
        check the accepted devices afterwards.

        Raises:
            VendorError: the only call was refused (with the vendor's code and RequestId).
            OutcomeUnknown: the only call got no answer, or one that may follow a cancel the
                vendor carried out (a 5xx, an internal error); its devices' state is unknown.
        """
        base = self._base_params(request)
        batches = aliyun_bulk.batches(request.targets, MAX_DEVICES_PER_CALL)
        if len(batches) > 1:
            call = functools.partial(self._cancel, base, stop=stop)
            run = aliyun_bulk.run_batches(
                call, batches, workers=self._workers, progress=progress, stop=stop
            )
        else:  # one call: stopped only while it waits for its turn (a shutdown)
            run = aliyun_bulk.Run((self._only_call(base, batches[0], stop),))
            if progress is not None:
                progress(aliyun_bulk.tally(run.results))
        checked = check_after_cancel(self._rpc, base, run.accepted, map_=self._map, stop=stop)
        return _outcome(run, total=sum(len(b) for b in batches), checked=checked)

    def describe(self, request: OperationRequest) -> list[VendorCall]:
        """The first cancel call exactly as it would be sent (Signature and AccessKeyId masked),
        and how many more follow. Sends nothing."""
        batches = aliyun_bulk.batches(request.targets, MAX_DEVICES_PER_CALL)
        sent = self._rpc.build(ACTION, _cancel_params(self._base_params(request), batches[0]))
        query = "&".join(
            f"{percent_encode(k)}={MASK if k in MASKED_PARAMS else percent_encode(v)}"
            for k, v in sent.url.params.multi_items()
        )
        more = len(batches) - 1
        note = f"+{more} more call{'s' if more != 1 else ''} of up to 200 devices" if more else None
        url = f"{self.config.resolved_endpoint}/?{query}"
        return [VendorCall(method=sent.method, url=url, body=note)]

    def check(self) -> str:
        """A signed ``ListOTAFirmware`` read, proving the endpoint, signature and key work.

        Raises:
            AdapterError: the vendor could not be reached or refused the credentials.
        """
        params = {"CurrentPage": "1", "PageSize": "1", **self._instance_param(None)}
        body = self._rpc.call("ListOTAFirmware", params, mutating=False)
        if field(body, "Success") is not True:  # any JSON would pass a check that reads none
            raise VendorError(
                f"{self.config.resolved_endpoint} answered the signed read without "
                '`"Success": true`: it is not Alibaba Cloud IoT\'s API',
                vendor=VENDOR,
                code="",
                next_step="Check OPSGATE_ALIYUN__ENDPOINT (default https://iot.<region>.aliyuncs.com).",
            )
        key = (self.config.access_key_id or "")[:4] + MASK
        total = field(body, "Total")
        packages = "firmware package" if str(total) == "1" else "firmware packages"
        counted = f" ({total} {packages})" if isinstance(total, int | str) and total != "" else ""
        return (
            f"Alibaba Cloud IoT at {self.config.resolved_endpoint} accepted a signed read "
            f"with AccessKeyId {key}{counted}"
        )

    # -- internals ------------------------------------------------------------------------------
    def _cancel(
        self, base: dict[str, str], batch: tuple[str, ...], *, stop: StopSignal | None = None
    ) -> str | None:
        body = self._rpc.call(ACTION, _cancel_params(base, batch), mutating=True, stop=stop)
        value = field(body, "RequestId")
        return None if value is None else str(value)

    def _only_call(
        self, base: dict[str, str], batch: tuple[str, ...], stop: StopSignal | None
    ) -> aliyun_bulk.BatchResult:
        """The one call of a short run; its failure raises, as a single call's does."""
        try:
            return aliyun_bulk.BatchResult(0, batch, self._cancel(base, batch, stop=stop))
        except CallNotSent:  # stopped while waiting for the rate limiter: never sent
            return aliyun_bulk.BatchResult(0, batch, failure=aliyun_bulk.not_sent(batch))

    def _map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        with ContextExecutor(self._workers, thread_name_prefix="aliyun") as pool:
            return iter(list(pool.map(fn, items)))

    def _base_params(self, request: OperationRequest) -> dict[str, str]:
        product, firmware = request.str_param("product"), request.str_param("firmware")
        if not product or not firmware:
            raise AdapterError(
                "aliyun.ota-task.cancel needs `--product` and `--firmware`",
                vendor=VENDOR,
                next_step="Add `--product <ProductKey> --firmware <FirmwareId>` and request again.",
            )
        base = {"ProductKey": product, "FirmwareId": firmware}
        job = request.str_param("job")
        if job:
            base["JobId"] = job
        return base | self._instance_param(request.str_param("instance"))

    def _instance_param(self, override: str | None) -> dict[str, str]:
        instance = override or self.config.iot_instance_id
        return {"IotInstanceId": instance} if instance else {}


def from_config(
    config: AliyunSettings, *, clock: Clock = SYSTEM_CLOCK, shared: Shared | None = None
) -> AliyunAdapter:
    """An adapter for the real vendor, with an HTTP client using the configured timeout and
    deadline; with `shared`, the account's rate window every replica shares."""
    client = vendor_client(config)
    return AliyunAdapter(config=config, client=client, clock=clock, shared=shared)


def _outcome(run: aliyun_bulk.Run, *, total: int, checked: str) -> Outcome:
    """What the vendor confirmed: which calls it accepted, and what a listing afterwards shows."""
    accepted = len(run.accepted)
    noun = "device" if total == 1 else "devices"
    if accepted == total:
        summary = f"Cancel accepted for {total:,} {noun}"
    elif accepted:
        summary = f"Cancel accepted for {accepted:,} of {total:,} {noun}"
    else:
        summary = f"No cancel was accepted for the {total:,} {noun}"
    return Outcome(
        summary=summary,
        total=total,
        failures=run.failures,
        vendor_request_ids=run.request_ids,
        succeeded_as="accepted",
        checked=checked,
    )


def _cancel_params(base: dict[str, str], batch: Sequence[str]) -> dict[str, str]:
    names = {f"DeviceName.{n}": device for n, device in enumerate(batch, start=1)}
    return base | names
