"""The adapter protocol and the models it returns.

An adapter turns an `OperationRequest` into vendor HTTP calls. It has exactly one mutating method,
`execute`; everything else is read-only. Vendor answers become `adapters.errors` types inside the
adapter, so callers never see vendor wire formats. The models a preview and an execution return
(`Preview` with its `Verdict`, `Outcome` with its `Counts`, `Progress`) are `adapters.results`',
re-exported here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from adapters.masking import MASK, hide_credential, hide_url_passwords
from adapters.results import (
    Blocker,
    Counts,
    FailureKind,
    ItemFailure,
    Outcome,
    Preview,
    Progress,
    Verdict,
)
from commands.model import OperationRequest

__all__ = [
    "MASK",
    "Adapter",
    "Blocker",
    "Counts",
    "FailureKind",
    "ItemFailure",
    "Outcome",
    "Preview",
    "Progress",
    "ProgressCallback",
    "StopSignal",
    "VendorCall",
    "Verdict",
    "call_execute",
    "takes_stop",
]


class VendorCall(BaseModel):
    """One HTTP request exactly as it would be sent, secrets masked (for ``--dry-run``).

    A password written in a URL (the vendor's base URL's ``user:password@``) is masked here,
    however the plugin built the call, in the URL, the headers and the body or note; and so is
    the credential in a header that always carries one (``Authorization: Bearer ****``:
    `adapters.masking.CREDENTIAL_HEADERS`).
    """

    model_config = ConfigDict(frozen=True)

    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None

    @field_validator("url", "body")
    @classmethod
    def _no_url_password(cls, text: str | None) -> str | None:
        return None if text is None else hide_url_passwords(text)

    @field_validator("headers")
    @classmethod
    def _no_url_password_in_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        return {name: hide_credential(name, hide_url_passwords(v)) for name, v in headers.items()}

    @classmethod
    def from_request(
        cls,
        request: httpx.Request,
        *,
        secret_headers: frozenset[str] = frozenset(),
        secret_params: frozenset[str] = frozenset(),
        note: str | None = None,
    ) -> VendorCall:
        """Describe an httpx request, masking the named headers and query parameters."""
        lowered = {h.lower() for h in secret_headers}
        headers = {
            k: (MASK if k.lower() in lowered else v)
            for k, v in request.headers.items()
            if k.lower() not in {"content-length", "accept-encoding", "connection", "user-agent"}
        }
        url = request.url
        if secret_params:
            masked = [(k, MASK if k in secret_params else v) for k, v in url.params.multi_items()]
            url = url.copy_with(params=masked)
        body = request.content.decode("utf-8", "replace") if request.content else None
        if note:
            body = f"{body}\n{note}" if body else note
        return cls(method=request.method, url=str(url), headers=headers, body=body)


ProgressCallback = Callable[[Progress], None]
#: Asked right before each vendor call of a run of several: True means "send no more calls"
#: (after Stop, or once opsgate is shutting down).
StopSignal = Callable[[], bool]


class Adapter(Protocol):
    """What the lifecycle needs from a vendor adapter.

    Attributes:
        vendor: The vendor prefix.
        sandbox: True when this adapter talks to the built-in simulator.
    """

    vendor: str
    sandbox: bool

    def preview(self, request: OperationRequest) -> Preview:
        """Look at the target(s). This is a read-only operation: it changes nothing at the vendor.

        Raises:
            AdapterError: the vendor could not be asked or refused the read.
        """
        ...

    def execute(
        self,
        request: OperationRequest,
        *,
        progress: ProgressCallback | None = None,
        stop: StopSignal | None = None,
    ) -> Outcome:
        """Carry out the operation: the one mutating call (or batches of calls, for bulk).

        A mutating call that got no answer is never retried; it raises `OutcomeUnknown`.
        `stop`, when given, is asked right before each call of a run of several calls (after
        any rate-limit wait); once it answers True, no more calls are sent: their targets are
        `FailureKind.NOT_SENT`, and calls already in flight finish. An operation that makes one
        call may ignore it.

        Raises:
            VendorError: the vendor refused (single-target operations).
            OutcomeUnknown: the change may or may not have happened.
        """
        ...

    def describe(self, request: OperationRequest) -> list[VendorCall]:
        """The exact HTTP request(s) `execute` would send, secrets masked. Sends nothing
        mutating (it may fetch a token to sign with)."""
        ...

    def close(self) -> None:
        """Release the adapter's HTTP connections."""
        ...

    def check(self) -> str:
        """Reach the vendor's auth endpoint; return a one-line description of what worked.

        Raises:
            AdapterError: the vendor could not be reached or refused the credentials.
        """
        ...


def call_execute(
    adapter: Adapter,
    request: OperationRequest,
    *,
    progress: ProgressCallback | None = None,
    stop: StopSignal | None = None,
) -> Outcome:
    """`adapter.execute`, handing it `stop` only when it takes one: a plugin written before
    opsgate could stop a run has no such keyword, and still runs (it just cannot be stopped)."""
    if stop is not None and takes_stop(adapter):
        return adapter.execute(request, progress=progress, stop=stop)
    return adapter.execute(request, progress=progress)


def takes_stop(adapter: Adapter) -> bool:
    """Whether `adapter.execute` takes the ``stop`` keyword (or any keyword).

    Asked before every vendor call; a method's answer is kept per function, since reading a
    signature costs more than the rest of the call's own bookkeeping.
    """
    execute = adapter.execute
    function = getattr(execute, "__func__", None)
    return _takes_stop(execute) if function is None else _function_takes_stop(function)


@functools.lru_cache(maxsize=256)
def _function_takes_stop(function: Callable[..., object]) -> bool:
    return _takes_stop(function)


def _takes_stop(execute: Callable[..., object]) -> bool:
    try:
        parameters = inspect.signature(execute).parameters.values()
    except (TypeError, ValueError):  # a callable Python cannot introspect: assume the old API
        return False
    return any(p.name == "stop" or p.kind is p.VAR_KEYWORD for p in parameters)
