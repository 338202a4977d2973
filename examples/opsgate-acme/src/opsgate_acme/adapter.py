"""The Acme adapter: ``acme.widget.delete`` against Acme's REST API.

- preview: ``GET /v1/widgets/{id}`` (read-only; retried when it fails transiently).
- execute: ``DELETE /v1/widgets/{id}``, the one mutating call (Acme answers 204). Retried only
  when Acme refused it outright (429: nothing was done); a lost answer, a 5xx or an answer that
  is not Acme's is `OutcomeUnknown`, never retried.
- describe: the exact DELETE, the token masked (``--dry-run``).
- check: ``GET /v1/me``, which proves the URL and the token.

Every call carries ``Authorization: Bearer <token>``. Identifiers are percent-encoded into the
path, although the grammar already allows only letters, digits, ``-`` and ``_``.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

import httpx
from adapters.base import (
    MASK,
    Blocker,
    Outcome,
    Preview,
    Progress,
    ProgressCallback,
    StopSignal,
    VendorCall,
)
from adapters.errors import AdapterError, NotConfigured
from adapters.http import json_body, retry_safely, send, unreadable_answer, vendor_client
from commands.model import OperationRequest

from opsgate_acme.errors import NOT_FOUND, VENDOR, error_code, request_id, to_error
from opsgate_acme.settings import AcmeSettings

WIDGETS: Final = "/v1/widgets"
SPINNING: Final = Blocker(
    message="the widget is spinning: Acme refuses to delete a spinning widget",
    code="widget_spinning",
    next_step="Stop it first (Acme console), then request the deletion again.",
)


class AcmeAdapter:
    """Deletes Acme widgets. Thread-safe: one per process.

    Attributes:
        vendor: ``"acme"``.
        sandbox: True when wired to the built-in simulator.
    """

    vendor = VENDOR

    def __init__(
        self, *, settings: AcmeSettings, client: httpx.Client, sandbox: bool = False
    ) -> None:
        if not (settings.base_url and settings.token):
            raise NotConfigured(
                "Acme is not configured",
                vendor=VENDOR,
                next_step="Set `OPSGATE_ACME__BASE_URL` and `OPSGATE_ACME__TOKEN`.",
            )
        self.sandbox = sandbox
        self._base = settings.base_url.rstrip("/")
        self._token = settings.token
        self._client = client

    def preview(self, request: OperationRequest) -> Preview:
        """Get the widget. This is a read-only operation: it changes nothing at Acme.

        The verdict: blocked when Acme will refuse (a spinning widget) or the widget does not
        exist (``found=False`` blocks by itself); ok otherwise.
        """
        widget = _widget_of(request)
        response = retry_safely(lambda: self._read(_widget_path(widget), f"widget {widget}"))
        if response.status_code == 404:
            return Preview(found=False, summary=f"Widget {widget} not found (widget_not_found)")
        return _widget_preview(widget, json_body(response, vendor=VENDOR, mutating=False))

    def execute(
        self,
        request: OperationRequest,
        *,
        progress: ProgressCallback | None = None,
        stop: StopSignal | None = None,
    ) -> Outcome:
        """Delete the widget: one DELETE, sent again only if Acme refused it outright (429).

        Raises:
            VendorError: Acme refused (widget_spinning, unauthorized, forbidden).
            OutcomeUnknown: no usable answer, or a 5xx: the widget may or may not be deleted.
        """
        widget = _widget_of(request)
        response = retry_safely(lambda: self._delete(widget))
        if progress is not None:
            progress(Progress(succeeded=1, total=1))
        ids = (rid,) if (rid := request_id(response)) else ()
        if response.status_code == 404:
            summary = f"Widget {widget} was already gone (Acme: widget_not_found)"
            return Outcome(summary=summary, vendor_request_ids=ids, already_gone=True)
        return Outcome(summary=f"Deleted widget {widget}", vendor_request_ids=ids)

    def describe(self, request: OperationRequest) -> list[VendorCall]:
        """The exact DELETE `execute` sends, with the token masked. Sends nothing."""
        built = self._build("DELETE", _widget_path(_widget_of(request)), token=MASK)
        return [VendorCall.from_request(built, secret_headers=frozenset({"Authorization"}))]

    def check(self) -> str:
        """``GET /v1/me``: proves the base URL and the token.

        Raises:
            AdapterError: Acme could not be reached or refused the token.
        """
        response = retry_safely(lambda: self._read("/v1/me", "the token check"))
        account = json_body(response, vendor=VENDOR, mutating=False).get("account")
        return f"Acme at {self._base} accepted the token (account {account})"

    def close(self) -> None:
        """Close the HTTP client and its pooled connections."""
        self._client.close()

    # -- calls ----------------------------------------------------------------------------------
    def _read(self, path: str, subject: str) -> httpx.Response:
        response = send(self._client, self._build("GET", path), vendor=VENDOR, mutating=False)
        if response.status_code == 404 and error_code(response)[0] == NOT_FOUND:
            return response
        if response.status_code >= 400:
            raise to_error(response, subject=subject, mutating=False)
        return response

    def _delete(self, widget: str) -> httpx.Response:
        built = self._build("DELETE", _widget_path(widget))
        response = send(self._client, built, vendor=VENDOR, mutating=True)
        if response.status_code == 404 and error_code(response)[0] == NOT_FOUND:
            return response  # already gone: the state the requester asked for holds
        if response.status_code >= 400:
            raise to_error(response, subject=f"widget {widget}", mutating=True)
        if response.status_code != 204:  # Acme documents 204; anything else is not its answer
            raise unreadable_answer(response, vendor=VENDOR, mutating=True)
        return response

    def _build(self, method: str, path: str, *, token: str | None = None) -> httpx.Request:
        bearer = token if token is not None else self._token_value()
        headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json"}
        return self._client.build_request(method, self._base + path, headers=headers)

    def _token_value(self) -> str:
        return self._token.get_secret_value() if self._token is not None else ""


def _widget_of(request: OperationRequest) -> str:
    if request.operation != "acme.widget.delete" or len(request.targets) != 1:
        # A caller bug, caught before anything is sent.
        raise AdapterError(
            f"not an acme.widget.delete request with one widget: {request.operation}",
            vendor=VENDOR,
            next_step="Report this as a bug; nothing was sent to Acme.",
        )
    return request.targets[0]


def _widget_path(widget: str) -> str:
    return f"{WIDGETS}/{quote(widget, safe='')}"  # never a raw identifier in a URL


def _widget_preview(widget: str, body: dict[str, Any]) -> Preview:
    state = str(body.get("state") or "unknown")
    facts = {"name": str(body.get("name") or widget), "state": state}
    if site := body.get("site"):
        facts["site"] = str(site)
    summary = f"Widget {widget} “{facts['name']}”: {state}"
    return Preview(summary=summary, facts=facts, blocked=SPINNING if state == "spinning" else None)


def connect(settings: AcmeSettings) -> AcmeAdapter:
    """The adapter for the real Acme API named in `settings`."""
    client = vendor_client(settings)
    return AcmeAdapter(settings=settings, client=client)
