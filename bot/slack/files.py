"""Target lists uploaded in the request modal: fetched from Slack with the bot token.

Slack hands the app a file object whose ``url_private`` needs the bot token (scope
``files:read``). The token is only ever sent to Slack's file host or to the Slack API host opsgate
is configured with (the local stand-in, in the console and tests): a file object naming any
other host is refused, not fetched. Redirects are not followed, and a file larger than the
operation's limit could need is not read past that size. The whole fetch has one deadline, not
only each read: a file that trickles in keeps the form's answer within Slack's 3 seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

#: Slack's own host for ``url_private``; any other host never sees the token.
SLACK_FILE_HOST: Final = "files.slack.com"
#: Bytes allowed per target: a 128-character id, a line break, CSV quotes, and some slack.
BYTES_PER_TARGET: Final = 160
FILE_TYPES: Final = (".txt", ".csv")
#: Each network step (connect, one read) may take this share of the whole fetch's time: the
#: deadline is checked between reads, so the fetch ends at most one step past it.
_STEP_SHARE: Final = 3


class TargetFileError(Exception):
    """A target file cannot be used; the message says why, for the form's file field."""


class TargetFiles:
    """Fetches uploaded target files (``files:read``).

    Args:
        token: The bot token (None: no file can be read).
        api_url: The Slack Web API base URL opsgate uses; its host may serve files too.
        timeout: Seconds for the whole fetch: the modal must be answered within Slack's 3.
            (Each network step may take a third of it, so the fetch ends by 4/3 of it.)
        transport: For tests: an httpx transport instead of the network.
        clock: Monotonic seconds, for the deadline (tests pass their own).
    """

    def __init__(
        self,
        *,
        token: str | None,
        api_url: str,
        timeout: float = 2.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token
        self._clock = clock
        api = urlsplit(api_url)
        self._hosts = {(SLACK_FILE_HOST, "https"), (api.netloc, api.scheme)}
        self._timeout = timeout
        self._transport = transport

    def text(self, file: Mapping[str, Any], *, most_targets: int) -> str:
        """The file's text (UTF-8, a leading byte-order mark dropped).

        Raises:
            TargetFileError: Not a .txt or .csv file, a host other than Slack's, Slack refused
                (403: the app lacks ``files:read``), too large for `most_targets`, or not text.
        """
        name = str(file.get("name") or "the file")
        if not name.lower().endswith(FILE_TYPES):
            raise TargetFileError(f"{name} is not a .txt or .csv file.")
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        self._check_host(url, name)
        limit = BYTES_PER_TARGET * (most_targets + 1)
        body = self._fetch(url, name, limit=limit)
        try:
            return body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TargetFileError(f"{name} is not UTF-8 text.") from None

    def _check_host(self, url: str, name: str) -> None:
        parts = urlsplit(url)
        if not self._token or (parts.netloc, parts.scheme) not in self._hosts:
            raise TargetFileError(f"opsgate cannot read {name} from where Slack keeps it.")

    def _fetch(self, url: str, name: str, *, limit: int) -> bytes:
        headers = {"Authorization": f"Bearer {self._token}"}
        deadline = self._clock() + self._timeout
        step = self._timeout / _STEP_SHARE
        try:
            with (
                httpx.Client(timeout=step, transport=self._transport) as client,
                client.stream("GET", url, headers=headers) as response,
            ):
                _check_answer(response, name)
                return self._read_capped(response, name, limit=limit, deadline=deadline)
        except httpx.HTTPError as exc:
            raise _late(name, type(exc).__name__) from None

    def _read_capped(
        self, response: httpx.Response, name: str, *, limit: int, deadline: float
    ) -> bytes:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > limit:
                raise TargetFileError(f"{name} is larger than this operation's targets could need.")
            if self._clock() > deadline:
                raise _late(name, "too slow")
        return bytes(body)


def _late(name: str, why: str) -> TargetFileError:
    return TargetFileError(f"Slack did not hand over {name} in time ({why}); try again.")


def _check_answer(response: httpx.Response, name: str) -> None:
    if response.status_code in (401, 403):
        raise TargetFileError(
            f"Slack refused {name} to opsgate ({response.status_code}): the app needs the "
            "files:read scope."
        )
    if response.status_code != 200:
        raise TargetFileError(f"Slack could not hand over {name} (HTTP {response.status_code}).")
    if "text/html" in response.headers.get("content-type", ""):
        raise TargetFileError(
            f"Slack answered with a web page instead of {name}: the app needs files:read."
        )
