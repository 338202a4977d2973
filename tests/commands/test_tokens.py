"""The tokenizer: whitespace, straight and typographic quotes, escapes, Slack's HTML escaping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.model import UsageError
from commands.tokens import Word, quote, split_words, unescape_slack


def texts(text: str) -> list[str]:
    return [word.text for word in split_words(text)]


def test_splits_on_any_whitespace() -> None:
    assert texts(" a\tb\n c\u00a0d  ") == ["a", "b", "c", "d"]


def test_empty_and_blank_text_have_no_words() -> None:
    assert split_words("") == []
    assert split_words(" \n\t ") == []


@pytest.mark.parametrize(
    "text",
    [
        '"stale job, INC-42"',
        "'stale job, INC-42'",
        "“stale job, INC-42”",
        "‘stale job, INC-42’",
        "”stale job, INC-42”",  # some clients curl both quotes the same way
        '“stale job, INC-42"',
    ],
)
def test_quotes_straight_and_typographic(text: str) -> None:
    assert split_words(f"--reason {text} x") == [
        Word("--reason"),
        Word("stale job, INC-42", bare=False),
        Word("x"),
    ]


def test_quote_after_flag_equals_sign() -> None:
    assert texts('--reason="a b" c') == ["--reason=a b", "c"]
    assert texts("—reason=“a b”") == ["—reason=a b"]
    assert texts("−−reason=“a b”") == ["−−reason=a b"]


def test_apostrophes_inside_words_are_letters() -> None:
    assert texts("don't don’t it's") == ["don't", "don’t", "it's"]


def test_apostrophe_inside_single_quotes_does_not_close_them() -> None:
    assert texts("‘don’t stop’ x") == ["don’t stop", "x"]


def test_quotes_of_the_other_family_are_literal() -> None:
    assert texts("\"it's 'fine' ok\"") == ["it's 'fine' ok"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('"customer said “stop” today"', "customer said “stop” today"),
        ('“customer said "stop" today”', 'customer said "stop" today'),
        ("'rock ’n’ roll'", "rock ’n’ roll"),
        ('"he said “no” and “yes”"', "he said “no” and “yes”"),
        ("'it was ‘fine’ ok'", "it was ‘fine’ ok"),
        ('"“stop” he said"', "“stop” he said"),
    ],
)
def test_quotes_that_pair_up_inside_a_quoted_run_stay_in_it(text: str, reason: str) -> None:
    assert texts(f"--reason {text} --dry-run") == ["--reason", reason, "--dry-run"]


def test_a_quote_inside_a_run_that_does_not_pair_is_read_as_before() -> None:
    assert texts('"a "b c" d') == ['a "b c', "d"]
    assert texts('"a “b c" d') == ["a “b c", "d"]
    assert texts('"abc” d') == ["abc", "d"]  # a straight opener, curled closer: still a pair
    assert texts('“stale job, INC-42" d') == ["stale job, INC-42", "d"]


def test_a_stray_quote_cannot_carry_a_flag_into_the_reason() -> None:
    words = texts('--reason "a” “”“ --dry-run a”')
    assert words[:2] == ["--reason", "a"] and "--dry-run" in words


def test_a_long_text_of_quotes_that_never_pair_is_read_in_one_pass() -> None:
    # Each word opens a run that closes at once: read in one pass however long the text is
    # (a reading that looked ahead for pairs and fell back took minutes over this text).
    text = '""a" ' * 8_000
    assert texts(text) == ['"a'] * 8_000


def test_quoted_text_keeps_newlines_and_tabs() -> None:
    assert texts('"line one\n\tline two"') == ["line one\n\tline two"]


def test_backslash_escapes_quote_and_backslash_only() -> None:
    assert texts(r'"say \" hi" x') == ['say " hi', "x"]
    assert texts(r'"C:\temp\\"') == ["C:\\temp\\"]


def test_quote_char_inside_a_word_is_literal() -> None:
    assert texts('a"b c') == ['a"b', "c"]


def test_quoted_word_is_not_bare() -> None:
    assert split_words('"--org" --org') == [Word("--org", bare=False), Word("--org")]


def test_empty_quotes_are_an_empty_word() -> None:
    assert split_words('""') == [Word("", bare=False)]


@pytest.mark.parametrize("text", ['"abc', "“abc", "‘abc", '--reason="abc', '"a"b', '"abc\\"'])
def test_unterminated_quote_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="Unterminated quote"):
        split_words(text)


def test_an_unterminated_quote_says_how_to_type_it() -> None:
    with pytest.raises(UsageError) as caught:
        split_words("--reason ‘cause it broke --dry-run")
    assert caught.value.message == (
        "Unterminated quote: the ‘ at character 10 is never closed. Close it, or if it is meant "
        'as a letter, quote the words with the other kind: "‘cause …"'
    )


def test_unescape_slack_undoes_only_ampersand_and_angle_brackets() -> None:
    assert unescape_slack("a &amp; b &lt;x&gt; &quot;") == "a & b <x> &quot;"
    assert unescape_slack("&amp;lt;") == "&lt;"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_quote_round_trips_any_text(text: str) -> None:
    assert split_words(quote(text)) == [Word(text, bare=False)]
