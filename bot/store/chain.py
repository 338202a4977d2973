"""The audit log's hash chain (SPEC §4, §9): the exact bytes hashed, and how a chain is checked.

Pure functions over plain values; `bot.store` persists the events and calls these.

**The hashed bytes.** Each event's ``hash`` is computed over one UTF-8 string::

    message = (prev_hash + canonical_json(body)).encode("utf-8")

    unkeyed:  hash = sha256(message).hexdigest()
    keyed:    hash = hmac_sha256(key=OPSGATE_AUDIT_KEY.encode("utf-8"), msg=message).hexdigest()

(the key without the line break at its end, if it has one, as every secret is read;
`ChainKey` says how a log keyed before that keeps its key).

where ``body`` is the JSON object of exactly these nine keys (``hash`` itself is not in it)::

    seq         integer, 1, 2, 3, ... with no gaps
    at          "2026-11-22T01:02:03.123456Z" (UTC, always six fractional digits)
    request_id  "R-7K3F9QW2"
    event       "requested" | "denied" | "approved" | ... (`AuditEventName`)
    actor       Slack user id, or "system"
    operation   "acme.widget.delete"
    targets     JSON array of strings (see "references" below)
    detail      JSON object
    prev_hash   the previous event's hash; 64 "0"s (`GENESIS_HASH`) for seq 1

and ``canonical_json(obj) = json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)``. The digest is lower-case hex. So for example the first
event hashes the UTF-8 bytes of ``"000…000" + '{"actor":"U1","at":"…","detail":{…},…}'``.

**Keyed chains.** With ``OPSGATE_AUDIT_KEY`` set, every hash is the HMAC above, so someone who
can write the database file but lacks the key cannot produce a chain that verifies. The database
records which kind of chain it holds (table ``chain_key``: ``algorithm`` ``sha256`` or
``hmac-sha256``, and for a keyed chain the key's `fingerprint`, never the key), so a keyed log is
never opened without its key, nor an unkeyed one with a key.

**References.** A request's first event (``requested``, or ``denied`` when the policy refused it
before any card) holds the complete request: ``targets`` lists every target, and ``detail`` holds
the parameters, reason, channel, sandbox flag, preview, expiry and, for ``requested``, the policy
that applied (``policy``: ``approvals``, ``approvers`` as the policy names them, ``self_approval``,
``ttl_seconds``, and since release 2 ``notify_approvers``, ``remind``, ``break_glass``,
``review_within_seconds``) and, for a break-glass request, its incident ref (``break_glass``) and
review deadline (``review_due_at``). Every later event of the request refers to it instead of
copying it: ``targets`` is ``[]`` and ``detail.requested_seq`` is the seq of that first event.
Every event keeps all of SPEC §4's fields (exports keep their columns; the reference is an empty
list, not a missing field), and the reference is inside the hashed body, so it cannot be
re-pointed unseen.
A refused click on a 10,000-target request is then about 500 bytes, not 160 KB. (Logs written
before this rule have later events that copy the targets and carry no ``requested_seq``.)

A one-row *head* (the last seq and its hash) moves in the same transaction as every event, so
deleting the newest events shows unless the head is moved back too; with a key the head also
holds a *seal*, an HMAC of its seq and hash that only the key can make (`bot.store.seal`).

**What this does and does not catch.** An unkeyed chain makes tampering *evident* to anyone who
did not also recompute every later hash: someone who can write the file can rewrite an event
and recompute the whole chain, undetectably. A keyed chain closes that to anyone without the
key. Truncation (deleting the newest events and moving the head back) is caught by `verify`:
keyed, by the head's seal; unkeyed, only when the events removed had changed a table (the
tables' cross-check; refused clicks change none). Anchors always catch it: a ``<seq>:<hash>``
pair kept elsewhere (``opsgate audit head``, the audit channel) that the log must still contain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import json.encoder
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import SecretStr

from bot.store.verdict import VerifyResult as VerifyResult

GENESIS_HASH: Final = "0" * 64
#: json's own string encoder (C when available), as `canonical_json` writes strings.
_encode_string: Final = json.encoder.encode_basestring
UNKEYED: Final = "sha256"
KEYED: Final = "hmac-sha256"

#: The keys of the hashed body, in the order `audit export` writes them (the hash sorts them).
BODY_FIELDS: Final = (
    "seq",
    "at",
    "request_id",
    "event",
    "actor",
    "operation",
    "targets",
    "detail",
    "prev_hash",
)

#: Every stored column of an event: the hashed body, then its hash.
EVENT_FIELDS: Final = (*BODY_FIELDS, "hash")

# What the key's fingerprint is an HMAC of: a fixed label, so it identifies the key without
# being a hash of anything in the log.
_FINGERPRINT_LABEL: Final = b"opsgate audit key fingerprint v1"
#: What a value whose JSON nests deeper than Python's parser recurses is (RecursionError):
#: unreadable, like any other JSON opsgate never writes.
TOO_DEEP: Final = "its JSON is nested too deeply to read (opsgate writes no such JSON)"


# Built once: `json.dumps` with these options builds a new encoder at every call, which was a
# tenth of an append's interpreter time. Same options, so the same text.
_CANONICAL: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(obj: Any) -> str:
    """Serialise `obj` the one way the chain hashes it: sorted keys, no spaces, real UTF-8.

    Raises:
        TypeError: `obj` holds something JSON cannot represent.
        ValueError: `obj` holds NaN or an infinity.
    """
    return _CANONICAL.encode(obj)


class ChainKey:
    """How this log's hashes are made: SHA-256, or HMAC-SHA256 under ``OPSGATE_AUDIT_KEY``.

    The key never leaves this object: it is not in its repr, and only its `fingerprint` (an
    HMAC of a fixed label, 16 hex digits) is ever stored or shown. A line break at the key's
    end is dropped, as every secret's (unless `exact`); `as_set` is then the key exactly as set,
    the key of a log keyed before opsgate dropped it (`bot.store.keying.check` picks it by the
    fingerprint the log records).
    """

    def __init__(self, key: SecretStr | None = None, *, exact: bool = False) -> None:
        text = None if key is None else key.get_secret_value()
        kept = text if text is None or exact else text.rstrip("\r\n") or text
        self._key = None if kept is None else kept.encode("utf-8")
        self.as_set: ChainKey | None = None if kept == text else ChainKey(key, exact=True)

    @property
    def algorithm(self) -> str:
        """``"sha256"`` or ``"hmac-sha256"``, as recorded in the database."""
        return UNKEYED if self._key is None else KEYED

    @property
    def fingerprint(self) -> str | None:
        """Identifies the key without revealing it; None for an unkeyed chain."""
        if self._key is None:
            return None
        return hmac.new(self._key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]

    def digest(self, prev_hash: str, body: Mapping[str, Any]) -> str:
        """The hash of one event over `prev_hash` and the canonical JSON of its body.

        Args:
            prev_hash: The previous event's hash (`GENESIS_HASH` for the first event).
            body: The event's `BODY_FIELDS`; any other key (such as ``hash``) is ignored.
        """
        hashed = {key: body[key] for key in BODY_FIELDS}
        return self.digest_text(prev_hash, canonical_json(hashed))

    def digest_text(self, prev_hash: str, body_json: str) -> str:
        """The hash of one event given its body's canonical JSON text."""
        message = (prev_hash + body_json).encode("utf-8")
        if self._key is None:
            return hashlib.sha256(message).hexdigest()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def secret(self) -> bytes | None:
        """The key's bytes, for `verify`'s worker processes only: they receive it through a
        pipe (never an argument, the environment or a log). None for an unkeyed chain."""
        return self._key

    def __repr__(self) -> str:
        return f"ChainKey(algorithm={self.algorithm!r}, fingerprint={self.fingerprint!r})"


#: The unkeyed chain's hasher.
SHA256: Final = ChainKey()


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """The unkeyed hash of one event: SHA-256 over `prev_hash` and its canonical JSON body."""
    return SHA256.digest(prev_hash, body)


@dataclass(frozen=True)
class ChainHead:
    """The last seq and hash, as recorded beside the events; also an anchor (``seq:hash``)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def verify_chain(
    rows: Iterable[Mapping[str, Any]], *, head: ChainHead | None, key: ChainKey = SHA256
) -> VerifyResult:
    """Check a chain of stored events, in seq order, against its head.

    Args:
        rows: Events as stored: the `BODY_FIELDS` plus ``hash``, with ``targets`` and ``detail``
            as JSON text. Ordered by ``seq``.
        head: The recorded head, or None when the head row itself is gone.
        key: How the hashes were made.

    Returns:
        The verdict, naming the first bad seq.
    """
    prev = ChainHead(seq=0, hash=GENESIS_HASH)
    checked = 0
    for row in rows:
        checked += 1
        problem = row_problem(row, prev, key)
        if problem is not None:
            bad_seq, text = problem
            return VerifyResult(ok=False, checked=checked, first_bad_seq=bad_seq, problem=text)
        prev = ChainHead(seq=int(row["seq"]), hash=str(row["hash"]))
    return check_head(prev, head, checked)


def row_problem(row: Mapping[str, Any], prev: ChainHead, key: ChainKey) -> tuple[int, str] | None:
    """What is wrong with one stored event, given the event before it; None when nothing."""
    seq = int(row["seq"])
    if seq != prev.seq + 1:
        return prev.seq + 1, f"event {prev.seq + 1} is missing (the next stored event is {seq})"
    if row["prev_hash"] != prev.hash:
        return seq, f"event {seq} does not follow event {prev.seq} (deleted or reordered)"
    return hash_problem(row, key)


def json_string(value: Any) -> str:
    """A string as `canonical_json` writes it (quoted, escaped, real UTF-8)."""
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return _encode_string(value)


def hash_problem(row: Mapping[str, Any], key: ChainKey) -> tuple[int, str] | None:
    """Whether one stored event's hash matches its own body and ``prev_hash``."""
    seq = int(row["seq"])
    unreadable = not_utf8(row)
    if unreadable is not None:
        return seq, f"event {seq} cannot be read: its {unreadable} is not UTF-8 text"
    try:
        body = {**row, "targets": json.loads(row["targets"]), "detail": json.loads(row["detail"])}
        expected = key.digest(str(row["prev_hash"]), body)
    except (TypeError, ValueError) as exc:
        return seq, f"event {seq} cannot be read: {exc}"
    except RecursionError:
        return seq, f"event {seq} cannot be read: {TOO_DEEP}"
    if row["hash"] != expected:
        return seq, f"event {seq} was changed after it was written (hash mismatch)"
    if any(row[name] != canonical_json(body[name]) for name in ("targets", "detail")):
        # What was hashed is intact, but not as it is stored: a duplicate key (which SQL's
        # JSON functions read first and Python last), spacing or key order changed since.
        return seq, f"event {seq} was rewritten after it was written (its JSON is not as hashed)"
    return None


def not_utf8(row: Mapping[str, Any]) -> str | None:
    """The first field of `row` whose text was stored as bytes that are not UTF-8 (read as
    lone surrogates by `bot.store.engine.Db.any_text`; no text opsgate writes holds one)."""
    return next((name for name, value in row.items() if not _utf8(value)), None)


def _utf8(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(_utf8(item) for item in value)
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_head(last: ChainHead, head: ChainHead | None, checked: int) -> VerifyResult:
    """Compare the last stored event with the recorded head."""
    if head is None:
        return VerifyResult(False, checked, last.seq or None, "the chain head record is missing")
    if head.seq > last.seq:
        text = f"event {last.seq + 1} is missing (the head records {head.seq} events)"
        return VerifyResult(False, checked, last.seq + 1, text)
    if head.seq < last.seq:
        text = f"event {head.seq + 1} was added outside opsgate (the head records {head.seq})"
        return VerifyResult(False, checked, head.seq + 1, text)
    if head.hash != last.hash:
        text = f"the chain head does not match event {last.seq} (head or event changed)"
        return VerifyResult(False, checked, last.seq, text)
    return VerifyResult(ok=True, checked=checked)
