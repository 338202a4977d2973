"""Identifier rules: the strict default and the vendor-documented variants."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.identifiers import ALIYUN_DEVICE_NAME, SERVICEPOWER_JOB_ID, STRICT, IdentifierRule
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
        ("a\nb", "'\\n' is not allowed"),
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


@pytest.mark.parametrize("value", ["dev1", "meter@site-3", "a.b:c_d-e", "x" * 32])
def test_aliyun_device_names(value: str) -> None:
    assert ALIYUN_DEVICE_NAME.matches(value)


@pytest.mark.parametrize("value", ["abc", "x" * 33, "dev/1", "dev 1", "dev%1", "dev#1", "设备0001"])
def test_aliyun_device_names_refused(value: str) -> None:
    assert not ALIYUN_DEVICE_NAME.matches(value)


def test_servicepower_job_id_is_at_most_50() -> None:
    assert SERVICEPOWER_JOB_ID.matches("J" * 50)
    assert not SERVICEPOWER_JOB_ID.matches("J" * 51)


def test_rule_description() -> None:
    assert IdentifierRule().description == "letters, digits and ._:- (1-128 characters)"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_nothing_url_unsafe_ever_matches(value: str) -> None:
    for rule in (STRICT, ALIYUN_DEVICE_NAME, SERVICEPOWER_JOB_ID):
        if rule.matches(value):
            assert URL_SAFE.fullmatch(value)
            assert not value.startswith("-")
            assert value.strip(".") != ""
