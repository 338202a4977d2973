"""A write whose COMMIT was sent but whose answer never came back (`CommitUncertain`).

On PostgreSQL the connection can break between the server making a commit and opsgate hearing
of it (a failover, a network cut, ``pg_terminate_backend`` at that moment): the write may or may
not have been made. A chain write knows its transaction id (``txid_current()``, read with the
chain lock), so the engine raises `CommitUncertain`, and `CommitUncertain.settle` asks the
server, on fresh connections, whether that transaction committed (``txid_status``): when it
did, the write stands and the caller goes on as after any commit (a claim whose answer was lost
makes its one vendor call); when it did not, nothing was written (the driver's error is raised,
as for any write cut short); when the server cannot say in time, the write is uncertain, and
its caller says so rather than "not done". SQLite never raises it: its commits are local.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.store.rows import DatabaseUnavailable

#: Asks the server, for up to the seconds given, whether the write committed: True, False, or
#: None when it could not be told.
Ask = Callable[[float], bool | None]


class CommitUncertain(DatabaseUnavailable):
    """A write's COMMIT was sent and its connection then broke before the answer came."""

    def __init__(self, message: str, *, cause: BaseException, ask: Ask) -> None:
        super().__init__(message)
        self.cause = cause
        self._ask = ask

    def settle(self, within: float) -> None:
        """Return when the write was committed after all. Asked for up to `within` seconds
        (a claim's lease must still be live when its vendor call goes out).

        Raises:
            The driver's error: it was not committed, so nothing of it was written.
            CommitUncertain: this error, when the server could not tell in time.
        """
        committed = self._ask(within)
        if committed is None:
            raise self
        if not committed:
            raise self.cause
