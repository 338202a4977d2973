"""``opsgate_ack_seconds`` runs from when the HTTP server had read a Slack request (SPEC §13,
README "Health and metrics"): a request queued while every server thread was busy is timed
with its wait, which Slack, allowing 3 s, sees too."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.app import OpsgateApp, build_app
from bot.cli.http_server import HttpServer
from bot.cli.serve import wsgi_app
from bot.console.standin.payloads import FORM, signed_headers, slash_command_body
from bot.console.standin.server import SlackStandIn
from bot.settings import load_settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

SECRET = "ack-timing-secret"


@dataclass
class Held:
    """opsgate behind waitress with one thread, and the gate that can keep that thread."""

    url: str
    opsgate: OpsgateApp
    server: HttpServer
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def waiting(self) -> int:
        """How many connections waitress holds for a free thread (its dispatcher's queue)."""
        return len(self.server._server.task_dispatcher.queue)


@contextmanager
def one_thread_server(tmp_path: Path) -> Iterator[Held]:
    """opsgate behind waitress with one thread; ``GET /hold`` keeps it until `Held.release`."""
    (tmp_path / "opsgate.toml").write_text('[policy]\nchannels = ["C0OPS"]\n')
    with SlackStandIn() as slack:
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-ack",
                "SLACK_SIGNING_SECRET": SECRET,
                "OPSGATE_SLACK_API_URL": slack.api_url,
                "OPSGATE_SANDBOX": "1",
                "OPSGATE_DB": str(tmp_path / "opsgate.db"),
                "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
                "OPSGATE_HTTP_THREADS": "1",
            }
        )
        opsgate = build_app(settings)
        slack_app = wsgi_app(opsgate)
        gates: list[Held] = []

        def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            if environ["PATH_INFO"] == "/hold":
                gates[0].entered.set()
                gates[0].release.wait(30)
                start_response("200 OK", [("Content-Length", "0")])
                return [b""]
            return slack_app(environ, start_response)

        server = HttpServer(app, host="127.0.0.1", port=0, settings=settings)
        gates.append(Held(url=f"http://127.0.0.1:{server.port}", opsgate=opsgate, server=server))
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        try:
            yield gates[0]
        finally:
            gates[0].release.set()
            server.close()
            thread.join(timeout=10)
            opsgate.runner.wait_idle(10)
            opsgate.store.close()


def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.005)


def ack_seconds(opsgate: OpsgateApp) -> tuple[float, float]:
    """``opsgate_ack_seconds``: its count and its sum, as scraped."""
    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(opsgate.metrics.render().decode())
        for sample in family.samples
    }
    return found["opsgate_ack_seconds_count"], found["opsgate_ack_seconds_sum"]


def test_an_ack_that_waited_for_a_thread_is_timed_from_its_receipt(tmp_path: Path) -> None:
    with one_thread_server(tmp_path) as held, ThreadPoolExecutor(2) as pool:
        busy = pool.submit(httpx.get, f"{held.url}/hold", timeout=30)
        assert held.entered.wait(10)  # the only thread is taken
        body = slash_command_body(
            text="help", user_id="U0ALICE", channel_id="C0OPS", response_url=f"{held.url}/x"
        )
        headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
        slash = pool.submit(
            httpx.post, f"{held.url}/slack/events", content=body, headers=headers, timeout=30
        )
        until(lambda: held.waiting() == 1)  # read in full, and waiting for the thread
        queued_at = time.perf_counter()
        time.sleep(0.3)
        released_at = time.perf_counter()
        held.release.set()
        assert (busy.result().status_code, slash.result().status_code) == (200, 200)
        count, total = ack_seconds(held.opsgate)

    assert count == 1
    # Read before `queued_at`, acknowledged after `released_at`: at least the time between.
    assert total >= released_at - queued_at
