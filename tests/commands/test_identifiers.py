"""Identifier rules: the strict default, and rules a vendor plugin may declare."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.identifiers import STRICT, IdentifierRule
from commands.model import UsageError

URL_SAFE = re.compile(r"[A-Za-z0-9._:@-]+")


@pytest.mark.parametrize(
    "value",
    ["a", "J1", "6f1a2b3c4d5e", "o15724268424841", "a.b_c:d-e", "_x", ".hidden", "x" * 128],
)
def test_strict_accepts(value: str) -> None:
    assert STRICT.check(value, field="jobId") == value


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("../x", "'/' is not allowed"),
        ("a/b", "'/' is not allowed"),
        ("%2F", "'%' is not allowed"),
        ("a b", "' ' is not allowed"),
        ("a?b", "'?' is not allowed"),
        ("a#b", "'#' is not allowed"),
        ("a&b", "'&' is not allowed"),
        ("dev@1", "'@' is not allowed"),
        ("jöb", "'ö' is not allowed"),
        ("１２３", "'１' is not allowed"),
        ("a\nb", "'⟨U+000A⟩' is not allowed"),
        ("a\u200bb", "Bad jobId 'a⟨U+200B⟩b': '⟨U+200B⟩' is not allowed"),
        ("pkg\\x", "Bad jobId 'pkg\\x': '\\' is not allowed"),
        ("a`b", "Bad jobId 'a⟨U+0060⟩b': a backtick is not allowed"),
        ("", "it is empty"),
        ("x" * 129, "129 characters long, longer than 128"),
        ("-x", "may not start with '-'"),
        ("..", "at least one letter or digit"),
        (".", "at least one letter or digit"),
    ],
)
def test_strict_refuses_naming_the_field(value: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        STRICT.check(value, field="jobId", usage="Usage: x")
    assert caught.value.field == "jobId"
    assert caught.value.message.startswith("Bad jobId ")
    assert problem in caught.value.message
    assert caught.value.usage == "Usage: x"


def test_long_values_are_cut_short_in_messages() -> None:
    with pytest.raises(UsageError) as caught:
        STRICT.check("y" * 5000, field="--org")
    assert len(caught.value.message) < 200


# A rule with "@" and a 4-32 length, and one only shorter than the default, as plugins declare.
WITH_AT = IdentifierRule(punctuation="._:@-", min_length=4, max_length=32)
SHORT = IdentifierRule(max_length=50)


@pytest.mark.parametrize("value", ["dev1", "meter@site-3", "a.b:c_d-e", "x" * 32])
def test_a_rule_with_at_and_lengths(value: str) -> None:
    assert WITH_AT.matches(value)


@pytest.mark.parametrize("value", ["abc", "x" * 33, "dev/1", "dev 1", "dev%1", "dev#1", "设备0001"])
def test_a_rule_with_at_and_lengths_refuses(value: str) -> None:
    assert not WITH_AT.matches(value)


def test_a_shorter_maximum() -> None:
    assert SHORT.matches("J" * 50)
    assert not SHORT.matches("J" * 51)


@pytest.mark.parametrize("punctuation", ["/", "._:-?", "%", "&", " ", "#", "é"])
def test_a_rule_may_not_allow_what_means_something_in_a_url(punctuation: str) -> None:
    with pytest.raises(ValueError, match="may not allow"):
        IdentifierRule(punctuation=punctuation)


@pytest.mark.parametrize(("low", "high"), [(0, 10), (5, 4)])
def test_a_rule_needs_sensible_lengths(low: int, high: int) -> None:
    with pytest.raises(ValueError, match="min_length"):
        IdentifierRule(min_length=low, max_length=high)


def test_rule_description() -> None:
    assert IdentifierRule().description == "letters, digits and `._:-` (1-128 characters)"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_nothing_url_unsafe_ever_matches(value: str) -> None:
    for rule in (STRICT, WITH_AT, SHORT):
        if rule.matches(value):
            assert URL_SAFE.fullmatch(value)
            assert not value.startswith("-")
            assert value.strip(".") != ""
