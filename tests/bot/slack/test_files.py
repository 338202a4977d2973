"""Target files uploaded in the request form: fetched with the bot token, from Slack only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.console.standin.server import FILE_DOWNLOAD_METHOD, SlackStandIn
from bot.slack.files import TargetFileError, TargetFiles

TOKEN = "xoxb-files-test"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


def reader(slack: SlackStandIn, token: str | None = TOKEN) -> TargetFiles:
    return TargetFiles(token=token, api_url=slack.api_url)


def test_the_stand_in_serves_a_file_to_the_bot_token_only(slack: SlackStandIn) -> None:
    file = slack.upload("devices.txt", b"thermo-001\n")
    assert file["url_private"].startswith(f"{slack.base_url}/files-pri/")
    assert httpx.get(file["url_private"]).status_code == 403
    user_token = {"Authorization": "Bearer xoxp-a-user-token"}
    assert httpx.get(file["url_private"], headers=user_token).status_code == 403
    bot = httpx.get(file["url_private_download"], headers={"Authorization": f"Bearer {TOKEN}"})
    assert (bot.status_code, bot.content) == (200, b"thermo-001\n")
    assert [c.params["status"] for c in slack.calls_to(FILE_DOWNLOAD_METHOD)] == [403, 403, 200]


def test_a_file_is_read_with_the_bot_token(slack: SlackStandIn) -> None:
    file = slack.upload("devices.csv", "\ufeffthermo-001\nthermo-002\n".encode())
    assert reader(slack).text(file, most_targets=10) == "thermo-001\nthermo-002\n"


def test_without_files_read_slack_refuses_and_the_form_says_why(slack: SlackStandIn) -> None:
    file = slack.upload("devices.txt", b"thermo-001\n")
    with pytest.raises(TargetFileError, match=r"refused devices.txt .*\(403\).*files:read"):
        reader(slack, token="xoxp-not-a-bot-token").text(file, most_targets=10)
    with pytest.raises(TargetFileError, match=r"cannot read devices\.txt"):
        reader(slack, token=None).text(file, most_targets=10)


def test_the_token_goes_to_slack_only(slack: SlackStandIn) -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    files = TargetFiles(token=TOKEN, api_url=slack.api_url, transport=transport)
    for url in (
        "https://evil.example/files-pri/T-F1/x.txt",
        "http://files.slack.com/files-pri/T-F1/x.txt",  # Slack's host, but not over TLS
        f"{slack.base_url.replace('127.0.0.1', 'localhost')}/files-pri/T-F1/x.txt",
    ):
        with pytest.raises(TargetFileError, match=r"cannot read x\.txt"):
            files.text({"name": "x.txt", "url_private": url}, most_targets=1)
    assert seen == []  # refused before anything was sent
    ok = {"name": "x.txt", "url_private": "https://files.slack.com/files-pri/T-F1/x.txt"}
    assert files.text(ok, most_targets=1) == ""
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"


def answer(response: httpx.Response) -> TargetFiles:
    transport = httpx.MockTransport(lambda request: response)
    return TargetFiles(token=TOKEN, api_url="https://slack.com/api/", transport=transport)


FILE = {"name": "list.txt", "url_private": "https://files.slack.com/files-pri/T-F1/list.txt"}


@pytest.mark.parametrize(
    ("response", "says"),
    [
        (httpx.Response(302, headers={"location": "https://slack.com/signin"}), "HTTP 302"),
        (httpx.Response(200, text="<html>", headers={"content-type": "text/html"}), "web page"),
        (httpx.Response(200, content=b"\xff\xfe\x00"), "not UTF-8 text"),
        (httpx.Response(200, content=b"x" * 1000), "larger than this operation"),
        (httpx.Response(500), "HTTP 500"),
    ],
)
def test_what_cannot_be_used_is_explained(response: httpx.Response, says: str) -> None:
    with pytest.raises(TargetFileError, match=says):
        answer(response).text(FILE, most_targets=2)


def test_a_slow_slack_is_a_clear_error() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    files = TargetFiles(
        token=TOKEN, api_url="https://slack.com/api/", transport=httpx.MockTransport(slow)
    )
    with pytest.raises(TargetFileError, match=r"in time \(ReadTimeout\); try again"):
        files.text(FILE, most_targets=2)


class _Trickle(httpx.SyncByteStream):
    """A file that arrives one line a second, by the test's clock."""

    def __init__(self, clock: list[float], lines: int) -> None:
        self._clock, self._lines = clock, lines

    def __iter__(self) -> Iterator[bytes]:
        for number in range(self._lines):
            self._clock[0] += 1.0
            yield f"thermo-{number:03d}\n".encode()


def test_a_file_that_trickles_in_is_given_up_at_the_deadline_of_the_whole_fetch() -> None:
    """Every read came within its own timeout, yet the whole file took 10 s: the form's answer
    would have missed Slack's 3 seconds (Slack then shows the user an error, though the request
    may have been made)."""
    now = [0.0]
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=_Trickle(now, 10)))
    files = TargetFiles(
        token=TOKEN,
        api_url="https://slack.com/api/",
        timeout=2.0,
        transport=transport,
        clock=lambda: now[0],
    )
    with pytest.raises(TargetFileError, match=r"did not hand over list\.txt in time"):
        files.text(FILE, most_targets=100)
    assert now[0] == 3.0  # given up at the first line past the 2 s deadline
    # The same lines, in no time by a real clock, are read whole.
    quick = TargetFiles(token=TOKEN, api_url="https://slack.com/api/", transport=transport)
    assert quick.text(FILE, most_targets=100).count("\n") == 10
