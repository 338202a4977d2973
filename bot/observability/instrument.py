"""Where the metrics are fed from: seams of the app, not steps of the lifecycle.

- the store's event observer (`bot.store.Store.observe`): request and click counts;
- `MeteredApp`, Bolt's app with its dispatch timed: the time from receiving a request to its ack
  (Bolt's middleware cannot time it: its ``next()`` only marks the chain to go on);
- a collector asking the store at each scrape: the pending gauge.

Vendor calls are counted by `bot.observability.vendor_calls.metered`, around the adapters.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from slack_bolt import App, BoltRequest, BoltResponse

from bot.observability.metrics import Metrics
from bot.store import Store

#: Where a request's receipt time (``time.perf_counter()``) travels: the WSGI environ's key, set
#: by opsgate's HTTP server (`bot.cli.received`), and the `BoltRequest` context's, set from it
#: (`bot.slack.ingress`) or, in Socket Mode, from when the envelope was read off the socket
#: (`bot.slack.socket_mode`). Without it (another server) the ack is timed from dispatch.
RECEIVED_AT: Final = "opsgate_received_at"


class MeteredApp(App):
    """A Bolt `App` that observes ``opsgate_ack_seconds`` for every request it dispatches.

    Bolt's dispatch returns once the listener has acknowledged (or answered) the request, over
    HTTP and in Socket Mode alike; the ack time runs from when the HTTP server had read the
    request, or the Socket Mode client the envelope (`RECEIVED_AT`, so time spent queued for a
    free thread counts), or else from the dispatch, to then, signature check included. A
    request refused as unsigned (401) is not Slack's, and not timed.

    Args:
        metrics: Where the ack times go.
        listener_pool: Runs the listeners once they have acked (Bolt's `listener_executor`).
        **kwargs: Bolt's own `App` arguments.
    """

    def __init__(
        self, *, metrics: Metrics, listener_pool: ThreadPoolExecutor, **kwargs: Any
    ) -> None:
        super().__init__(listener_executor=listener_pool, **kwargs)
        self._ack_seconds = metrics.ack_seconds
        self.listener_pool = listener_pool

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        """Bolt's dispatch, timed."""
        started = time.perf_counter()
        received = req.context.get(RECEIVED_AT)
        if isinstance(received, float) and received <= started:
            started = received
        response: BoltResponse | None = None
        try:
            response = super().dispatch(req)
            return response
        finally:
            # A 401 is a request Slack did not sign (`bot.slack.verification`): not an ack.
            if response is None or response.status != 401:
                self._ack_seconds.observe(time.perf_counter() - started)


def instrument(store: Store, *, metrics: Metrics) -> None:
    """Feed `metrics` from `store`: request and click counts, and the pending gauge."""
    store.subscribe(lambda appended: metrics.observe_event(appended.event))
    metrics.watch_pending(store.count_pending)
