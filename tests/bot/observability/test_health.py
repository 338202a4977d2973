"""``GET /healthz`` (SPEC §13): the database always, Slack with ``?deep=1``; 503 when unhealthy."""

from __future__ import annotations

from pathlib import Path

import httpx
from served_app import served_opsgate


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
