"""Grammar shared by every operation: flags, did-you-mean, Slack's escaping and dashes."""

from __future__ import annotations

import pytest

from commands.model import HelpCommand, OperationRequest, UsageError
from commands.parse import MAX_TEXT_LENGTH, parse

ENOS = "enos ota-job delete j1 --org o1"


def error(text: str) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse(text)
    return caught.value


def request(text: str) -> OperationRequest:
    parsed = parse(text)
    assert isinstance(parsed, OperationRequest)
    return parsed


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_help(text: str) -> None:
    assert parse(text) == HelpCommand()


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        ("enso ota-job delete j1", "Unknown vendor 'enso'", "/ops enos ota-job delete"),
        ("alyun ota-task cancel d001", "Unknown vendor 'alyun'", "/ops aliyun ota-task cancel"),
        ("huawie device delete d1", "Unknown vendor 'huawie'", "/ops huawei device delete"),
        ("enos ota-jobs delete j1", "Unknown resource 'ota-jobs'", "/ops enos ota-job delete"),
        ("huawei devices delete d1", "Unknown resource 'devices'", "/ops huawei device delete"),
        ("huawei pakage delete f1", "Unknown resource 'pakage'", "/ops huawei package delete"),
        ("enos ota-job remove j1", "Unknown action 'remove'", "/ops enos ota-job delete"),
        ("aliyun ota-task cancle d001", "Unknown action 'cancle'", "/ops aliyun ota-task cancel"),
        ("servicepower job cancl j1", "Unknown action 'cancl'", "/ops servicepower job cancel"),
    ],
)
def test_did_you_mean_for_command_words(text: str, message: str, usage: str) -> None:
    caught = error(text)
    assert message in caught.message
    assert f"did you mean `{usage}`?" in caught.message
    assert caught.usage.startswith(f"Usage: {usage} ")
    assert "Example: /ops" in caught.usage


@pytest.mark.parametrize(("typed", "meant"), [("hepl", "help"), ("histroy", "history")])
def test_did_you_mean_for_other_commands(typed: str, meant: str) -> None:
    caught = error(typed)
    assert f"did you mean `/ops {meant}`?" in caught.message
    assert caught.usage.startswith(f"Usage: /ops {meant}")


def test_nothing_close_lists_the_vendors_and_every_command() -> None:
    caught = error("kubernetes pod delete p1")
    assert "opsgate knows enos, aliyun, huawei, servicepower" in caught.message
    assert caught.field == "vendor"
    assert "/ops servicepower job cancel <jobId>" in caught.usage
    assert "/ops status <request-id>" in caught.usage


@pytest.mark.parametrize("text", ["huawei", "huawei device", "huawei device --app a1"])
def test_incomplete_command(text: str) -> None:
    caught = error(text)
    assert "Incomplete command" in caught.message
    assert "/ops huawei device delete" in caught.usage


@pytest.mark.parametrize(
    ("flag", "meant"),
    [("--orgg", "--org"), ("--dryrun", "--dry-run"), ("--reson", "--reason"), ("-org", "--org")],
)
def test_did_you_mean_for_flags(flag: str, meant: str) -> None:
    caught = error(f"{ENOS} {flag} x")
    assert f"did you mean {meant}?" in caught.message
    assert caught.field == flag
    assert caught.usage.startswith("Usage: /ops enos ota-job delete")


def test_unknown_flag_with_nothing_close_lists_the_flags() -> None:
    caught = error(f"{ENOS} --zzzzzzzz")
    assert "its flags are --org, --reason, --dry-run" in caught.message


def test_flag_given_twice() -> None:
    caught = error(f"{ENOS} --org=o2")
    assert caught.message == "--org is given twice; give it once."
    assert caught.field == "--org"


def test_common_flag_given_twice() -> None:
    assert error(f"{ENOS} --dry-run --dry-run").field == "--dry-run"


@pytest.mark.parametrize(
    "text", ["enos ota-job delete j1 --org", "enos ota-job delete j1 --org --dry-run"]
)
def test_flag_without_value(text: str) -> None:
    caught = error(text)
    assert caught.message == "--org needs a value: --org <orgId>."


def test_reason_without_value() -> None:
    assert error(f"{ENOS} --reason").field == "--reason"


def test_dry_run_takes_no_value() -> None:
    assert error(f"{ENOS} --dry-run=yes").message == "--dry-run takes no value."


def test_quoted_flag_is_a_value_not_a_flag() -> None:
    assert request(f'{ENOS} --reason "--force"').reason == "--force"


def test_reason_may_be_one_bare_word() -> None:
    assert request(f"{ENOS} --reason INC-42").reason == "INC-42"


def test_apostrophe_in_an_unquoted_reason_word() -> None:
    assert request(f"{ENOS} --reason don’t").reason == "don’t"


def test_unterminated_quote() -> None:
    caught = error(f'{ENOS} --reason "stale job')
    assert "Unterminated quote" in caught.message


def test_empty_reason() -> None:
    assert error(f'{ENOS} --reason ""').field == "--reason"


def test_reason_is_stripped_and_keeps_newlines() -> None:
    assert request(f'{ENOS} --reason " line one\nline two "').reason == "line one\nline two"


@pytest.mark.parametrize("dash", ["—", "–"])
def test_slack_dashes_read_as_double_hyphen(dash: str) -> None:
    parsed = request(f"enos ota-job delete j1 {dash}org o1 {dash}dry-run {dash}reason=“x y”")
    assert parsed.params == {"org": "o1"}
    assert parsed.dry_run
    assert parsed.reason == "x y"


def test_slack_html_escaping_is_undone() -> None:
    assert request(f'{ENOS} --reason "R&amp;D &lt;3 &gt;_&lt;"').reason == "R&D <3 >_<"


def test_escaped_ampersand_in_an_identifier_is_still_refused() -> None:
    assert error("enos ota-job delete j1&amp;x=1 --org o1").field == "jobId"


def test_text_longer_than_the_limit() -> None:
    assert "too long" in error("x" * (MAX_TEXT_LENGTH + 1)).message


def test_a_pasted_leading_slash_ops_is_ignored() -> None:
    assert parse(f"/ops {ENOS}") == parse(ENOS)
    assert parse("/OPS") == HelpCommand()


def test_a_quoted_slash_ops_is_not_ignored() -> None:
    assert error(f'"/ops" {ENOS}').field == "vendor"


@pytest.mark.parametrize(
    "text",
    [
        "e" * 100_000,
        "enos " + "o" * 100_000,
        "enos ota-job delete j --" + "o" * 100_000,
        "history --" + "m" * 100_000,
        "help " + "a" * 100_000,
        "status " + "r" * 100_000,
        "enos ota-job delete j --org o --reason-id=" + "9" * 100_000,
        "servicepower job cancel j --reason-id=" + "9" * 100_000,
        # Many quote characters in one word: reading it must stay linear.
        "enos ota-job delete j --org o --reason=" + 'a"' * 100_000,
        "--a=" + '"="' * 50_000,
    ],
)
def test_huge_input_gets_a_short_message(text: str) -> None:
    caught = error(text)
    assert len(caught.message) < 300
    assert len(caught.field or "") <= 64
