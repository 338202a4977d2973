"""``opsgate_slack_calls_total{method,result}``: every Slack Web API call opsgate makes, counted
once, by the client, with Slack's answer (or why there was none)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from served_app import Served, served_opsgate
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import slack_client
from bot.console.standin.payloads import app_home_opened_body
from bot.observability import Metrics
from bot.observability.slack_calls import meter_slack_calls

PACKAGE = 'huawei package delete pkg-meter-fw-1.2.0 --reason "superseded by 1.3"'
CALLS = "opsgate_slack_calls_total"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(served: Served) -> Samples:
    """Every sample ``GET /metrics`` shows."""
    text = served.http.get(f"{served.url}/metrics").text
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_card_slack_refuses_is_counted_with_slack_s_error(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slack.refuse("chat.postMessage", "channel_not_found")
        served.slash(PACKAGE, user="U0ALICE")
        served.slack.wait_for(lambda c: c.method == "chat.postMessage")
        assert served.opsgate.runner.wait_idle(10)
        samples = scrape(served)
    refused = value(samples, CALLS, method="chat.postMessage", result="channel_not_found")
    assert refused == 1
    assert value(samples, CALLS, method="chat.postMessage", result="ok") == 0


def test_a_call_slack_rate_limited_then_answered_is_one_call(tmp_path: Path) -> None:
    """slack_sdk waits out a 429 and asks again: one call, counted with its last answer."""
    with served_opsgate(tmp_path) as served:
        served.slack.rate_limit("chat.postMessage", times=2)
        served.slash(PACKAGE, user="U0ALICE")
        served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        samples = scrape(served)
    assert value(samples, CALLS, method="chat.postMessage", result="ok") == 1
    assert value(samples, CALLS, method="chat.postMessage", result="ratelimited") == 0


def test_a_call_slack_rate_limits_past_the_retries_is_counted_ratelimited(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slack.rate_limit("chat.postMessage", times=10)
        served.slash(PACKAGE, user="U0ALICE")
        assert served.opsgate.runner.wait_idle(10)
        samples = scrape(served)
    assert value(samples, CALLS, method="chat.postMessage", result="ratelimited") == 1


def test_a_listener_s_own_client_is_counted_too(tmp_path: Path) -> None:
    """Bolt hands each listener a client of its own (App Home's views.publish): counted alike."""
    with served_opsgate(tmp_path) as served:
        served.slack.refuse("views.publish", "ratelimited")
        _open_home(served, "U0ALICE")
        served.slack.refuse("views.publish", None)
        _open_home(served, "U0BOB")
        samples = scrape(served)
    assert value(samples, CALLS, method="views.publish", result="ratelimited") == 1
    assert value(samples, CALLS, method="views.publish", result="ok") == 1


def _open_home(served: Served, user: str) -> None:
    since = len(served.slack.calls)
    assert served.post(app_home_opened_body(user_id=user), "application/json").status_code == 200
    served.slack.wait_for(lambda c: c.method == "views.publish", since=since)
    assert served.opsgate.runner.wait_idle(10)


@contextmanager
def _silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/"
    finally:
        stop.set()
        thread.join(5)
        for connection in accepted:
            connection.close()
        listener.close()


def _metered(base_url: str, *, timeout: int = 30) -> tuple[WebClient, Metrics]:
    metrics = Metrics()
    client = slack_client(SecretStr("xoxb-t"), base_url=base_url)
    client.timeout = timeout
    meter_slack_calls(client, metrics.slack_calls)
    return client, metrics


def _count(metrics: Metrics, method: str, result: str) -> float:
    found = metrics.registry.get_sample_value(CALLS, {"method": method, "result": result})
    return found or 0.0


def test_a_call_slack_never_answers_is_counted_as_a_timeout() -> None:
    with _silent_server() as url:
        client, metrics = _metered(url, timeout=1)
        with pytest.raises(TimeoutError):
            client.chat_update(channel="C0OPS", ts="1.0", text="hi")
    assert _count(metrics, "chat.update", "timeout") == 1


def test_a_call_that_cannot_reach_slack_is_counted_as_a_connection_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    client, metrics = _metered(f"http://127.0.0.1:{port}/api/")
    with pytest.raises(OSError):
        client.chat_postEphemeral(channel="C0OPS", user="U0ALICE", text="hi")
    assert _count(metrics, "chat.postEphemeral", "connection_error") == 1


def test_the_result_label_stays_bounded(tmp_path: Path) -> None:
    """An error that is not shaped like Slack's codes (a proxy's JSON, a bug) is ``other``."""
    with served_opsgate(tmp_path) as served:
        served.slack.refuse("chat.postMessage", "Something <b>went</b> wrong at 10:41 " * 5)
        served.slash(PACKAGE, user="U0ALICE")
        served.slack.wait_for(lambda c: c.method == "chat.postMessage")
        assert served.opsgate.runner.wait_idle(10)
        samples = scrape(served)
    results = {dict(labels).get("result") for name, labels in samples if name == CALLS}
    assert "other" in results
    assert all(r is not None and len(r) <= 60 for r in results), results


def test_a_meter_never_retries_and_a_second_one_replaces_the_first() -> None:
    metrics = Metrics()
    client = slack_client(SecretStr("xoxb-t"), base_url="http://127.0.0.1:9/api/")
    meter_slack_calls(client, metrics.slack_calls)
    meter_slack_calls(client, metrics.slack_calls)
    meters = [h for h in client.retry_handlers if type(h).__name__ == "SlackCallMeter"]
    assert len(meters) == 1 and client.retry_handlers[-1] is meters[0]
    with pytest.raises((OSError, SlackApiError)):
        client.auth_test()
    assert _count(metrics, "auth.test", "connection_error") == 1
