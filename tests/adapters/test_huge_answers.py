"""An answer longer than any vendor's (a base URL pointing at a file download, a gateway that
streams without end) is read no further than `MAX_ANSWER_BYTES`: opsgate keeps what came and
reads it as it reads any body it cannot parse (README "Errors": a read is unanswered, a mutating
call's 2xx or 5xx is ``unknown``, a 4xx a refusal), instead of holding the whole of it in
memory for as long as the call's deadline lets it arrive."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import pytest

from adapters.deadline import MAX_ANSWER_BYTES
from adapters.errors import OutcomeUnknown, VendorUnreachable
from adapters.http import json_body, json_object, send

CHUNK = 1 << 20


class Endless(httpx.SyncByteStream):
    """A JSON object that never ends, in 1 MiB chunks; counts what was read from it."""

    def __init__(self) -> None:
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"code": 0, "data": "'
        while self.sent < 4 * MAX_ANSWER_BYTES:  # a bound, so a broken test still ends
            self.sent += CHUNK
            yield b"a" * CHUNK

    def close(self) -> None:
        self.closed = True


def endless_client(status: int) -> tuple[httpx.Client, Endless]:
    body = Endless()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, stream=body, headers={"content-type": "application/json"})

    return httpx.Client(transport=httpx.MockTransport(answer)), body


@pytest.mark.parametrize("mutating", [True, False])
def test_an_endless_answer_is_read_no_further_than_the_limit(mutating: bool) -> None:
    client, body = endless_client(200)
    request = client.build_request("GET", "http://v/x")
    response = send(client, request, vendor="v", mutating=mutating)
    assert len(response.content) <= MAX_ANSWER_BYTES
    assert body.sent <= MAX_ANSWER_BYTES + CHUNK and body.closed


@pytest.mark.parametrize(
    ("status", "mutating", "error"),
    [
        (200, True, OutcomeUnknown),
        (502, True, OutcomeUnknown),
        (200, False, VendorUnreachable),
        (403, True, VendorUnreachable),  # a refusal: read as refused, nothing done
    ],
)
def test_a_cut_answer_is_one_opsgate_cannot_read(
    status: int, mutating: bool, error: type[Exception]
) -> None:
    client, _ = endless_client(status)
    request = client.build_request("GET", "http://v/x")
    response = send(client, request, vendor="v", mutating=mutating)
    with pytest.raises(error, match="a body opsgate cannot read"):
        json_body(response, vendor="v", mutating=mutating)


@pytest.mark.parametrize(
    ("mutating", "error"), [(True, OutcomeUnknown), (False, VendorUnreachable)]
)
def test_json_nested_deeper_than_python_parses_is_a_body_opsgate_cannot_read(
    mutating: bool, error: type[Exception]
) -> None:
    """Well within the size limit, ``[[[…]]]`` a hundred thousand deep makes Python's parser
    give up with a RecursionError, which no caller expects of a body."""
    nested = httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000)
    assert json_object(nested) is None
    with pytest.raises(error, match="a body opsgate cannot read"):
        json_body(nested, vendor="v", mutating=mutating)


class GzipBomb(httpx.SyncByteStream):
    """A gzip body of a few dozen KB that expands to 4 times the limit: what a server
    sends for a compressed file it labels ``Content-Encoding: gzip``, or a gateway streaming
    without end through compression."""

    def __init__(self) -> None:
        squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
        parts = [squeeze.compress(b'{"code": 0, "data": "')]
        parts += [squeeze.compress(b"a" * CHUNK) for _ in range(4 * MAX_ANSWER_BYTES // CHUNK)]
        self.body = b"".join(parts) + squeeze.flush()

    def __iter__(self) -> Iterator[bytes]:
        yield self.body

    def close(self) -> None:
        """Nothing held."""


@pytest.mark.parametrize("mutating", [True, False])
def test_a_compressed_answer_is_held_no_larger_than_the_limit_once_decoded(
    mutating: bool,
) -> None:
    """The limit is on what opsgate holds: a small gzip body expanding without end is cut
    there too, instead of being decoded whole into memory."""
    bomb = GzipBomb()
    assert len(bomb.body) < MAX_ANSWER_BYTES  # the limit on the bytes sent does not see it

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx.Response(200, stream=bomb, headers=headers)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    response = send(
        client, client.build_request("GET", "http://v/x"), vendor="v", mutating=mutating
    )
    assert len(response.content) <= MAX_ANSWER_BYTES
    error = OutcomeUnknown if mutating else VendorUnreachable
    with pytest.raises(error, match="a body opsgate cannot read"):
        json_body(response, vendor="v", mutating=mutating)


class AsSent(httpx.SyncByteStream):
    """A body as a server sends it, read 64 KiB at a time (as httpcore reads)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), 64 << 10):
            yield self.body[start : start + (64 << 10)]


def test_one_compressed_chunk_is_never_held_expanded_whole() -> None:
    """One chunk of gzip as sent (httpcore reads 64 KiB at a time) that expands to eight times
    the limit: it is decoded a piece at a time, so what is held at once stays near the limit
    (what is kept, and its copy as one body), far below the chunk's whole expansion."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    whole = 8 * MAX_ANSWER_BYTES
    body = b"".join(squeeze.compress(b"a" * CHUNK) for _ in range(whole // CHUNK))
    body += squeeze.flush()
    assert len(body) < 128 << 10  # one or two chunks as sent

    response, peak = _read_with_peak(body, "gzip")
    assert response.content == b"a" * MAX_ANSWER_BYTES  # decoded as sent, cut at the limit
    assert peak < 3 * MAX_ANSWER_BYTES < whole


def test_a_gzip_body_decoded_in_pieces_is_the_body_sent() -> None:
    """Decoding in pieces changes nothing else: a body is read whole, and one that is not the
    gzip it says it is fails to decode, as it did."""
    text = b'{"code": 0, "data": "' + bytes(range(256)) * 4000 + b'"}'
    for content, ok in [(gzip.compress(text), True), (b"not gzip at all", False)]:

        def answer(request: httpx.Request, content: bytes = content) -> httpx.Response:
            headers = {"content-encoding": "gzip"}
            return httpx.Response(200, stream=AsSent(content), headers=headers)

        client = httpx.Client(transport=httpx.MockTransport(answer))
        request = client.build_request("GET", "http://v/x")
        if ok:
            assert send(client, request, vendor="v", mutating=False).content == text
        else:
            with pytest.raises(VendorUnreachable, match="a body opsgate cannot read"):
                send(client, request, vendor="v", mutating=False)


def _compressed(data_chunks: Iterator[bytes], coding: str) -> Iterator[bytes]:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31 if coding == "gzip" else zlib.MAX_WBITS)
    for data in data_chunks:
        yield squeeze.compress(data)
    yield squeeze.flush()


@pytest.mark.parametrize("encoding", ["gzip, gzip", "deflate, gzip", "gzip, deflate"])
def test_a_body_compressed_twice_is_never_held_expanded_whole(encoding: str) -> None:
    """Two compressions (``Content-Encoding: gzip, gzip``, applied in that order) multiply:
    one small chunk as sent expands a thousandfold twice. Each is decoded a piece at a time
    too, so what is held stays near the limit, as for gzip alone."""
    whole = 8 * MAX_ANSWER_BYTES
    pieces: Iterator[bytes] = (b"a" * CHUNK for _ in range(whole // CHUNK))
    for coding in (c.strip() for c in encoding.split(",")):
        pieces = _compressed(pieces, coding)
    body = b"".join(pieces)
    assert len(body) < 64 << 10  # one chunk as sent

    response, peak = _read_with_peak(body, encoding)
    assert response.content == b"a" * MAX_ANSWER_BYTES  # decoded as sent, cut at the limit
    assert peak < 3 * MAX_ANSWER_BYTES < whole


def _read_with_peak(body: bytes, encoding: str) -> tuple[httpx.Response, int]:
    """`body` answered with `encoding` as one chunk as sent, read through `send`; with the
    peak of memory traced while it was read and decoded."""

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": encoding}
        return httpx.Response(200, stream=AsSent(body), headers=headers)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    request = client.build_request("GET", "http://v/x")
    tracemalloc.start()
    try:
        response = send(client, request, vendor="v", mutating=False)
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
