"""Cancel 10,000 devices' OTA tasks against the Alibaba Cloud simulator, in real time.

The simulator enforces the vendor's 10 calls/s per account (a sliding window on the real clock)
and answers ``Throttling.User`` beyond it. Each scenario runs a fresh simulator and a fresh
limiter. Prints one table row per scenario:

- calls: cancel calls the simulator let through (target: 50 = 10,000 / 200).
- elapsed: first call started -> last cancel answered (the listing the adapter makes
  afterwards, to say what the cancel did, is not part of the cancel's pace).
- % of limit: the fastest a 10 calls/s sliding window allows for these calls (the first 10 at
  once, then 10 per second: (calls - 10) / 10 seconds), divided by the elapsed time.
- sim throttles: calls the simulator refused (each was slowed down and retried);
  surfaced: throttling errors left in the outcome (target: 0).

Run: ``.venv/bin/python benchmarks/bulk_aliyun.py``
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.rpc import RATE_MARGIN
from adapters.aliyun.settings import AliyunSettings
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.base import Outcome, Progress
from adapters.clock import SYSTEM_CLOCK
from adapters.ratelimit import RateLimiter
from commands.model import OperationRequest

DEVICES = tuple(f"bench-{i:05d}" for i in range(10_000))
LIMIT = 10


@dataclass(frozen=True)
class Scenario:
    """One way of reaching the simulator."""

    name: str
    workers: int
    latency: tuple[float, float] = (0.0, 0.0)  # seconds before each call reaches the vendor
    http: bool = False


SCENARIOS = (
    Scenario("in-process, no latency", workers=4),
    Scenario("in-process, 80-120 ms latency", workers=4, latency=(0.08, 0.12)),
    Scenario("in-process, 80-120 ms, sequential", workers=1, latency=(0.08, 0.12)),
    # Jitter (200 ms) wider than the limiter's margin (50 ms): calls can bunch up on arrival.
    Scenario("in-process, 50-250 ms latency", workers=4, latency=(0.05, 0.25)),
    Scenario("loopback HTTP server", workers=4, http=True),
)


def _seeded() -> AliyunSimulator:
    sim = sbx.seeded(clock=SYSTEM_CLOCK)
    for device in DEVICES:
        sim.add_task(sbx.PRODUCT_KEY, device, sbx.FIRMWARE_ID, sbx.JOB_ID, "QUEUED")
    return sim


def _delayed(sim: AliyunSimulator, low: float, high: float) -> httpx.MockTransport:
    jitter = random.Random(20180120)

    def handle(request: httpx.Request) -> httpx.Response:
        time.sleep(jitter.uniform(low, high))
        return sim.handle(request)

    return httpx.MockTransport(handle)


@contextmanager
def _client(sim: AliyunSimulator, scenario: Scenario) -> Iterator[tuple[httpx.Client, str]]:
    serving = sim.serve() if scenario.http else nullcontext(sbx.ENDPOINT)
    with serving as endpoint:
        transport = None if scenario.http else _delayed(sim, *scenario.latency)
        with httpx.Client(transport=transport, timeout=10.0) as client:
            yield client, endpoint


def _run(scenario: Scenario) -> tuple[AliyunSimulator, Outcome, float]:
    sim = _seeded()
    request = OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=DEVICES,
        params={"product": sbx.PRODUCT_KEY, "firmware": sbx.FIRMWARE_ID},
        reason="benchmark",
    )
    limiter = RateLimiter(calls=LIMIT, period=1.0, clock=SYSTEM_CLOCK, margin=RATE_MARGIN)
    with _client(sim, scenario) as (client, endpoint):
        config = AliyunSettings(
            endpoint=endpoint,
            region_id=sbx.REGION_ID,
            access_key_id=sbx.ACCESS_KEY_ID,
            access_key_secret=SecretStr(sbx.ACCESS_KEY_SECRET),
            iot_instance_id=sbx.INSTANCE_ID,
        )
        adapter = AliyunAdapter(
            config=config, client=client, limiter=limiter, workers=scenario.workers
        )
        started, last_cancel = time.monotonic(), [0.0]

        def cancels_done(progress: Progress) -> None:
            last_cancel[0] = time.monotonic()

        outcome = adapter.execute(request, progress=cancels_done)
        # The pace of the cancel calls only: the listing afterwards (a sample) is not timed.
        return sim, outcome, last_cancel[0] - started


def _row(
    scenario: Scenario, run: Callable[[Scenario], tuple[AliyunSimulator, Outcome, float]]
) -> str:
    sim, outcome, elapsed = run(scenario)
    calls = len(sim.accepted_calls("CancelOTATaskByDevice"))
    ideal = (calls - LIMIT) / LIMIT
    surfaced = sum(1 for f in outcome.failures if (f.code or "").startswith("Throttling"))
    cancelled = sum(
        1 for d in DEVICES for t in sim.state.tasks(sbx.PRODUCT_KEY, d) if t.status == "CANCELED"
    )
    return (
        f"| {scenario.name:<34} | {scenario.workers:>7} | {calls:>5} | {elapsed:>7.2f} s "
        f"| {ideal / elapsed:>10.0%} | {sim.throttled_count:>13} | {surfaced:>8} "
        f"| {cancelled:>9,} |"
    )


def main() -> None:
    """Run every scenario and print the table."""
    # No options; --help says what it runs (about half a minute per scenario).
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    logging.getLogger("stamina").setLevel(logging.ERROR)  # the table counts the retries
    print(
        "| scenario                           | workers | calls | elapsed   | % of limit "
        "| sim throttles | surfaced | cancelled |"
    )
    print(
        "|------------------------------------|---------|-------|-----------|------------"
        "|---------------|----------|-----------|"
    )
    for scenario in SCENARIOS:
        print(_row(scenario, _run), flush=True)


if __name__ == "__main__":
    main()
