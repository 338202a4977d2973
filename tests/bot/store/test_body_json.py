"""An event's hashed body is assembled from its parts (`bot.store.body_json`) rather than
serialised whole: the text must be exactly what `canonical_json` writes for the body, or every
hash written from now on would disagree with SPEC §9's documented algorithm."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.store.body_json import SORTED_FIELDS, body_json
from bot.store.chain import BODY_FIELDS, canonical_json
from bot.store.rows import TIME_FORMAT, format_time

TEXT = st.text(st.characters(codec="utf-8"), max_size=20) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
BODIES = st.fixed_dictionaries(
    {
        "seq": st.integers(min_value=1, max_value=2**53),
        "at": TEXT,
        "request_id": TEXT,
        "event": TEXT,
        "actor": TEXT,
        "operation": TEXT,
        "targets": st.lists(TEXT, max_size=5),
        "detail": st.dictionaries(TEXT, JSON_VALUES, max_size=5),
        "prev_hash": TEXT,
    }
)


def _row(body: dict[str, Any]) -> dict[str, Any]:
    """The events row of `body`: its JSON values as canonical text."""
    return {
        **body,
        "targets": canonical_json(body["targets"]),
        "detail": canonical_json(body["detail"]),
    }


def test_the_assembled_fields_are_the_body_fields_in_sorted_order() -> None:
    assert tuple(sorted(BODY_FIELDS)) == SORTED_FIELDS


@settings(max_examples=400, deadline=None)
@given(BODIES)
def test_the_assembled_body_is_exactly_what_canonical_json_writes(body: dict[str, Any]) -> None:
    assert body_json(_row(body)) == canonical_json(body)


def test_escapes_quotes_and_control_characters_as_canonical_json_does() -> None:
    body = {
        "seq": 7,
        "at": "2026-11-28T06:00:00.000000Z",
        "request_id": 'R-"quoted"',
        "event": "denied",
        "actor": "U\\1\n\u2028",
        "operation": "acme.widget.delete",
        "targets": ["a\x00b", "ø"],
        "detail": {"reason": "tab\there", "z": [1.5, None, True]},
        "prev_hash": "0" * 64,
    }
    assembled = body_json(_row(body))
    assert assembled == canonical_json(body)
    assert json.loads(assembled) == body


@pytest.mark.parametrize("seq", [True, 7.0, "7"])
def test_a_seq_that_is_no_whole_number_is_refused(seq: object) -> None:
    body = {field: "x" for field in BODY_FIELDS} | {"targets": "[]", "detail": "{}", "seq": seq}
    with pytest.raises(TypeError, match="seq"):
        body_json(body)


def test_a_text_field_that_is_not_text_is_refused() -> None:
    body = {field: "x" for field in BODY_FIELDS} | {"targets": "[]", "detail": "{}", "seq": 1}
    with pytest.raises(TypeError):
        body_json({**body, "actor": None})


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-23 * 60, max_value=23 * 60),
)
def test_stored_times_are_written_as_strftime_wrote_them(moment: datetime, offset: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset)))
    assert format_time(aware) == aware.astimezone(UTC).strftime(TIME_FORMAT)
