"""What a bulk run asks before each vendor call: send no more? (SPEC §8 Stop, §13 shutdown.)

Yes once this process began shutting down, or once someone pressed Stop in any process sharing
the database: the store is asked each time. A read of the store that fails (the database is
briefly unavailable) is asked again after a short wait on the service clock; one that keeps
failing answers yes: opsgate cannot tell whether Stop was pressed, so it sends no more calls
rather than risk one after a Stop (the calls not sent are counted and can be requested again).
It never raises into the run: a run that raised would lose what its calls had done.
"""

from __future__ import annotations

import logging
from typing import Final

from adapters.base import StopSignal
from adapters.clock import Clock
from bot.lifecycle.services import Shutdown
from bot.store import Store

log = logging.getLogger(__name__)

#: Seconds to wait before each new read when the store could not say whether Stop was pressed.
READ_AGAIN_AFTER: Final = (0.5, 1.0, 2.0)


def stop_signal(store: Store, request_id: str, shutdown: Shutdown, clock: Clock) -> StopSignal:
    """The run's stop signal (`adapters.base.StopSignal`): never raises."""

    def stop() -> bool:
        for wait in (*READ_AGAIN_AFTER, None):
            if shutdown.begun:
                return True
            try:
                return store.stop_requested(request_id)
            except Exception as exc:
                if wait is None:
                    log.error(
                        "could not read whether %s was stopped (%s); sending no more of its calls",
                        request_id,
                        exc,
                    )
                    return True
                log.warning(
                    "could not read whether %s was stopped (%s); asking again", request_id, exc
                )
                clock.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    return stop
