"""Alibaba Cloud IoT answers, translated into `adapters.errors` types.

Two body shapes arrive. IoT business answers are ``{"RequestId", "Success", "Code",
"ErrorMessage"}`` (normally HTTP 200 even when ``Success`` is false). The API gateway's own refusals
(signature, key, throttling, missing parameters) are ``{"RequestId", "HostId", "Code", "Message",
"Recommend"}`` with HTTP 4xx. Some re-hosted deployments spell the keys in camelCase
(``requestId``, ``success``), so field lookup ignores case.

Every code VENDORS.md documents gets a plain-language message and a next step; anything else
(notably the unconfirmed ``iot.ota.*`` codes) is shown with the vendor's message verbatim.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.errors import VendorAuthError, VendorError, VendorThrottled

VENDOR = "aliyun"


@dataclass(frozen=True)
class CodeInfo:
    """What opsgate says about one vendor error code."""

    message: str
    next_step: str
    error_type: type[VendorError] = VendorError
    retryable: bool = False


_THROTTLED = CodeInfo(
    "the account's API rate limit refused the call (10 calls/s, shared by every RAM user)",
    "Wait a minute and request again; check whether other tools call with the same account.",
    VendorThrottled,
    retryable=True,
)
_BAD_KEY = CodeInfo(
    "Alibaba Cloud does not know this AccessKeyId, or the key is disabled",
    "Check OPSGATE_ALIYUN__ACCESS_KEY_ID and that the key is enabled in the RAM console.",
    VendorAuthError,
)
_CLOCK = CodeInfo(
    "the request timestamp was refused (more than 15 minutes off, or malformed)",
    "Synchronise this host's clock (NTP), then request again.",
    VendorAuthError,
)

KNOWN: dict[str, CodeInfo] = {
    "iot.system.SystemException": CodeInfo(
        "Alibaba Cloud IoT had an internal error",
        "opsgate already retried; try again in a few minutes, and if it persists open a ticket "
        "with the RequestId.",
        retryable=True,
    ),
    "iot.common.RamActionPermissionDeny": CodeInfo(
        "the RAM user behind this AccessKey may not call this IoT action",
        "Grant the RAM user the iot:CancelOTATaskByDevice and iot:ListOTA*/QueryOTA* actions "
        "(e.g. AliyunIOTFullAccess or a custom policy), then request again.",
    ),
    "iot.common.AuthActionPermissionDeny": CodeInfo(
        "the account is not authorised for this action on this IoT instance",
        "Check that the IoT instance belongs to this account and IoT Platform is activated, "
        "then request again.",
    ),
    "iot.system.InstanceNotFound": CodeInfo(
        "the IoT instance was not found (wrong or missing IotInstanceId)",
        "Pass --instance <IotInstanceId> (the console's instance Overview tab shows it), or set "
        "OPSGATE_ALIYUN__IOT_INSTANCE_ID.",
    ),
    "SignatureDoesNotMatch": CodeInfo(
        "Alibaba Cloud rejected the request signature",
        "Check that OPSGATE_ALIYUN__ACCESS_KEY_SECRET belongs to the configured AccessKeyId "
        "(and, for a re-hosted endpoint, that the endpoint is right).",
        VendorAuthError,
    ),
    # A nonce we never reuse; seen again means a proxy replayed it. The vendor refused the call,
    # so a retry (with a new nonce) is safe.
    "SignatureNonceUsed": CodeInfo(
        "the vendor had already seen this request's nonce and refused it",
        "Request again; if it recurs, check for a proxy replaying requests.",
        retryable=True,
    ),
    "InvalidTimeStamp.Expired": _CLOCK,
    "InvalidTimeStamp.Format": _CLOCK,
}

_PREFIXES: tuple[tuple[str, CodeInfo], ...] = (
    ("Throttling", _THROTTLED),
    ("InvalidAccessKeyId", _BAD_KEY),
)


def code_info(code: str) -> CodeInfo | None:
    """What opsgate knows about `code`, or None for codes shown verbatim."""
    if code in KNOWN:
        return KNOWN[code]
    return next((info for prefix, info in _PREFIXES if code.startswith(prefix)), None)


def field(body: Mapping[str, Any], name: str) -> Any:
    """`body[name]`, ignoring the case of the key (re-hosted endpoints use camelCase)."""
    if name in body:
        return body[name]
    wanted = name.lower()
    return next((value for key, value in body.items() if key.lower() == wanted), None)


def succeeded(body: Mapping[str, Any], status: int) -> bool:
    """True for a success answer: HTTP < 400, and ``Success`` true (or absent with no ``Code``)."""
    if status >= 400:
        return False
    success = field(body, "Success")
    if success is None:
        return not field(body, "Code")
    return success is True or str(success).lower() == "true"


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
        info = CodeInfo(message, _unknown_next_step(code))
    return info.error_type(
        info.message,
        vendor=VENDOR,
        code=code,
        next_step=info.next_step,
        http_status=status,
        vendor_request_id=request_id(body),
        retryable=info.retryable,
    )


def _unknown_next_step(code: str) -> str:
    if code.startswith("iot.ota."):
        return (
            "Check the ProductKey, FirmwareId, JobId and device names in the IoT console "
            "(OTA upgrades), then request again."
        )
    return (
        "Look the code up in Alibaba Cloud IoT's error code list; quote the RequestId to support."
    )
