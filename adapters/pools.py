"""A thread pool whose jobs run in a copy of the submitter's context.

A plain `ThreadPoolExecutor` runs each job in its thread's own, empty context: whatever the
submitting code had set in context variables (opsgate's log context: the request id, operation
and clicker; the Slack workspace being served) is lost to the job. A vendor call fanned out to
a pool (a preview's listings, a bulk run's batches) must log as the request it
serves, so adapters fan out with `ContextExecutor` instead.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class ContextExecutor(ThreadPoolExecutor):
    """`ThreadPoolExecutor` whose every job (`submit`, and so `map`) runs in its own copy of
    the context it was submitted from (one copy per job: a context runs on one thread at a
    time)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        context = contextvars.copy_context()
        return super().submit(lambda: context.run(fn, *args, **kwargs))
