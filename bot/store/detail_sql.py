"""The SQL text of the ``requested`` detail a request's row implies, for `verify`'s
cross-check (`bot.store.crosscheck`): written as `canonical_json` writes it when it needs no
escaping, so that a row and its first event can be compared on the stored text, in the
database, without a Python object per event."""

from __future__ import annotations

from typing import Final

#: The keys of a ``requested`` detail, in canonical (sorted) order, and the row's column that
#: each reads from, as JSON (``text``: quoted; ``json``: stored as JSON text; ``null`` when
#: NULL). Release 1 wrote neither ``break_glass`` nor ``review_due_at``, and logs written
#: before the creation time was recorded have no ``created_at``: a request stored then
#: matches the detail without them.
_DETAIL_KEYS: Final = (
    ("approvals_needed", "integer"),
    ("break_glass", "text"),
    ("channel", "text"),
    ("created_at", "text"),
    ("expires_at", "text"),
    ("params", "json"),
    ("policy", "json"),
    ("preview", "json"),
    ("reason", "text"),
    ("review_due_at", "text"),
    ("sandbox", "boolean"),
)
_RECORDED_LATER: Final = frozenset({"created_at"})
_RELEASE_2_ONLY: Final = frozenset({"break_glass", "review_due_at"})


def _as_json(dialect: str, column: str, kind: str) -> str:
    """SQL for the JSON text of ``r.<column>``, written as `canonical_json` writes it when it
    needs no escaping (anything else makes the row a suspect, never a false match)."""
    value = f"r.{column}"
    if kind == "integer":
        return f"CAST({value} AS TEXT)" if dialect == "postgresql" else value
    if kind == "boolean":
        return f"CASE WHEN {value} <> 0 THEN 'true' ELSE 'false' END"
    if kind == "json":
        return f"coalesce({value}, 'null')"
    # PostgreSQL has no json_quote; to_json quotes text the same way, and keeps NULL.
    if dialect == "postgresql":
        return f"coalesce(to_json({value})::text, 'null')"
    # SQLite's json_quote refuses a BLOB (the whole query would fail): NULL then, which
    # printf writes as nothing, so the detail cannot match and the row is a suspect.
    return f"CASE WHEN typeof({value}) IN ('text', 'null') THEN json_quote({value}) END"


def _detail(dialect: str, keys: tuple[tuple[str, str], ...]) -> str:
    """The SQL text of the detail a row implies, with `keys`."""
    number = "%s" if dialect == "postgresql" else "%d"
    template = ",".join(f'"{key}":{number if kind == "integer" else "%s"}' for key, kind in keys)
    values = ", ".join(_as_json(dialect, key, kind) for key, kind in keys)
    function = "format" if dialect == "postgresql" else "printf"
    return f"{function}('{{{template}}}', {values})"


def detail_matches(dialect: str) -> str:
    """Whether the first event's detail is the one the row implies, as this release writes it
    or as an earlier one did (the chain fixes which: a detail that records ``created_at``
    matches only a row with that ``created_at``).

    A CASE, which builds an earlier release's detail only when the current one differs: SQLite
    reads ``x = a OR x = b`` as ``x IN (a, b)`` and built all three for every request (a sixth
    of the query's time over a million events)."""
    current = _detail(dialect, _DETAIL_KEYS)
    before = _detail(dialect, _without(_RECORDED_LATER))
    release_1 = _detail(dialect, _without(_RECORDED_LATER | _RELEASE_2_ONLY))
    return (
        f"(CASE WHEN f.detail = {current} THEN TRUE WHEN f.detail = {before} THEN TRUE "
        f"WHEN r.break_glass IS NULL AND r.review_due_at IS NULL AND f.detail = {release_1} "
        "THEN TRUE ELSE FALSE END)"
    )


def _without(keys: frozenset[str]) -> tuple[tuple[str, str], ...]:
    return tuple(key for key in _DETAIL_KEYS if key[0] not in keys)
