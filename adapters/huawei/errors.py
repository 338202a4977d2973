"""Huawei OceanConnect error answers, translated into `adapters.errors` types.

Every code the vendor documents for login, refresh, package deletion and device deletion has a
plain-language message and a next step here (settings and flags in backticks, to copy); an
unknown code is shown verbatim with its HTTP status. Error bodies are ``{"error_code":
"<string>", "error_desc": "…"}`` (VENDORS.md §7; a number is accepted too); `parse_error` also
accepts the spellings other OceanConnect APIs use and falls back to the HTTP status when the
body says nothing useful.
"""

from __future__ import annotations

from typing import Final

import httpx

from adapters.errors import (
    KnownCode,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
)
from adapters.http import json_object, unconfirmed_answer

VENDOR: Final = "huawei"

ACCESS_REFUSED: Final = "1010005"
THROTTLED: Final = "1010009"
BAD_CREDENTIALS: Final = "100208"
INTERNAL_ERROR: Final = "50252"
PACKAGE_NOT_FOUND: Final = "123002"
DEVICE_NOT_FOUND: Final = "100403"
DEVICE_DATA_NOT_FOUND: Final = "100418"
APP_NOT_FOUND: Final = "100203"
APP_NOT_AUTHORIZED: Final = "100217"
BAD_FILE_ID: Final = "120015"
#: 5xx codes that say the platform did nothing: 500 100203, the application does not exist.
REFUSED_BEFORE_DELETING: Final = frozenset({APP_NOT_FOUND})
#: What a refused token refresh answers (VENDORS.md §7), besides 401 100208 and 500 50252: on
#: any of them opsgate logs in afresh, once.
REFRESH_REFUSED: Final = ("100247", "102202", "50400")

_CODE_KEYS: Final = ("error_code", "errorCode", "resultcode", "resultCode", "code")
_DESC_KEYS: Final = ("error_desc", "errorDesc", "resultdesc", "resultDesc", "message", "desc")


_CONTACT = "contact the IoT platform maintenance team"

#: Every documented code of the login, package-delete and device-delete APIs.
CATALOG: Final[dict[str, KnownCode]] = {
    BAD_CREDENTIALS: KnownCode(
        "the IoT platform refused the appId or secret",
        "Check `OPSGATE_HUAWEI__APP_ID` and `OPSGATE_HUAWEI__SECRET` against the application "
        "registered on the IoT platform.",
        VendorAuthError,
    ),
    INTERNAL_ERROR: KnownCode(
        "the IoT platform had an internal error",
        f"Try again in a few minutes; if it persists, {_CONTACT}.",
        retryable=True,
    ),
    ACCESS_REFUSED: KnownCode(
        "the IoT platform refused the access token or app_key, even after logging in again",
        "Check that `OPSGATE_HUAWEI__APP_ID` is the application the secret belongs to; another "
        "process logging in with the same application invalidates opsgate's token.",
        VendorAuthError,
    ),
    THROTTLED: KnownCode(
        "the application exceeded its call rate limit (100 calls per minute by default)",
        f"Wait a minute and request again; if bulk work needs more, {_CONTACT} to raise the limit.",
        VendorThrottled,
        retryable=True,
    ),
    **{
        code: KnownCode(
            "the IoT platform refused to refresh the access token",
            "opsgate logs in afresh when a refresh is refused; if this persists, check "
            "`OPSGATE_HUAWEI__APP_ID` and `OPSGATE_HUAWEI__SECRET`.",
            VendorAuthError,
        )
        for code in REFRESH_REFUSED
    },
    BAD_FILE_ID: KnownCode(
        "the IoT platform rejected the request: the fileId is not in a valid format",
        "Check the fileId against the platform's version package list.",
    ),
    PACKAGE_NOT_FOUND: KnownCode(
        "no version package with this fileId exists",
        "Check the fileId against the platform's version package list; it may have been "
        "deleted already.",
    ),
    APP_NOT_FOUND: KnownCode(
        "the application does not exist",
        "Check `--app` (the authorizing application's appId) and `OPSGATE_HUAWEI__APP_ID`.",
    ),
    APP_NOT_AUTHORIZED: KnownCode(
        "the device's application has not authorized opsgate's application",
        "Drop `--app` if the device belongs to opsgate's own application; otherwise ask the "
        "owners of that application to authorize it.",
    ),
    DEVICE_NOT_FOUND: KnownCode(
        "the device does not exist",
        "Check the deviceId; it may have been deleted already.",
    ),
    DEVICE_DATA_NOT_FOUND: KnownCode(
        "the device does not exist in this application",
        "Check that the deviceId belongs to the application: for a device of an authorizing "
        "application pass `--app <appId>`; with `--app`, check it names the device's "
        "application, or drop `--app` for a device of opsgate's own.",
    ),
}


def parse_error(response: httpx.Response) -> tuple[str | None, str | None]:
    """Return the vendor's (code, description) from an error body; (None, None) if absent."""
    body = json_object(response)
    if body is None:
        return None, None
    return _first(body, _CODE_KEYS), _first(body, _DESC_KEYS)


def _first(body: dict[str, object], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = body.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def error_code(response: httpx.Response) -> str | None:
    """The vendor's error code of a failed answer, or None (success, or no code in the body)."""
    if response.status_code < 400:
        return None
    return parse_error(response)[0]


def to_error(response: httpx.Response, *, subject: str) -> VendorError:
    """Translate a failed answer into our error type, with the vendor's code kept verbatim.

    Args:
        response: The vendor's answer (HTTP 4xx/5xx).
        subject: What the call was about, for the message (``"device gw-1"``).
    """
    code, desc = parse_error(response)
    status = response.status_code
    entry = CATALOG.get(code or "")
    if entry is None:
        said = f": {desc}" if desc else ""
        return VendorError(
            f"{subject}: the IoT platform answered HTTP {status}{said}",
            vendor=VENDOR,
            code=code or f"HTTP {status}",
            next_step="Look the code up in the OceanConnect API reference, or "
            f"{_CONTACT} with the time of the request.",
            http_status=status,
            retryable=status >= 500,
        )
    # Retryable as the catalog says: 500 100203 (no such application) is permanent, whatever
    # its status says.
    return entry.error(
        f"{subject}: {entry.message}",
        vendor=VENDOR,
        code=code or f"HTTP {status}",
        http_status=status,
    )


def unsure(response: httpx.Response, *, what: str) -> VendorError | OutcomeUnknown:
    """A 5xx to a DELETE: the platform may have deleted before it failed, so the outcome is
    unknown (never sent again), unless its code says it refused before acting."""
    code, desc = parse_error(response)
    if code in REFUSED_BEFORE_DELETING:
        return to_error(response, subject=what)
    said = f", code {code}" if code else ""
    told = f": {desc}" if desc else ""
    return _maybe_deleted(
        what,
        f"The IoT platform failed while deleting {what} (HTTP {response.status_code}{said}{told})",
    )


def check_first(what: str) -> str:
    """The next step when the deletion of `what` (``"device d-1"``) may or may not have happened."""
    return (
        f"Check in the OceanConnect console whether {what} still exists before requesting it again."
    )


def unconfirmed_deletion(response: httpx.Response, *, what: str) -> OutcomeUnknown | None:
    """A 2xx or 3xx to a DELETE that does not confirm it, or None when it does.

    The platform documents its success as an empty answer: ``200 OK``, no body (a package,
    VENDORS.md §4) and ``204 No Content`` (a device, §5). Only those confirm the deletion. A 3xx
    is not followed; a 2xx whose body carries an error code says both that it worked and that
    it failed; any other 2xx (a 202, a 200 with a login or firewall page, ``{}``, ``[1]``) says
    nothing the platform documents. Either way it may or may not have happened: never sent again.
    """
    redirected = unconfirmed_answer(response, vendor=VENDOR, next_step=check_first(what))
    if redirected is not None:
        return redirected
    status = response.status_code
    code, desc = parse_error(response)
    if code is not None:
        told = f": {desc}" if desc else ""
        answered = f"HTTP {status} and error code {code}{told}"
    elif status in (200, 204) and not response.content.strip():
        return None  # the documented empty success
    else:
        answered = f"HTTP {status} and {_body_kind(response)}, not the documented empty 200 or 204"
    return _maybe_deleted(what, f"The IoT platform answered the deletion of {what} with {answered}")


def _body_kind(response: httpx.Response) -> str:
    """The body of an answer, named but not quoted (a login page may be long, or hold a form)."""
    if not response.content.strip():
        return "no body"
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    return f"a body ({kind})" if kind else "a body"


def _maybe_deleted(what: str, happened: str) -> OutcomeUnknown:
    """The outcome of a DELETE whose answer neither confirms nor denies it: unknown, with the
    console to check before requesting again."""
    return OutcomeUnknown(
        f"{happened}, so it may or may not be deleted", vendor=VENDOR, next_step=check_first(what)
    )
