"""Alibaba Cloud RPC signing (signature version 1.0, HMAC-SHA1), as the vendor documents it.

The steps, each one function here::

    params (minus Signature) -> percent-encode names and values (RFC 3986, UTF-8)
        -> sort by encoded name (byte order) -> "name=value" joined by "&"  (canonical query)
        -> METHOD & "%2F" & percent_encode(canonical query)                 (string to sign)
        -> base64(HMAC-SHA1(secret + "&", string to sign))                  (Signature)

The simulator verifies with the same functions; the tests cross-check them against the vendor's
official signer and the documented test vector.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from adapters.clock import Clock

API_VERSION = "2018-01-20"
SIGNATURE_METHOD = "HMAC-SHA1"
SIGNATURE_VERSION = "1.0"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class AccessKey:
    """An AccessKey pair. The secret stays out of `repr`, so it cannot leak into logs."""

    id: str
    secret: str = field(repr=False)


def percent_encode(value: str) -> str:
    """RFC 3986 encoding of UTF-8 bytes: only ``A-Z a-z 0-9 - _ . ~`` stay as they are."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    """The sorted, encoded ``name=value&...`` string, without `Signature`."""
    pairs = sorted(
        (percent_encode(name), percent_encode(value))
        for name, value in params.items()
        if name != "Signature"
    )
    return "&".join(f"{name}={value}" for name, value in pairs)


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&<encoded canonical query>``: what the HMAC covers."""
    return f"{method.upper()}&%2F&{percent_encode(canonical_query(params))}"


def signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Base64 of HMAC-SHA1 over `string_to_sign`, keyed with ``secret + "&"``."""
    digest = hmac.new(
        f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def rpc_timestamp(clock: Clock) -> str:
    """The clock's wall time as the vendor's UTC ``YYYY-MM-DDThh:mm:ssZ``."""
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime(clock.now()))


def common_params(*, action: str, key_id: str, region_id: str, clock: Clock) -> dict[str, str]:
    """The common parameters every RPC call carries, with a fresh nonce.

    A new `SignatureNonce` each call (including each retry): the vendor refuses a nonce it has
    seen before, so a retried request must never reuse one.
    """
    return {
        "Action": action,
        "Version": API_VERSION,
        "Format": "JSON",
        "AccessKeyId": key_id,
        "SignatureMethod": SIGNATURE_METHOD,
        "SignatureVersion": SIGNATURE_VERSION,
        "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": rpc_timestamp(clock),
        "RegionId": region_id,
    }


def signed_params(
    method: str,
    action: str,
    params: Mapping[str, str],
    *,
    key: AccessKey,
    region_id: str,
    clock: Clock,
) -> dict[str, str]:
    """`params` plus the common parameters and their `Signature`, ready to send."""
    merged = {**common_params(action=action, key_id=key.id, region_id=region_id, clock=clock)}
    merged.update(params)
    merged["Signature"] = signature(method, merged, key.secret)
    return merged


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """A query string encoded exactly as signed (``%20`` for space, ``%2A`` for ``*``)."""
    return "&".join(f"{percent_encode(name)}={percent_encode(value)}" for name, value in params)
