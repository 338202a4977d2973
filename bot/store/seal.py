"""The chain head's seal: what makes deleting a keyed chain's newest events evident to `verify`.

The head (table ``chain_head``: the last seq and hash) moves with every event, so deleting the
newest events shows unless the head is moved back too. Moving it back to an older event's seq
and hash needs nothing secret, so with a keyed chain the head row also holds::

    seal = hmac_sha256(key=OPSGATE_AUDIT_KEY.encode("utf-8"),
                       msg=f"opsgate-head:{seq}:{hash}".encode("utf-8")).hexdigest()

written by the statement that moves the head (`bot.store.writes`; ``db copy`` carries it over).
Its message is unlike any event's (those start with a 64-digit hash, then JSON), so no event's
hash can serve as a seal. Without the key, a head moved back cannot be given its seal, and
`verify` with the key fails. An unkeyed chain has no seal (NULL): whoever can write its file
can rewrite the whole chain anyway.

A keyed log written before seals has a head without one. The store opened with the key that
adds the column seals the head it finds then, once (`seal_after_migration`); after that only
appending an event seals a head, and `verify` fails on a keyed head that carries none: a head
is never sealed as found on a later open, which would vouch for a log already cut short.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Final

from pydantic import SecretStr

from bot.store import keying, queries
from bot.store.chain import ChainHead, ChainKey
from bot.store.engine import Db, Engine
from bot.store.schema import SEAL_MIGRATION

_LABEL: Final = "opsgate-head"
_SEAL: Final = "UPDATE chain_head SET seal = ? WHERE id = 1 AND seal IS NULL"


def head_seal(key: ChainKey, seq: int, digest: str) -> str | None:
    """The seal of a head at `seq` with hash `digest`; None for an unkeyed chain."""
    secret = key.secret()
    if secret is None:
        return None
    message = f"{_LABEL}:{seq}:{digest}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def seal_problem(db: Db, key: ChainKey) -> str | None:
    """What is wrong with the head's seal under `key`, in one sentence; None when it holds,
    when the chain is unkeyed, or when the head row is missing (`verify` says so first).

    A keyed head with no seal fails closed, unless the log is still empty.
    """
    if key.secret() is None:
        return None
    rows = list(db.query("SELECT * FROM chain_head WHERE id = 1"))
    if not rows:
        return None
    head = ChainHead(int(rows[0]["seq"]), str(rows[0]["hash"]))
    seal: Any = rows[0].get("seal")  # a log read as it is may predate the column
    if seal is None:
        return None if head.seq == 0 else _unsealed(head)
    expected = head_seal(key, head.seq, head.hash) or ""
    if isinstance(seal, str) and seal.isascii() and hmac.compare_digest(seal, expected):
        return None
    return (
        f"the chain head (event {head.seq}) does not carry its seal under OPSGATE_AUDIT_KEY: "
        "the newest events were removed and the head moved back, or the head was changed"
    )


def _unsealed(head: ChainHead) -> str:
    return (
        f"the chain head (event {head.seq}) carries no seal, so removing the newest events "
        "would go unseen: the next event appended seals it (any request does), or compare "
        "the log with an anchor kept elsewhere (--anchor <seq>:<hash>)"
    )


def seal_after_migration(engine: Engine, key: ChainKey) -> None:
    """Seal a keyed log's head as found, if `engine` has just added the seal column.

    Raises:
        AuditKeyError: `key` is not the log's (nothing is sealed).
    """
    if key.secret() is None or SEAL_MIGRATION not in engine.applied:
        return
    with engine.write() as db:
        key = keying.check(db, key)
        head = db.locked_head or queries.head_or_none(db)
        if head is not None:
            db.execute(_SEAL, [head_seal(key, head.seq, head.hash)])


def copied_seal(db: Db, head: ChainHead, key: SecretStr | None) -> str | None:
    """The seal ``db copy`` gives the copy's head: the source's own, which for a genuine head
    is the same HMAC (same seq, hash and key), so a copy never vouches for a head its source
    could not; a source from before seals (no such column) is sealed as its migration would."""
    rows = list(db.query("SELECT * FROM chain_head WHERE id = 1"))
    if rows and "seal" in rows[0]:
        return None if key is None else rows[0]["seal"]
    chain_key = ChainKey(key)
    if key is not None:  # the form of it the source was keyed with (`keying.check`)
        chain_key = keying.check(db, chain_key)
    return head_seal(chain_key, head.seq, head.hash)
