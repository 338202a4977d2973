"""Alibaba Cloud IoT answers, translated into `adapters.errors` types (VENDORS.md §2, §7).

Two body shapes arrive. IoT business answers are ``{"RequestId", "Success", "Code",
"ErrorMessage"}``, as HTTP 200 with ``Success: false`` or as a 4xx. The API gateway's own
refusals (signature, key, throttling, missing parameters) are ``{"RequestId", "HostId", "Code",
"Message", "Recommend"}``. So:

- the body is always read: ``Success: false``, or a non-empty ``Code``, is a failure at any
  HTTP status (and any HTTP status from 400 up is one too);
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

Every code VENDORS.md documents gets a plain-language message and a next step; anything else
(notably the unconfirmed ``iot.ota.*`` codes) is shown with the vendor's message verbatim.
Messages put setting names and flags in backticks, so the cards show them as code to copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx

from adapters.errors import (
    AdapterError,
    KnownCode,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
)
from adapters.http import json_object, unconfirmed_answer

VENDOR = "aliyun"
#: The next step when the cancel's outcome is unknown.
CHECK_THE_TASKS = (
    "Check the devices' OTA tasks in the IoT console (OTA upgrades) before requesting the cancel "
    "again; quote the RequestId, if any, to support."
)


_THROTTLED = KnownCode(
    "the account's API rate limit refused the call (10 calls/s, shared by every RAM user)",
    "Wait a minute and request again; check whether other tools call with the same account.",
    VendorThrottled,
    retryable=True,
)
_BAD_KEY = KnownCode(
    "Alibaba Cloud does not know this AccessKeyId, or the key is disabled",
    "Check `OPSGATE_ALIYUN__ACCESS_KEY_ID` and that the key is enabled in the RAM console.",
    VendorAuthError,
)
_CLOCK = KnownCode(
    "the request timestamp was refused (more than 15 minutes off, or malformed)",
    "Synchronise this host's clock (NTP), then request again.",
    VendorAuthError,
)

_NOT_AUTHORISED = KnownCode(
    "the RAM user behind this AccessKey may not call this IoT action",
    "Grant the RAM user the `iot:CancelOTATaskByDevice`, `iot:ListOTA*` and `iot:QueryOTA*` "
    "actions (e.g. AliyunIOTFullAccess or a custom policy), then request again.",
)
_BAD_SIGNATURE = KnownCode(
    "Alibaba Cloud rejected the request signature",
    "Check that `OPSGATE_ALIYUN__ACCESS_KEY_SECRET` belongs to the configured AccessKeyId "
    "(and, for a re-hosted endpoint, that `OPSGATE_ALIYUN__ENDPOINT` is right).",
    VendorAuthError,
)
_INTERNAL = KnownCode(
    "Alibaba Cloud IoT had an internal error",
    "opsgate already retried; try again in a few minutes, and if it persists open a ticket "
    "with the RequestId.",
    retryable=True,
)
_OPSGATE_BUG = "Report this as an opsgate bug, with the RequestId."

#: Documented codes, by their lower-case spelling (codes are compared case-insensitively).
KNOWN: dict[str, KnownCode] = {
    code.lower(): info
    for code, info in {
        "iot.system.SystemException": _INTERNAL,
        "InternalError": _INTERNAL,
        "ServiceUnavailable": KnownCode(
            "Alibaba Cloud IoT is temporarily unavailable",
            "opsgate already retried; try again in a few minutes.",
            retryable=True,
        ),
        "iot.common.RamActionPermissionDeny": _NOT_AUTHORISED,
        "Forbidden.RAM": _NOT_AUTHORISED,
        "iot.common.AuthActionPermissionDeny": KnownCode(
            "the account is not authorised for this action on this IoT instance",
            "Check that the IoT instance belongs to this account and IoT Platform is activated, "
            "then request again.",
        ),
        "iot.system.InstanceNotFound": KnownCode(
            "the IoT instance was not found (wrong or missing IotInstanceId)",
            "Pass `--instance <IotInstanceId>` (the console's instance Overview tab shows it), "
            "or set `OPSGATE_ALIYUN__IOT_INSTANCE_ID`.",
        ),
        "iot.device.NotExistedDevice": KnownCode(
            "the device does not exist in this product",
            "Check the device name and `--product` in the IoT console.",
        ),
        "iot.prod.NotExistedProduct": KnownCode(
            "the product does not exist (a wrong ProductKey, or another instance's)",
            "Check `--product <ProductKey>` (and `--instance`) in the IoT console.",
        ),
        "iot.firmware.InvalidTaskStatus": KnownCode(
            "the vendor refused the task-status filter of an OTA task listing", _OPSGATE_BUG
        ),
        "iot.ota.NullOtaModuleName": KnownCode(
            "the vendor says the OTA module name is missing", _OPSGATE_BUG
        ),
        "iot.ota.EmptyDeviceInfoParams": KnownCode(
            "the vendor says the device parameters are empty", _OPSGATE_BUG
        ),
        "iot.firmware.ListOTATaskByDeviceFailed": KnownCode(
            "Alibaba Cloud IoT could not list the device's OTA tasks",
            "Try again in a few minutes; if it persists, open a ticket with the RequestId.",
            retryable=True,
        ),
        "iot.common.QueryDeviceActionError": KnownCode(
            "Alibaba Cloud IoT could not query the device",
            "Try again in a few minutes; if it persists, open a ticket with the RequestId.",
            retryable=True,
        ),
        "SignatureDoesNotMatch": _BAD_SIGNATURE,
        "IncompleteSignature": _BAD_SIGNATURE,
        # A nonce we never reuse; seen again means a proxy replayed it. The vendor refused the
        # call, so a retry (with a new nonce) is safe.
        "SignatureNonceUsed": KnownCode(
            "the vendor had already seen this request's nonce and refused it",
            "Request again; if it recurs, check for a proxy replaying requests.",
            retryable=True,
        ),
        "InvalidTimeStamp.Expired": _CLOCK,
        "InvalidTimeStamp.Format": _CLOCK,
    }.items()
}

_PREFIXES: tuple[tuple[str, KnownCode], ...] = (
    ("throttling", _THROTTLED),
    ("invalidaccesskeyid", _BAD_KEY),
)


def code_info(code: str) -> KnownCode | None:
    """What opsgate knows about `code` (compared case-insensitively), or None for codes shown
    verbatim."""
    lowered = code.lower()
    if lowered in KNOWN:
        return KNOWN[lowered]
    return next((info for prefix, info in _PREFIXES if lowered.startswith(prefix)), None)


def same_code(code: str | None, *known: str) -> bool:
    """True when `code` is one of `known`, compared case-insensitively."""
    return code is not None and code.lower() in {k.lower() for k in known}


def field(body: Mapping[str, Any], name: str) -> Any:
    """`body[name]`, ignoring the case of the key (re-hosted endpoints use camelCase)."""
    if name in body:
        return body[name]
    wanted = name.lower()
    return next((value for key, value in body.items() if key.lower() == wanted), None)


def succeeded(body: Mapping[str, Any], status: int) -> bool:
    """True for a success answer: HTTP < 400, ``Success`` not false, and no ``Code``.

    ``Success: false`` or a non-empty ``Code`` is a failure at any HTTP status (VENDORS §7).
    """
    if status >= 400 or field(body, "Code") not in (None, ""):
        return False
    success = field(body, "Success")
    return success is None or success is True or str(success).lower() == "true"


def request_id(body: Mapping[str, Any]) -> str | None:
    """The vendor's RequestId (``RequestId``/``requestId``/``RequestID``), if any."""
    value = field(body, "RequestId")
    return None if value is None else str(value)


def error_for(body: Mapping[str, Any], status: int) -> VendorError:
    """The `VendorError` for a failure answer, keeping the vendor's code and RequestId."""
    code = str(field(body, "Code") or f"HTTP {status}")
    said = str(field(body, "ErrorMessage") or field(body, "Message") or "").strip()
    info = code_info(code)
    if info is None:
        message = said or f"Alibaba Cloud IoT refused the call (HTTP {status})"
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
    if code.lower().startswith("iot.ota."):
        return (
            "Check the ProductKey, FirmwareId, JobId and device names in the IoT console "
            "(OTA upgrades), then request again."
        )
    return (
        "Look the code up in Alibaba Cloud IoT's error code list; quote the RequestId to support."
    )
