"""``GET /healthz`` (SPEC §13): the database always, Slack with ``?deep=1``; 503 when unhealthy."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from served_app import served_opsgate

from bot.cli.preflight import SlackIdentity
from bot.cli.slack_health import ASKING, SlackHealth


def test_healthz_reports_the_database(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        response = httpx.get(f"{served.url}/healthz")
        assert response.status_code == 200
        assert response.json() == {
            "ok": True,
            "database": "ok",
            "sandboxed": ["aliyun", "enos", "huawei", "servicepower"],
        }
        assert served.slack.calls_to("auth.test") == []  # the plain probe never asks Slack


def test_head_is_answered_as_get_without_a_body(tmp_path: Path) -> None:
    """Load balancers probe with HEAD: the same status and headers, no body."""
    with served_opsgate(tmp_path) as served:
        for path in ("/healthz", "/metrics"):
            got = httpx.get(f"{served.url}{path}")
            head = httpx.head(f"{served.url}{path}")
            assert (head.status_code, head.content) == (200, b"")
            assert head.headers["content-type"] == got.headers["content-type"]
        served.opsgate.store.close()
        assert httpx.head(f"{served.url}/healthz").status_code == 503


def test_healthz_is_503_when_the_database_is_unusable(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.opsgate.store.close()
        response = httpx.get(f"{served.url}/healthz")
    assert response.status_code == 503
    assert response.json()["ok"] is False and response.json()["database"] == "unavailable"


def test_deep_healthz_asks_slack(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        response = httpx.get(f"{served.url}/healthz", params={"deep": "1"})
        assert response.status_code == 200
        assert response.json()["slack"] == "ok"
        assert len(served.slack.calls_to("auth.test")) == 1

        served.slack.stop()  # Slack goes away: the deep probe fails, the shallow one does not
        deep = httpx.get(f"{served.url}/healthz?deep=1", timeout=10)
        shallow = httpx.get(f"{served.url}/healthz")
    assert deep.status_code == 503
    assert deep.json()["ok"] is False and "could not reach Slack" in deep.json()["slack"]
    assert deep.json()["database"] == "ok"
    assert shallow.status_code == 200


def test_deep_probes_arriving_together_ask_slack_once(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slack.latency = 2.5  # slow to answer, yet within the probe's 3 s
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(
                pool.map(lambda _: httpx.get(f"{served.url}/healthz?deep=1", timeout=20), range(8))
            )
        assert len(served.slack.calls_to("auth.test")) == 1  # the other seven did not ask
        assert [answer.json()["slack"] for answer in answers] == ["ok"] * 8  # the first answer
        served.slack.latency = 0.0
        assert httpx.get(f"{served.url}/healthz?deep=1").json()["slack"] == "ok"
        assert len(served.slack.calls_to("auth.test")) == 2  # one at a time, each asks afresh


def test_while_slack_is_asked_a_probe_answers_with_what_it_said_last() -> None:
    asked, release = threading.Event(), threading.Event()
    answers = iter([SlackIdentity(True, "workspace T as opsgate"), SlackIdentity(False, "down")])

    def ask() -> SlackIdentity:
        asked.set()
        release.wait(10)
        return next(answers)

    health = SlackHealth(ask, wait_first=0.01)
    first = ThreadPoolExecutor(max_workers=1).submit(health.current)
    assert asked.wait(10)
    assert health.current() == ASKING  # nothing heard yet, and the first answer is slow
    release.set()
    assert first.result(10).ok
    asked.clear()
    release.clear()
    second = ThreadPoolExecutor(max_workers=1).submit(health.current)
    assert asked.wait(10)
    assert health.current() == SlackIdentity(True, "workspace T as opsgate")  # the last answer
    release.set()
    assert second.result(10) == SlackIdentity(False, "down")
