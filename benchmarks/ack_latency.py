"""Ack latency of `opsgate serve --http` against a bare ack-only Bolt app, and the audit store's
append rate. Prints a table; not a test.

Both servers run as child processes on 127.0.0.1 behind waitress with the same thread count.
Each receives the same number of signed `/ops` slash commands from the same number of concurrent
clients. opsgate's commands are real, distinct requests (each its own target and Slack trigger id,
so none is refused as an overlap or dropped as a replay): policy, a preview against the
ServicePower simulator, a stored request and its audit event, and an approval card posted to a
local Slack stand-in. So its background work competes with its acks, as in production.

Usage: python benchmarks/ack_latency.py [--requests 2000] [--clients 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
from harness import free_port, percentile, serve_http_command, standin_process

from adapters.clock import SYSTEM_CLOCK
from bot.console.standin.payloads import signed_headers, slash_command_body
from bot.model import AuditEventName
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-signing-secret"
#: One distinct job per command: ServicePower's preview cannot read a job, so every one is
#: previewed, stored and carded like a real request.
COMMAND = 'servicepower job cancel BENCH-{run}-{i} --reason "benchmark"'
THREADS = 16


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.post(url, content=b"", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def fire(url: str, *, requests: int, clients: int, response_url: str, run: str) -> list[float]:
    """Send `requests` signed slash commands from `clients` threads; return latencies (s).

    `run` keeps the targets and trigger ids of one batch apart from every other batch's."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client() -> None:
        with httpx.Client(timeout=10.0) as http:
            for i in counter:
                body = slash_command_body(
                    text=COMMAND.format(run=run, i=i),
                    user_id="U0BENCH",
                    channel_id="C0BENCH",
                    response_url=f"{response_url}-{i}",
                    trigger_id=f"{run}.{i}.benchmark",
                )
                headers = signed_headers(
                    body, signing_secret=SECRET, content_type="application/x-www-form-urlencoded"
                )
                start = time.perf_counter()
                response = http.post(url, content=body, headers=headers)
                elapsed = time.perf_counter() - start
                with lock:
                    if response.status_code == 200:
                        latencies.append(elapsed)
                    else:
                        failures.append(response.status_code)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} requests to {url} failed: HTTP {sorted(set(failures))}")
    return latencies


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def append_rate(target: str | Path, events: int) -> float:
    """Events per second appended to a durable store (a SQLite file in WAL mode, or a
    PostgreSQL URL), one transaction each, as a refused click appends."""
    store = Store.open(target, clock=SYSTEM_CLOCK)
    request = OperationRequest(
        operation="enos.ota-job.delete",
        vendor="enos",
        targets=("job-1",),
        params={"org": "o1"},
        reason="benchmark",
    )
    record = store.create_request(
        request,
        requester="U0BENCH",
        channel="C0BENCH",
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
        sandbox=True,
    )
    started = time.perf_counter()
    for _ in range(events):
        store.log(record.id, AuditEventName.DENIED, actor="U0BENCH", detail={"reason": "bench"})
    rate = events / (time.perf_counter() - started)
    store.close()
    return rate


BARE = "bare Bolt (ack only)"
OPSGATE = "opsgate serve --http"
COMMANDS = {
    BARE: [
        sys.executable,
        "benchmarks/bare_bolt.py",
        "--port",
        "{port}",
        "--threads",
        str(THREADS),
    ],
    OPSGATE: serve_http_command("{port}"),
}


def measure_server(
    name: str, env: dict[str, str], args: argparse.Namespace, response_url: str, run: int
) -> list[float]:
    """Start one server, warm it up, time `args.requests` acks, stop it."""
    port = free_port()
    process = start([part.format(port=port) for part in COMMANDS[name]], env)
    try:
        url = f"http://127.0.0.1:{port}/slack/events"
        wait_until_up(url)
        warm = max(50, args.requests // 20)
        fire(url, requests=warm, clients=args.clients, response_url=response_url, run=f"w{run}")
        return fire(
            url,
            requests=args.requests,
            clients=args.clients,
            response_url=response_url,
            run=f"m{run}",
        )
    finally:
        process.terminate()
        process.wait(timeout=60)


def server_env(tmp: str, api_url: str, run: int) -> dict[str, str]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-benchmark",
        "SLACK_SIGNING_SECRET": SECRET,
        "OPSGATE_SLACK_API_URL": api_url,
        "OPSGATE_SANDBOX": "1",
        "OPSGATE_DB": str(Path(tmp) / f"bench-{run}.db"),
        "OPSGATE_LOG_LEVEL": "WARNING",
        "OPSGATE_WORKERS": str(THREADS),
        "OPSGATE_CONFIG": str(Path(tmp) / "opsgate.toml"),
        # The backlog of cards left when the clients stop is not what is measured: stop soon.
        "OPSGATE_SHUTDOWN_GRACE": "1s",
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3, help="measure each server this many times")
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    runs: list[dict[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp, standin_process() as api_url:
        (Path(tmp) / "opsgate.toml").write_text("[policy]\nrequire_reason = true\n")
        response_url = api_url.replace("/api/", "/response/bench")
        for run in range(args.runs):  # alternate the servers so drift hits both alike
            env = server_env(tmp, api_url, run)
            runs.append(
                {name: measure_server(name, env, args, response_url, run) for name in COMMANDS}
            )
        rate = append_rate(Path(tmp) / "append.db", args.events)
    print_table(runs, rate, args)


def print_table(runs: list[dict[str, list[float]]], rate: float, args: argparse.Namespace) -> None:
    print(
        f"\n{args.requests} signed slash commands per run, {args.clients} concurrent clients, "
        f"waitress with {THREADS} threads, 127.0.0.1; median of {len(runs)} runs\n"
    )
    print(f"| {'server':<22} | {'p50 ack (ms)':>12} | {'p99 ack (ms)':>12} |")
    print(f"|{'-' * 24}|{'-' * 14}|{'-' * 14}|")
    p99 = {name: [percentile(run[name], 99) for run in runs] for name in COMMANDS}
    for name in COMMANDS:
        p50 = statistics.median(percentile(run[name], 50) for run in runs)
        print(
            f"| {name:<22} | {p50 * 1000:>12.2f} | {statistics.median(p99[name]) * 1000:>12.2f} |"
        )
    ratios = [ops / bare for ops, bare in zip(p99[OPSGATE], p99[BARE], strict=True)]
    each = ", ".join(f"{r:.2f}x" for r in ratios)
    print(
        f"\np99 ratio opsgate / bare Bolt: {statistics.median(ratios):.2f}x median "
        f"(runs: {each}; target <= 1.2x)"
    )
    print(
        f"audit store append rate: {rate:,.0f} events/s over {args.events} events, "
        "one durable transaction each (target >= 3,000/s; store_scale.py measures both engines)"
    )


if __name__ == "__main__":
    main()
