"""Which requests `adapters.http.send` had answered, while a caller watches: ``opsgate check``
says a vendor's plain-http URL was "called too" only when its check's call to that URL went out
(it answered) carrying a credential, not when it never connected or carried none."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx

_watching: ContextVar[list[httpx.Request] | None] = ContextVar("requests_sent", default=None)


@contextmanager
def requests_sent() -> Iterator[list[httpx.Request]]:
    """Inside the block, each request `adapters.http.send` had answered (in this thread) is
    added to the list yielded; not one that never connected (nor, to be sure of what was
    sent, one left without an answer)."""
    sent: list[httpx.Request] = []
    token = _watching.set(sent)
    try:
        yield sent
    finally:
        _watching.reset(token)


def went_out(request: httpx.Request) -> None:
    """`request` left opsgate: it was answered (for `requests_sent`)."""
    sent = _watching.get()
    if sent is not None:
        sent.append(request)
