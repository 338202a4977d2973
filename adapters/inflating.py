"""A response body decoded a bounded piece at a time (`decoded`): what `read_within_limit` keeps
of an answer stays near its cap even when a small gzip chunk expands a thousandfold.

httpx decodes each chunk it reads whole: one 64 KiB chunk of a gzip body can become some
64 MiB in memory before a limit on the decoded body ever sees it. A body in ``gzip`` alone
is decoded here instead, from the bytes as sent, at most `STEP` bytes per piece (zlib's
``max_length``; the input left over is decoded at the next step). Any other encoding (none,
``deflate``, ``br``, several) is decoded by httpx, as before.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Final

import httpx

#: The most one decoded piece holds.
STEP: Final = 64 << 10
#: zlib's window size for a gzip container (as httpx's own gzip decoder uses).
_GZIP: Final = zlib.MAX_WBITS | 16


def decoded(response: httpx.Response) -> Iterator[bytes]:
    """`response`'s body, decoded as `httpx.Response.iter_bytes` decodes it, in pieces.

    Raises:
        httpx.DecodingError: The body is not in the Content-Encoding it names.
    """
    codings = response.headers.get_list("content-encoding", split_commas=True)
    named = [c.strip().lower() for c in codings if c.strip().lower() != "identity"]
    if named != ["gzip"] or response.is_stream_consumed:  # read already: httpx has it decoded
        yield from response.iter_bytes()
        return
    inflater = zlib.decompressobj(_GZIP)
    try:
        for chunk in response.iter_raw():
            while chunk and not inflater.eof:  # after the end: ignored, as httpx ignores it
                piece = inflater.decompress(chunk, STEP)
                chunk = inflater.unconsumed_tail
                if piece:
                    yield piece
        rest = inflater.flush()
    except zlib.error as exc:
        raise httpx.DecodingError(str(exc), request=response.request) from exc
    if rest:
        yield rest
