"""User-group membership from Slack, cached briefly, failing closed."""

from __future__ import annotations

from slack_sdk import WebClient

from adapters.clock import FakeClock
from bot.console.standin.server import SlackStandIn
from bot.slack.directory import SlackDirectory


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
        assert directory.members("S0LEADS") == frozenset()
        directory.members("S0LEADS")
        assert len(slack.calls_to("usergroups.users.list")) == 2
