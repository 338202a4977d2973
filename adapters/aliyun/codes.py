"""Alibaba Cloud IoT's documented codes, each in plain language with a next step (VENDORS.md
§2, §7). Codes are compared case-insensitively (Alibaba's own data spells ``Iot.Device…`` and
``iot.device…``); throttling is any code starting with ``Throttling``. Codes not here (notably the
unconfirmed ``iot.ota.*``) are shown verbatim by `adapters.aliyun.errors`. Messages put setting
names and flags in backticks, so the cards show them as code to copy.
"""

from __future__ import annotations

from adapters.errors import KnownCode, VendorAuthError, VendorThrottled

THROTTLED = KnownCode(
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
#: A 4xx whose body is not JSON; its message is completed with the status (`refusal`).
UNREADABLE_REFUSAL = KnownCode(
    "the endpoint refused the call with HTTP {status} and an answer that is not the API's JSON "
    "(a firewall's or proxy's page?); nothing was done",
    "Check `OPSGATE_ALIYUN__ENDPOINT` and what sits in front of it (proxy, firewall), then "
    "request again.",
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
    ("throttling", THROTTLED),
    ("invalidaccesskeyid", _BAD_KEY),
)


def code_info(code: str) -> KnownCode | None:
    """What opsgate knows about `code` (compared case-insensitively), or None for codes shown
    verbatim."""
    lowered = code.lower()
    if lowered in KNOWN:
        return KNOWN[lowered]
    return next((info for prefix, info in _PREFIXES if lowered.startswith(prefix)), None)
