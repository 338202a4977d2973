"""Alibaba Cloud IoT answers, translated into `adapters.errors` types (VENDORS.md §2, §7).

Two body shapes arrive. IoT business answers are ``{"RequestId", "Success", "Code",
"ErrorMessage"}``, as HTTP 200 with ``Success: false`` or as a 4xx. The API gateway's own
refusals (signature, key, throttling, missing parameters) are ``{"RequestId", "HostId", "Code",
"Message", "Recommend"}``. So:

- the body is always read: ``Success: false``, or a non-empty ``Code``, is a failure at any
  HTTP status (and any HTTP status from 400 up is one too, whatever its body: a 4xx that is
  not JSON, a firewall's or proxy's page, is a refusal, sent once);
- only ``"Success": true`` confirms the cancel: an answer to it with neither that nor a
  failure (``{}``, a RequestId alone, ``"Success": null``) is `OutcomeUnknown` (`refusal`),
  and so is a 2xx that says both (`contradiction`: ``"Success": true`` beside a ``Code``, even
  ``0``, or the flag given twice in two casings with two values); a read may leave the flag
  out (re-hosted copies answer plain data);
- except for the cancel's answer when it is a 5xx (or a 3xx, a redirect): that confirms nothing
  whatever its body says, since a gateway's ``{"message": "upstream request timeout"}`` may follow
  a cancel IoT carried out, so it is `OutcomeUnknown` (`unconfirmed`); so is an internal error
  at any status (`MAY_HAVE_ACTED`, `for_the_cancel`);
- the message is ``ErrorMessage`` or ``Message``, whichever is there;
- keys are read case-insensitively (re-hosted copies answer ``success``, ``code``,
  ``requestId``), and codes are compared case-insensitively (Alibaba's own data spells
  ``Iot.Device…`` and ``iot.device…``);
- throttling is any ``Code`` starting with ``Throttling``, whatever the HTTP status (400 on the
  classic gateway, 403 or 429 elsewhere).

Every code VENDORS.md documents gets a plain-language message and a next step
(`adapters.aliyun.codes`); anything else (notably the unconfirmed ``iot.ota.*`` codes) is shown
with the vendor's message verbatim.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import httpx

from adapters.aliyun.codes import THROTTLED, UNREADABLE_REFUSAL, code_info
from adapters.errors import AdapterError, KnownCode, OutcomeUnknown, VendorError, VendorThrottled
from adapters.http import json_object, unconfirmed_answer, unreadable_answer

VENDOR = "aliyun"
#: The next step when the cancel's outcome is unknown.
CHECK_THE_TASKS = (
    "Check the devices' OTA tasks in the IoT console (OTA upgrades) before requesting the cancel "
    "again; quote the RequestId, if any, to support."
)


def same_code(code: str | None, *known: str) -> bool:
    """True when `code` is one of `known`, compared case-insensitively."""
    return code is not None and code.lower() in {k.lower() for k in known}


def field(body: Mapping[str, Any], name: str) -> Any:
    """`body[name]`, ignoring the case of the key (re-hosted endpoints use camelCase)."""
    if name in body:
        return body[name]
    wanted = name.lower()
    return next((value for key, value in body.items() if key.lower() == wanted), None)


def succeeded(body: Mapping[str, Any], status: int, *, mutating: bool = False) -> bool:
    """True for a success answer: HTTP < 400, no ``Code``, and ``Success`` true.

    A mutating call's answer must say ``"Success": true``, the documented Boolean, and nothing
    beside it that says otherwise: an answer without it, or with a `contradiction`, confirms
    nothing (`refusal` makes it `OutcomeUnknown`). A read may leave the flag out (re-hosted
    copies answer plain data), as long as nothing says it failed.
    """
    if refused(body, status):
        return False
    success = field(body, "Success")
    if mutating:
        return success is True and contradiction(body, status) is None
    return success is None or success is True or str(success).lower() == "true"


def refused(body: Mapping[str, Any], status: int) -> bool:
    """True when the answer says the call failed: HTTP >= 400, a non-empty ``Code``, or
    ``Success`` false, at any HTTP status (VENDORS §7)."""
    success = field(body, "Success")
    said_no = success is False or (isinstance(success, str) and success.lower() == "false")
    return status >= 400 or field(body, "Code") not in (None, "") or said_no


def refusal(
    response: httpx.Response, body: Mapping[str, Any] | None, *, mutating: bool
) -> VendorError:
    """The error for an answer that is not a success (`succeeded`), keeping the vendor's code.

    A 4xx is a refusal, whatever its body (a firewall's or proxy's page too): nothing was
    done, so the cancel is not sent again; a 429 without a body to read is a throttle.

    Raises:
        OutcomeUnknown: a mutating call's answer says neither success nor failure.
        VendorUnreachable: a read's answer cannot be read (not JSON, or no verdict in it).
    """
    status = response.status_code
    if body is None and 400 <= status < 500:
        info = THROTTLED if status == 429 else UNREADABLE_REFUSAL
        message = info.message.format(status=status)
        return info.error(message, vendor=VENDOR, code=f"HTTP {status}", http_status=status)
    if body is None:
        raise unreadable_answer(response, vendor=VENDOR, mutating=mutating)
    if mutating and (disagreeing := contradiction(body, status)) is not None:
        raise _no_verdict(response, body, contradicting=disagreeing)
    if not refused(body, status):
        if not mutating:  # a read that says neither is unreadable, and safe to ask again
            raise unreadable_answer(response, vendor=VENDOR, mutating=False)
        raise _no_verdict(response, body)
    return error_for(body, status)


def _no_verdict(
    response: httpx.Response, body: Mapping[str, Any], *, contradicting: str = ""
) -> OutcomeUnknown:
    """The cancel answered with neither ``"Success": true`` nor a failure in it (``{}``, a
    RequestId alone, ``"Success": null``), or with both (`contradiction`): it does not say the
    call was carried out, nor that it was not."""
    rid = request_id(body)
    quoted = f", RequestId {rid}" if rid else ""
    said = (
        f" and {contradicting}, which contradicts itself"
        if contradicting
        else ' but no `"Success": true`'
    )
    return OutcomeUnknown(
        f"{VENDOR} answered the cancel with HTTP {response.status_code}{quoted}{said}, so it "
        "did not confirm the cancel; the request's state is unknown",
        vendor=VENDOR,
        next_step=CHECK_THE_TASKS,
        vendor_request_id=rid,
    )


def contradiction(body: Mapping[str, Any], status: int) -> str | None:
    """What in a 2xx answer to the cancel says both success and failure, or None.

    The documented answer carries a ``Code`` only on failure, so ``Success: true`` beside one
    (even ``0``) says both; so does a flag given twice, in two casings, with two values.
    """
    if status >= 400:
        return None  # a refusal status decides
    flags = {json.dumps(value) for key, value in body.items() if key.lower() == "success"}
    if len(flags) > 1:
        return "`Success` given as " + " and ".join(sorted(flags))
    success, code = field(body, "Success"), field(body, "Code")
    if (success is True or str(success).lower() == "true") and code not in (None, ""):
        return f'`"Success": {json.dumps(success)}` beside `"Code": {json.dumps(code)}`'
    return None


def request_id(body: Mapping[str, Any]) -> str | None:
    """The vendor's RequestId (``RequestId``/``requestId``/``RequestID``), if any."""
    value = field(body, "RequestId")
    return None if value is None else str(value)


def error_for(body: Mapping[str, Any], status: int) -> VendorError:
    """The `VendorError` for a failure answer, keeping the vendor's code and RequestId.

    Without a ``Code``, the code is the HTTP status when it is an error status, else empty
    (``Success: false`` at HTTP 200 names no code, and the message says so).
    """
    given = field(body, "Code")  # a Code of 0 is still a Code: test for absence, not falsity
    code = str(given) if given not in (None, "") else f"HTTP {status}" if status >= 400 else ""
    said = str(field(body, "ErrorMessage") or field(body, "Message") or "").strip()
    info = code_info(code)
    if info is None and given in (None, "") and status == 429:
        info = THROTTLED  # a throttle whose body names no code: 429 says it all the same
    if info is None:
        flag = json.dumps(field(body, "Success"))  # as answered: false, "false", …
        message = said or (
            f"Alibaba Cloud IoT refused the call (HTTP {status})"
            if code
            else f'Alibaba Cloud IoT answered `"Success": {flag}` without an error code or message'
        )
        info = KnownCode(message, _unknown_next_step(code))
    return info.error(
        info.message,
        vendor=VENDOR,
        code=code,
        http_status=status,
        vendor_request_id=request_id(body),
    )


#: Answers that may follow a cancel IoT carried out: its internal errors, and a nonce seen before
#: (opsgate signs every attempt with a new one, so another copy of this very request, a proxy's
#: resend, reached the vendor first). To a read they are retried; to the cancel, never.
MAY_HAVE_ACTED: Final = (
    "iot.system.SystemException",
    "InternalError",
    "ServiceUnavailable",
    "SignatureNonceUsed",
)


def for_the_cancel(error: VendorError) -> AdapterError:
    """What a failure answer to the cancel means, the call opsgate sends once (VENDORS.md §2:
    "The SDK does not retry IoT calls"). Only throttling, refused before IoT saw the call, is
    sent again; an answer in `MAY_HAVE_ACTED` is `OutcomeUnknown`; any other is the vendor's
    refusal, final (not retryable)."""
    if same_code(error.code, *MAY_HAVE_ACTED):
        rid = f", RequestId {error.vendor_request_id}" if error.vendor_request_id else ""
        return OutcomeUnknown(
            f"{VENDOR} answered the cancel with {error.code} (HTTP {error.http_status}{rid}: "
            f"{error.message}), which may follow a cancel it carried out; the request's state "
            "is unknown",
            vendor=VENDOR,
            next_step=CHECK_THE_TASKS,
            vendor_request_id=error.vendor_request_id,
        )
    if not isinstance(error, VendorThrottled):
        error.retryable = False
    return error


def unconfirmed(response: httpx.Response) -> OutcomeUnknown | None:
    """The error for an answer to the cancel whose HTTP status confirms nothing (a 5xx or a
    3xx), whatever its body; None when the status does (`adapters.http.unconfirmed_answer`)."""
    body = json_object(response) or {}
    code = field(body, "Code")
    said = str(field(body, "ErrorMessage") or field(body, "Message") or "").strip()
    rid = request_id(body)
    quoted = (f", code {code}" if code else "") + (f": {said}" if said else "")
    quoted += f", RequestId {rid}" if rid else ""
    return unconfirmed_answer(response, vendor=VENDOR, said=quoted, next_step=CHECK_THE_TASKS)


def _unknown_next_step(code: str) -> str:
    if not code:  # a refusal that names no reason
        return (
            "Check the ProductKey, FirmwareId and device names in the IoT console (OTA "
            "upgrades), then request again; quote the RequestId to support."
        )
    if code.lower().startswith("iot.ota."):
        return (
            "Check the ProductKey, FirmwareId, JobId and device names in the IoT console "
            "(OTA upgrades), then request again."
        )
    return (
        "Look the code up in Alibaba Cloud IoT's error code list; quote the RequestId to support."
    )
