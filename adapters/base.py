"""The adapter protocol and the models it returns.

An adapter turns an `OperationRequest` into vendor HTTP calls. It has exactly one mutating method,
`execute`; everything else is read-only. Vendor answers become `adapters.errors` types inside the
adapter, so callers never see vendor wire formats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field

from commands.model import OperationRequest

MASK = "****"


class Preview(BaseModel):
    """What a read-only look at the target(s) found, for the approval card.

    Attributes:
        summary: One line: what the target is and its state.
        facts: Label -> value pairs shown on the card and kept in the audit log.
        warnings: Things approvers must know (e.g. the vendor will refuse; a gateway will cascade).
        found: False when the vendor says the target does not exist.
    """

    model_config = ConfigDict(frozen=True)

    summary: str
    facts: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    found: bool = True


class VendorCall(BaseModel):
    """One HTTP request exactly as it would be sent, secrets masked (for ``--dry-run``)."""

    model_config = ConfigDict(frozen=True)

    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None

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


class Progress(BaseModel):
    """How far a bulk `execute` has got (targets, not calls)."""

    model_config = ConfigDict(frozen=True)

    done: int
    total: int
    failed: int = 0


class ItemFailure(BaseModel):
    """Targets one vendor call failed for, with the vendor's code and message."""

    model_config = ConfigDict(frozen=True)

    targets: tuple[str, ...]
    code: str
    message: str
    next_step: str = ""


class Outcome(BaseModel):
    """The result of `execute` when the vendor answered (for bulk: every batch answered).

    Attributes:
        summary: One line for the card ("Deleted device X", "Already gone").
        vendor_request_ids: The vendor's request id for each mutating call that returned one.
        already_gone: The target did not exist any more when we tried (a 404 after preview).
        total: Targets attempted.
        failures: Per-batch failures of a bulk run; empty when everything succeeded.
    """

    model_config = ConfigDict(frozen=True)

    summary: str
    vendor_request_ids: tuple[str, ...] = ()
    already_gone: bool = False
    total: int = 1
    failures: tuple[ItemFailure, ...] = ()

    @property
    def failed_targets(self) -> int:
        """How many targets failed."""
        return sum(len(f.targets) for f in self.failures)

    @property
    def ok(self) -> bool:
        """True when no target failed."""
        return not self.failures


ProgressCallback = Callable[[Progress], None]


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
        self, request: OperationRequest, *, progress: ProgressCallback | None = None
    ) -> Outcome:
        """Carry out the operation: the one mutating call (or batches of calls, for bulk).

        A mutating call that got no answer is never retried; it raises `OutcomeUnknown`.

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
