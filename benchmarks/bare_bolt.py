"""The baseline for benchmarks/ack_latency.py: a Bolt app that only acks `/ops`, served by the
same WSGI server (waitress) the same way `opsgate serve --http` is."""

from __future__ import annotations

import argparse
import os

import waitress
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    # The same Slack set-up as opsgate in the benchmark: Bolt's authorization asks the (local)
    # Slack Web API's auth.test once, on the first request.
    client = WebClient(token="xoxb-bare", base_url=os.environ["OPSGATE_SLACK_API_URL"])
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        token_verification_enabled=False,
    )

    @app.command("/ops")
    def ops(ack: Ack) -> None:
        ack()

    waitress.serve(
        SlackRequestHandler(app),
        host="127.0.0.1",
        port=args.port,
        threads=args.threads,
        _quiet=True,
    )


if __name__ == "__main__":
    main()
