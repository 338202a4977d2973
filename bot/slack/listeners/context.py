"""What the listeners share: the lifecycle service, the worker pool, the operations' grammar,
the target-file reader, and read-side helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import cards
from bot.lifecycle import Origin, RequestService
from bot.lifecycle.steps import WorkflowSteps
from bot.lifecycle.workers import Runner
from bot.slack.files import TargetFiles
from commands.catalog import Catalog
from commands.model import ParsedCommand, UsageError
from commands.parse import parse
from commands.spec import OperationSpec, example_of


@dataclass(frozen=True)
class ListenerContext:
    """Handed to every listener module's `register`.

    Attributes:
        files: Reads target files uploaded in the request modal; None: uploads are refused.
        steps: Runs Workflow Builder steps; None: the step is not offered.
        groups_changed: Told when Slack says a user group's members changed (the policy's
            directory drops what it keeps of them); None: nothing is kept.
    """

    service: RequestService
    runner: Runner
    catalog: Catalog
    files: TargetFiles | None = None
    steps: WorkflowSteps | None = None
    groups_changed: Callable[[str], None] | None = None

    def submit(self, origin: Origin, job: Callable[[], None]) -> None:
        """Run `job` on the worker pool; if it fails, `origin` is told so privately
        (`bot.lifecycle.replies.Replies.guarded`)."""
        self.runner.submit(self.service.replies.guarded(origin, job))

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
        entries = []
        for spec in self.requestable(user=user, channel=channel):
            if vendor is None or spec.vendor == vendor:
                terms = self.service.s.policy.usage_terms(spec.id)
                entry = cards.HelpEntry(
                    operation=spec.id,
                    summary=spec.summary,
                    usage=spec.synopsis(terms),
                    example=example_of(spec, terms),
                    most=spec.most(terms),
                    break_glass=terms.break_glass,
                    unconfigured=spec.vendor in self.service.s.adapters.unconfigured,
                )
                entries.append(entry)
        return entries

    def help_channels(self, *, user: str, vendor: str | None = None) -> tuple[str, ...]:
        """The channels where `user` may request some operation (of `vendor`), for a help
        asked where they may request none; empty when no channel lets them."""
        policy = self.service.s.policy
        found = {
            channel
            for spec in self.requestable(user=user, channel=None)
            if vendor is None or spec.vendor == vendor
            for channel in policy.for_operation(spec.id).channels
        }
        return tuple(sorted(found))

    def help_kept_elsewhere(
        self, *, user: str, channel: str, vendor: str | None = None
    ) -> list[tuple[str, tuple[str, ...]]]:
        """The operations (of `vendor`) `user` may request, but not in `channel`, each with the
        channels where they may: help names them, so none goes missing without a word."""
        policy = self.service.s.policy
        here = {spec.id for spec in self.requestable(user=user, channel=channel)}
        return [
            (spec.id, tuple(sorted(policy.for_operation(spec.id).channels)))
            for spec in self.requestable(user=user, channel=None)
            if spec.id not in here and (vendor is None or spec.vendor == vendor)
        ]

    def help_kept_to_others(
        self, *, user: str, vendor: str | None = None
    ) -> list[tuple[str, tuple[str, ...]]]:
        """The operations (of `vendor`) the policy's `requesters` keep from `user`, each with
        those requesters, as a request of one would say (``only @dave may``): help names them
        rather than leave them out. Not those turned off (no requesters or channels), nor those
        kept from another organization's member by ``"*"``: their refusals name nobody."""
        policy = self.service.s.policy
        mine = {spec.id for spec in self.requestable(user=user, channel=None)}
        kept = []
        for spec in self.catalog.operations:
            terms = policy.for_operation(spec.id)
            shown = terms.requesters and terms.channels and "*" not in terms.requesters
            if shown and spec.id not in mine and (vendor is None or spec.vendor == vendor):
                kept.append((spec.id, terms.requesters))
        return kept

    def parse(self, text: str) -> ParsedCommand:
        """`/ops` text as a command of this catalog, a count over an operation's limit told
        the policy's (`commands.parse.parse`)."""
        return parse(text, self.catalog, terms=self.service.s.policy.usage_terms)

    def usage(self, error: UsageError) -> str:
        """The usage to show with `error`, under the policy's terms (`Catalog.usage_under`)."""
        return self.catalog.usage_under(error, self.service.s.policy.usage_terms)


def payload_user(body: dict[str, Any]) -> str:
    """The user id in an interaction payload (a click, a shortcut, a modal's submission)."""
    return str((body.get("user") or {}).get("id") or "")
