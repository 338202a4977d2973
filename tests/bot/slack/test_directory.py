"""User-group membership from Slack, cached briefly, dropped when Slack says a group changed
(on every replica), failing closed."""

from __future__ import annotations

import socket
from contextlib import closing
from pathlib import Path

import pytest
from slack_sdk import WebClient

from adapters.clock import FakeClock
from bot.console.standin.server import SlackStandIn
from bot.policy import GroupUnreadable
from bot.slack.directory import SlackDirectory
from bot.store import Store


def test_members_are_fetched_once_then_cached_until_the_ttl() -> None:
    clock = FakeClock()
    with SlackStandIn(groups={"S0LEADS": ["U0BOB", "U0CAROL"]}) as slack:
        directory = SlackDirectory(
            WebClient(token="xoxb-x", base_url=slack.api_url), ttl=60, clock=clock
        )
        assert directory.members("S0LEADS") == {"U0BOB", "U0CAROL"}
        assert directory.members("S0LEADS") == {"U0BOB", "U0CAROL"}
        assert len(slack.calls_to("usergroups.users.list")) == 1
        clock.advance(61)
        directory.members("S0LEADS")
        assert len(slack.calls_to("usergroups.users.list")) == 2


def test_a_group_slack_cannot_resolve_grants_nothing_and_is_not_cached() -> None:
    with SlackStandIn() as slack:
        directory = SlackDirectory(WebClient(token="not-a-bot-token", base_url=slack.api_url))
        for _ in range(2):
            with pytest.raises(GroupUnreadable) as caught:
                directory.members("S0LEADS")
            assert (caught.value.group_id, caught.value.error) == ("S0LEADS", "invalid_auth")
        assert len(slack.calls_to("usergroups.users.list")) == 2


def test_a_change_slack_reports_drops_the_kept_members_at_once() -> None:
    with SlackStandIn(groups={"S0LEADS": ["U0BOB", "U0CAROL"]}) as slack:
        directory = SlackDirectory(WebClient(token="xoxb-x", base_url=slack.api_url), ttl=120)
        assert "U0BOB" in directory.members("S0LEADS")
        slack.set_group("S0LEADS", ["U0CAROL"])
        assert "U0BOB" in directory.members("S0LEADS")  # kept, as Slack has said nothing yet
        directory.changed("S0LEADS")
        assert directory.members("S0LEADS") == {"U0CAROL"}
        assert len(slack.calls_to("usergroups.users.list")) == 2


def test_a_change_reported_to_one_replica_is_seen_by_every_replica_on_the_database(
    tmp_path: Path,
) -> None:
    one, other = Store.open(tmp_path / "shared.db"), Store.open(tmp_path / "shared.db")
    with (
        SlackStandIn(groups={"S0LEADS": ["U0BOB"], "S0OTHER": ["U0DAVE"]}) as slack,
        closing(one),
        closing(other),
    ):
        first, second = (
            SlackDirectory(
                WebClient(token="xoxb-x", base_url=slack.api_url), versions=s.group_versions
            )
            for s in (one, other)
        )
        for directory in (first, second):
            assert directory.members("S0LEADS") == {"U0BOB"}
            assert directory.members("S0OTHER") == {"U0DAVE"}
        slack.set_group("S0LEADS", [])
        first.changed("S0LEADS")  # Slack's event reached the first replica only
        assert second.members("S0LEADS") == frozenset()
        assert second.members("S0OTHER") == {"U0DAVE"}  # kept: that group did not change
        assert len(slack.calls_to("usergroups.users.list")) == 5


def test_a_group_slack_gives_no_answer_about_grants_nothing_too() -> None:
    """A timeout or a refused connection is Slack not saying who is in the group, as a refusal
    is: the click is refused with a word to try again, not failed as a bug in opsgate."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{s.getsockname()[1]}/api/"  # closed again: nothing there
    directory = SlackDirectory(WebClient(token="xoxb-x", base_url=nowhere, timeout=2))
    with pytest.raises(GroupUnreadable) as caught:
        directory.members("S0LEADS")
    assert (caught.value.group_id, caught.value.error) == ("S0LEADS", "URLError")
