"""Which kind of chain a database holds (table ``chain_key``), so keys are never mixed.

`bot.store.chain` documents the two kinds. The record is written with the log's first event
(the first writer claims an empty log), checked when a store opens a log that has events, and
checked again by each store before its own first append (so two processes started on one empty
log with different keys cannot both write to it).
"""

from __future__ import annotations

from sqlite_utils import Database

from bot.store.chain import KEYED, UNKEYED, ChainKey
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


def claim(db: Database, key: ChainKey) -> None:
    """Record `key`'s kind and fingerprint; call it only while appending the first event."""
    db.execute(_UPSERT, [key.algorithm, key.fingerprint])


def check(db: Database, key: ChainKey) -> None:
    """Refuse a log whose recorded kind or key differs from `key`.

    A log with no record and no events has nothing to mix with. One with events but no record
    is read as unkeyed, which is what migrating a log from before keyed chains records.

    Raises:
        AuditKeyError: One line saying what differs and what to do.
    """
    rows = list(db.query("SELECT algorithm, key_fingerprint FROM chain_key WHERE id = 1"))
    if rows:
        algorithm, fingerprint = rows[0]["algorithm"], rows[0]["key_fingerprint"]
    elif list(db.query("SELECT 1 FROM events LIMIT 1")):
        algorithm, fingerprint = UNKEYED, None
    else:
        return
    if (algorithm, fingerprint) == (key.algorithm, key.fingerprint):
        return
    raise AuditKeyError(_mismatch(algorithm, fingerprint, key))


def _mismatch(algorithm: str, fingerprint: str | None, key: ChainKey) -> str:
    if algorithm == KEYED and key.fingerprint is None:
        return (
            f"the audit log is keyed (HMAC-SHA256, key fingerprint {fingerprint}): set "
            "OPSGATE_AUDIT_KEY to the key it was written with"
        )
    if algorithm != KEYED:
        return (
            "the audit log is not keyed (plain SHA-256) but OPSGATE_AUDIT_KEY is set: unset it "
            "to use this log, or point OPSGATE_DB at a new file for a keyed log"
        )
    return (
        f"OPSGATE_AUDIT_KEY is not the key this audit log was written with (the log's key "
        f"fingerprint is {fingerprint}, the key set has {key.fingerprint})"
    )
