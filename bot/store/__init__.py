"""The request store and audit log: the one package that talks to SQLite (through sqlite-utils).

The tables (`bot.store.schema`, applied in order by each engine's migrations):

- ``requests``: one row per request, with the policy that applied to it; its state changes only
  by compare-and-set. While pending without a card, a process may claim it to post one.
- ``approvals``: one row per (request, distinct approver).
- ``events``: the hash-chained audit log of SPEC §4 and §9, inserted and never updated
  (triggers refuse UPDATE and DELETE). `bot.store.chain` documents the exact hashed bytes, the
  keyed chain, and how later events refer to their request.
- ``chain_head``: one row, the last seq and hash, written in the same transaction as each event,
  so deleting the newest events is detected too; with a key, also the head's seal (`seal`).
- ``chain_key``: one row, whether the chain is keyed and by which key (a fingerprint).
- ``slash_triggers``: Slack trigger ids already processed (the last hour's).

The tables are checked against the chain before every vendor call (`Store.integrity_problem`),
as a click reads a pending request (`Store.checked`), and by `Store.verify`
(`bot.store.integrity` holds the comparisons).

Modules: `core` (the `Store` API: `base` opens and checks a database, `auditlog` reads and
verifies the log, `lookups` holds history, overlaps and card claims), `results` (what the API
returns), `database` (connection, transactions, migrations; the concurrency rules are in its
docstring; `journal` refuses a rollback journal beside a file read as
it is), `writes` (the steps of a write), `details` (what a request's first event holds),
`queries` (shared reads), `readback` (reading past values changed outside opsgate),
`integrity` (tables against events; `first_event` reads a first event for it), `keying`
(the chain's key record), `seal` (the keyed head's seal), `notify` (observers),
`rows` (row layout, errors and ids; no SQLite). `verify` reads
the log through `scan` (the chain: a quick pass in SQLite, `quickchain`, run by worker
processes for a long log, and the documented algorithm wherever it points) and `crosscheck`
(the tables, as one query that names the requests to compare field by field).

Every state change is a compare-and-set along `bot.model.TRANSITIONS`; the rules about a
request that the store applies inside its transactions (threshold, duplicate approver, expiry)
come from `bot.model.rules`.
"""

from bot.model import INTEGRITY_ERROR
from bot.store.anchors import parse_anchor
from bot.store.chain import ChainHead, VerifyResult
from bot.store.commits import CommitUncertain
from bot.store.core import Store
from bot.store.database import BUSY_TIMEOUT_S
from bot.store.integrity import integrity_failure
from bot.store.journal import RollbackJournalFound
from bot.store.keying import AuditKeyError, ChainKeyRowChanged, KeyedLogUnkeyed
from bot.store.notify import Appended, Observer
from bot.store.nul import UnstorableText
from bot.store.results import UNKNOWN_REASON, ApprovalResult, ApprovalStatus
from bot.store.rows import (
    SYSTEM_ACTOR,
    AuditDetailError,
    DatabaseUnavailable,
    OverlapError,
    StoreError,
    TransitionError,
    UnknownRequestError,
    UnreadableEventError,
    UnreadableRequestError,
    first_line,
    new_request_id,
    normalize_request_id,
)
from bot.store.triggers import TRIGGER_MEMORY

__all__ = [
    "BUSY_TIMEOUT_S",
    "INTEGRITY_ERROR",
    "SYSTEM_ACTOR",
    "TRIGGER_MEMORY",
    "UNKNOWN_REASON",
    "Appended",
    "ApprovalResult",
    "ApprovalStatus",
    "AuditDetailError",
    "AuditKeyError",
    "ChainHead",
    "ChainKeyRowChanged",
    "CommitUncertain",
    "DatabaseUnavailable",
    "KeyedLogUnkeyed",
    "Observer",
    "OverlapError",
    "RollbackJournalFound",
    "Store",
    "StoreError",
    "TransitionError",
    "UnknownRequestError",
    "UnreadableEventError",
    "UnreadableRequestError",
    "UnstorableText",
    "VerifyResult",
    "first_line",
    "integrity_failure",
    "new_request_id",
    "normalize_request_id",
    "parse_anchor",
]
