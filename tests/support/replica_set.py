"""Several `opsgate serve --http` replicas on one PostgreSQL database, each with its own Slack
stand-in, and the signed requests an end-to-end test spreads across them (SPEC §13)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from serve_process import CHANNEL, ServeProcess, serve_process

from bot import cards
from bot.console.standin.payloads import block_action_body
from bot.model import RequestRecord, RequestState
from bot.store import Store


@contextmanager
def replica_set(
    tmp_path: Path, count: int, *, database: str, env: Mapping[str, str]
) -> Iterator[list[ServeProcess]]:
    """`count` replicas sharing `database`; each is stopped (killed if need be) afterwards."""
    with ExitStack() as stack:
        yield [start_replica(stack, tmp_path / f"replica-{n}", database, env) for n in range(count)]


def start_replica(
    stack: ExitStack, folder: Path, database: str, env: Mapping[str, str]
) -> ServeProcess:
    """One more replica, stopped when `stack` closes."""
    folder.mkdir(parents=True, exist_ok=True)
    return stack.enter_context(serve_process(folder, env={**env, "OPSGATE_DB": database}))


def request_on(replica: ServeProcess, text: str, *, user: str) -> str:
    """Send `/ops <text>` to `replica`; return the request id once its card is posted."""
    since = len(replica.slack.calls)
    assert replica.slash(text, user=user).is_success
    card = replica.slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.params.get("channel") == CHANNEL,
        timeout=20,
        since=since,
    )
    blocks = card.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return str(
        next(e["value"] for b in blocks for e in b.get("elements", []) if e.get("type") == "button")
    )


def click_approve(replica: ServeProcess, database: str, request_id: str, *, user: str) -> int:
    """A signed Approve click from the request's own card, sent to `replica`; its HTTP status."""
    record = wait_for_record(database, request_id, lambda r: bool(r.message_ts))
    body = block_action_body(
        action_id=cards.APPROVE_ACTION,
        value=request_id,
        user_id=user,
        channel_id=CHANNEL,
        message_ts=str(record.message_ts),
        response_url=replica.slack.response_url(f"click-{user}"),
    )
    return replica.post_signed(body).status_code


def wait_for_record(
    database: str,
    request_id: str,
    condition: Callable[[RequestRecord], bool],
    *,
    timeout: float = 20.0,
) -> RequestRecord:
    """The request as stored, once `condition` holds."""
    deadline = time.monotonic() + timeout
    while True:
        record = read_record(database, request_id)
        if record is not None and condition(record):
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"{request_id} never got there: {record}")
        time.sleep(0.05)


def wait_for_state(
    database: str, request_id: str, state: RequestState, *, timeout: float = 20.0
) -> RequestRecord:
    return wait_for_record(database, request_id, lambda r: r.state is state, timeout=timeout)


def read_record(database: str, request_id: str) -> RequestRecord | None:
    store = Store.open_existing(database)
    try:
        return store.get(request_id)
    finally:
        store.close()


def event_names(database: str, request_id: str) -> list[str]:
    store = Store.open_existing(database)
    try:
        return [event.event.value for event in store.events(request_id=request_id)]
    finally:
        store.close()
