"""What the listeners share: the lifecycle service, the worker pool, the operations' grammar,
and read-side helpers."""

from __future__ import annotations

from dataclasses import dataclass

from bot import cards
from bot.lifecycle import RequestService
from bot.lifecycle.workers import Runner
from commands.catalog import Catalog


@dataclass(frozen=True)
class ListenerContext:
    """Handed to every listener module's `register`."""

    service: RequestService
    runner: Runner
    catalog: Catalog

    def help_entries(
        self, *, user: str, channel: str | None, vendor: str | None = None
    ) -> list[cards.HelpEntry]:
        """The operations this user may request in this channel (optionally of one vendor)."""
        s = self.service.s
        allowed = s.policy.operations_for(
            user=user, channel=channel, directory=s.directory, among=self.catalog.ids
        )
        return [
            cards.HelpEntry(
                operation=spec.id, summary=spec.summary, usage=spec.usage, example=spec.example
            )
            for spec in self.catalog.operations
            if spec.id in allowed and (vendor is None or spec.vendor == vendor)
        ]
