"""Sending one vendor request and translating transport faults into `adapters.errors`.

Every adapter sends through `send`, so "what does a timeout mean" is decided once: on a read it
is safe to try again; on a mutating call the change may have happened, so it is `OutcomeUnknown`
and never retried. `send` also keeps each call within its deadline (`adapters.deadline`):
connecting, sending and the whole answer, which a deadline that passes ends as a timeout would.
Build the client with `vendor_client`, so the deadline is the vendor's setting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Final, TypeVar

import httpx
import stamina
from stamina.instrumentation import RetryDetails

from adapters.deadline import (
    BodyWithin,
    Deadline,
    VendorClient,
    bound_request,
    deadline_of,
    read_within_limit,
    within,
)
from adapters.errors import AdapterError, OutcomeUnknown, VendorError, VendorUnreachable
from adapters.sent import went_out
from adapters.settings import VendorSettings

T = TypeVar("T")
#: Where `retry_safely` says it retries: quietened where a retry is not news (the console,
#: `opsgate check`).
RETRY_LOGGER: Final = "adapters.retries"
_retries = logging.getLogger(RETRY_LOGGER)


def vendor_client(settings: VendorSettings, **options: Any) -> VendorClient:
    """The HTTP client of a real vendor: `settings.timeout` on each wait, `settings`'
    `call_deadline` on each call `send` makes, and no redirects followed (a redirect confirms
    nothing: `unconfirmed_answer`). `options` go to `httpx.Client` (``verify=``, …)."""
    options.setdefault("timeout", settings.timeout)
    options.setdefault("follow_redirects", False)
    return VendorClient(deadline=settings.call_deadline, **options)


def send(
    client: httpx.Client, request: httpx.Request, *, vendor: str, mutating: bool
) -> httpx.Response:
    """Send one request and read its whole answer within the call's deadline (`deadline_of`:
    a `vendor_client`'s setting); raise our error types for transport faults.

    Args:
        client: The vendor's client (its transport is the real network or a simulator).
        request: The fully built and signed request.
        vendor: The vendor prefix, for error messages.
        mutating: True for the call that changes vendor state.

    Raises:
        VendorUnreachable: nothing was sent (the URL is unusable, the connection failed, or a
            proxy refused the tunnel), or a read got no complete answer (in time).
        OutcomeUnknown: a mutating call was sent but got no complete answer (in time).
    """
    deadline = deadline_of(client)
    try:
        with within(deadline):
            return _send_within(client, request, deadline, vendor=vendor, mutating=mutating)
    # httpx raises these before it opens a connection: nothing left opsgate, so the call failed
    # (it must not read as "unknown", which would send an engineer to the vendor's console).
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise _not_sendable(exc, request, vendor) from exc
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError) as exc:
        raise _not_connected(exc, request, vendor) from exc
    except httpx.TransportError as exc:
        if mutating:
            raise OutcomeUnknown(
                f"{_no_answer(client, exc, vendor, deadline)}; the request's state is unknown",
                vendor=vendor,
                next_step="Check the vendor console to see whether the change "
                "happened before requesting it again.",
            ) from exc
        raise VendorUnreachable(
            _no_answer(client, exc, vendor, deadline),
            vendor=vendor,
            next_step="Try again in a minute; if it persists, check the vendor's status.",
        ) from exc


def _not_connected(exc: httpx.TransportError, request: httpx.Request, vendor: str) -> Exception:
    # A `ProxyError`: a proxy refused to open the tunnel to the vendor (its answer to CONNECT),
    # so the request was never written and nothing reached the vendor.
    proxy = isinstance(exc, httpx.ProxyError)
    how = f"the proxy refused the tunnel: {exc}" if proxy else type(exc).__name__
    return VendorUnreachable(
        f"could not connect to {vendor} at {_where(request.url)} ({how}); nothing was changed",
        vendor=vendor,
        next_step="Check the vendor's base URL and network path (and any proxy opsgate goes "
        "through: HTTPS_PROXY, NO_PROXY), then request again."
        if proxy
        else "Check the vendor's base URL and network path, then request again.",
    )


def _not_sendable(exc: Exception, request: httpx.Request, vendor: str) -> Exception:
    return VendorUnreachable(
        f"opsgate could not send the request to {vendor}: its URL "
        f"({request.url.scheme or 'no scheme'}://{_where(request.url) or 'no host'}) is not one "
        f"a request can be sent to ({type(exc).__name__}); nothing was sent",
        vendor=vendor,
        next_step="Check the vendor's base URL setting (an http:// or https:// URL with a host), "
        "then request again.",
    )


def _where(url: httpx.URL) -> str:
    """``host:port`` of `url`, the port the connection used (the scheme's when none is
    written): what to check in the base URL. Never the path, the query or any credentials."""
    port = url.port or {"https": 443, "http": 80}.get(url.scheme)
    host = f"[{url.host}]" if ":" in url.host else url.host  # an IPv6 address
    return f"{host}:{port}" if port else host


def _send_within(
    client: httpx.Client, request: httpx.Request, deadline: Deadline, *, vendor: str, mutating: bool
) -> httpx.Response:
    bound_request(request, deadline, client)
    response = client.send(request, stream=True)
    went_out(request)
    try:
        if isinstance(response.stream, httpx.SyncByteStream):  # a sync client's always is
            response.stream = BodyWithin(response.stream, deadline, request)
        read_within_limit(response)  # decoded too: a small gzip body can expand past it
    except httpx.DecodingError as exc:  # not in the Content-Encoding it names: unreadable
        # (read_within_limit has closed the response already)
        raise unreadable_answer(response, vendor=vendor, mutating=mutating) from exc
    except BaseException:
        response.close()
        raise
    return response


def _no_answer(
    client: httpx.Client, exc: httpx.TransportError, vendor: str, deadline: Deadline
) -> str:
    if isinstance(exc, httpx.TimeoutException) and deadline.passed:
        within_s = f"within the call's {deadline.seconds:g}-second deadline"
        return f"{vendor} did not answer in full {within_s}"
    if isinstance(exc, httpx.TimeoutException):
        seconds = client.timeout.read
        waited = f" in {seconds:g} s" if seconds is not None else ""
        return f"{vendor} did not answer{waited}"
    return f"{vendor} dropped the connection ({type(exc).__name__})"


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (empty, HTML, a list, nested
    deeper than Python's parser goes, …)."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def json_body(response: httpx.Response, *, vendor: str, mutating: bool) -> dict[str, Any]:
    """Parse a JSON object body; a malformed one is `unreadable_answer`."""
    body = json_object(response)
    if body is None:
        raise unreadable_answer(response, vendor=vendor, mutating=mutating)
    return body


def unreadable_answer(response: httpx.Response, *, vendor: str, mutating: bool) -> AdapterError:
    """The error for an answer opsgate cannot read (no JSON object, or no result code in it).

    A 4xx means the vendor refused before acting; a 2xx or a 5xx (e.g. a gateway's 502/504
    page) on a mutating call may follow a change that happened, so its outcome is unknown.
    """
    message = f"{vendor} answered HTTP {response.status_code} with a body opsgate cannot read"
    if mutating and not 400 <= response.status_code < 500:
        return OutcomeUnknown(
            message + "; the request's state is unknown",
            vendor=vendor,
            next_step="Check the vendor console before requesting it again.",
        )
    return VendorUnreachable(
        message,
        vendor=vendor,
        next_step="Try again; if it persists, the vendor endpoint may be misconfigured.",
    )


def unconfirmed_answer(
    response: httpx.Response,
    *,
    vendor: str,
    said: str = "",
    next_step: str = "Check the vendor console before requesting it again.",
) -> OutcomeUnknown | None:
    """The error for an answer to a mutating call whose HTTP status confirms nothing, whatever
    its body says; None when the status does (a 2xx: read the body; a 4xx: refused before acting).

    A 5xx (the vendor's or a gateway's error, whose body may be any JSON) may follow a change
    that happened; a 3xx is a redirect opsgate does not follow, so it cannot know what was done
    (a 303 is even how a server says "done, look there"). Either way the outcome is unknown.

    Args:
        response: The answer to the mutating call.
        vendor: The vendor prefix, for the message.
        said: What the body said, to quote after the status (``", code 504: Gateway Time-out"``).
        next_step: Where to check whether the change happened.
    """
    status = response.status_code
    if 200 <= status < 300 or 400 <= status < 500:
        return None
    kind = "a redirect, which opsgate does not follow" if 300 <= status < 400 else "a server error"
    return OutcomeUnknown(
        f"{vendor} answered HTTP {status} ({kind}{said}); the request's state is unknown",
        vendor=vendor,
        next_step=next_step,
    )


def is_retryable(exc: Exception) -> bool:
    """True for errors that are safe to try again: transient vendor errors and failed reads."""
    if isinstance(exc, VendorError):
        return exc.retryable
    return isinstance(exc, VendorUnreachable)


def retry_safely(
    call: Callable[[], T], *, attempts: int = 3, timeout: float = 30.0, what: str = ""
) -> T:
    """Run `call`, retrying with jittered exponential backoff while `is_retryable` says so.
    Each retry is one warning line naming the vendor, `what` is called (``ListOTAJob``) when
    given, how long it waits and why.

    Only wrap calls that are safe to repeat: reads, token requests, and calls the vendor refused
    outright (throttling). `OutcomeUnknown` is never retried.
    """
    token = _RETRYING.set(what)
    try:
        for attempt in stamina.retry_context(
            on=_retry_predicate, attempts=attempts, timeout=timeout, wait_initial=0.2, wait_max=5.0
        ):
            with attempt:
                return call()
    finally:
        _RETRYING.reset(token)
    raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover


def log_retry(details: RetryDetails) -> None:
    """stamina's hook before each wait: one line of opsgate's, in place of stamina's own
    ``stamina.retry_scheduled`` (which says neither the call nor the wait in its message)."""
    error = details.caused_by
    vendor = getattr(error, "vendor", None) or "a vendor"
    what = _RETRYING.get()
    _retries.warning(
        "%s%s: retry %d in %.1f s after %s",
        vendor,
        f" {what}" if what else "",
        details.retry_num,
        details.wait_for,
        _first_line(error),
    )


def _first_line(error: Exception) -> str:
    said = (str(error).strip().splitlines() or [""])[0]
    return said or type(error).__name__


#: What `retry_safely` is retrying on this thread, for `log_retry`.
_RETRYING: ContextVar[str] = ContextVar("opsgate_retrying", default="")
stamina.instrumentation.set_on_retry_hooks([log_retry])


def _retry_predicate(exc: Exception) -> bool:
    return isinstance(exc, AdapterError) and is_retryable(exc)
