"""A stateful Acme Widgets API, as an httpx transport (`AcmeSimulator.transport`).

What it does as Acme documents it:

- every call needs ``Authorization: Bearer <token>`` with the account's token (401
  ``unauthorized`` otherwise);
- ``GET /v1/me`` names the account;
- ``GET /v1/widgets/{id}`` answers the widget (``id``, ``name``, ``state``, ``site``), or 404
  ``widget_not_found``;
- ``DELETE /v1/widgets/{id}`` answers 204 with an ``X-Request-Id``, 404 ``widget_not_found``, or
  409 ``widget_spinning`` for a spinning widget;
- more than `RATE_LIMIT` calls in a minute: 429 ``rate_limited`` with ``Retry-After``;
- an internal error is 500 ``internal_error``.

The shared machinery (`adapters.simulator.Simulator`) adds call recording, fault injection
(``sim.inject("timeout", apply=True)`` …) and serving on 127.0.0.1 (``with sim.serve() as url``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

import httpx
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.simulator import Simulator, SlidingWindow

#: Acme's documented limit: calls per minute per account.
RATE_LIMIT: Final = 600
_WIDGET_PATH: Final = "/v1/widgets/"


@dataclass
class Widget:
    """One widget on the simulated account."""

    id: str
    name: str
    state: str = "idle"  # "idle" | "spinning"
    site: str = "plant-1"


def _error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": message}}, headers=headers
    )


class AcmeSimulator(Simulator):
    """Acme Widgets for tests and the sandbox.

    Args:
        token: The account's API token.
        account: The account's name (``GET /v1/me``).
        clock: Time, for the rate window.
    """

    vendor = "acme"

    def __init__(self, *, token: str, account: str = "acme-test", clock: Clock = SYSTEM_CLOCK):
        super().__init__(
            clock=clock, rate_window=SlidingWindow(calls=RATE_LIMIT, period=60.0, clock=clock)
        )
        self.account = account
        self._token = token
        self._widgets: dict[str, Widget] = {}
        self._request_ids = itertools.count(1)

    # -- helpers for tests and the sandbox ------------------------------------------------------
    def add_widget(self, widget: Widget) -> None:
        """Put a widget on the account."""
        with self._lock:
            self._widgets[widget.id] = widget

    @property
    def widgets(self) -> dict[str, Widget]:
        """The widgets still on the account, by id (a copy)."""
        with self._lock:
            return dict(self._widgets)

    # -- the vendor -----------------------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self._token}":
            return _error(401, "unauthorized", "Missing or invalid API token.")
        path = request.url.path
        if path == "/v1/me" and request.method == "GET":
            return httpx.Response(200, json={"account": self.account})
        if path.startswith(_WIDGET_PATH) and request.method in ("GET", "DELETE"):
            widget_id = unquote(request.url.raw_path.decode().split("?")[0][len(_WIDGET_PATH) :])
            return self._widget(request.method, widget_id)
        return _error(404, "not_found", f"No route for {request.method} {path}.")

    def throttled(self, request: httpx.Request) -> httpx.Response:
        return _error(429, "rate_limited", "Too many requests.", **{"Retry-After": "1"})

    def server_error(self, request: httpx.Request) -> httpx.Response:
        return _error(500, "internal_error", "Something went wrong.")

    def _widget(self, method: str, widget_id: str) -> httpx.Response:
        with self._lock:
            widget = self._widgets.get(widget_id)
            if widget is None:
                return _error(404, "widget_not_found", f"No widget {widget_id}.")
            if method == "GET":
                body = {"id": widget.id, "name": widget.name, "state": widget.state}
                return httpx.Response(200, json=body | {"site": widget.site})
            if widget.state == "spinning":
                return _error(409, "widget_spinning", "Stop the widget before deleting it.")
            del self._widgets[widget_id]
            request_id = f"req-{next(self._request_ids):06d}"
        return httpx.Response(204, headers={"X-Request-Id": request_id})
