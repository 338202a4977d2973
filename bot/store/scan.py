"""`verify`'s pass over the whole chain: every stored event re-hashed and linked to the one
before it, in one tight loop over plain tuples.

Each body is assembled from the stored columns (``targets`` and ``detail`` are canonical JSON
already, the other strings are identifiers) and hashed. Any event whose quick hash does not
match, that is out of order, or that does not follow its predecessor is handed to
`bot.store.chain.row_problem`, which parses and re-serialises it exactly as documented and names
what is wrong; so the quick path decides nothing on its own but the common case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final

from bot.store.chain import (
    EVENT_FIELDS,
    GENESIS_HASH,
    ChainHead,
    ChainKey,
    VerifyResult,
    check_head,
    row_problem,
)
from bot.store.crosscheck import FirstEvents
from bot.store.engine import Db, tuples_in_pages

PAGE: Final = 100_000
_SELECT: Final = (
    f"SELECT {', '.join(EVENT_FIELDS)} FROM events "  # noqa: S608 - constant columns
    "WHERE seq > :after ORDER BY seq LIMIT :page"
)
#: `canonical_json` of a body whose strings need no escaping (identifiers, hex, timestamps).
_BODY: Final = (
    '{"actor":"%s","at":"%s","detail":%s,"event":"%s","operation":"%s","prev_hash":"%s",'
    '"request_id":"%s","seq":%d,"targets":%s}'
)


def scan_chain(
    db: Db, key: ChainKey, first: FirstEvents, *, head: ChainHead | None
) -> VerifyResult:
    """Check every stored event, in seq order, and the head; note each event in `first`."""
    digest_text, note = _hasher(key), first.note
    prev_seq, prev_hash, checked = 0, GENESIS_HASH, 0
    for row in tuples_in_pages(db, _SELECT, page=PAGE):
        checked += 1
        seq, at, request_id, event, actor, operation, targets, detail, linked, stored = row
        try:
            body = _BODY % (actor, at, detail, event, operation, linked, request_id, seq, targets)
            quick = seq == prev_seq + 1 and linked == prev_hash
            quick = quick and stored == digest_text(prev_hash, body)
        except (TypeError, ValueError):
            quick = False
        if not quick:
            problem = row_problem(
                dict(zip(EVENT_FIELDS, row, strict=True)), ChainHead(prev_seq, prev_hash), key
            )
            if problem is not None:
                return VerifyResult(False, checked, problem[0], problem[1])
        note(row)
        prev_seq, prev_hash = int(seq), str(stored)
    return check_head(ChainHead(prev_seq, prev_hash), head, checked)


def _hasher(key: ChainKey) -> Callable[[str, str], str]:
    """`ChainKey.digest_text`, without a method call per event for an unkeyed chain."""
    if key.fingerprint is not None:
        return key.digest_text
    sha256 = hashlib.sha256
    return lambda prev_hash, body: sha256((prev_hash + body).encode("utf-8")).hexdigest()
