"""The HTTP server of `opsgate serve --http`: waitress, with its limits and timeouts from settings.

waitress reads requests on one event loop and hands only complete ones to its threads, so slow
or idle clients cost a connection slot, not a thread. What made ``/healthz`` and acks time out
under 300 slow or 500 idle connections was waitress's default limit of 100 open connections
(past it, it stops accepting); opsgate's default is 1,000, polled with ``poll()`` rather than
``select()`` (which cannot watch more than 1,024 sockets), with the process's open-file limit
raised to match.
"""

from __future__ import annotations

import logging
import resource
import socket
from typing import TYPE_CHECKING, Any, Final

from waitress import wasyncore
from waitress.server import BaseWSGIServer, create_server

from bot.cli.received import StampedChannel
from bot.settings import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger(__name__)

#: Open files the process needs besides its connections (database, logs, vendor clients).
_SPARE_FILES: Final = 256
#: How long, after the stop, requests already being answered may take to finish.
_FINISH_REQUESTS_S: Final = 5


def adjustments(settings: Settings, *, connection_limit: int | None = None) -> dict[str, Any]:
    """waitress's settings (its "adjustments") for these opsgate settings; `connection_limit`,
    when given, replaces the setting's (the open-file limit allows fewer)."""
    idle = max(1, int(settings.http_channel_timeout.total_seconds()))
    return {
        "threads": settings.http_threads,
        "connection_limit": connection_limit or settings.http_connection_limit,
        "channel_timeout": idle,
        "cleanup_interval": min(30, idle),  # how often idle connections are looked for
        "max_request_body_size": settings.http_max_body,
        "asyncore_use_poll": True,
        "ident": "opsgate",
    }


class HttpServer:
    """opsgate's WSGI application behind waitress on `host`:`port` (0 picks a free port).

    Raises:
        OSError: The address cannot be listened on (in use, not this host's, no permission).
    """

    def __init__(self, app: WSGIApplication, *, host: str, port: int, settings: Settings) -> None:
        limit = connections_allowed(settings.http_connection_limit)
        self._map: dict[int, Any] = {}  # waitress's socket map, ours so we can close it all
        # Bound here, so an address in use fails before waitress starts threads it would leak.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host, port), family=family, backlog=1024)
        try:
            self._server = create_server(
                app,
                map=self._map,
                sockets=[listener],
                **adjustments(settings, connection_limit=limit),
            )
        except BaseException:
            listener.close()
            raise
        if isinstance(self._server, BaseWSGIServer):  # one listener (ours): always
            self._server.channel_class = StampedChannel  # acks timed from the request's receipt

    @property
    def connection_limit(self) -> int:
        """Open connections accepted at once: the setting, or fewer (`connections_allowed`)."""
        return int(self._server.adj.connection_limit)

    @property
    def port(self) -> int:
        """The port listened on."""
        # waitress types its servers loosely; a single TCP listener (ours) has this attribute.
        return int(getattr(self._server, "effective_port", 0))

    def serve(self) -> None:
        """Answer requests until Ctrl-C or SIGTERM (a `KeyboardInterrupt` in the main thread);
        then stop accepting, let requests being answered finish, and close every connection."""
        try:
            self._server.run()  # returns when interrupted (waitress catches KeyboardInterrupt)
        finally:
            self.close()

    def close(self) -> None:
        """Stop accepting and close every connection; requests in progress get a few seconds."""
        self._server.task_dispatcher.shutdown(cancel_pending=False, timeout=_FINISH_REQUESTS_S)
        wasyncore.close_all(self._map)


def connections_allowed(wanted: int) -> int:
    """How many connections to accept at once: `wanted`, with the soft open-file limit raised
    to hold them and `_SPARE_FILES` more; or, when the hard limit is too low for that, as many as
    it holds beside a spare (without which accept() fails with "Too many open files" at every
    turn of waitress's loop, starving /healthz), said in one warning line."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + _SPARE_FILES
    if hard != resource.RLIM_INFINITY and hard < needed:
        allowed = max(1, hard - min(_SPARE_FILES, hard // 2))
        log.warning(
            "the hard open-file limit is %d, too low for OPSGATE_HTTP_CONNECTION_LIMIT=%d (it "
            "needs %d): accepting at most %d connections at once; raise the hard limit "
            "(systemd LimitNOFILE=, docker --ulimit nofile=, ulimit -Hn as root) to %d or more",
            hard,
            wanted,
            needed,
            allowed,
            needed,
        )
        needed, wanted = hard, min(wanted, allowed)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        log.info("raised the open-file limit from %d to %d", soft, needed)
    return wanted
