"""The request store and audit log: the one package that talks to SQLite (through sqlite-utils).

Four tables (`bot.store.rows.SCHEMA_V1` and `SCHEMA_V2`, applied by sqlite-utils `Migrations`):

- ``requests``: one row per request; its state changes only by compare-and-set.
- ``approvals``: one row per (request, distinct approver).
- ``events``: the hash-chained audit log of SPEC §4, inserted and never updated (triggers refuse
  UPDATE and DELETE). `bot.store.chain` documents the exact hashed bytes.
- ``chain_head``: one row, the last seq and hash, written in the same transaction as each event,
  so deleting the newest events is detected too.

Modules: `core` (the `Store` API), `reads` (its read-only methods), `database` (connection,
transactions, migrations; the concurrency rules are in its docstring), `writes` (the steps of a
write), `queries` (shared reads), `claims` (work one of several processes takes on), `rows` (row
layout, errors and ids; no SQLite).

Every state change is a compare-and-set along `bot.model.TRANSITIONS`; the rules about a
request that the store applies inside its transactions (threshold, duplicate approver, expiry)
come from `bot.model.rules`.
"""

from bot.store.chain import VerifyResult
from bot.store.core import UNKNOWN_REASON, ApprovalResult, ApprovalStatus, Store
from bot.store.database import BUSY_TIMEOUT_S
from bot.store.rows import (
    SYSTEM_ACTOR,
    AuditDetailError,
    OverlapError,
    StoreError,
    TransitionError,
    UnknownRequestError,
    new_request_id,
    normalize_request_id,
)

__all__ = [
    "BUSY_TIMEOUT_S",
    "SYSTEM_ACTOR",
    "UNKNOWN_REASON",
    "ApprovalResult",
    "ApprovalStatus",
    "AuditDetailError",
    "OverlapError",
    "Store",
    "StoreError",
    "TransitionError",
    "UnknownRequestError",
    "VerifyResult",
    "new_request_id",
    "normalize_request_id",
]
