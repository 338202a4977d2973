"""Anchors: a ``<seq>:<hash>`` pair kept outside the database (``opsgate audit head``, the audit
channel) that the log must still hold (`bot.store.chain` says what they catch)."""

from __future__ import annotations

from typing import Final

from bot.store.chain import GENESIS_HASH, ChainHead

#: The largest seq any log can hold: SQLite's INTEGER and PostgreSQL's bigint are 64-bit.
MAX_SEQ: Final = 2**63 - 1


def parse_anchor(text: str) -> ChainHead:
    """Read an anchor written as ``<seq>:<hash>`` (what ``opsgate audit head`` prints).

    Raises:
        ValueError: It is not a seq (digits 0-9), a colon and 64 lower-case hex digits; or its
            seq is 0 with another hash than the empty log's head (``0:`` and 64 zeros), which no
            log holds: events are numbered from 1; or its seq is above `MAX_SEQ`, which no
            log reaches either.
    """
    seq_text, sep, digest = text.strip().partition(":")
    digest = digest.lower()
    valid = sep and seq_text.isascii() and seq_text.isdigit() and len(digest) == 64
    if not valid or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(
            f"cannot read anchor {text!r}: write it as <seq>:<hash>, as `opsgate audit head` "
            "prints it"
        )
    if len(seq_text.lstrip("0")) > len(str(MAX_SEQ)) or int(seq_text) > MAX_SEQ:
        raise ValueError(
            f"cannot read anchor {text!r}: its seq is above {MAX_SEQ}, the most any log holds; "
            "write it as <seq>:<hash>, as `opsgate audit head` prints it"
        )
    seq = int(seq_text)
    if seq == 0 and digest != GENESIS_HASH:
        raise ValueError(
            f"cannot read anchor {text!r}: events are numbered from 1; write it as <seq>:<hash>, "
            "as `opsgate audit head` prints it"
        )
    return ChainHead(seq=seq, hash=digest)
