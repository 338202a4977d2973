"""Adapter errors: vendor answers and transport faults, translated into our own types.

The tree::

    AdapterError                 root of everything an adapter raises on purpose
    ├── NotConfigured            the vendor has no credentials and is not sandboxed
    ├── VendorError              the vendor answered, and the answer is a refusal or failure
    │   ├── VendorAuthError      credentials/signature refused (token, signature, key)
    │   └── VendorThrottled      the vendor's rate limit answered (retryable with backoff)
    ├── VendorUnreachable        no answer, and nothing was changed (connect failure, or a read)
    ├── OutcomeUnknown           no usable answer to a mutating call: the change may or may not
    │                            have happened (timeout, dropped connection, malformed body)
    ├── CallNotSent              the run was stopped (Stop, shutdown) before this call was sent
    └── CallNotPrepared          the call could not be prepared (`nothing_sent`): never sent

The lifecycle maps `VendorError` and `VendorUnreachable` to `failed` and `OutcomeUnknown` to
`unknown`. Each error keeps the vendor's own code and request id so the card and the audit log
can show them verbatim.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, Self

from adapters.masking import hide_secret, hide_url_passwords

logger = logging.getLogger(__name__)

#: The most characters an error's message or next step holds: what a vendor's answer quotes
#: may be any length, and the text is kept with the request and in its audit event for ever.
MESSAGE_LIMIT: Final = 2000


class AdapterError(Exception):
    """Root of the errors an adapter raises on purpose.

    Attributes:
        vendor: The vendor prefix: the plugin's name, e.g. ``"acme"``.
        message: Plain-language description of what happened (at most `MESSAGE_LIMIT`
            characters: a longer one is cut, saying how much was left out).
        next_step: What the engineer should do about it (cut the same way).
    """

    def __init__(self, message: str, *, vendor: str, next_step: str = "") -> None:
        # A URL a plugin quotes may carry the password of its base URL: cards, logs and the
        # audit log show this text, so it never holds one.
        self._whole = (hide_url_passwords(message), hide_url_passwords(next_step))
        message, next_step = (_cut(text) for text in self._whole)
        super().__init__(message)
        self.vendor = vendor
        self.message = message
        self.next_step = next_step

    def detail(self) -> dict[str, object]:
        """A JSON-safe summary for the audit log and the card (never holds a secret)."""
        return {"error": type(self).__name__, "message": self.message, "next_step": self.next_step}

    def hiding(self, secret: str) -> Self:
        """This error, `secret` masked wherever it quotes it (in any form `written_forms` knows):
        for an error quoting what a vendor said in answer to a request that carried `secret`
        (a login endpoint echoing the request it refuses)."""
        # Masked whole, then cut: a secret the cut runs through would leave its start showing.
        message, next_step = (hide_secret(text, secret) for text in self._whole)
        self._whole = (message, next_step)
        self.message, self.next_step = _cut(message), _cut(next_step)
        self.args = (self.message,)
        return self


def _cut(text: str) -> str:
    """`text`, or its first characters and how many more there were, within `MESSAGE_LIMIT`."""
    if len(text) <= MESSAGE_LIMIT:
        return text
    kept = text[: MESSAGE_LIMIT - 40]  # room for the note
    return f"{kept}… ({len(text) - len(kept):,} more characters)"


class NotConfigured(AdapterError):
    """The vendor has no credentials configured and sandboxing is off."""


class VendorError(AdapterError):
    """The vendor answered with an error.

    Attributes:
        code: The vendor's own error code, verbatim (``"24618"``, ``"Throttling.User"``).
        http_status: The HTTP status of the answer.
        vendor_request_id: The vendor's request id for the call, when it gave one.
        retryable: True when the vendor documents the error as transient.
    """

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        code: str,
        next_step: str = "",
        http_status: int | None = None,
        vendor_request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message, vendor=vendor, next_step=next_step)
        self.code = code
        self.http_status = http_status
        self.vendor_request_id = vendor_request_id
        self.retryable = retryable

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""  # some refusals name no code
        return f"{self.vendor} error{code}: {self.message}"

    def hiding(self, secret: str) -> Self:
        self.code = hide_secret(self.code, secret)
        return super().hiding(secret)

    def detail(self) -> dict[str, object]:
        return {
            **super().detail(),
            "code": self.code,
            "http_status": self.http_status,
            "vendor_request_id": self.vendor_request_id,
        }


@dataclass(frozen=True)
class KnownCode:
    """What one documented vendor code means to an on-call engineer (a vendor's code catalog
    maps each code to one).

    Attributes:
        message: What happened, in plain language.
        next_step: What to do about it.
        kind: The `VendorError` subclass to raise.
        retryable: True when the vendor documents the error as transient.
    """

    message: str
    next_step: str
    kind: type[VendorError] = VendorError
    retryable: bool = False

    def error(
        self,
        message: str,
        *,
        vendor: str,
        code: str,
        http_status: int | None = None,
        vendor_request_id: str | None = None,
    ) -> VendorError:
        """The error for one answer with this code, saying `message` (this code's `message`,
        usually with what the vendor said or what the call was about)."""
        return self.kind(
            message,
            vendor=vendor,
            code=code,
            next_step=self.next_step,
            http_status=http_status,
            vendor_request_id=vendor_request_id,
            retryable=self.retryable,
        )


class VendorAuthError(VendorError):
    """The vendor refused our credentials, token or signature."""


class VendorThrottled(VendorError):
    """The vendor's rate limit refused the call; it is safe to retry after a pause."""


class OutcomeUnknown(AdapterError):
    """A mutating call got no usable answer: the change may or may not have happened.

    Never retried automatically: an engineer must check the vendor console.

    Attributes:
        vendor_request_id: The vendor's request id of the call, when its answer held one
            (what its support asks for); None otherwise.
    """

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        next_step: str = "",
        vendor_request_id: str | None = None,
    ) -> None:
        super().__init__(message, vendor=vendor, next_step=next_step)
        self.vendor_request_id = vendor_request_id


class VendorUnreachable(AdapterError):
    """The vendor could not be reached, and nothing was changed.

    Raised for connection failures (the request never left) and for reads that got no answer.
    Safe to retry.
    """


class CallNotSent(AdapterError):
    """A call of a bulk run was not sent: the run was asked to stop before it (Stop, or opsgate
    shutting down).

    Nothing was sent, so nothing changed; never retried. Its targets are reported not sent.
    """


class CallNotPrepared(AdapterError):
    """A call could not be prepared, so it was not sent: its turn under the rate limit, or the
    token, that replicas share through opsgate's database could not be had (the database out
    of reach), or preparing it failed unforeseen. Nothing changed; never retried."""


@contextmanager
def nothing_sent(vendor: str) -> Iterator[None]:
    """Around what runs before a call is sent (its rate-limit turn, its token, building it):
    an error no adapter type names becomes `CallNotPrepared`, since the call was certainly not
    sent; left as it is, it would end the request `unknown` ("check the vendor")."""
    try:
        yield
    except AdapterError:
        raise
    except Exception as exc:
        logger.exception("%s: a call could not be prepared, so it was not sent", vendor)
        said = (str(exc).strip().splitlines() or [""])[0]
        raise CallNotPrepared(
            f"not sent: opsgate could not prepare the call ({type(exc).__name__}: {said})",
            vendor=vendor,
            next_step="Nothing was sent: request it again once the cause in the bot's log is "
            "fixed (such as opsgate's database out of reach).",
        ) from exc


def reads_as_zero(code: object) -> bool:
    """True for a vendor code that reads as zero however it is spelled (``0``, ``0.0``,
    ``"00"``, ``" 0"``): where zero means success, such a code may mean it, and an answer that
    pairs it with a failure says both."""
    try:
        return code is not None and not isinstance(code, bool) and float(str(code)) == 0
    except ValueError:
        return False
