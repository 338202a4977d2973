"""Which kind of chain a database holds (table ``chain_key``), so keys are never mixed.

`bot.store.chain` documents the two kinds. The record is written with the log's first event
(the first writer claims an empty log), checked when a store opens a log that has events, and
checked again by each store before its own first append (so two processes started on one empty
log with different keys cannot both write to it).
"""

from __future__ import annotations

from bot.model.shown import escaped
from bot.store.chain import EVENT_FIELDS, KEYED, UNKEYED, ChainKey, hash_problem
from bot.store.engine import Db
from bot.store.rows import StoreError

_UPSERT = (
    "INSERT INTO chain_key (id, algorithm, key_fingerprint) VALUES (1, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET algorithm = excluded.algorithm, "
    "key_fingerprint = excluded.key_fingerprint"
)


class AuditKeyError(StoreError):
    """The audit log was written with another key (or none, or with one) than this store's.

    The message is one line for people, naming fingerprints, never a key.
    """


class KeyedLogUnkeyed(AuditKeyError):
    """The log says it is not keyed while a key is set.

    opsgate never turns a keyed log into an unkeyed one, so this is either a key meant for
    another log or a keyed log rewritten without its key (every hash recomputed in plain
    SHA-256 to hide an edit). Nothing in the file tells the two apart: whoever knows the log
    was written with the key must treat it as tampered, and ``audit verify`` calls it broken.
    """


class ChainKeyRowChanged(AuditKeyError):
    """The key set verifies the log's first event, but the ``chain_key`` row records another
    kind of chain or another key: the row was changed outside opsgate (``audit verify`` calls
    the log broken)."""

    def __init__(self, algorithm: object, fingerprint: object, *, deleted: bool = False) -> None:
        verifies = "OPSGATE_AUDIT_KEY verifies the log's first event, but"
        if deleted:  # a log with events and no row reads as unkeyed: say what was done
            super().__init__(
                f"the chain_key row was deleted outside opsgate: {verifies} the row, which "
                f"records {KEYED!r} and that key's fingerprint, is gone"
            )
            return
        super().__init__(
            f"the chain_key row was changed outside opsgate: {verifies} the row records "
            f"algorithm {escaped(repr(algorithm))} and key fingerprint "
            f"{escaped(repr(fingerprint))}, not {KEYED!r} and that key's fingerprint"
        )


def claim(db: Db, key: ChainKey) -> None:
    """Record `key`'s kind and fingerprint; call it only while appending the first event."""
    db.execute(_UPSERT, [key.algorithm, key.fingerprint])


def check(db: Db, key: ChainKey, *, recorded: bool = True) -> ChainKey:
    """Refuse a log whose recorded kind or key differs from `key`; return the key to hash with.

    That is `key`, or `key.as_set` (the key exactly as set, a line break at its end included)
    when the log records that key's fingerprint: opsgate kept the line break before it dropped
    it as every secret's, and a log keyed then keeps its key. A log with no record and no events
    has nothing to mix with. One with events but no record is read as unkeyed, which is what
    migrating a log from before keyed chains records.

    Raises:
        AuditKeyError: One line saying what differs and what to do (`ChainKeyRowChanged` also
            when the record names one form of the key and the first event is hashed under the
            other: a record rewritten so that opsgate would append under the wrong form).
    """
    sql = "SELECT algorithm, key_fingerprint FROM chain_key WHERE id = 1"
    rows = list(db.query(sql)) if recorded else []  # `recorded`: the log has the table
    if rows:
        algorithm, fingerprint = rows[0]["algorithm"], rows[0]["key_fingerprint"]
    elif list(db.query("SELECT 1 FROM events LIMIT 1")):
        algorithm, fingerprint = UNKEYED, None
    else:
        return key
    forms = [form for form in (key, key.as_set) if form is not None]
    for form in forms:
        if (algorithm, fingerprint) == (form.algorithm, form.fingerprint):
            # With two forms, the row must not pick the one the events are not hashed under.
            if any(_verifies_first_event(db, other) for other in forms if other is not form):
                raise ChainKeyRowChanged(algorithm, fingerprint)
            return form
    if key.fingerprint is not None and any(_verifies_first_event(db, form) for form in forms):
        raise ChainKeyRowChanged(algorithm, fingerprint, deleted=not rows)
    if algorithm != KEYED and key.fingerprint is not None:
        raise KeyedLogUnkeyed(
            "the audit log is not keyed (plain SHA-256) but OPSGATE_AUDIT_KEY is set, and a "
            "log opsgate wrote with a key never becomes unkeyed: if this log was written with "
            "a key, it has been rewritten since (treat it as tampered); only if it was always "
            "unkeyed is the key not for it"
        )
    raise AuditKeyError(_mismatch(algorithm, fingerprint, key))


def as_recorded(db: Db, key: ChainKey, *, recorded: bool = True) -> ChainKey:
    """`key.as_set` when the log's record names it, else `key`: the key of a log written
    since `key` was checked (``db copy``'s target, empty when its store opened)."""
    if key.as_set is None or not recorded:
        return key
    rows = list(db.query("SELECT key_fingerprint FROM chain_key WHERE id = 1"))
    return key.as_set if rows and rows[0]["key_fingerprint"] == key.as_set.fingerprint else key


def _verifies_first_event(db: Db, key: ChainKey) -> bool:
    """Whether the log's first event is hashed under `key` (then the key is the log's, whatever
    its ``chain_key`` row says)."""
    sql = f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE seq = 1"  # noqa: S608
    with db.any_text():
        rows = list(db.query(sql))
    return bool(rows) and hash_problem(rows[0], key) is None


def _mismatch(algorithm: str, stored: str | None, key: ChainKey) -> str:
    fingerprint = escaped(str(stored))  # read from the database: shown as stored, on one line
    if algorithm == KEYED and key.fingerprint is None:
        return (
            f"the audit log is keyed (HMAC-SHA256, key fingerprint {fingerprint}): set "
            "OPSGATE_AUDIT_KEY to the key it was written with"
        )
    return (
        f"OPSGATE_AUDIT_KEY is not the key this audit log was written with (the log's key "
        f"fingerprint is {fingerprint}, the key set has {key.fingerprint})"
    )
