"""The shared adapter mechanisms: rate limiter, token cache, transport-fault translation."""

from __future__ import annotations

import gc
import threading

import httpx
import pytest

from adapters.base import VendorCall
from adapters.clock import FakeClock
from adapters.errors import (
    AdapterError,
    OutcomeUnknown,
    VendorError,
    VendorUnreachable,
    reads_as_zero,
)
from adapters.http import is_retryable, json_body, retry_safely, send, unconfirmed_answer
from adapters.ratelimit import RateLimiter, process_limiter
from adapters.tokens import Token, TokenCache


def test_limiter_allows_at_most_n_starts_in_any_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(calls=10, period=1.0, clock=clock, margin=0.0)
    starts = []
    for _ in range(35):
        limiter.acquire()
        starts.append(clock.monotonic())
    for i in range(len(starts) - 10):
        assert starts[i + 10] - starts[i] >= 1.0
    assert starts[-1] - starts[0] < 3.01  # and no slower than the limit


def test_limiter_slow_down_pauses_and_cuts_once_per_pause() -> None:
    clock = FakeClock()
    limiter = RateLimiter(calls=100, period=60.0, clock=clock)
    for _ in range(5):  # five calls throttled at the same moment
        limiter.slow_down(pause=10.0)
    assert limiter.limit == 75
    before = clock.monotonic()
    limiter.acquire()
    assert clock.monotonic() - before == pytest.approx(10.0)
    limiter.slow_down(pause=1.0)  # a later throttle cuts again
    assert limiter.limit == 56


def test_limiter_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="calls >= 1"):
        RateLimiter(calls=0, period=1.0)


def test_token_cache_is_single_flight_and_invalidates_once() -> None:
    clock = FakeClock()
    fetched = []
    gate = threading.Event()

    def fetch(previous: Token | None) -> Token:
        gate.wait(1)
        fetched.append(previous)
        return Token(value=f"t{len(fetched)}", expires_at=clock.monotonic() + 3600)

    cache = TokenCache(fetch, clock=clock)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get())) for _ in range(20)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert results == ["t1"] * 20 and cache.fetches == 1
    cache.invalidate("t1")
    cache.invalidate("t1")  # a second caller rejected with the same old token: no extra renewal
    assert cache.get() == "t2" and cache.fetches == 2
    cache.invalidate("stale")  # not the current token: ignored
    assert cache.get() == "t2"


def test_token_cache_renews_before_expiry_with_the_old_token() -> None:
    clock = FakeClock()
    seen: list[Token | None] = []

    def fetch(previous: Token | None) -> Token:
        seen.append(previous)
        return Token(value=f"t{len(seen)}", expires_at=clock.monotonic() + 100, refresh_token="r")

    cache = TokenCache(fetch, clock=clock, margin=10)
    assert cache.get() == "t1"
    clock.advance(89)
    assert cache.get() == "t1"
    clock.advance(2)
    assert cache.get() == "t2" and seen[1] is not None and seen[1].refresh_token == "r"
    assert "t1" not in repr(seen[1])


def _client(handler) -> httpx.Client:  # type: ignore[no-untyped-def]
    return httpx.Client(transport=httpx.MockTransport(handler), timeout=7)


def _raise(exc_type: type[Exception]):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)  # type: ignore[call-arg]

    return handler


@pytest.mark.parametrize("mutating", [True, False])
def test_connect_failure_is_unreachable_either_way(mutating: bool) -> None:
    client = _client(_raise(httpx.ConnectError))
    with pytest.raises(VendorUnreachable, match="nothing was changed"):
        send(client, client.build_request("DELETE", "http://v/x"), vendor="v", mutating=mutating)


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("https://user:pw@iot.example.com:8743/a?secret=s3", "iot.example.com:8743"),
        ("https://iot.example.com/a?appId=x", "iot.example.com:443"),
        ("http://[::1]/a", "[::1]:80"),
    ],
)
def test_a_connect_failure_names_the_host_and_port_and_nothing_else(url: str, where: str) -> None:
    client = _client(_raise(httpx.ConnectError))
    with pytest.raises(VendorUnreachable) as caught:
        send(client, client.build_request("GET", url), vendor="v", mutating=False)
    assert caught.value.message.startswith(f"could not connect to v at {where} (ConnectError)")
    assert not any(s in caught.value.message for s in ("pw", "secret", "appId", "/a"))


@pytest.mark.parametrize("mutating", [True, False])
def test_a_url_no_request_can_be_sent_to_fails_and_is_never_unknown(mutating: bool) -> None:
    """httpx refuses such a URL before connecting: nothing was sent, so the call failed."""
    with httpx.Client() as client:  # the real transport: it refuses the scheme itself
        request = client.build_request("DELETE", "ftp://user:pw@v.example/x")
        with pytest.raises(VendorUnreachable) as caught:
            send(client, request, vendor="v", mutating=mutating)
    assert caught.value.message == (
        "opsgate could not send the request to v: its URL (ftp://v.example) is not one a "
        "request can be sent to (UnsupportedProtocol); nothing was sent"
    )
    assert "base URL" in caught.value.next_step
    client = _client(_raise_invalid_url)
    with pytest.raises(VendorUnreachable, match=r"\(InvalidURL\); nothing was sent"):
        send(client, client.build_request("DELETE", "http://v/x"), vendor="v", mutating=mutating)


def _raise_invalid_url(request: httpx.Request) -> httpx.Response:
    raise httpx.InvalidURL("Invalid port: 'bad'")


def test_timeout_on_a_mutating_call_is_unknown_and_names_the_wait() -> None:
    client = _client(_raise(httpx.ReadTimeout))
    with pytest.raises(
        OutcomeUnknown, match="did not answer in 7 s; the request's state is unknown"
    ):
        send(client, client.build_request("DELETE", "http://v/x"), vendor="v", mutating=True)


def test_timeout_on_a_read_is_unreachable_and_retryable() -> None:
    client = _client(_raise(httpx.ReadTimeout))
    with pytest.raises(VendorUnreachable) as caught:
        send(client, client.build_request("GET", "http://v/x"), vendor="v", mutating=False)
    assert is_retryable(caught.value)
    assert caught.value.message == "v did not answer in 7 s"  # a read changed nothing


def test_a_dropped_connection_names_the_fault_and_only_a_mutating_call_is_unknown() -> None:
    client = _client(_raise(httpx.RemoteProtocolError))
    with pytest.raises(OutcomeUnknown) as unknown:
        send(client, client.build_request("DELETE", "http://v/x"), vendor="v", mutating=True)
    assert unknown.value.message == (
        "v dropped the connection (RemoteProtocolError); the request's state is unknown"
    )
    with pytest.raises(VendorUnreachable) as unreachable:
        send(client, client.build_request("GET", "http://v/x"), vendor="v", mutating=False)
    assert unreachable.value.message == "v dropped the connection (RemoteProtocolError)"


@pytest.mark.parametrize(
    ("status", "mutating", "error"),
    [
        (200, True, OutcomeUnknown),
        (502, True, OutcomeUnknown),
        (404, True, VendorUnreachable),
        (200, False, VendorUnreachable),
        (502, False, VendorUnreachable),
    ],
)
def test_unreadable_bodies(status: int, mutating: bool, error: type[Exception]) -> None:
    with pytest.raises(error):
        json_body(httpx.Response(status, text="<html>"), vendor="v", mutating=mutating)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(500, "a server error"), (504, "a server error"), (302, "a redirect"), (303, "a redirect")],
)
def test_a_5xx_or_3xx_to_a_mutating_call_confirms_nothing_whatever_its_body(
    status: int, kind: str
) -> None:
    answer = httpx.Response(status, json={"code": 0, "Success": True})
    error = unconfirmed_answer(answer, vendor="v", said=", code 0", next_step="Look.")
    assert isinstance(error, OutcomeUnknown)
    assert error.message.startswith(f"v answered HTTP {status} ({kind}")
    assert error.message.endswith(", code 0); the request's state is unknown")
    assert error.next_step == "Look."


@pytest.mark.parametrize("status", [200, 204, 400, 404, 429])
def test_a_2xx_or_4xx_says_something_and_is_read_as_usual(status: int) -> None:
    assert unconfirmed_answer(httpx.Response(status), vendor="v") is None


def test_retry_safely_retries_only_what_is_safe() -> None:
    attempts = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise VendorError("busy", vendor="v", code="5xx", retryable=True)
        return "ok"

    assert retry_safely(flaky) == "ok" and len(attempts) == 3

    refusals = []

    def refused() -> str:
        refusals.append(1)
        raise VendorError("no", vendor="v", code="403")

    with pytest.raises(VendorError):
        retry_safely(refused)
    assert len(refusals) == 1


def test_vendor_call_masks_secret_headers_and_params() -> None:
    request = httpx.Request(
        "POST",
        "http://v/x?Signature=abc&Keep=1",
        headers={"Authorization": "Bearer secret-token"},
        content=b"{}",
    )
    call = VendorCall.from_request(
        request, secret_headers=frozenset({"authorization"}), secret_params=frozenset({"Signature"})
    )
    assert "secret-token" not in call.model_dump_json() and "abc" not in call.url
    assert "Keep=1" in call.url and call.body == "{}"


def test_limiter_recovers_the_full_rate_after_quiet_windows() -> None:
    clock = FakeClock()
    limiter = RateLimiter(calls=10, period=1.0, clock=clock, recover_after=5)
    limiter.slow_down(pause=1.0)
    assert limiter.limit == 7
    clock.advance(1.0 + 4.9)
    limiter.acquire()
    assert limiter.limit == 7  # not quiet long enough yet
    clock.advance(0.2)
    limiter.acquire()
    assert limiter.limit == 10


def test_process_limiter_is_one_per_key_and_clock_while_held() -> None:
    clock, other_clock = FakeClock(), FakeClock()
    built: list[RateLimiter] = []

    def build(on: FakeClock) -> RateLimiter:
        built.append(RateLimiter(calls=5, period=1.0, clock=on))
        return built[-1]

    first = process_limiter(("v", "acct"), clock=clock, build=lambda: build(clock))
    assert process_limiter(("v", "acct"), clock=clock, build=lambda: build(clock)) is first
    assert process_limiter(("v", "other"), clock=clock, build=lambda: build(clock)) is not first
    apart = process_limiter(("v", "acct"), clock=other_clock, build=lambda: build(other_clock))
    assert apart is not first and len(built) == 3
    # Nothing keeps a limiter (nor its clock) alive once no adapter holds it.
    del first, apart
    built.clear()
    gc.collect()
    process_limiter(("v", "acct"), clock=clock, build=lambda: build(clock))
    assert len(built) == 1


def test_a_dry_run_never_shows_a_password_written_in_a_url() -> None:
    """However a plugin builds its `VendorCall`: from the request, or by hand with a note."""
    request = httpx.Request("PUT", "http://user:LEAKME-pw@sp.example:8080/up/CancelJob")
    call = VendorCall.from_request(request)
    assert call.url == "http://user:****@sp.example:8080/up/CancelJob"
    by_hand = VendorCall(
        method="DELETE",
        url="https://a:LEAKME@oc.example/x",
        headers={"Referer": "https://a:LEAKME@oc.example/"},
        body="before it: POST https://a:p@LEAKME@oc.example:8743/login",
    )
    assert "LEAKME" not in by_hand.model_dump_json()
    assert by_hand.body == "before it: POST https://a:****@oc.example:8743/login"


def test_an_adapter_error_never_holds_a_password_written_in_a_url() -> None:
    error = VendorError(
        "https://u:LEAKME@v.example/ answered 500",
        vendor="v",
        code="x",
        next_step="see http://u:LEAKME@v",
    )
    assert (error.message, error.next_step) == (
        "https://u:****@v.example/ answered 500",
        "see http://u:****@v",
    )
    assert "LEAKME" not in str(error) and "LEAKME" not in str(
        AdapterError("ftp://a:LEAKME@b", vendor="v")
    )


@pytest.mark.parametrize(
    ("code", "zero"),
    [
        (0, True), ("0", True), ("00", True), (" 0", True), (0.0, True), ("0.0", True),
        ("SUCCESS", False), ("OK", False), ("", False), (None, False), (True, False),
        (False, False), ("1", False), (9, False),
    ],
)  # fmt: skip
def test_a_code_reads_as_zero_however_it_is_spelled_and_only_then(code: object, zero: bool) -> None:
    """EnOS's and ServicePower's answers that pair a zero (success) with a failure say both;
    a code that is no number (``"SUCCESS"``) is no zero."""
    assert reads_as_zero(code) is zero
