"""Acme's documented errors, translated into opsgate's error types (`adapters.errors`).

Acme answers an error with an HTTP status and ``{"error": {"code": "...", "message": "..."}}``.
What each means for opsgate, and so for exactly-once:

==========  =================  ==============================  ===============================
status      code               Acme says                       opsgate raises (request ends)
==========  =================  ==============================  ===============================
401         unauthorized       the token is wrong or revoked   VendorAuthError (failed)
403         forbidden          the token lacks widgets:write   VendorAuthError (failed)
404         widget_not_found   no such widget                  not an error: preview "not
                                                               found", delete "already gone"
409         widget_spinning    a spinning widget stays         VendorError (failed)
429         rate_limited       too many calls; nothing done    VendorThrottled (retried)
5xx         internal_error     Acme failed                     read: VendorError, retried;
                                                               DELETE: OutcomeUnknown (unknown)
==========  =================  ==============================  ===============================

A 5xx to the DELETE is `OutcomeUnknown`, not a failure: Acme may have deleted the widget before
failing, so opsgate must not say it did not happen, and never sends it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import httpx
from adapters.errors import (
    AdapterError,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
)
from adapters.http import unreadable_answer

VENDOR: Final = "acme"
NOT_FOUND: Final = "widget_not_found"


@dataclass(frozen=True)
class Explained:
    """An Acme error code in plain language, and what the engineer should do."""

    message: str
    next_step: str


CODES: Final[dict[str, Explained]] = {
    "unauthorized": Explained(
        "Acme refused the API token",
        "Check `OPSGATE_ACME__TOKEN`: it may be mistyped, expired or revoked.",
    ),
    "forbidden": Explained(
        "the Acme token may not delete widgets",
        "Give the token the widgets:write scope in the Acme console.",
    ),
    NOT_FOUND: Explained("there is no such widget", "Check the widget id."),
    "widget_spinning": Explained(
        "the widget is spinning, and Acme refuses to delete a spinning widget",
        "Stop the widget in the Acme console, then request again.",
    ),
    "rate_limited": Explained(
        "Acme's rate limit refused the call; nothing was done", "Try again in a minute."
    ),
    "internal_error": Explained("Acme failed internally", "Try again; if it persists, ask Acme."),
}


def error_code(response: httpx.Response) -> tuple[str, str]:
    """The ``(code, message)`` of an error answer; ``("", "")`` when the body has none."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        return "", ""
    return error["code"], str(error.get("message") or "")


def request_id(response: httpx.Response) -> str | None:
    """Acme's id for the call (header ``X-Request-Id``), shown on the card."""
    return response.headers.get("X-Request-Id") or None


def to_error(response: httpx.Response, *, subject: str, mutating: bool) -> AdapterError:
    """The error for an answer with status >= 400 about `subject` (e.g. ``widget w-1``)."""
    code, said = error_code(response)
    if not code:
        return unreadable_answer(response, vendor=VENDOR, mutating=mutating)
    if response.status_code >= 500 and mutating:
        return OutcomeUnknown(
            f"Acme failed (HTTP {response.status_code}, {code}) while deleting {subject}; "
            "the widget may or may not be deleted",
            vendor=VENDOR,
            next_step="Check in the Acme console whether the widget still exists before "
            "requesting it again.",
        )
    known = CODES.get(code, Explained(said or f"Acme answered {code}", "Check the Acme console."))
    kind = _kind(response.status_code)
    return kind(
        f"{subject}: {known.message}",
        vendor=VENDOR,
        code=code,
        next_step=known.next_step,
        http_status=response.status_code,
        vendor_request_id=request_id(response),
        retryable=response.status_code == 429 or response.status_code >= 500,
    )


def _kind(status: int) -> type[VendorError]:
    if status in (401, 403):
        return VendorAuthError
    if status == 429:
        return VendorThrottled
    return VendorError
