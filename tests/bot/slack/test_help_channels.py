"""`/ops help` (SPEC §1: "the operations this user may request") in a channel the policy's
`channels` leave out: it says the operations cannot be requested here and where they can,
rather than that the user may request nothing at all."""

from __future__ import annotations

import json
from pathlib import Path

from surfaces_world import ALICE, session_with

from bot.console.session import ConsoleSession

#: Requests go to #other (C0OTHER), EnOS deletes to #third too; the console types in #ops.
POLICY = """\
[policy]
channels = ["C0OTHER"]

[policy.operations."enos.ota-job.delete"]
channels = ["C0THIRD", "C0OTHER"]
"""


def help_text(session: ConsoleSession, words: str, *, channel: str = "C0OPS") -> str:
    """The blocks `/ops <words>` answered with, as one JSON text."""
    session.slash(words, user=ALICE, channel=channel)
    assert session.wait(timeout=10)
    answer = [call for call in session.standin.calls if call.method == "response_url"][-1]
    return json.dumps(answer.params["blocks"])


def test_help_where_the_policy_allows_no_request_names_the_channels_that_do(
    tmp_path: Path,
) -> None:
    with session_with(tmp_path, POLICY) as session:
        everything = help_text(session, "help")
        enos = help_text(session, "help enos")

    assert "You may not request any operations in this channel" in everything
    assert "<#C0OTHER>" in everything and "<#C0THIRD>" in everything
    assert "You may not request any operations for enos in this channel" in enos
    assert "<#C0THIRD>" in enos and "<#C0OTHER>" in enos


def test_help_in_an_allowed_channel_lists_the_operations(tmp_path: Path) -> None:
    with session_with(tmp_path, POLICY) as session:
        text = help_text(session, "help", channel="C0OTHER")

    assert "enos.ota-job.delete" in text and "huawei.package.delete" in text
    assert "may not request" not in text


def test_help_for_someone_no_channel_lets_request_still_says_so(tmp_path: Path) -> None:
    with session_with(tmp_path, '[policy]\nrequesters = ["U0DAVE"]\n') as session:
        text = help_text(session, "help")

    assert "You may not request any operations." in text
    assert "in this channel" not in text


def test_help_where_only_some_operations_are_allowed_names_where_the_others_are(
    tmp_path: Path,
) -> None:
    """An operation kept to another channel is not silently missing from help: the engineer
    looking for it is told where to ask, as for a channel that allows none."""
    policy = '[policy.operations."huawei.package.delete"]\nchannels = ["C0OTHER", "C0THIRD"]\n'
    with session_with(tmp_path, policy) as session:
        everything = help_text(session, "help")
        huawei = help_text(session, "help huawei")
        there = help_text(session, "help huawei", channel="C0OTHER")

    for text in (everything, huawei):
        assert "huawei.device.delete" in text  # what may be requested here is listed
        assert "Not in this channel: `huawei.package.delete` (ask in <#C0OTHER>, <#C0THIRD>)" in (
            text
        )
    assert "Not in this channel" not in there and "huawei.package.delete" in there


def test_help_names_the_operations_the_requesters_keep_to_others_and_who_may(
    tmp_path: Path,
) -> None:
    """An operation the policy's `requesters` keep from this user is not silently missing
    from help, nor does a vendor's help end at "you may not request any": it says who may, as
    the request itself would (named users and groups, mentioned as cards mention them)."""
    policy = (
        '[policy.operations."servicepower.job.cancel"]\nrequesters = ["U0DAVE"]\n'
        '[policy.operations."huawei.package.delete"]\nrequesters = ["U0DAVE", "S0OPSLEADS"]\n'
        '[policy.operations."huawei.device.delete"]\nrequesters = []\n'
    )
    with session_with(tmp_path, policy) as session:
        everything = help_text(session, "help")
        servicepower = help_text(session, "help servicepower")
        huawei = help_text(session, "help huawei")

    assert "You may not request any operations for servicepower." in servicepower
    assert "Only <@U0DAVE> may request `servicepower.job.cancel`." in servicepower
    kept = "Only <@U0DAVE>, <!subteam^S0OPSLEADS> may request `huawei.package.delete`."
    for text in (everything, huawei):
        assert kept in text
    assert "Only <@U0DAVE> may request `servicepower.job.cancel`." in everything
    assert "huawei.device.delete" not in huawei  # turned off: nobody may, nobody is named
    assert "servicepower" not in huawei


def test_help_names_no_one_for_operations_the_user_may_request(tmp_path: Path) -> None:
    with session_with(tmp_path, '[policy]\nrequesters = ["U0ALICE"]\n') as session:
        text = help_text(session, "help")

    assert "may request" not in text and "huawei.package.delete" in text
