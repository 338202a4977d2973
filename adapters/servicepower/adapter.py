"""ServicePower ServiceBroker: cancel a Scheduling job (``servicepower.job.cancel``).

The one vendor call is ``PUT {base}/up/v5/rest/scheduling/CancelJob`` with
``{"Id": jobId, "CancelReason": {"cancelReasonId": n, "cancelReasonDesc": text}}``, a pass-through
to Scheduling's JobCancelRequest. Cancelling removes the job from ServiceOptimizer completely and
cannot be undone.

* ``CancelReason`` is sent only when there is something in it, with only the members given: both
  are optional in the vendor's documentation, so ``--reason-id`` alone sends just
  ``cancelReasonId`` and ``--reason`` alone just ``cancelReasonDesc``. The description keeps the
  vendor's 500 characters; a longer reason is shortened (the full text stays in opsgate's audit
  log) and the preview says so. Scheduling before 11.3 silently drops the whole reason.
* There is no REST read of a job (only SOAP GetJobRequest), so the preview validates the id and
  proves the credentials; it cannot confirm the job exists.
* A refusal (``"Success": false``, a 4xx) is never retried. A transport fault on the PUT, a 5xx
  (Scheduling may have removed the job before ServiceBroker failed, or a gateway lost the
  answer) or a 3xx (a redirect, never followed, whatever its body) is `OutcomeUnknown`, and so
  is an answer whose ``Success`` flag and codes disagree (`errors.contradiction`). Only a
  throttling answer or a failed connection (nothing sent) is retried.
* Auth (`adapters.servicepower.auth`): a system access token, or a cached JWT renewed before it
  expires and, after a 401, renewed once more and the PUT resent once.
* Return codes (`adapters.servicepower.errors`) show name and number: ``SP_JOBID_INVALID (1)``.
* ServiceBroker documents no request id (only ``Authorization`` and ``Content-Type`` headers):
  none is claimed, but a ``X-Request-Id``/``X-Correlation-Id`` header (or a ``RequestId``
  field) is kept as the vendor request id when a gateway in front adds one.
* A 401 may come with any body or none (VENDORS.md §7): it is read as "not authorized" whatever
  it holds.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import httpx

from adapters.base import MASK, Outcome, Preview, Progress, ProgressCallback, StopSignal, VendorCall
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.errors import NotConfigured, OutcomeUnknown, VendorError
from adapters.http import json_body, retry_safely, send, unconfirmed_answer, vendor_client
from adapters.servicepower.auth import JwtAuth, ServicePowerAuth, SystemTokenAuth
from adapters.servicepower.errors import (
    VENDOR,
    contradiction,
    http_error,
    refusal,
    request_id_of,
    unsure,
)
from adapters.servicepower.request import CANCEL_PATH, MAX_REASON, CancelJob, cancel_job_of
from adapters.servicepower.settings import ServicePowerSettings
from commands.model import OperationRequest

IRREVERSIBLE: Final = "Cancelling removes the job completely and cannot be undone."

_log = logging.getLogger(__name__)


class ServicePowerAdapter:
    """Cancels ServicePower Scheduling jobs through ServiceBroker's RESTified CancelJob.

    Args:
        config: The tenant's base URL and credentials (system token, or client id + secret; the
            system token wins when both are set).
        client: The HTTP client; its transport is the network or the simulator.
        clock: Time, for JWT expiry.
        sandbox: True when `client` talks to the built-in simulator.

    Raises:
        NotConfigured: `config` has no base URL or no credentials.
    """

    vendor = VENDOR

    def __init__(
        self,
        *,
        config: ServicePowerSettings,
        client: httpx.Client,
        clock: Clock = SYSTEM_CLOCK,
        sandbox: bool = False,
    ) -> None:
        if not config.configured or not config.base_url:
            raise NotConfigured(
                "ServicePower is not configured",
                vendor=VENDOR,
                next_step="Set `OPSGATE_SERVICEPOWER__BASE_URL` and `OPSGATE_SERVICEPOWER__TOKEN`, "
                "or `OPSGATE_SERVICEPOWER__CLIENT_ID` and `OPSGATE_SERVICEPOWER__CLIENT_SECRET` "
                "(or run with `OPSGATE_SANDBOX=1`).",
            )
        self.sandbox = sandbox
        self._client = client
        self._base = config.base_url.rstrip("/")
        self.auth = _auth_for(config, client=client, base_url=self._base, clock=clock)

    def close(self) -> None:
        """Close the HTTP client and its pooled connections."""
        self._client.close()

    def preview(self, request: OperationRequest) -> Preview:
        """Validate the job id and prove the credentials. This is a read-only operation.

        ServicePower offers no REST read of a job, so nothing about the job itself is checked
        and the verdict is ``ok`` unless the reason must be shortened (``warn``): the summary
        says what could not be checked, and every cancel "cannot be undone" is a fact, not a
        warning that would be on every card. With JWT auth a token is fetched, so bad
        credentials show on the card before approval.
        """
        cancel = cancel_job_of(request)
        facts = {**cancel.facts(), "Credentials": self.auth.preview_fact(), "Undo": IRREVERSIBLE}
        warnings = []
        if cancel.reason_shortened_from is not None:
            warnings.append(
                f"The reason has {cancel.reason_shortened_from} characters; "
                f"ServicePower keeps {MAX_REASON}, so it is sent shortened."
            )
        sent = _reason_sent(cancel.reason_id, cancel.reason_desc)
        if sent:
            facts["Reason sent"] = f"{sent} (Scheduling before 11.3 ignores it)"
        return Preview(
            summary=f"ServicePower offers no read of a job over REST: opsgate cannot confirm job "
            f"{cancel.job_id} exists before cancelling",
            facts=facts,
            warnings=warnings,
        )

    def execute(
        self,
        request: OperationRequest,
        *,
        progress: ProgressCallback | None = None,
        stop: StopSignal | None = None,
    ) -> Outcome:
        """Cancel the job: the one mutating call. A refusal or a lost answer is never retried.

        Raises:
            VendorAuthError: the credentials were refused (after one JWT renewal).
            VendorError: ServiceBroker or Scheduling refused; the code is ``SP_NAME (n)``.
            OutcomeUnknown: no usable answer, or a 5xx; the job may or may not be cancelled.
        """
        cancel = cancel_job_of(request)
        _log.info("cancelling ServicePower job %s", cancel.job_id)
        response = self._put_authorized(cancel)
        outcome = self._outcome(cancel, response)
        if progress is not None:
            progress(Progress(succeeded=1, total=1))
        return outcome

    def describe(self, request: OperationRequest) -> list[VendorCall]:
        """The exact PUT `execute` sends, with the bearer token masked. Sends nothing."""
        return [VendorCall.from_request(self._build_put(cancel_job_of(request), MASK))]

    def check(self) -> str:
        """Prove the credentials as far as ServiceBroker allows: a JWT is fetched; a system token
        cannot be checked without a business call, so the server is only reached (a GET of the
        base URL) and the answer says so."""
        return f"ServicePower {self._base}: {self.auth.check()}"

    def _build_put(self, cancel: CancelJob, token: str) -> httpx.Request:
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        return self._client.build_request(
            "PUT", self._base + CANCEL_PATH, json=cancel.body(), headers=headers
        )

    def _put_authorized(self, cancel: CancelJob) -> httpx.Response:
        token = self.auth.bearer()
        response = self._put(cancel, token)
        if response.status_code == 401 and self.auth.renewable:
            # A JWT can be revoked or expire early: a 401 means nothing happened, so renew once.
            _log.info("ServicePower refused the JWT; renewing it once and resending")
            self.auth.reject(token)
            response = self._put(cancel, self.auth.bearer())
        return response

    def _put(self, cancel: CancelJob, token: str) -> httpx.Response:
        def attempt() -> httpx.Response:
            sent = send(self._client, self._build_put(cancel, token), vendor=VENDOR, mutating=True)
            if sent.status_code == 429:  # refused outright, so trying again is safe
                raise self._http_error(cancel, sent)
            return sent

        return retry_safely(attempt)

    def _outcome(self, cancel: CancelJob, response: httpx.Response) -> Outcome:
        if response.status_code >= 500:
            raise unsure(response, job_id=cancel.job_id)
        if response.status_code >= 400:
            raise self._http_error(cancel, response)
        redirected = unconfirmed_answer(
            response,
            vendor=VENDOR,
            next_step=f"Check in ServiceOptimizer whether job {cancel.job_id} still exists "
            "before requesting again.",
        )
        if redirected is not None:
            raise redirected  # a 3xx: not followed, so nothing is confirmed
        body = json_body(response, vendor=VENDOR, mutating=True)
        success = body.get("Success")
        if (disagreeing := contradiction(body)) is not None:
            raise self._contradicted(cancel, response, body, disagreeing)
        if success is False:
            raise refusal(body, job_id=cancel.job_id, response=response)
        if success is not True:
            raise OutcomeUnknown(
                f"ServicePower answered the cancel of job {cancel.job_id} without a Success flag; "
                "the job's state is unknown",
                vendor=VENDOR,
                next_step="Check in ServiceOptimizer whether the job still exists.",
            )
        rid = request_id_of(response, body)
        return Outcome(
            summary=f"Cancelled ServicePower job {cancel.job_id}: it is removed from "
            "ServiceOptimizer",
            vendor_request_ids=(rid,) if rid else (),
        )

    def _contradicted(
        self, cancel: CancelJob, response: httpx.Response, body: dict[str, Any], what: str
    ) -> OutcomeUnknown:
        flag = "true" if body.get("Success") is True else "false"
        return OutcomeUnknown(
            f"ServicePower answered the cancel of job {cancel.job_id} with Success {flag} but "
            f"{what}: the answer contradicts itself, so the job's state is unknown",
            vendor=VENDOR,
            next_step=f"Check in ServiceOptimizer first whether job {cancel.job_id} still "
            "exists, before requesting again; if this recurs, contact ServicePower.",
            vendor_request_id=request_id_of(response, body),
        )

    def _http_error(self, cancel: CancelJob, response: httpx.Response) -> VendorError:
        return http_error(
            response,
            what=f"the cancel of job {cancel.job_id}",
            auth_hint=self.auth.unauthorized_hint(),
        )


def _auth_for(
    config: ServicePowerSettings, *, client: httpx.Client, base_url: str, clock: Clock
) -> ServicePowerAuth:
    if config.token is not None:  # a blank token was made None when the settings loaded
        return SystemTokenAuth(config.token, client=client, base_url=base_url)
    if config.client_id and config.client_secret is not None:
        return JwtAuth(
            client=client,
            base_url=base_url,
            client_id=config.client_id,
            client_secret=config.client_secret,
            clock=clock,
        )
    raise NotConfigured("ServicePower has no credentials", vendor=VENDOR)  # pragma: no cover


def from_config(
    config: ServicePowerSettings, *, clock: Clock = SYSTEM_CLOCK
) -> ServicePowerAdapter:
    """An adapter for the real ServiceBroker, with its own HTTP client.

    Raises:
        NotConfigured: `config` lacks a base URL or credentials.
    """
    client = vendor_client(config)
    return ServicePowerAdapter(config=config, client=client, clock=clock)


def _reason_sent(reason_id: int | None, text: str | None) -> str:
    """What of the reason the cancel carries, as the card's fact says it; "" for nothing."""
    parts = [f"reason id {reason_id}"] if reason_id is not None else []
    parts += ["the reason's text"] if text else []
    if not parts:
        return ""
    missing = "" if len(parts) == 2 else ", no text" if reason_id is not None else ", no id"
    return " and ".join(parts) + missing
