"""Refusals and notices: live references in mrkdwn, readable ids in plain text, and copyable
code with nothing invisible inside (issue 7 item 8)."""

from __future__ import annotations

import json

import pytest
from block_kit import block_problems

from bot.cards import Message, mrkdwn, notice_message, plain, refusal_message
from bot.cards.sentences import approvers_parts, notification
from bot.model import Anyone, Approvers, Channel, Code, Group, Notice, Refusal, User

INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060")
REFUSAL = Refusal(
    "Only ",
    Group("S0OPSLEADS"),
    " or ",
    User("U0BOB"),
    " may approve in ",
    Channel("C0OPS"),
    "; set ",
    Code("OPSGATE_ENOS__BASE_URL"),
    " and run ",
    Code('/ops help --reason "<why>"'),
    ".",
)


def everything(message: Message) -> str:
    assert block_problems(message.blocks) == []
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def test_mrkdwn_has_live_references_and_clean_code() -> None:
    text = mrkdwn(REFUSAL)
    assert text == (
        "Only <!subteam^S0OPSLEADS> or <@U0BOB> may approve in <#C0OPS>; set "
        '`OPSGATE_ENOS__BASE_URL` and run `/ops help --reason "&lt;why&gt;"`.'
    )
    assert not any(ch in text for ch in INVISIBLE)


def test_plain_text_names_ids_readably_without_markup() -> None:
    text = plain(REFUSAL)
    assert text == (
        "Only user group S0OPSLEADS or user U0BOB may approve in channel C0OPS; set "
        'OPSGATE_ENOS__BASE_URL and run /ops help --reason "<why>".'
    )


def test_words_are_escaped_and_cannot_mention_anyone() -> None:
    hostile = Refusal("<!channel> *bold* <https://evil|x> @here")
    text = mrkdwn(hostile)
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text
    assert "@here" not in notification(hostile)  # defused in the notification text too
    assert "<" not in notification(hostile)


@pytest.mark.parametrize(
    "part", [User("<!channel>"), Group("S0<!here>"), Channel("C0 <@U1>"), User("u-lower")]
)
def test_a_malformed_id_is_shown_as_escaped_text_never_as_markup(
    part: User | Group | Channel,
) -> None:
    text = mrkdwn(Refusal("by ", part))
    assert "<@" not in text and "<!" not in text and "<#" not in text


def test_refusal_message_shows_mrkdwn_and_notifies_in_plain_words() -> None:
    message = refusal_message(REFUSAL)
    shown = everything(message)
    assert "<!subteam^S0OPSLEADS>" in shown and "&lt;!subteam" not in shown
    assert message.text.startswith("Refused: Only user group S0OPSLEADS or user U0BOB")
    assert ":no_entry:" in json.dumps(message.blocks)
    assert not any(ch in shown for ch in INVISIBLE)


def test_a_notice_is_not_a_refusal() -> None:
    message = notice_message(Notice("Approval recorded for ", Code("R-7K3F9QW2"), " (1 of 2)."))
    shown = everything(message)
    assert message.text == "Approval recorded for R-7K3F9QW2 (1 of 2)."
    assert "`R-7K3F9QW2`" in shown
    assert ":no_entry:" not in shown and "Refused" not in shown


@pytest.mark.parametrize(
    ("approvers", "sentence", "who"),
    [
        (
            Approvers(needed=1, anyone=True),
            "1 approval from anyone but the requester",
            "anyone but the requester",
        ),
        (
            Approvers(needed=2, named=(Group("S0OPSLEADS"), User("U0BOB"))),
            "2 approvals from <!subteam^S0OPSLEADS>, <@U0BOB>",
            "<!subteam^S0OPSLEADS>, <@U0BOB>",
        ),
        (
            Approvers(needed=1, named=(User("U0BOB"),), requester_counts=True),
            "1 approval from <@U0BOB> (the requester may count)",
            "<@U0BOB> (the requester may count)",
        ),
        (Approvers(needed=1), "1 approval from nobody", "nobody"),
        (Approvers(needed=0), "the requester confirms alone", "the requester confirms alone"),
    ],
)
def test_who_may_approve(approvers: Approvers, sentence: str, who: str) -> None:
    assert mrkdwn([approvers]) == sentence
    assert mrkdwn(approvers_parts(approvers, count=False)) == who


def test_who_may_approve_in_plain_words() -> None:
    group = Approvers(needed=2, named=(Group("S0OPSLEADS"),))
    assert plain(Refusal("needs ", group, ".")) == "needs 2 approvals from user group S0OPSLEADS."
    assert plain([Anyone(but_requester=False)]) == "anyone"
