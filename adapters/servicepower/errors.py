"""ServicePower answers turned into opsgate errors, and the Scheduling return codes they carry.

ServiceBroker's CancelJob is a pass-through to Scheduling (ServiceOptimizer). It answers in two
layers, and this module reads both:

* HTTP: 400 (invalid request), 401 (not authorized), 500 (anything else). ``{Code, Message}``
  bodies are promised only for 400 and 500; a 401 may have any body or none (VENDORS.md §7), so
  every body is read tolerantly (`standard_body`);
* HTTP 200 with ``"Success": false``: Scheduling refused, and ``Payload.returnCode.code`` is a
  Scheduling return code, shown as ``SP_JOBID_INVALID (1)``. When the flag and any code beside
  it disagree, either way round (``Success: false`` with a ``Code`` or SP_OK of 0, ``Success:
  true`` with an error code), the answer confirms nothing: `contradiction` says what disagrees,
  and the cancel's outcome is unknown.

The CancelJob page documents SP_OK (0) and SP_JOBID_INVALID (1) "in addition to the standard return
codes"; the others in `RETURN_CODES` come from the Scheduling "Return Codes" page (0 to 16). A code
not in the table is shown verbatim. ``Code`` may be a string (``"0"``) or a number (``9``): both are
accepted everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import httpx

from adapters.errors import (
    AdapterError,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
    reads_as_zero,
)
from adapters.http import json_object

VENDOR: Final = "servicepower"

_REFUSED = "The cancel was refused; nothing was cancelled."
_ASK_ADMIN = f"{_REFUSED} Check the job in ServiceOptimizer with your ServicePower administrator."


class CancelRequestError(AdapterError):
    """The request cannot be sent as a CancelJob (wrong operation, bad job id or parameter).

    Raised before any vendor call, by `preview`, `describe` and `execute` alike.
    """


@dataclass(frozen=True)
class ReturnCode:
    """One Scheduling return code.

    Attributes:
        name: The documented name, e.g. ``SP_JOBID_INVALID``.
        number: The documented number, e.g. ``1``.
        message: What it means for a cancel, in plain language.
        next_step: What the engineer should do about it.
    """

    name: str
    number: int
    message: str
    next_step: str

    @property
    def label(self) -> str:
        """The name and number, as ServicePower writes them: ``SP_JOBID_INVALID (1)``."""
        return f"{self.name} ({self.number})"


def _code(name: str, number: int, message: str, next_step: str = _ASK_ADMIN) -> ReturnCode:
    return ReturnCode(name, number, message, next_step)


#: Scheduling return codes by number (as the string ServiceBroker sends).
RETURN_CODES: Final[dict[str, ReturnCode]] = {
    str(rc.number): rc
    for rc in (
        _code("SP_OK", 0, "Scheduling reported success.", ""),
        _code(
            "SP_JOBID_INVALID",
            1,
            "ServiceOptimizer has no such job: the id is unknown, empty or longer than 50 "
            "characters, the job was already cancelled, or it starts outside the memory horizon.",
            "Check the job id in ServiceOptimizer. If the job was already cancelled, there is "
            "nothing left to do.",
        ),
        _code(
            "SP_JOBTYPE_INVALID",
            2,
            "Scheduling rejected the job type: unknown to ServiceOptimizer, too long or empty.",
        ),
        _code(
            "SP_POSTCODE_INVALID",
            3,
            "Scheduling rejected a postcode: unknown, too long, empty or not mapped to a region.",
        ),
        _code(
            "SP_LOCATION_INVALID",
            4,
            "Scheduling rejected the booking location: unknown to ServiceOptimizer or too long.",
        ),
        _code(
            "SP_EMPID_INVALID",
            5,
            "Scheduling rejected an employee id: too long, or empty where one is required.",
        ),
        _code(
            "SP_NO_TIME_AVAILABLE",
            8,
            "Scheduling found no appointment time for the criteria supplied.",
        ),
        _code(
            "SP_DURATION_INVALID",
            12,
            "Scheduling rejected a job duration: longer than can be booked, or finishing "
            "before it arrives.",
        ),
        _code(
            "SP_DATE_INVALID", 14, "Scheduling rejected a date: not a calendar date, or too long."
        ),
        _code(
            "SP_DAY_INVALID",
            15,
            "Scheduling rejected a days field: a character other than Y or N, or too long.",
        ),
        _code(
            "SP_BAND_INVALID", 16, "Scheduling rejected a time band unknown to ServiceOptimizer."
        ),
    )
}
_BY_NAME: Final = {rc.name: rc for rc in RETURN_CODES.values()}


def return_code(code: object) -> ReturnCode | None:
    """Look a Scheduling return code up by number (``1``, ``"1"``) or name; None if unknown."""
    text = str(code).strip()
    return RETURN_CODES.get(text) or _BY_NAME.get(text)


def request_id_of(response: httpx.Response, body: dict[str, Any] | None = None) -> str | None:
    """The request/correlation id of an answer, if a gateway or the body carries one.

    ServiceBroker documents none; these are the usual names, kept when present so the card and
    the audit log can quote them to ServicePower support.
    """
    for header in ("x-request-id", "x-correlation-id", "request-id"):
        if response.headers.get(header):
            return response.headers[header]
    for key in ("RequestId", "CorrelationId"):
        value = (body or {}).get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def refusal(body: dict[str, Any], *, job_id: str, response: httpx.Response) -> VendorError:
    """The error for an answer with ``"Success": false`` (never retried: Scheduling decided)."""
    payload = body.get("Payload")
    returned = payload.get("returnCode") if isinstance(payload, dict) else None
    raw = returned.get("code") if isinstance(returned, dict) else None
    broker_code = body.get("Code")
    suffix = f" (ServiceBroker code {broker_code})" if broker_code is not None else ""
    known = return_code(raw) if raw is not None else None
    if known is not None:
        code, message, next_step = known.label, known.message, known.next_step
    else:
        given = raw if raw is not None else broker_code
        code = "" if given is None else str(given)  # no code at all: none shown, not "None"
        detail = f"Scheduling return code {raw}" if raw is not None else "no return code given"
        if said := body.get("Message"):
            detail += f": {said}"
        message = f"Scheduling refused the cancel with a code opsgate does not know ({detail})."
        next_step = f"{_REFUSED} Look the code up in ServicePower's Scheduling return codes."
    # The ServiceBroker code belongs inside the sentence, before its full stop.
    said = f"{message.removesuffix('.')}{suffix}." if suffix else message
    return VendorError(
        f"job {job_id}: {said}",
        vendor=VENDOR,
        code=code,
        next_step=next_step,
        http_status=response.status_code,
        vendor_request_id=request_id_of(response, body),
    )


def contradiction(body: dict[str, Any]) -> str | None:
    """What in an answer contradicts its ``Success`` flag, or None when nothing does.

    Beside ``Success: true`` only success may stand (ServiceBroker ``Code`` 0, SP_OK, type OK);
    beside ``Success: false``, nothing that reads as success (a 0 however spelled, type OK).
    Either way round, when the flag and any code disagree, the answer confirms neither that
    the job was cancelled nor that it was not.
    """
    success = body.get("Success")
    if not isinstance(success, bool):
        return None  # no flag to contradict: the adapter says so
    found = [what for what, says in _beside_the_flag(body) if says is not success]
    return ", ".join(found) or None


def _beside_the_flag(body: dict[str, Any]) -> list[tuple[str, bool | None]]:
    """Every code an answer gives beside its flag, named, with what it says: True success,
    False failure, None neither (a zero spelled otherwise, ``0.0``: it may mean either)."""
    payload = body.get("Payload")
    parts = [payload.get(k) for k in ("returnCode", "result")] if isinstance(payload, dict) else []
    found: list[tuple[str, object]] = []
    for part in (part for part in parts if isinstance(part, dict)):  # the error's, the success's
        found += [("Scheduling return code", part.get("code")), ("type", part.get("type"))]
    named: list[tuple[str, bool | None]] = []
    for what, value in [*found, ("ServiceBroker code", body.get("Code"))]:
        text = "" if value is None else str(value).strip()
        known = return_code(text) if what == "Scheduling return code" else None
        if what == "type" and text:
            named.append((f"Scheduling result type {text}", text.lower() == "ok"))
        elif text:
            says = True if text == "0" else None if reads_as_zero(text) else False
            named.append((f"{what} {known.label if known else text}", says))
    return named


def unsure(response: httpx.Response, *, job_id: str) -> OutcomeUnknown:
    """A 5xx to the cancel: Scheduling may have removed the job before ServiceBroker failed
    (or a gateway lost the answer), so the outcome is unknown and the cancel is not sent again."""
    code, detail = standard_body(response)
    said = "" if code == f"HTTP {response.status_code}" else f", code {code}"
    return OutcomeUnknown(
        f"ServicePower failed on the cancel of job {job_id} (HTTP {response.status_code}{said}: "
        f"{detail}), so it may or may not be cancelled",
        vendor=VENDOR,
        next_step="Check in ServiceOptimizer whether the job still exists before requesting "
        "again; if this persists, contact ServicePower.",
        vendor_request_id=request_id_of(response, json_object(response)),
    )


def standard_body(response: httpx.Response) -> tuple[str, str]:
    """``(Code, Message)`` from a standard response body; tolerant of anything else."""
    body = json_object(response)
    if body is None:
        return f"HTTP {response.status_code}", response.reason_phrase
    code = body.get("Code")
    message = body.get("Message") or response.reason_phrase
    return (f"HTTP {response.status_code}" if code is None else str(code)), str(message)


def http_error(response: httpx.Response, *, what: str, auth_hint: str) -> VendorError:
    """The error for an HTTP 4xx/5xx answer to `what` (``"the cancel of job X"``) that means
    nothing was changed: a refusal, or a 5xx to the token request (`unsure` reads a 5xx to the
    cancel itself).

    Args:
        response: The answer.
        what: The call, for the message.
        auth_hint: The next step for a 401 (which credential to check).
    """
    code, detail = standard_body(response)
    status = response.status_code
    rid = request_id_of(response)
    common: dict[str, Any] = {
        "vendor": VENDOR,
        "code": code,
        "http_status": status,
        "vendor_request_id": rid,
    }
    if status == 401:
        return VendorAuthError(
            f"ServicePower did not authorize {what}: {detail}", next_step=auth_hint, **common
        )
    if status == 429:
        return VendorThrottled(
            f"ServicePower throttled {what}: {detail}",
            retryable=True,
            next_step="Wait a minute, then request again.",
            **common,
        )
    if status == 400:
        return VendorError(
            f"ServicePower rejected {what} as invalid: {detail}",
            next_step="Check the job id and reason; nothing was changed.",
            **common,
        )
    if status >= 500:
        return VendorError(
            f"ServicePower failed on {what} (HTTP {status}): {detail}",
            next_step="Try again in a minute; if this persists, contact ServicePower.",
            **common,
        )
    return VendorError(
        f"ServicePower answered {what} with HTTP {status}: {detail}",
        next_step="Check `OPSGATE_SERVICEPOWER__BASE_URL` and that Scheduling is "
        "configured for this ServiceBroker tenant.",
        **common,
    )
