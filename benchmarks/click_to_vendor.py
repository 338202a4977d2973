"""Approve click → vendor request received: how long a signed Approve click takes to reach the
vendor, with the local Slack stand-in answering at once or after a WAN-like delay. Prints a
table; not a test.

`opsgate serve --http` runs as a child process on SQLite or on PostgreSQL (a private throwaway
server, as the store benchmark starts; skipped with a line when its binaries are missing),
talking to the Slack stand-in and to a ServicePower simulator, each a process of its own on
127.0.0.1 as the real ones are remote: the stand-in answers every call after `--latency` ms, the
simulator notes when each CancelJob arrives (`time.monotonic`, one clock for every process on
the machine), so neither's work shares a GIL with the clients' timing. Requests are made with
signed slash commands first (not timed); then each is approved once with a signed click from
its card, and the time from sending the click to the vendor receiving the call is measured, in
two ways:

- one click at a time (each after the previous request has settled, Slack work included);
- a burst: 120 clicks from 8 concurrent clients.

Usage: python benchmarks/click_to_vendor.py [--single 40] [--burst 120] [--clients 8]
       [--latencies 0,100] [--engines sqlite,postgresql] [--root <another checkout>]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from harness import free_port, percentile, serve_http_command, standin_process

from adapters.servicepower.simulator.api import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from bot.console.standin.payloads import block_action_body, signed_headers, slash_command_body
from bot.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
from postgres_server import postgres_server, server_bin

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-signing-secret"
FORM = "application/x-www-form-urlencoded"
CHANNEL, REQUESTER, APPROVER = "C0BENCH", "U0REQUESTER", "U0APPROVER"
APPROVE = "opsgate_approve"
POLICY = '[policy]\napprovers = ["*"]\nchannels = ["C0BENCH"]\nttl = "2h"\n'
WARM_UP = 5
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

VENDOR_CODE = r"""
import json, socketserver, sys, time
from adapters.servicepower.simulator.api import CANCEL_PATH, ServicePowerSimulator

# A traceback for each kept-alive connection opsgate drops when it stops would be noise.
socketserver.BaseServer.handle_error = lambda self, request, client_address: None

class TimedSimulator(ServicePowerSimulator):
    def route(self, request):
        if request.url.path == CANCEL_PATH:
            arrived = time.monotonic()
            with self._lock:  # one whole line per arrival, whichever thread serves it
                sys.stdout.write(f"{json.loads(request.content)['Id']} {arrived}\n")
                sys.stdout.flush()
        return super().route(request)

sim = TimedSimulator()
for n in range(int(sys.argv[1])):
    sim.add_job(f"BENCH-{n:05d}")
with sim.serve() as url:
    print(url, flush=True)
    sys.stdin.read()
"""


class Vendor:
    """The ServicePower simulator in a process of its own, and when each cancel arrived."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self.url = process.stdout.readline().strip()
        self.arrivals: dict[str, float] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, lines: Any) -> None:
        for line in lines:
            job, at = line.split()
            with self._lock:
                self.arrivals.setdefault(job, float(at))

    def arrived(self, job: str) -> float | None:
        with self._lock:
            return self.arrivals.get(job)


@contextmanager
def vendor_process(jobs: int) -> Iterator[Vendor]:
    """The simulator with jobs ``BENCH-00000`` … seeded, served on 127.0.0.1."""
    process = subprocess.Popen(
        [sys.executable, "-c", VENDOR_CODE, str(jobs)], cwd=ROOT, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield Vendor(process)
    finally:
        process.kill()
        process.wait(timeout=10)


@dataclass
class Server:
    """One opsgate under test, with what the benchmark needs to drive it."""

    url: str
    db: str
    vendor: Vendor
    http: httpx.Client
    response_url: str

    def post(self, body: str) -> None:
        headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
        response = self.http.post(self.url, content=body, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"opsgate answered HTTP {response.status_code}")


@contextmanager
def opsgate(root: Path, latency: float, jobs: int, database: str | None = None) -> Iterator[Server]:
    """opsgate serve --http from `root`, its Slack stand-in and its vendor (with `jobs` jobs),
    all on 127.0.0.1."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        standin_process(latency) as slack_url,
        vendor_process(jobs) as vendor,
        httpx.Client(timeout=30.0) as http,
    ):
        config = Path(tmp) / "opsgate.toml"
        config.write_text(POLICY)
        db = database or str(Path(tmp) / "opsgate.db")
        env = {
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",
            "SLACK_BOT_TOKEN": "xoxb-benchmark",
            "SLACK_SIGNING_SECRET": SECRET,
            "OPSGATE_SLACK_API_URL": slack_url,
            "OPSGATE_DB": db,
            "OPSGATE_CONFIG": str(config),
            "OPSGATE_LOG_LEVEL": "WARNING",
            "OPSGATE_SERVICEPOWER__BASE_URL": vendor.url,
            "OPSGATE_SERVICEPOWER__CLIENT_ID": SANDBOX_CLIENT_ID,
            "OPSGATE_SERVICEPOWER__CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        }
        port = free_port()
        process = subprocess.Popen(
            serve_http_command(port), cwd=root, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{url}/healthz")
            answers = slack_url.removesuffix("/api/") + "/response/benchmark"
            yield Server(
                url=f"{url}/slack/events", db=db, vendor=vendor, http=http, response_url=answers
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"opsgate at {url} did not start")


def make_requests(server: Server, jobs: list[str], *, clients: int) -> dict[str, dict[str, Any]]:
    """Request a cancel of each job (signed slash commands); wait for every card. Returns each
    job's request id, channel and card ts."""
    run_all(
        [
            lambda job=job: server.post(
                slash_command_body(
                    text=f"servicepower job cancel {job} --reason benchmark",
                    user_id=REQUESTER,
                    channel_id=CHANNEL,
                    response_url=server.response_url,
                )
            )
            for job in jobs
        ],
        clients=clients,
    )
    return wait_for_cards(server.db, set(jobs))


def wait_for_cards(db: str, jobs: set[str], timeout: float = 120.0) -> dict[str, dict[str, Any]]:
    store = Store.open(db)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            cards = {
                r.targets[0]: {"id": r.id, "channel": r.channel, "ts": r.message_ts}
                for r in store.history(limit=10_000)
                if r.targets[0] in jobs and r.message_ts is not None
            }
            if len(cards) == len(jobs):
                return cards
            time.sleep(0.1)
    finally:
        store.close()
    raise SystemExit(f"only {len(cards)} of {len(jobs)} cards were posted")


def click(server: Server, card: dict[str, Any]) -> float:
    """Approve one card; returns when the click was sent (time.monotonic)."""
    body = block_action_body(
        action_id=APPROVE,
        value=card["id"],
        user_id=APPROVER,
        channel_id=card["channel"],
        message_ts=card["ts"],
        response_url=server.response_url,
    )
    headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
    sent = time.monotonic()
    response = server.http.post(server.url, content=body, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"a click got HTTP {response.status_code}")
    return sent


def arrival(server: Server, job: str, timeout: float = 30.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived = server.vendor.arrived(job)
        if arrived is not None:
            return arrived
        time.sleep(0.001)
    raise SystemExit(f"the vendor never received the cancel of {job}")


def one_at_a_time(server: Server, cards: dict[str, dict[str, Any]], settle: float) -> list[float]:
    latencies = []
    for job, card in cards.items():
        sent = click(server, card)
        latencies.append(arrival(server, job) - sent)
        time.sleep(settle)  # the card redraws and the requester's message, before the next
    return latencies


def burst(server: Server, cards: dict[str, dict[str, Any]], *, clients: int) -> list[float]:
    sent: dict[str, float] = {}
    lock = threading.Lock()

    def approve(job: str) -> None:
        at = click(server, cards[job])
        with lock:
            sent[job] = at

    run_all([lambda job=job: approve(job) for job in cards], clients=clients)
    return [arrival(server, job) - sent[job] for job in cards]


def run_all(jobs: list[Any], *, clients: int) -> None:
    """Run the callables from `clients` threads, as fast as they go."""
    queue = iter(jobs)
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                job = next(queue, None)
            if job is None:
                return
            job()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure(
    root: Path, latency_ms: int, args: argparse.Namespace, database: str | None
) -> list[tuple[str, list[float]]]:
    total = WARM_UP + args.single + args.burst
    with opsgate(root, latency_ms / 1000, total, database) as server:
        cards = make_requests(server, [f"BENCH-{n:05d}" for n in range(total)], clients=8)
        jobs = sorted(cards)
        warm, single = jobs[:WARM_UP], jobs[WARM_UP : WARM_UP + args.single]
        bursty = jobs[WARM_UP + args.single :]  # not jobs[-burst:]: -0 would take them all
        settle = 0.1 + 4 * latency_ms / 1000
        one_at_a_time(server, {j: cards[j] for j in warm}, settle)  # token, connections
        alone = one_at_a_time(server, {j: cards[j] for j in single}, settle)
        together = burst(server, {j: cards[j] for j in bursty}, clients=args.clients)
    crowd = f"burst of {args.burst} from {args.clients} clients"
    return [("one click at a time", alone), (crowd, together)]


@contextmanager
def databases(engine: str, count: int) -> Iterator[list[str | None]]:
    """`count` fresh databases of `engine`: None for SQLite (each server makes its own file),
    URLs on one private PostgreSQL server otherwise."""
    if engine == "sqlite":
        yield [None] * count
        return
    import psycopg

    with postgres_server(durable=True) as url:
        base = url.rsplit("/", 1)[0]
        names = [f"click{n}" for n in range(count)]
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'CREATE DATABASE "{name}"')
        yield [f"{base}/{name}" for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=40)
    parser.add_argument("--burst", type=int, default=120)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--latencies", default="0,100", help="Slack stand-in delays, in ms")
    parser.add_argument("--engines", default="sqlite,postgresql", help="databases to run on")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args()
    latencies = [int(x) for x in args.latencies.split(",")]
    print(f"opsgate from {args.root}; vendor: ServicePower simulator on 127.0.0.1\n")
    print("| database | scenario | Slack latency | clicks | p50 (ms) | p99 (ms) | max (ms) |")
    print("|---|---|---|---|---|---|---|")
    for engine in args.engines.split(","):
        if engine == "postgresql" and server_bin() is None:
            print("(PostgreSQL skipped: its server programs are not installed)", file=sys.stderr)
            continue
        with databases(engine, len(latencies)) as targets:
            for latency, target in zip(latencies, targets, strict=True):
                for name, values in measure(args.root, latency, args, target):
                    ms = [v * 1000 for v in values]
                    if not ms:  # `--single 0` or `--burst 0`: that scenario was not run
                        continue
                    print(
                        f"| {ENGINE_NAMES[engine]} | {name} | {latency} ms | {len(ms)} | "
                        f"{percentile(ms, 50):.1f} | {percentile(ms, 99):.1f} | {max(ms):.1f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
