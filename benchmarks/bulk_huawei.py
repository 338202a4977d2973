"""Bulk Huawei device deletions against the simulator's 100 calls / 60 s limit. Prints a table;
not a test.

Several threads share one `HuaweiAdapter` (one token, one rate limiter) and delete devices one
`execute` each. Time runs `--speed` times faster than real time on a clock shared by the limiter
and the simulator, so three minutes of platform time take a few real seconds.

Usage: python benchmarks/bulk_huawei.py [--devices 300] [--threads 8] [--speed 60]
"""

from __future__ import annotations

import argparse
import bisect
import queue
import threading
import time

import httpx
from pydantic import SecretStr

from adapters.errors import AdapterError, VendorThrottled
from adapters.huawei.adapter import HuaweiAdapter
from adapters.huawei.settings import HuaweiSettings
from adapters.huawei.simulator.api import HuaweiSimulator, SimDevice
from adapters.huawei.simulator.state import SANDBOX_APP_ID, SANDBOX_BASE_URL, SANDBOX_SECRET
from commands.model import OperationRequest

PERIOD = 60.0


class ScaledClock:
    """Real time, running `speed` times faster. Thread-safe (it only reads the real clock)."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._start = time.monotonic()
        self._wall = time.time()

    def monotonic(self) -> float:
        return (time.monotonic() - self._start) * self.speed

    def now(self) -> float:
        return self._wall + self.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)


def peak_in_window(stamps: list[float], period: float) -> int:
    """The most calls that started within any `period` seconds."""
    stamps = sorted(stamps)
    return max(
        (bisect.bisect_left(stamps, t + period) - i for i, t in enumerate(stamps)), default=0
    )


def run(devices: int, threads: int, speed: float) -> dict[str, float]:
    clock = ScaledClock(speed)
    sim = HuaweiSimulator.seeded(clock=clock)
    for n in range(devices):
        sim.add_device(SimDevice(f"bulk-{n:04d}", SANDBOX_APP_ID, f"bulk {n}"))
    stamps: list[float] = []
    original = sim.handle

    def timed(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            stamps.append(clock.monotonic())  # list.append is atomic under the GIL
        return original(request)

    config = HuaweiSettings(
        base_url=SANDBOX_BASE_URL, app_id=SANDBOX_APP_ID, secret=SecretStr(SANDBOX_SECRET)
    )
    client = httpx.Client(transport=httpx.MockTransport(timed))
    # The default limiter: the process-wide one of this application, at 100 calls / 60 s.
    adapter = HuaweiAdapter(config=config, client=client, clock=clock, sandbox=True)
    work: queue.Queue[str] = queue.Queue()
    for n in range(devices):
        work.put(f"bulk-{n:04d}")
    surfaced = {"throttled": 0, "other": 0}
    lock = threading.Lock()

    def worker() -> None:
        while True:
            try:
                device_id = work.get_nowait()
            except queue.Empty:
                return
            request = OperationRequest(
                operation="huawei.device.delete", vendor="huawei", targets=(device_id,)
            )
            try:
                adapter.execute(request)
            except AdapterError as exc:
                with lock:
                    surfaced["throttled" if isinstance(exc, VendorThrottled) else "other"] += 1

    real_start, sim_start = time.perf_counter(), clock.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    sim_elapsed = clock.monotonic() - sim_start
    limit = adapter.session.limiter.calls
    fastest = float((len(stamps) - 1) // limit) * PERIOD
    return {
        "deletions": devices,
        "threads": threads,
        "calls made (all)": len(sim.calls),
        "logins": sim.logins,
        "DELETE calls": len(stamps),
        "elapsed, simulated (s)": sim_elapsed,
        "elapsed, real (s)": time.perf_counter() - real_start,
        "peak DELETEs in any 60 s": peak_in_window(stamps, PERIOD),
        "limit per 60 s": limit,
        # A limit-bound run starts with a burst of `limit` calls, then one burst per window.
        "fastest possible at the limit (s)": fastest,
        "achieved rate / limit": fastest / sim_elapsed if sim_elapsed else 1.0,
        "throttled, simulator side (1010009)": sim.throttled_count,
        "throttled, surfaced to callers": surfaced["throttled"],
        "other errors surfaced": surfaced["other"],
        "devices left": sum(1 for d in sim.state.devices if d.startswith("bulk-")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--speed", type=float, default=60.0)
    args = parser.parse_args()
    results = run(args.devices, args.threads, args.speed)
    print(f"Huawei device deletions, simulator at 100 calls/60 s, clock x{args.speed:g}")
    print("| measure | value |")
    print("|---|---|")
    for name, value in results.items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"| {name} | {shown} |")


if __name__ == "__main__":
    main()
