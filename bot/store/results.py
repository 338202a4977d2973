"""What the store's decisions return: the outcome of an approval click, and the recorded reason
of a request found executing at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.model import RequestRecord

UNKNOWN_REASON: Final = (
    "opsgate stopped while the vendor call was in flight, so its outcome is unknown. "
    "It is never retried automatically: check the vendor before requesting it again."
)


class ApprovalStatus(StrEnum):
    """What one approval click did."""

    NOT_FOUND = "not_found"
    NOT_PENDING = "not_pending"
    EXPIRED = "expired"
    DUPLICATE = "duplicate"
    RECORDED = "recorded"
    #: A click by someone who approved already, which counted lapsed approvals again without
    #: completing the request.
    COUNTED_AGAIN = "counted_again"
    EXECUTE = "execute"


@dataclass(frozen=True)
class ApprovalResult:
    """The outcome of `Store.approve`.

    Attributes:
        status: What happened. Only `ApprovalStatus.EXECUTE` lets the caller make the vendor
            call, and exactly one approval of a request ever gets it.
        record: The request after the approval, or None when it does not exist.
    """

    status: ApprovalStatus
    record: RequestRecord | None
