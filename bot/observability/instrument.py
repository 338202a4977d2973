"""Where the metrics are fed from: seams of the app, not steps of the lifecycle.

- the store's event observer (`bot.store.Store.observe`): request and click counts;
- a Bolt middleware: the time from dispatch to ack;
- a collector asking the store at each scrape: the pending gauge.

Vendor calls are counted by `bot.observability.vendor_calls.metered`, around the adapters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse

from bot.observability.metrics import Metrics
from bot.store import Store, StoreError

log = logging.getLogger(__name__)


def instrument(bolt: App, *, store: Store, metrics: Metrics) -> None:
    """Feed `metrics` from `store` and `bolt`."""
    store.observe(metrics.observe_event)
    metrics.watch_pending(lambda: _pending(store))
    bolt.use(_ack_timer(metrics))


def _pending(store: Store) -> int:
    try:
        return store.count_pending()
    except StoreError:
        log.warning("could not count pending requests for /metrics", exc_info=True)
        return 0


def _ack_timer(metrics: Metrics) -> Callable[..., BoltResponse]:
    def time_ack(
        req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        started = time.perf_counter()
        try:
            return next()  # returns once the listener has acked
        finally:
            metrics.ack_seconds.observe(time.perf_counter() - started)

    return time_ack
