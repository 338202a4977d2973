"""`help`, `history` and `status`, over the test catalog (`grammar_specs`)."""

from __future__ import annotations

import pytest
from grammar_specs import CATALOG

from commands.model import HelpCommand, HistoryCommand, ParsedCommand, StatusCommand, UsageError
from commands.parse import parse as parse_with


def parse(text: str) -> ParsedCommand:
    return parse_with(text, CATALOG)


def error(text: str) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", HelpCommand()),
        ("HELP", HelpCommand()),
        ("help globex", HelpCommand(vendor="globex")),
        ("help Initech", HelpCommand(vendor="initech")),
    ],
)
def test_help(text: str, expected: HelpCommand) -> None:
    assert parse(text) == expected


def test_help_unknown_vendor_suggests() -> None:
    caught = error("help globx")
    assert "did you mean `globex`?" in caught.message
    assert caught.field == "vendor"
    assert caught.usage == "Usage: /ops help [vendor]\nExample: /ops help acme"


@pytest.mark.parametrize("text", ["help acme initech", "help --all"])
def test_help_takes_one_word(text: str) -> None:
    assert "at most one word" in error(text).message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("history", HistoryCommand()),
        ("history --mine", HistoryCommand(mine=True)),
        ("history --vendor acme", HistoryCommand(vendor="acme")),
        (
            "history --vendor=ACME --limit=100 --mine",
            HistoryCommand(mine=True, vendor="acme", limit=100),
        ),
        ("history --limit 1", HistoryCommand(limit=1)),
        ("history —mine", HistoryCommand(mine=True)),
        ("history --unreviewed", HistoryCommand(unreviewed=True)),
        (
            "history --unreviewed --mine --limit 5",
            HistoryCommand(unreviewed=True, mine=True, limit=5),
        ),
    ],
)
def test_history(text: str, expected: HistoryCommand) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("history --limit 0", "--limit", "from 1 to 100"),
        ("history --limit 101", "--limit", "from 1 to 100"),
        ("history --limit ten", "--limit", "whole number"),
        ("history --limit", "--limit", "needs a value"),
        ("history --vendor", "--vendor", "needs a value"),
        ("history --vendor acem", "--vendor", "did you mean `acme`?"),
        ("history --vendor zzzzzz", "--vendor", "opsgate knows `acme`, `globex`, `initech`."),
        ("history --mine=yes", "--mine", "takes no value"),
        ("history --mine --mine", "--mine", "given twice"),
        ("history --unreviewed=yes", "--unreviewed", "takes no value"),
    ],
)
def test_history_errors(text: str, field: str, message: str) -> None:
    caught = error(text)
    assert caught.field == field
    assert message in caught.message
    assert caught.usage.startswith("Usage: /ops history")


@pytest.mark.parametrize("text", ["help lobster", "help intel", "history --vendor inches"])
def test_a_vendor_nothing_is_close_to_is_not_given_a_did_you_mean(text: str) -> None:
    message = error(text).message
    assert "did you mean" not in message
    assert "opsgate knows `acme`, `globex`" in message


def test_history_given_an_operation_flag_lists_its_own() -> None:
    message = error("history --reason x").message
    assert "did you mean" not in message
    assert "its flags are `--mine`" in message


def test_history_unknown_flag_suggests() -> None:
    assert "did you mean `--mine`?" in error("history --min").message
    unknown = error("history --zzzzzz").message
    assert "its flags are `--mine`, `--unreviewed`, `--vendor`, `--limit`" in unknown
    assert "did you mean `--unreviewed`?" in error("history --unreveiwed").message


def test_history_takes_no_words() -> None:
    assert "takes only flags" in error("history acme").message


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("history --mine extra", "'extra' comes after --mine, which takes no value"),
        ("history --limit 5 extra", "'extra' comes after --limit, which takes one value"),
    ],
)
def test_a_word_after_history_flags_is_named_without_speaking_of_targets(
    text: str, said: str
) -> None:
    """`history` takes no targets: telling someone to put them before the flags misleads."""
    assert error(text).message == f"{said}: `/ops history` takes no words beyond its flags."


@pytest.mark.parametrize(
    ("text", "request_id"),
    [
        ("status R-7K3F9QW2", "R-7K3F9QW2"),
        ("status r-7k3f9qw2", "R-7K3F9QW2"),
        ("STATUS  R-7k3F9qW2 ", "R-7K3F9QW2"),
        # Crockford base32 reads I and L as 1 and O as 0.
        ("status R-7K3F9QWO", "R-7K3F9QW0"),
        ("status r-lk3f9qwi", "R-1K3F9QW1"),
    ],
)
def test_status(text: str, request_id: str) -> None:
    typed = text.split()[1]
    assert parse(text) == StatusCommand(request_id=request_id, typed=typed)


@pytest.mark.parametrize(
    "text",
    [
        "status R-7K3F9QW",
        "status R-7K3F9QW23",
        "status 7K3F9QW2",
        "status R-7K3F9QU2",
        "status R_7K3F9QW2",
        "status R-7K3F9QWı",  # dotless i upper-cases to an ASCII I
    ],
)
def test_status_bad_request_id(text: str) -> None:
    caught = error(text)
    assert caught.field == "request-id"
    assert "R-7K3F9QW2" in caught.message


@pytest.mark.parametrize("text", ["status", "status R-7K3F9QW2 R-7K3F9QW3", "status --mine"])
def test_status_takes_one_id(text: str) -> None:
    assert "takes one request id" in error(text).message


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("status 7K3F9QW2", "R-7K3F9QW2"),  # as the console's own commands take it
        ("status qhck3jk2", "R-QHCK3JK2"),
        ("status R_7K3F9QW2", "R-7K3F9QW2"),
        ("status r7k3f9qw2", "R-7K3F9QW2"),
    ],
)
def test_status_of_an_id_without_its_dash_says_which_id_to_type(text: str, meant: str) -> None:
    """At 3 a.m. the id typed without `R-` (or with `_`) is refused, but the answer says the
    id to type instead of only what ids look like."""
    caught = error(text)
    assert caught.field == "request-id"
    assert f"did you mean `{meant}`?" in caught.message


def test_status_of_something_else_suggests_no_id() -> None:
    assert "did you mean" not in error("status R-7K3F9QW").message


def test_status_without_an_id_says_where_to_find_one() -> None:
    """`/ops status` alone at 3 a.m.: the answer says where the id is, not only its shape."""
    assert "`/ops history --mine` lists yours" in error("status").message
