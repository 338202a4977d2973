"""``opsgate audit verify`` and ``opsgate audit head``: the audit log's checks and anchors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from bot.store import ChainHead, Store, parse_anchor


def verify(store: Store, *, anchors: Sequence[str], out: TextIO, err: TextIO) -> int:
    """Check the chain, each ``<seq>:<hash>`` anchor, and the tables against the events.

    Returns:
        0 when everything agrees; 1 naming the first event or request that does not; 2 for
        an anchor that cannot be read.
    """
    try:
        heads: list[ChainHead] = [parse_anchor(text) for text in anchors]
    except ValueError as exc:
        print(f"opsgate: --anchor: {exc}", file=err)
        return 2
    result = store.verify(anchors=heads)
    if not result.ok:
        print(result.describe(), file=err)
        return 1
    held = f"; {len(heads)} anchor(s) held" if heads else ""
    print(result.describe() + held, file=out)
    return 0


def head(store: Store, *, out: TextIO) -> int:
    """Print the chain head as ``<seq>:<hash>``: keep it elsewhere, then pass it to
    ``opsgate audit verify --anchor`` to prove the log still holds it."""
    print(store.head(), file=out)
    return 0
