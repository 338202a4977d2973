"""A response body decoded a bounded piece at a time (`decoded`): what `read_within_limit` keeps
of an answer stays near its cap even when a small gzip chunk expands a thousandfold.

httpx decodes each chunk it reads whole: one 64 KiB chunk of a gzip body can become some
64 MiB in memory before a limit on the decoded body ever sees it, and a body compressed twice
(``gzip, gzip``) multiplies that again. A body in ``gzip`` or ``deflate``, once or several
times, is decoded here instead, from the bytes as sent, at most `STEP` bytes per piece of each
layer (zlib's ``max_length``; the input left over is decoded at the next step), as httpx
decodes them otherwise (an encoding it does not know is skipped; ``deflate`` may be raw).
Any other encoding it knows (``br``, ``zstd``, when installed) is decoded by httpx, as before.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Final

import httpx

#: The most one decoded piece holds.
STEP: Final = 64 << 10
#: zlib's window sizes (as httpx's own decoders use): a gzip container, a zlib one.
_WBITS: Final = {"gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
#: What httpx decodes besides these, with libraries of their own; left to it.
_OTHERS: Final = frozenset({"br", "zstd"})


def decoded(response: httpx.Response) -> Iterator[bytes]:
    """`response`'s body, decoded as `httpx.Response.iter_bytes` decodes it, in pieces.

    Raises:
        httpx.DecodingError: The body is not in the Content-Encoding it names.
    """
    codings = response.headers.get_list("content-encoding", split_commas=True)
    named = [c.strip().lower() for c in codings]
    if _OTHERS.intersection(named) or response.is_stream_consumed:  # read: httpx has it decoded
        yield from response.iter_bytes()
        return
    pieces: Iterable[bytes] = response.iter_raw()
    for coding in reversed(named):  # the last applied is the first undone
        if coding in _WBITS:
            pieces = _inflated(pieces, coding, response.request)
    yield from pieces


def _inflated(pieces: Iterable[bytes], coding: str, request: httpx.Request) -> Iterator[bytes]:
    """`pieces` decoded from one `coding`, at most `STEP` bytes at a time. A ``deflate`` body
    that is not zlib's is read as raw deflate, as httpx reads it (only its first piece can
    tell)."""
    inflater, first = zlib.decompressobj(_WBITS[coding]), coding == "deflate"
    try:
        for chunk in pieces:
            while chunk and not inflater.eof:  # after the end: ignored, as httpx ignores it
                try:
                    piece = inflater.decompress(chunk, STEP)
                except zlib.error:
                    if not first:
                        raise
                    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    first = False
                    continue
                first, chunk = False, inflater.unconsumed_tail
                if piece:
                    yield piece
        rest = inflater.flush()
    except zlib.error as exc:
        raise httpx.DecodingError(str(exc), request=request) from exc
    if rest:
        yield rest
