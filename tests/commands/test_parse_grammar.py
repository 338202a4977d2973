"""Grammar shared by every operation: flags, did-you-mean, Slack's escaping and dashes.

The engine is tested on small specs made for the test (`grammar_specs`), not on a real vendor.
"""

from __future__ import annotations

import pytest
from grammar_specs import CATALOG

from commands.catalog import Catalog
from commands.model import HelpCommand, OperationRequest, ParsedCommand, UsageError
from commands.parse import MAX_TEXT_LENGTH
from commands.parse import parse as parse_with

ACME = "acme widget delete w1 --site s1"


def parse(text: str) -> ParsedCommand:
    return parse_with(text, CATALOG)


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
        ("acem widget delete w1", "Unknown vendor 'acem'", "/ops acme widget delete"),
        ("globx ota-task cancel d001", "Unknown vendor 'globx'", "/ops globex ota-task cancel"),
        ("initch package delete f1", "Unknown vendor 'initch'", "/ops initech package delete"),
        ("acme widgets delete w1", "Unknown resource 'widgets'", "/ops acme widget delete"),
        ("acme gadgets delete g1", "Unknown resource 'gadgets'", "/ops acme gadget delete"),
        ("initech pakage delete f1", "Unknown resource 'pakage'", "/ops initech package delete"),
        ("acme widget remove w1", "Unknown action 'remove'", "/ops acme widget delete"),
        ("globex ota-task cancle d001", "Unknown action 'cancle'", "/ops globex ota-task cancel"),
        ("acme order cancl o1", "Unknown action 'cancl'", "/ops acme order cancel"),
    ],
)
def test_did_you_mean_for_command_words(text: str, message: str, usage: str) -> None:
    caught = error(text)
    assert message in caught.message
    assert f"did you mean `{usage}`?" in caught.message
    assert caught.usage.startswith(f"Usage: {usage} ")
    assert "Example: /ops" in caught.usage


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("hepl", "help"), ("hlep", "help"), ("histroy", "history"), ("stauts", "status")],
)
def test_did_you_mean_for_other_commands(typed: str, meant: str) -> None:
    caught = error(typed)
    assert caught.message == f"Unknown command '{typed}': did you mean `/ops {meant}`?"
    assert "vendor" not in caught.message
    assert caught.usage.startswith(f"Usage: /ops {meant}")


def test_nothing_close_lists_the_vendors_and_every_command() -> None:
    caught = error("kubernetes pod delete p1")
    assert "opsgate knows `acme`, `globex`, `initech`" in caught.message
    assert caught.field == "vendor"
    assert "/ops acme order cancel <orderId>" in caught.usage
    assert "/ops status <request-id>" in caught.usage


@pytest.mark.parametrize("text", ["acme", "acme gadget", "acme gadget --app a1"])
def test_incomplete_command(text: str) -> None:
    caught = error(text)
    assert "Incomplete command" in caught.message
    assert "/ops acme gadget delete" in caught.usage


@pytest.mark.parametrize(
    ("flag", "meant"),
    [
        ("--sitee", "--site"),
        ("--dryrun", "--dry-run"),
        ("--reson", "--reason"),
        ("-site", "--site"),
    ],
)
def test_did_you_mean_for_flags(flag: str, meant: str) -> None:
    caught = error(f"{ACME} {flag} x")
    assert f"did you mean `{meant}`?" in caught.message
    assert caught.field == flag
    assert caught.usage.startswith("Usage: /ops acme widget delete")


@pytest.mark.parametrize(
    ("flag", "meant"),
    [("--forse", "--force"), ("--dry", "--dry-run"), ("--reasonid", "--reason-id")],
)
def test_did_you_mean_offers_a_close_flag(flag: str, meant: str) -> None:
    assert f"did you mean `{meant}`?" in error(f"acme order cancel o1 {flag}").message


@pytest.mark.parametrize(
    ("text", "home"),
    [
        ("initech package delete f1 --no-cascade", "/ops acme gadget delete"),
        (f"{ACME} --product p1", "/ops globex ota-task cancel"),
        (
            "globex ota-task cancel d001 --product p --firmware f --site s1",
            "/ops acme widget delete",
        ),
    ],
)
def test_a_flag_of_another_operation_names_it_and_never_offers_force(text: str, home: str) -> None:
    message = error(text).message
    assert f"that is a flag of `{home}`" in message
    assert "did you mean" not in message


@pytest.mark.parametrize("flag", ["--org", "--product", "--xyz", "--no-cascade"])
def test_nothing_far_off_is_offered_as_did_you_mean(flag: str) -> None:
    assert "did you mean" not in error(f"initech package delete f1 {flag}").message


def test_a_flag_with_a_tail_offers_the_flag_it_starts_with() -> None:
    assert "did you mean `--app`?" in error("acme gadget delete g1 --app-id a").message


def test_the_positive_of_a_no_switch_says_it_is_the_default() -> None:
    message = error("acme gadget delete g1 --cascade").message
    assert "cascade is the default, so leave it out" in message
    assert "`--no-cascade` would keep the gadgets attached to it" in message
    assert "did you mean" not in message


def test_a_space_after_the_dashes_suggests_the_flag_it_split() -> None:
    caught = error(f"{ACME} -- reason x")
    assert "If you meant `--reason`, write it without the space; if the dash" in caught.message


@pytest.mark.parametrize("dash", ["-", "–", "—"])
def test_a_dash_in_an_unquoted_reason_says_to_quote_the_text(dash: str) -> None:
    # "job hung – force stop failed": the dash is punctuation, not a split --force
    caught = error(f"{ACME} --reason job hung {dash} force stop failed")
    assert 'if the dash is part of the text, quote it: --reason "… – …"' in caught.message
    assert "did you mean" not in caught.message


def test_a_dash_before_no_flag_word_says_to_quote_the_text_in_a_sentence_of_its_own() -> None:
    caught = error(f"{ACME} --reason rollback - bad firmware")
    assert caught.message.endswith(
        'a lone dash starts a flag. If the dash is part of the text, quote it: --reason "… – …".'
    )


def test_unknown_flag_with_nothing_close_lists_the_flags() -> None:
    caught = error(f"{ACME} --zzzzzzzz")
    assert "its flags are `--site`, `--reason`, `--dry-run`" in caught.message


def test_flag_given_twice() -> None:
    caught = error(f"{ACME} --site=s2")
    assert caught.message == "--site is given twice; give it once."
    assert caught.field == "--site"


def test_common_flag_given_twice() -> None:
    assert error(f"{ACME} --dry-run --dry-run").field == "--dry-run"


@pytest.mark.parametrize(
    "text", ["acme widget delete w1 --site", "acme widget delete w1 --site --dry-run"]
)
def test_flag_without_value(text: str) -> None:
    caught = error(text)
    assert caught.message == "--site needs a value: --site <siteId>."


def test_everything_missing_is_reported_in_one_answer() -> None:
    caught = error("acme widget delete")
    assert caught.message == (
        "Missing widgetId and --site: `/ops acme widget delete` needs <widgetId> and "
        "--site <siteId>."
    )
    assert [(e.field, e.message) for e in caught.each] == [
        ("widgetId", "Missing widgetId: `/ops acme widget delete` needs <widgetId>."),
        ("--site", "Missing --site: `/ops acme widget delete` needs --site <siteId>."),
    ]
    assert caught.field == "widgetId"
    assert caught.usage.startswith("Usage: /ops acme widget delete")


def test_missing_targets_of_an_operation_that_takes_several_are_said_in_words() -> None:
    caught = error("globex ota-task cancel --product p1 --firmware f1 --reason x")
    assert caught.message == (
        "Missing deviceName: `/ops globex ota-task cancel` needs one or more <deviceName>."
    )


def test_every_wrong_field_is_reported_once_each() -> None:
    caught = error("globex ota-task cancel meter-1 ../etc m@x/ --product p/1 --reason x")
    assert [e.field for e in caught.each] == ["deviceName", "--product", "--firmware"]
    first_bad, bad_product, missing = caught.message.splitlines()
    assert first_bad.startswith("Bad deviceName '../etc'")  # the first bad target only
    assert bad_product.startswith("Bad --product 'p/1'")
    assert missing.startswith("Missing --firmware: ")


def test_one_wrong_field_is_one_error() -> None:
    caught = error("acme widget delete w1")
    assert caught.each == (caught,)
    assert caught.message == "Missing --site: `/ops acme widget delete` needs --site <siteId>."


def test_reason_without_value() -> None:
    assert error(f"{ACME} --reason").field == "--reason"


def test_dry_run_takes_no_value() -> None:
    assert error(f"{ACME} --dry-run=yes").message == "--dry-run takes no value."


def test_quoted_flag_is_a_value_not_a_flag() -> None:
    assert request(f'{ACME} --reason "--force"').reason == "--force"


def test_reason_may_be_one_bare_word() -> None:
    assert request(f"{ACME} --reason INC-42").reason == "INC-42"


def test_apostrophe_in_an_unquoted_reason_word() -> None:
    assert request(f"{ACME} --reason don’t").reason == "don’t"


def test_unterminated_quote() -> None:
    caught = error(f'{ACME} --reason "stale job')
    assert "Unterminated quote" in caught.message


def test_empty_reason() -> None:
    assert error(f'{ACME} --reason ""').field == "--reason"


def test_reason_is_stripped_and_keeps_newlines() -> None:
    assert request(f'{ACME} --reason " line one\nline two "').reason == "line one\nline two"


@pytest.mark.parametrize("dash", ["—", "–"])
def test_slack_dashes_read_as_double_hyphen(dash: str) -> None:
    parsed = request(f"acme widget delete w1 {dash}site s1 {dash}dry-run {dash}reason=“x y”")
    assert parsed.params == {"site": "s1"}
    assert parsed.dry_run
    assert parsed.reason == "x y"


# Every character Slack clients or pasted documents put where a hyphen was typed.
LOOK_ALIKES = [chr(c) for c in range(0x2010, 0x2016)] + ["\u2212", "\ufe58", "\ufe63", "\uff0d"]
LOOK_ALIKES += ["\u2e3a", "\u2e3b"]


@pytest.mark.parametrize("dash", LOOK_ALIKES)
@pytest.mark.parametrize("times", [1, 2])
def test_a_look_alike_dash_after_the_reason_starts_a_flag(dash: str, times: int) -> None:
    flag = dash * times
    parsed = request(f"acme gadget delete g1 --reason keep meters {flag}no-cascade {flag}dry-run")
    assert parsed.reason == "keep meters"
    assert parsed.params == {"cascade": False}
    assert parsed.dry_run


@pytest.mark.parametrize("dash", LOOK_ALIKES)
def test_a_look_alike_dash_on_an_unknown_flag_is_an_error_not_reason_text(dash: str) -> None:
    caught = error(f"{ACME} --reason x {dash}{dash}dryrun")
    assert f"Unknown flag '{dash}{dash}dryrun'" in caught.message


def test_a_mixed_dash_flag_is_quoted_back_as_typed() -> None:
    caught = error(f"{ACME} --reason x —-dryrun")
    assert "Unknown flag '—-dryrun'" in caught.message


def test_a_quoted_look_alike_dash_stays_reason_text() -> None:
    assert request(f'{ACME} --reason x "−−dry-run"').reason == "x −−dry-run"


def test_slack_html_escaping_is_undone() -> None:
    assert request(f'{ACME} --reason "R&amp;D &lt;3 &gt;_&lt;"').reason == "R&D <3 >_<"


def test_escaped_ampersand_in_an_identifier_is_still_refused() -> None:
    assert error("acme widget delete w1&amp;x=1 --site s1").field == "widgetId"


def test_text_longer_than_the_limit() -> None:
    assert "too long" in error("x" * (MAX_TEXT_LENGTH + 1)).message


def test_a_pasted_leading_slash_ops_is_ignored() -> None:
    assert parse(f"/ops {ACME}") == parse(ACME)
    assert parse("/OPS") == HelpCommand()


def test_a_quoted_slash_ops_is_not_ignored() -> None:
    assert error(f'"/ops" {ACME}').field == "vendor"


@pytest.mark.parametrize(
    "text",
    [
        "e" * 100_000,
        "acme " + "o" * 100_000,
        "acme widget delete w --" + "o" * 100_000,
        "history --" + "m" * 100_000,
        "help " + "a" * 100_000,
        "status " + "r" * 100_000,
        "acme widget delete w --site s --reason-id=" + "9" * 100_000,
        "acme order cancel o --reason-id=" + "9" * 100_000,
        # Many quote characters in one word: reading it must stay linear.
        "acme widget delete w --site s --reason=" + 'a"' * 100_000,
        "--a=" + '"="' * 50_000,
    ],
)
def test_huge_input_gets_a_short_message(text: str) -> None:
    caught = error(text)
    assert len(caught.message) < 300
    assert len(caught.field or "") <= 64


# -- a catalog is whatever specs it is given ------------------------------------------------------


def test_an_empty_catalog_knows_no_operation_but_still_helps() -> None:
    empty = Catalog(())
    with pytest.raises(UsageError, match="no vendor plugin is installed") as caught:
        parse_with("acme widget delete w1", empty)
    assert "/ops help [vendor]" in caught.value.usage
    assert parse_with("help", empty) == HelpCommand()
    with pytest.raises(UsageError, match="no vendor plugin is installed"):
        parse_with("help acme", empty)
    assert empty.meta_usage("help").endswith("/ops help <vendor>")


def test_a_catalog_refuses_two_operations_with_one_id() -> None:
    with pytest.raises(ValueError, match=r"two operations are called acme\.widget\.delete"):
        Catalog((*CATALOG.operations, CATALOG.spec_for("acme.widget.delete")))


def test_a_catalog_keeps_the_order_it_is_given() -> None:
    assert CATALOG.vendors == ("acme", "globex", "initech")
    assert CATALOG.ids[:3] == ("acme.widget.delete", "acme.gadget.delete", "acme.order.cancel")
    reversed_ = Catalog(reversed(CATALOG.operations))
    assert reversed_.vendors == ("initech", "globex", "acme")
    assert reversed_.meta_usage("history").endswith("--vendor initech --limit 50")
