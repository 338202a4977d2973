"""EnOS answers translated into `adapters.errors`: the error catalog and the body reader.

EnOS has two answer shapes. The APIM token service answers ``{"status", "msg", "business",
"data"}``; business APIs answer ``{"code", "msg", "requestId", "data"}`` with HTTP 200 even for
errors. How the gateway itself refuses a business call (bad signature, expired token,
throttling) is not published, and old clients saw such refusals inside HTTP 200 bodies
(VENDORS.md §7), so `read_answer` reads ``code``, ``status`` and ``apim_status``, whatever the
HTTP status. Except on the delete: there a 5xx (or a 3xx, a redirect) confirms nothing whatever
its body says, since a gateway's ``{"status": 504}`` may follow a deletion that happened, so it
is `OutcomeUnknown` (`adapters.http.unconfirmed_answer`). A 4xx is a refusal whatever its body
(a ``"code": 0`` in it, or a page that is not JSON): failed, naming the status, unless its code
has a documented meaning. The APIM token codes (1001 to 1204) can come back on any call, not
only from the token service; 1203 (token expired) makes the adapter renew the token and retry
once. Only the delete API's documented success, ``"code": 0`` and no other code, confirms the
delete: a 2xx without it (``{"status": 0}``, ``"code": 0.0``, ``"code": 0`` beside a gateway's
``"apim_status": 1``) is `OutcomeUnknown`, and so is 1001 (a replay: a copy of the delete
arrived first). Reads accept a zero in any of the three keys.

Every documented code has a plain-language message and a next step. Codes not in `CATALOG` are
shown verbatim with the vendor's own message.
"""

from __future__ import annotations

import json
from typing import Any, Final

import httpx

from adapters.errors import (
    KnownCode,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
    reads_as_zero,
)
from adapters.http import json_object, unconfirmed_answer, unreadable_answer

VENDOR: Final = "enos"

#: A timestamp/signature (or encryption) pair seen before: a replay, refused.
DUPLICATED: Final = "1001"
#: The code that means "the access token expired": renew the token and retry the call once.
CODE_EXPIRED: Final = "1203"
#: The refresh endpoint refused; fall back to getting a new token.
CODE_REFRESH_FAILED: Final = "1204"
#: Job not found (a read: the target does not exist; a delete: it is already gone).
JOB_NOT_FOUND: Final = "24404"
#: The job is running and cannot be deleted.
JOB_RUNNING: Final = "24618"
#: The OTA service's internal error: retried on a read; on the delete, the outcome is unknown.
INTERNAL_ERROR: Final = "24500"
#: The next step when the delete's outcome is unknown.
CHECK_THE_JOB: Final = (
    "Check in the EnOS console whether the OTA job still exists before requesting the "
    "deletion again."
)

_CREDENTIALS = (
    "Check `OPSGATE_ENOS__APP_KEY` and `OPSGATE_ENOS__APP_SECRET` against the EnOS console."
)


CATALOG: Final[dict[str, KnownCode]] = {
    # Both the token service (timestamp + encryption) and the gateway (timestamp + signature of
    # a business call) answer 1001 to a pair they saw before. opsgate never reuses one, so it
    # means a copy of the same request (a proxy's resend) arrived first: on the delete that
    # copy may have deleted the job (`read_answer`); on a read or token request, retry.
    DUPLICATED: KnownCode(
        "EnOS refused a replayed request: it had already seen this timestamp with this "
        "signature (an API call) or encryption (a token request), and each pair is usable once",
        "Try again: every attempt uses a fresh timestamp. If it recurs, check for a proxy "
        "resending requests, and the host clock.",
        VendorAuthError,
        retryable=True,
    ),
    "1002": KnownCode("the EnOS appKey does not exist", _CREDENTIALS, VendorAuthError),
    "1003": KnownCode(
        "EnOS refused the encryption or signature (the app secret does not match the appKey)",
        _CREDENTIALS,
        VendorAuthError,
    ),
    "1004": KnownCode(
        "EnOS rejected a parameter of the token or gateway request as invalid",
        "Check the EnOS settings; if they are right, report this as an opsgate bug.",
        VendorAuthError,
    ),
    "1005": KnownCode(
        "the EnOS token service had an internal error",
        "Try again in a minute; if it persists, check the EnOS status page.",
        VendorError,
        retryable=True,
    ),
    "1202": KnownCode(
        "EnOS says a required authentication parameter is empty",
        _CREDENTIALS,
        VendorAuthError,
    ),
    CODE_EXPIRED: KnownCode(
        "the EnOS access token expired and a renewed one was refused too",
        "Try again; if it persists, check the host clock and the app's status in EnOS.",
        VendorAuthError,
    ),
    CODE_REFRESH_FAILED: KnownCode(
        "EnOS could not refresh the access token",
        # Not retried as such: the token cache falls back to getting a new token.
        "Try again: opsgate gets a new token when a refresh fails.",
        VendorAuthError,
    ),
    JOB_NOT_FOUND: KnownCode(
        "the OTA job was not found in this organization",
        "Check the job id and `--org` (the OU id, e.g. o15…) in the EnOS console.",
    ),
    JOB_RUNNING: KnownCode(
        "EnOS will not delete an OTA job that is still running",
        "Stop the job first (EnOS console, or Stop OTA Job: `action=stop`), then request the "
        "deletion again.",
    ),
    # On the delete this becomes `OutcomeUnknown` (`read_answer`): it may follow a deletion.
    INTERNAL_ERROR: KnownCode(
        "the EnOS OTA service had an internal error",
        "opsgate already retried; try again in a few minutes, and if it persists ask EnOS "
        "support, quoting the requestId.",
        retryable=True,
    ),
    # Not published by EnOS: what the simulator answers when throttled (HTTP 429 as well).
    "429": KnownCode(
        "the EnOS gateway is throttling this app",
        "Wait a minute and try again.",
        VendorThrottled,
        retryable=True,
    ),
}


def vendor_error(
    code: str, *, vendor_message: str, request_id: str | None, http_status: int | None
) -> VendorError:
    """Build the error for one EnOS code, keeping the vendor's code, message and request id."""
    info = CATALOG.get(code)
    if info is None:
        return VendorError(
            f"EnOS answered code {code}: {vendor_message or '(no message)'}",
            vendor=VENDOR,
            code=code,
            next_step="Look the code up in the EnOS API documentation or ask EnOS support.",
            http_status=http_status,
            vendor_request_id=request_id,
        )
    said = f' (EnOS: "{vendor_message}")' if vendor_message else ""
    return info.error(
        info.message + said,
        vendor=VENDOR,
        code=code,
        http_status=http_status,
        vendor_request_id=request_id,
    )


#: Where an answer keeps its code: business APIs, the token service, the gateway (old clients).
CODE_KEYS: Final = ("code", "status", "apim_status")


def answer_code(body: dict[str, Any]) -> str | None:
    """The answer's code as a string: its first non-zero ``code``, ``status`` or
    ``apim_status`` (a gateway refusal may sit beside a business ``code`` of 0), or ``"0"``."""
    codes = [body[key] for key in CODE_KEYS if key in body]
    readable = [str(c) for c in codes if c is not None and not isinstance(c, (dict, list, bool))]
    if not readable:
        return None
    return next((c for c in readable if c != "0"), "0")


def read_answer(response: httpx.Response, *, mutating: bool) -> dict[str, Any]:
    """Return the body of a successful answer (code 0); raise our error for anything else.

    Raises:
        VendorError: EnOS answered with a non-zero code (or HTTP 429), or a 4xx whose body
            names no refusal (a code of 0, none, or no JSON on the delete): refused all the same.
        OutcomeUnknown: a mutating call got a 2xx we cannot read, a 5xx or 3xx whatever
            its body, 24500 or 1001, or a 2xx without ``"code": 0`` alone (its fate is unknown).
        VendorUnreachable: a read got an answer we cannot read.
    """
    body = json_object(response)
    refused = 400 <= response.status_code < 500
    if mutating:
        said = "" if body is None else _said(body)
        unconfirmed = unconfirmed_answer(
            response, vendor=VENDOR, said=said, next_step=CHECK_THE_JOB
        )
        if unconfirmed is not None:
            raise unconfirmed
    code = None if body is None else answer_code(body)
    if refused and (reads_as_zero(code) or (mutating and code is None)):
        # A 4xx is a refusal whatever its body says: a `"code": 0` in it does not undo that.
        raise _refusal(response, body)
    if body is None or code is None:
        raise _unreadable(response, mutating=mutating)
    business = _business_code(body)
    if (
        mutating
        and not business == code == "0"
        and (reads_as_zero(code) or reads_as_zero(business))
    ):
        raise _unconfirmed_success(response, body)  # 0.0, or a 0 beside a gateway's refusal
    if code != "0":
        error = _answered_error(response, body, code)
        raise _unsure(error) if mutating and code in _MAY_HAVE_DELETED else error
    return body


def _answered_error(response: httpx.Response, body: dict[str, Any], code: str) -> VendorError:
    """The error for a code EnOS answered, with its message and request id when they are text."""
    message, request_id = body.get("msg"), body.get("requestId")
    return vendor_error(
        code,
        vendor_message=message if isinstance(message, str) else "",
        request_id=request_id if isinstance(request_id, str) else None,
        http_status=response.status_code,
    )


#: Answers to the delete that may follow a deletion that happened, and why.
_MAY_HAVE_DELETED: Final = {
    # the OTA service failed somewhere in handling it, perhaps after deleting the job (like
    # Huawei's 500 50252)
    INTERNAL_ERROR: "which may follow a deletion that happened",
    DUPLICATED: "so a copy of this very request reached EnOS first and may have deleted the job",
}


def _unsure(error: VendorError) -> OutcomeUnknown:
    """24500 or 1001 answering the delete: the outcome is unknown, never resent."""
    rid = f", requestId {error.vendor_request_id}" if error.vendor_request_id else ""
    return OutcomeUnknown(
        f"{VENDOR} answered the delete with {error.code} (HTTP {error.http_status}{rid}: "
        f"{error.message}), {_MAY_HAVE_DELETED[error.code]}; the request's state is unknown",
        vendor=VENDOR,
        next_step=CHECK_THE_JOB,
    )


def _business_code(body: dict[str, Any]) -> str | None:
    """The business API's own ``code`` as a string, or None when there is none."""
    code = body.get("code")
    return None if code is None or isinstance(code, (dict, list, bool)) else str(code)


def _unconfirmed_success(response: httpx.Response, body: dict[str, Any]) -> OutcomeUnknown:
    """A 2xx answer to the delete that refuses nothing but is not the delete API's documented
    success, ``"code": 0`` and no other code: a token-service ``{"status": 0}``, a gateway's
    ``{"apim_status": 0}``, a ``"code": 0.0``, or a ``"code": 0`` beside a gateway's non-zero
    ``apim_status``. Nothing in it says the job was deleted, nor (for certain) that it was not."""
    request_id = body.get("requestId")
    rid = f", requestId {request_id}" if isinstance(request_id, str) and request_id else ""
    codes = ", ".join(f'"{key}": {json.dumps(body[key])}' for key in CODE_KEYS if key in body)
    return OutcomeUnknown(
        f"{VENDOR} answered the delete with HTTP {response.status_code}{rid} and `{codes}`, "
        'not the documented success (`"code": 0` and no other code), so it did not confirm '
        "the deletion; the request's state is unknown",
        vendor=VENDOR,
        next_step=CHECK_THE_JOB,
    )


def _refusal(response: httpx.Response, body: dict[str, Any] | None) -> VendorError:
    """A 4xx whose body names no refusal (a code of 0, none, or no JSON): refused all the same,
    before EnOS acted, so nothing changed. A 429 is a throttle."""
    status = response.status_code
    if status == 429:
        return _throttled()
    said = "" if body is None else _said(body)
    return VendorError(
        f"EnOS refused the call with HTTP {status}{said}; nothing was changed",
        vendor=VENDOR,
        code=f"HTTP {status}",
        next_step="Check `OPSGATE_ENOS__BASE_URL` (a proxy or firewall in front of EnOS?) and "
        "that the app may call the OTA APIs for this org, then request again.",
        http_status=status,
    )


def _said(body: dict[str, Any]) -> str:
    """What a body said, to quote after its HTTP status: ``", code 504: Gateway Time-out"``."""
    code, message = answer_code(body), body.get("msg")
    said = f", code {code}" if code is not None else ""
    return said + (f": {message}" if isinstance(message, str) and message else "")


def _unreadable(response: httpx.Response, *, mutating: bool) -> Exception:
    if response.status_code == 429:  # a gateway throttle page: still a throttle
        return _throttled()
    return unreadable_answer(response, vendor=VENDOR, mutating=mutating)


def _throttled() -> VendorError:
    """A 429 that names no code of EnOS's: the gateway's throttle, as EnOS's 429 means."""
    return vendor_error("429", vendor_message="", request_id=None, http_status=429)
