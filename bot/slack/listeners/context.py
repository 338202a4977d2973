"""What the listeners share: the lifecycle service, the worker pool, the operations' grammar,
the target-file reader, and read-side helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import cards
from bot.lifecycle import Origin, RequestService, mishaps
from bot.lifecycle.steps import WorkflowSteps
from bot.lifecycle.workers import Runner
from bot.slack.files import TargetFiles
from bot.store import DatabaseUnavailable
from commands.catalog import Catalog
from commands.spec import OperationSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListenerContext:
    """Handed to every listener module's `register`.

    Attributes:
        files: Reads target files uploaded in the request modal; None: uploads are refused.
        steps: Runs Workflow Builder steps; None: the step is not offered.
    """

    service: RequestService
    runner: Runner
    catalog: Catalog
    files: TargetFiles | None = None
    steps: WorkflowSteps | None = None

    def submit(self, origin: Origin, job: Callable[[], None]) -> None:
        """Run `job` on the worker pool. If the database cannot be reached, or the job fails on
        an error nobody expected (a bug in opsgate or a plugin), `origin` is told so privately,
        not left with silence after the ack that said the work had begun; the log has one line
        for a database out of reach, the traceback for the unexpected."""
        down: tuple[type[BaseException], ...] = (
            *self.service.s.store.engine.unreachable,
            DatabaseUnavailable,
        )

        def answered() -> None:
            try:
                job()
            except down as exc:
                said = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                log.error("the database could not be reached: %s: %s", type(exc).__name__, said)
                self.service.replies.answer(origin, cards.refusal_message(mishaps.database_down()))
            except Exception as exc:
                log.exception("failed unexpectedly handling a request of %s", origin.user)
                refusal = mishaps.failed_unexpectedly(exc)
                self.service.replies.answer(origin, cards.refusal_message(refusal))

        self.runner.submit(answered)

    def requestable(self, *, user: str, channel: str | None) -> list[OperationSpec]:
        """The operations `user` may request in `channel` (None: in some channel), in help
        order."""
        s = self.service.s
        allowed = s.policy.operations_for(
            user=user, channel=channel, directory=s.directory, among=self.catalog.ids
        )
        return [spec for spec in self.catalog.operations if spec.id in allowed]

    def help_entries(
        self, *, user: str, channel: str | None, vendor: str | None = None
    ) -> list[cards.HelpEntry]:
        """The operations this user may request in this channel (optionally of one vendor)."""
        return [
            cards.HelpEntry(
                operation=spec.id, summary=spec.summary, usage=spec.usage, example=spec.example
            )
            for spec in self.requestable(user=user, channel=channel)
            if vendor is None or spec.vendor == vendor
        ]


def payload_user(body: dict[str, Any]) -> str:
    """The user id in an interaction payload (a click, a shortcut, a modal's submission)."""
    return str((body.get("user") or {}).get("id") or "")
