"""SPEC §8's grammar: targets first, then flags; --reason takes words up to the next flag;
numeric brace ranges in targets; --force and --break-glass.

On the engine's own test specs (`grammar_specs`): a bulk operation (``globex ota-task cancel``),
one-target ones (``initech package delete``, ``acme widget delete``), a switch (``acme gadget``)
and a number flag (``acme order cancel``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from grammar_specs import CATALOG

from commands.model import OperationRequest, ParsedCommand, UsageError
from commands.parse import format_command, help_text
from commands.parse import parse as parse_with
from commands.spec import UsageTerms

ALIYUN = "globex ota-task cancel"
FLAGS = "--product a1OpsThermo --firmware fw-thermo-2.1.0"


def parse(text: str) -> ParsedCommand:
    return parse_with(text, CATALOG)


def request(text: str) -> OperationRequest:
    parsed = parse(text)
    assert isinstance(parsed, OperationRequest)
    return parsed


def error(text: str) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse(text)
    return caught.value


def test_an_unquoted_reason_is_every_word_up_to_the_end() -> None:
    parsed = request(f"{ALIYUN} thermo-001 {FLAGS} --reason bad firmware rollout")
    assert parsed.targets == ("thermo-001",)
    assert parsed.reason == "bad firmware rollout"


def test_an_unquoted_reason_stops_at_the_next_flag() -> None:
    parsed = request(f"{ALIYUN} thermo-001 --reason bad firmware rollout {FLAGS} --dry-run")
    assert parsed.reason == "bad firmware rollout"
    assert parsed.params["firmware"] == "fw-thermo-2.1.0"
    assert parsed.dry_run


def test_a_reason_given_with_equals_also_takes_the_following_words() -> None:
    assert request("initech package delete f1 --reason=bad firmware").reason == "bad firmware"


def test_quoted_and_bare_reason_words_join() -> None:
    assert request('initech package delete f1 --reason "INC-42:" stale pkg').reason == (
        "INC-42: stale pkg"
    )


def test_a_one_target_operation_takes_the_reason_words_not_extra_targets() -> None:
    parsed = request("initech package delete f1 --reason superseded by 2.4.0")
    assert parsed.targets == ("f1",)
    assert parsed.reason == "superseded by 2.4.0"


@pytest.mark.parametrize(
    ("text", "word", "flag"),
    [
        (f"{ALIYUN} thermo-001 {FLAGS} firmware rollout", "firmware", "--firmware"),
        ("initech package delete f1 --dry-run f2", "f2", "--dry-run"),
        ("acme widget delete --site s1 w1", "w1", "--site"),
        ("acme gadget delete g1 --no-cascade g2 --reason x", "g2", "--no-cascade"),
    ],
)
def test_a_bare_word_after_a_flag_that_takes_no_more_is_refused_by_name(
    text: str, word: str, flag: str
) -> None:
    caught = error(text)
    assert caught.message.startswith(f"'{word}' comes after {flag}")
    assert "targets before the first flag" in caught.message
    assert caught.field == word


def test_a_typo_never_adds_a_target() -> None:
    # The reason's words can only ever become the reason, on bulk operations too.
    parsed = request(f"{ALIYUN} thermo-001 {FLAGS} --reason thermo-002 thermo-003")
    assert parsed.targets == ("thermo-001",)
    assert parsed.reason == "thermo-002 thermo-003"


def test_history_refuses_a_word_after_its_flags() -> None:
    assert "'acme' comes after --mine" in error("history --mine acme").message


def test_a_brace_range_names_each_target_zero_padded_to_the_width_written() -> None:
    parsed = request(f"{ALIYUN} thermo-{{001..050}} {FLAGS} --reason halt")
    assert len(parsed.targets) == 50
    assert parsed.targets[:2] == ("thermo-001", "thermo-002")
    assert parsed.targets[-1] == "thermo-050"


def test_an_unpadded_range_and_a_descending_one() -> None:
    assert request(f"{ALIYUN} dev-{{9..11}} {FLAGS}").targets == ("dev-9", "dev-10", "dev-11")
    assert request(f"{ALIYUN} dev-{{3..1}} {FLAGS}").targets == ("dev-3", "dev-2", "dev-1")


def test_two_ranges_in_one_word_multiply() -> None:
    targets = request(f"{ALIYUN} rack{{1..2}}-dev{{01..03}} {FLAGS}").targets
    assert targets == (
        "rack1-dev01",
        "rack1-dev02",
        "rack1-dev03",
        "rack2-dev01",
        "rack2-dev02",
        "rack2-dev03",
    )


def test_ranges_mix_with_plain_names_and_commas_and_drop_duplicates() -> None:
    targets = request(f"{ALIYUN} dev-{{1..3}},dev-2 dev-7 {FLAGS}").targets
    assert targets == ("dev-1", "dev-2", "dev-3", "dev-7")


def test_repeated_targets_are_counted_as_dropped_so_the_requester_can_be_told() -> None:
    parsed = request(f"{ALIYUN} dev-{{001..003}} dev-002 dev-{{002..003}} {FLAGS}")
    assert parsed.targets == ("dev-001", "dev-002", "dev-003")
    assert parsed.duplicates == 3
    assert request(f"{ALIYUN} dev-1 dev-2 {FLAGS}").duplicates == 0


def test_the_limit_counts_distinct_targets_not_repeats_of_them() -> None:
    """SPEC §8: the operation takes up to 10,000 device names; a name repeated is still one
    device, so a full range with one of its names again is 10,000 targets, not 10,001."""
    parsed = request(f"{ALIYUN} thermo-{{00001..10000}} thermo-00001 thermo-00002 {FLAGS}")
    assert len(parsed.targets) == 10_000 and parsed.duplicates == 2
    over = error(f"{ALIYUN} thermo-{{00001..10000}} thermo-10001 {FLAGS}").message
    assert "takes at most 10,000" in over and "10,001 were given" in over
    crossed = error(f"{ALIYUN} t{{1..9000}}-{{1..9000}} {FLAGS}").message
    assert "81,000,000 were given" in crossed


def test_a_quoted_range_is_literal_and_refused_with_a_hint() -> None:
    caught = error(f'{ALIYUN} "dev-{{1..3}}" {FLAGS}')
    assert caught.field == "deviceName"
    assert "numeric ranges look like dev-{001..050}" in caught.message


def test_a_range_on_a_one_target_operation_says_how_many_it_names() -> None:
    caught = error("initech package delete pkg-{1..3} --reason x")
    assert caught.message == "`/ops initech package delete` takes one fileId; 3 were given."


def test_an_enormous_range_is_refused_by_the_limit_before_it_is_written_out() -> None:
    started = time.perf_counter()
    caught = error(f"{ALIYUN} dev-{{1..999999999}}-{{1..999999999}} {FLAGS}")
    assert "at most 10,000 deviceName values" in caught.message
    assert "999,999,998,000,000,001 were given" in caught.message
    assert time.perf_counter() - started < 5  # a guard against expanding it, not a benchmark


def test_a_range_with_ends_too_long_to_read_is_refused_as_too_large() -> None:
    caught = error(f"{ALIYUN} dev-{{1..999999999999999999999999}} {FLAGS}")
    assert caught.message == (
        "The range '{1..999999999999999999999999}' is too large: "
        "`/ops globex ota-task cancel` takes at most 10,000 deviceName values."
    )
    assert "not allowed" not in caught.message
    assert caught.field == "deviceName"


def test_an_empty_break_glass_is_shown_an_incident_ref_not_a_reason() -> None:
    caught = error('initech package delete f1 --reason x --break-glass ""')
    assert caught.message == '--break-glass needs some text, e.g. --break-glass "INC-42".'
    caught = error('initech package delete f1 --reason ""')
    assert caught.message == '--reason needs some text, e.g. --reason "stale job, INC-42".'


def test_ten_thousand_devices_by_range_are_accepted() -> None:
    assert len(request(f"{ALIYUN} dev{{00001..10000}} {FLAGS}").targets) == 10_000


def test_a_negative_number_flag_is_out_of_range_not_missing() -> None:
    caught = error("acme order cancel JOB-1 --reason-id -1")
    assert caught.message == "--reason-id must be from 0 to 2147483647; -1 is out of range."


def test_force_and_break_glass_are_read_and_written_back() -> None:
    parsed = request("initech package delete f1 --force --break-glass INC-77 fleet down --reason x")
    assert parsed.force
    assert parsed.break_glass == "INC-77 fleet down"
    assert parsed.reason == "x"
    assert request(format_command(parsed, CATALOG)) == parsed


def test_the_usage_under_an_error_shows_every_common_flag() -> None:
    caught = error('initech package delete f1 --break-glass --reason "x"')
    assert caught.message.startswith("--break-glass needs a value")
    assert caught.usage.startswith(
        'Usage: /ops initech package delete <fileId> [--reason "<text>"] [--dry-run] [--force] '
        '[--break-glass "<incident ref>"]\n'
    )
    text = help_text(CATALOG)
    assert '[--force] [--break-glass "<incident ref>"]' in text


def test_too_many_targets_is_said_before_a_bad_one_even_without_ranges() -> None:
    """SPEC §8: the count is checked "before anything else happens"; with ranges it was, with a
    plain list a bad name was named first and the count never."""
    names = " ".join(f"thermo-{n:05d}" for n in range(10_001))
    message = error(f"{ALIYUN} bad/1 {names} {FLAGS}").message
    assert "takes at most 10,000" in message and "10,002 were given" in message
    assert "'/' is not allowed" not in message


def test_a_count_over_the_operation_s_limit_is_told_the_policy_s_smaller_limit() -> None:
    """Under a policy allowing 20, "takes at most 10,000" would send the requester back with
    9,999 targets to be refused again; the limit that applies is said, and whose it is."""
    terms = under(max_targets=20)
    caught = parse_error(f"{ALIYUN} dev{{00001..10001}} {FLAGS}", terms=terms)
    assert caught.message == (
        "`/ops globex ota-task cancel` takes at most 20 deviceName values under the policy; "
        "10,001 were given."
    )
    huge = parse_error(f"{ALIYUN} dev-{{1..999999999999999999999999}} {FLAGS}", terms=terms)
    assert huge.message.endswith("takes at most 20 deviceName values under the policy.")
    one = under(max_targets=1)
    assert (
        "takes one deviceName under the policy;"
        in parse_error(f"{ALIYUN} dev{{00001..10001}} {FLAGS}", terms=one).message
    )


def test_a_count_within_the_operation_s_limit_is_left_to_the_policy() -> None:
    # Over the policy's limit only, the policy refuses the request, and that refusal is audited.
    terms = under(max_targets=20)
    parsed = parse_with(f"{ALIYUN} dev{{001..030}} {FLAGS}", CATALOG, terms=terms)
    assert isinstance(parsed, OperationRequest) and len(parsed.targets) == 30


def under(*, max_targets: int) -> Callable[[str], UsageTerms]:
    """A policy's terms limiting every operation to `max_targets`."""
    return lambda operation: UsageTerms(max_targets=max_targets)


def parse_error(text: str, *, terms: Callable[[str], UsageTerms]) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse_with(text, CATALOG, terms=terms)
    return caught.value


def test_a_target_typed_after_the_reason_is_said_to_have_gone_into_it() -> None:
    """``--reason`` takes every word up to the next flag: a target typed after it is its last
    word, and "Missing" alone would tell the typist they gave none."""
    caught = error("initech package delete --reason stale package f1")
    assert caught.message.endswith(
        "Targets come before the flags: --reason took 'stale package f1'."
    )
    assert caught.message.startswith("Missing ")
    assert caught.at_field == "Give the " + caught.message.split()[1].rstrip(":") + "."
    alone = error("initech package delete --reason stale")  # one word: no target in it
    assert "Targets come before" not in alone.message


def test_ranges_that_multiply_past_any_printable_count_are_a_usage_error() -> None:
    """Seed 0 of the size sweep in test_grammar_seeded.py: a word of 15,000 `{1..2}` ranges
    names 2**15000 targets, a number too long to write out; it is refused by the limit with
    a count that can be read, never a ValueError."""
    caught = error(f"{ALIYUN} d{'{1..2}' * 15_000} {FLAGS}")
    assert "takes at most 10,000 deviceName values" in caught.message
    assert "1,000,000,000,000,000,000,000,000,000,000 or more were given" in caught.message
    assert len(caught.message) < 300
