"""The store at scale, on SQLite and PostgreSQL: durable append rate, `opsgate audit verify` over
a long log, `/ops history` and `/ops status` over it, and `opsgate serve`'s start-up time and
resident memory. Prints a table; not a test. PostgreSQL runs on a private throwaway server
(its binaries must be installed; `tests/support/postgres_server.py`), with its default
durability (fsync, synchronous_commit on).

Usage: python benchmarks/store_scale.py [--events 1000000] [--appends 5000] [--requests 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from ack_latency import SECRET, append_rate, fire  # noqa: E402
from big_log import USERS, build_log  # noqa: E402
from harness import free_port, serve_http_command, standin_process  # noqa: E402
from postgres_server import postgres_server  # noqa: E402

from bot.store import Store  # noqa: E402
from bot.store.transfer import copy_log  # noqa: E402

Row = tuple[str, str, str]
#: `serve` is started this many times on each database; its start time is their median.
STARTS = 5


def verify_seconds(target: str | Path) -> tuple[float, str]:
    """`opsgate audit verify --db <target>`, as a process, start to exit."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "audit", "verify", "--db", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("OPSGATE_")},
    )
    return time.perf_counter() - started, (done.stdout or done.stderr).strip()


def median_ms(call: Callable[[], object], times: int = 50) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def reads(store: Store, ids: list[str]) -> list[Row]:
    """What `/ops history` and `/ops status` ask of the store, timed (median of 50)."""
    some = ids[len(ids) // 2]
    return [
        ("/ops history", "", f"{median_ms(lambda: store.history(limit=20)):.2f} ms"),
        (
            "/ops history --mine",
            "",
            f"{median_ms(lambda: store.history(requester='U0USER0007', limit=20)):.2f} ms",
        ),
        (
            "/ops history --vendor",
            "",
            f"{median_ms(lambda: store.history(vendor='huawei', limit=20)):.2f} ms",
        ),
        (
            "/ops status",
            "",
            f"{median_ms(lambda: (store.get(some), list(store.events(request_id=some)))):.2f} ms",
        ),
    ]


def serve_rows(pg_url: str, requests: int) -> list[Row]:
    """`opsgate serve --http` start to /healthz ok, and its resident memory after `requests`
    slash commands (real ones: policy, ServicePower preview, card), on each database."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp, standin_process() as api_url:
        (Path(tmp) / "opsgate.toml").write_text("[policy]\nrequire_reason = true\n")
        for name, db in (("SQLite", str(Path(tmp) / "serve.db")), ("PostgreSQL", pg_url)):
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))},
                "SLACK_BOT_TOKEN": "xoxb-benchmark",
                "SLACK_SIGNING_SECRET": SECRET,
                "OPSGATE_SLACK_API_URL": api_url,
                "OPSGATE_SANDBOX": "1",
                "OPSGATE_DB": db,
                "OPSGATE_LOG_LEVEL": "WARNING",
                "OPSGATE_CONFIG": str(Path(tmp) / "opsgate.toml"),
            }
            starts = [_start_seconds(env) for _ in range(STARTS)]
            with _serving(env) as (process, port):
                fire(
                    f"http://127.0.0.1:{port}/slack/events",
                    requests=requests,
                    clients=8,
                    response_url=api_url.replace("/api/", "/response/bench"),
                    run=f"memory-{name}",
                )
                time.sleep(2)  # the background work (previews, cards) finishes
                rss = _rss_mb(process.pid)
            spread = f"median of {STARTS}; {min(starts):.2f}–{max(starts):.2f} s"
            up = statistics.median(starts)
            rows.append(
                (f"serve start → /healthz ok ({name})", "≤ 1.5 s", f"{up:.2f} s ({spread})")
            )
            rows.append(
                (
                    f"resident memory after {requests:,} requests ({name})",
                    "≤ 120 MB",
                    f"{rss:.0f} MB",
                )
            )
    return rows


def _start_seconds(env: dict[str, str]) -> float:
    """One start of `opsgate serve --http`, from the process launched to /healthz ok."""
    started = time.perf_counter()
    with _serving(env):
        return time.perf_counter() - started


@contextmanager
def _serving(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`opsgate serve --http` on a free port, once its /healthz answers; stopped afterwards."""
    port = free_port()
    process = subprocess.Popen(
        serve_http_command(port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz")
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=60)


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"{url} never answered")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Rows(list[Row]):
    """The table's rows; each is also shown on stderr as it is measured."""

    def append(self, row: Row) -> None:
        print(" · ".join(row), file=sys.stderr, flush=True)
        super().append(row)

    def __iadd__(self, rows: object) -> Rows:  # type: ignore[override]
        for row in rows:  # type: ignore[attr-defined]
            self.append(row)
        return self


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=2_000)
    args = parser.parse_args()
    rows = Rows()
    with tempfile.TemporaryDirectory() as tmp, postgres_server(durable=True) as pg:
        base = pg.rsplit("/", 1)[0]
        _create(base, "appends", "big", "serve")
        rows.append(
            (
                "appends, durable (SQLite)",
                "≥ 3,000/s",
                f"{append_rate(Path(tmp) / 'a.db', args.appends):,.0f} events/s",
            )
        )
        rows.append(
            (
                "appends, durable (PostgreSQL)",
                "≥ 3,000/s",
                f"{append_rate(f'{base}/appends', args.appends):,.0f} events/s",
            )
        )
        big = Path(tmp) / "big.db"
        started = time.perf_counter()
        ids = build_log(big, events=args.events)
        print(
            f"built a {args.events:,}-event log in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        took, said = verify_seconds(big)
        rows.append(
            (
                f"opsgate audit verify, {args.events:,} events (SQLite)",
                "≤ 5 s",
                f"{took:.2f} s ({said})",
            )
        )
        store = Store.open(big)
        rows += [
            (f"{what} (SQLite, {args.events:,} events)", "≤ 20 ms", value)
            for what, _, value in reads(store, ids)
        ]
        target = Store.open(f"{base}/big")
        copy_log(store.engine, target.engine)
        store.close()
        rows += [
            (f"{what} (PostgreSQL, {args.events:,} events)", "≤ 20 ms", value)
            for what, _, value in reads(target, ids)
        ]
        target.close()
        took, said = verify_seconds(f"{base}/big")
        rows.append(
            (
                f"opsgate audit verify, {args.events:,} events (PostgreSQL)",
                "(none)",
                f"{took:.2f} s ({said})",
            )
        )
        rows += serve_rows(f"{base}/serve", args.requests)
    print("\n| measure | target | measured |\n|---|---|---|")
    for what, target_text, value in rows:
        print(f"| {what} | {target_text} | {value} |")
    print(f"\n({USERS} requesters, 4 vendors, 4 events per request; medians of 50 reads)")


def _create(base: str, *names: str) -> None:
    import psycopg

    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
