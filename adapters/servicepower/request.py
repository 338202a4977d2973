"""The CancelJob request: a validated `OperationRequest` and the JSON body it becomes.

``CancelReason`` is sent only when there is something in it, with only the members given (both are
optional in ServicePower's documentation): ``--reason-id`` alone sends ``cancelReasonId``,
``--reason`` alone sends ``cancelReasonDesc``. ``cancelReasonId`` is sent as a string, which
Scheduling maps to an integer (VENDORS.md §7). A reason over the vendor's 500 characters is
shortened, ending in "…"; the full text stays in opsgate's audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from adapters.servicepower.errors import VENDOR, CancelRequestError
from commands.model import OperationRequest

OPERATION: Final = "servicepower.job.cancel"
CANCEL_PATH: Final = "/up/v5/rest/scheduling/CancelJob"
MAX_JOB_ID: Final = 50
MAX_REASON: Final = 500

# SPEC's identifier alphabet, within the vendor's 50-character job id.
_JOB_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_JOB_ID}}}")


@dataclass(frozen=True)
class CancelJob:
    """One CancelJob call, validated: what `execute` sends and `preview` shows."""

    job_id: str
    reason_id: int | None = None
    reason_desc: str | None = None
    reason_shortened_from: int | None = None

    def body(self) -> dict[str, Any]:
        """The JSON body, with ``CancelReason`` holding only what was given."""
        reason: dict[str, Any] = {}
        if self.reason_id is not None:
            reason["cancelReasonId"] = str(self.reason_id)
        if self.reason_desc:
            reason["cancelReasonDesc"] = self.reason_desc
        return {"Id": self.job_id, "CancelReason": reason} if reason else {"Id": self.job_id}

    def facts(self) -> dict[str, str]:
        """Label -> value pairs for the card."""
        return {
            "Job id": self.job_id,
            "Reason id": "(none)" if self.reason_id is None else str(self.reason_id),
            "Reason": self.reason_desc or "(none)",
        }


def cancel_job_of(request: OperationRequest) -> CancelJob:
    """Validate `request` into a `CancelJob`.

    Raises:
        CancelRequestError: the operation, job id or reason id cannot be sent.
    """
    if request.operation != OPERATION or len(request.targets) != 1:
        raise _invalid(f"expected {OPERATION} with exactly one job id")
    job_id = request.targets[0]
    if not _JOB_ID.fullmatch(job_id):
        raise _invalid(f"job id {job_id[:60]!r} must be 1 to {MAX_JOB_ID} letters, digits or ._:-")
    reason_id = request.param("reason_id")
    if reason_id is not None and (type(reason_id) is not int or not 0 <= reason_id < 2**31):
        raise _invalid(f"reason id {reason_id!r} must be a whole number from 0 to 2147483647")
    text = (request.reason or "").strip() or None
    if text is not None and len(text) > MAX_REASON:
        return CancelJob(job_id, reason_id, text[: MAX_REASON - 1] + "…", len(text))
    return CancelJob(job_id, reason_id, text)


def _invalid(message: str) -> CancelRequestError:
    return CancelRequestError(
        message, vendor=VENDOR, next_step="Correct the command and request again."
    )
