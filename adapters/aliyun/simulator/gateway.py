"""The API-gateway half of the Alibaba Cloud simulator: what the vendor checks before IoT runs.

In the gateway's order: the path (RPC calls go to ``/``), Action and Version, the common
parameters (``RegionId`` among them, VENDORS.md §2), AccessKeyId, Timestamp
(15 minutes either way of the simulator's clock), the HMAC-SHA1 signature (recomputed over the
parameters received), SignatureNonce replay; then the account's rate window for the API (VENDORS.md
§7: each API has its own per-account limit: `ACTION_RATES`, else the simulator's default of 10
calls/s). Refusals are the gateway's bodies: ``{"RequestId", "HostId", "Code", "Message",
"Recommend"}`` with HTTP 4xx.
Codes marked *unconfirmed* follow the gateway's naming but were not found in public material.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import httpx

from adapters.aliyun.signing import API_VERSION, TIMESTAMP_FORMAT
from adapters.aliyun.simulator.ota import GatewayError, IotError
from adapters.clock import Clock
from adapters.simulator import SlidingWindow

MAX_CLOCK_SKEW = 15 * 60  # seconds; the vendor refuses timestamps further off than this
HOST_ID = "iot.cn-shanghai.aliyuncs.com"
COMMON = ("AccessKeyId", "RegionId", "Signature", "SignatureMethod", "SignatureNonce", "Timestamp")
#: APIs whose documented per-account limit differs from the default (calls per second).
ACTION_RATES = {"QueryOTAFirmware": 20}


def _not_found() -> GatewayError:
    return GatewayError(
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method.",
        404,
    )


class Gateway:
    """Authenticates calls for the accounts it knows, and rate-limits each account."""

    def __init__(self, *, actions: Iterable[str], clock: Clock, calls_per_second: int) -> None:
        self.actions = frozenset(actions)
        self._clock = clock
        self._calls_per_second = calls_per_second
        self._secrets: dict[str, str] = {}
        self._windows: dict[tuple[str, str], SlidingWindow] = {}
        self._nonces: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def add_account(self, key_id: str, secret: str) -> None:
        """Accept this AccessKey pair, with its own rate window per API."""
        self._secrets[key_id] = secret
        for action in self.actions:
            calls = ACTION_RATES.get(action, self._calls_per_second)
            window = SlidingWindow(calls=calls, period=1.0, clock=self._clock)
            self._windows[(key_id, action)] = window

    def authenticate(self, method: str, params: Mapping[str, str], *, path: str = "/") -> None:
        """Raise `GatewayError` unless the call is well-formed and correctly signed."""
        if path != "/":  # the RPC style has one path; the signature signs it as "%2F"
            raise _not_found()
        self._check_shape(params)
        secret = self._secret(params["AccessKeyId"])
        self._check_timestamp(params["Timestamp"])
        _check_signature(method, params, secret)
        self._check_nonce(params["AccessKeyId"], params["SignatureNonce"])

    def admit(self, key_id: str, action: str) -> bool:
        """Count a call against the account's window for `action`; False when over the limit."""
        return self._windows[(key_id, action)].admit()

    def _check_shape(self, params: Mapping[str, str]) -> None:
        if params.get("Action") not in self.actions:
            raise _not_found()
        if params.get("Version") != API_VERSION:  # code unconfirmed
            raise GatewayError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        for name in COMMON:
            if not params.get(name):  # code unconfirmed
                raise GatewayError(f"Missing{name}", f"{name} is mandatory for this action.", 400)
        if params["SignatureMethod"] != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            raise GatewayError(  # code unconfirmed
                "InvalidSignatureMethod", "Specified signature method is not supported.", 400
            )

    def _secret(self, key_id: str) -> str:
        if key_id not in self._secrets:
            raise GatewayError(
                "InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404
            )
        return self._secrets[key_id]

    def _check_timestamp(self, stamp: str) -> None:
        try:
            sent = calendar.timegm(time.strptime(stamp, TIMESTAMP_FORMAT))
        except ValueError:
            raise GatewayError(
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
                400,
            ) from None
        if abs(self._clock.now() - sent) > MAX_CLOCK_SKEW:
            raise GatewayError(
                "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400
            )

    def _check_nonce(self, key_id: str, nonce: str) -> None:
        with self._lock:
            if (key_id, nonce) in self._nonces:
                raise GatewayError(
                    "SignatureNonceUsed", "Specified signature nonce was used already.", 400
                )
            self._nonces.add((key_id, nonce))


def _check_signature(method: str, params: Mapping[str, str], secret: str) -> None:
    expected, signed = documented_signature(method, params, secret)
    if not hmac.compare_digest(expected.encode(), params["Signature"].encode()):
        raise GatewayError(
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation. server string to sign "
            f"is:{signed}",
            400,
        )


def documented_signature(method: str, params: Mapping[str, str], secret: str) -> tuple[str, str]:
    """The signature the gateway expects, and the string it signs, computed as Alibaba's
    signature document spells it out rather than with the adapter's code, so that a slip in
    the adapter's signing is refused here as the vendor would refuse it."""
    query = "&".join(
        f"{_documented_encode(name)}={_documented_encode(value)}"
        for name, value in sorted(params.items())
        if name != "Signature"
    )
    signed = f"{method}&{_documented_encode('/')}&{_documented_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii"), signed


def _documented_encode(value: str) -> str:
    """The document's percentEncode: Java's ``URLEncoder.encode(value, "UTF-8")`` (letters,
    digits and ``.-*_`` kept, a space as ``+``), then ``+`` → ``%20``, ``*`` → ``%2A`` and
    ``%7E`` → ``~``."""
    kept = []
    for byte in value.encode():
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in ".-*_"):
            kept.append(char)
        else:
            kept.append("+" if char == " " else f"%{byte:02X}")
    encoded = "".join(kept)
    return encoded.replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def received_params(request: httpx.Request) -> dict[str, str]:
    """Every parameter of a call: the query string, plus a form body if one was sent."""
    params = dict(request.url.params.multi_items())
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(request.content.decode(), keep_blank_values=True))
    return params


def request_id() -> str:
    """A fresh vendor-style RequestId."""
    return str(uuid.uuid4()).upper()


def refusal(error: IotError, params: Mapping[str, str]) -> httpx.Response:
    """The vendor's answer for `error`: the gateway's body shape, or IoT's ``Success: false``."""
    body: dict[str, Any] = {"RequestId": request_id(), "Code": error.code}
    if isinstance(error, GatewayError):
        body |= {
            "HostId": HOST_ID,
            "Message": error.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}",
        }
    else:
        body |= {"Success": False, "ErrorMessage": error.message}
    return answer(error.status, body, params)


def answer(status: int, body: dict[str, Any], params: Mapping[str, str]) -> httpx.Response:
    """`body` in the requested Format: JSON, or XML (the vendor's default)."""
    if params.get("Format", "XML").upper() == "JSON":
        return httpx.Response(status, json=body)
    return httpx.Response(status, text=_xml(body), headers={"content-type": "text/xml"})


def _xml(body: Mapping[str, Any]) -> str:
    inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in body.items())
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'
