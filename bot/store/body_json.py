"""An event body's canonical JSON, assembled from its parts (`bot.store.chain`).

An append writes its ``targets`` and ``detail`` as JSON text into the row anyway; serialising
the whole body once more to hash it would encode both again, and the encoder was a fifth of an
append's interpreter time. `canonical_json` sorts keys and writes no spaces, so a body's text is
its nine fields in sorted key order, each written as `canonical_json` writes it: the same bytes,
which the tests hold against `canonical_json` of the body itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bot.store.chain import json_string

#: `bot.store.chain.BODY_FIELDS` in the order `canonical_json` writes them (sorted).
SORTED_FIELDS: Final = (
    "actor",
    "at",
    "detail",
    "event",
    "operation",
    "prev_hash",
    "request_id",
    "seq",
    "targets",
)


def body_json(row: Mapping[str, Any]) -> str:
    """`canonical_json` of the hashed body of an ``events`` row, whose ``targets`` and
    ``detail`` are already canonical JSON text.

    Raises:
        TypeError: A field that must be text is not, or ``seq`` is no whole number.
    """
    seq = row["seq"]
    if type(seq) is not int:  # a bool would be written 1 here but true by canonical_json
        raise TypeError(f"seq must be a whole number, found {type(seq).__name__}")
    text = json_string
    return (
        f'{{"actor":{text(row["actor"])},"at":{text(row["at"])},"detail":{row["detail"]},'
        f'"event":{text(row["event"])},"operation":{text(row["operation"])},'
        f'"prev_hash":{text(row["prev_hash"])},"request_id":{text(row["request_id"])},'
        f'"seq":{seq},"targets":{row["targets"]}}}'
    )
