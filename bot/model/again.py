"""Request again (SPEC §8): which requests offer it, and which targets the new request asks
for. Pure functions, no I/O.

A request that ended with some targets done asks again for the rest only: asking for all of
them would act twice on those the vendor already did. One that did none (failed entirely,
expired, rejected) asks for all of them. A run that ended `unknown` offers it only for the
targets known not to have been done (refused by the vendor, or never sent), and only when there
are some: never for those whose fate is unknown, which the vendor's console must be checked for.
"""

from __future__ import annotations

from typing import Final

from adapters.base import FailureKind, Outcome
from bot.model.outcomes import INTEGRITY_ERROR, FailedOutcome
from bot.model.records import RequestRecord
from bot.model.states import RequestState

#: What the vendor did nothing to: targets never sent, and those it refused (a stopped card
#: tells to request each again). Never those whose fate is unknown, asking again could act on
#: them twice (a run with any unknown target ends `unknown`, not `failed`, but an outcome is
#: read as stored).
_NOT_DONE: Final = frozenset({FailureKind.NOT_SENT, FailureKind.FAILED})
#: Of a request that ended in each state, the targets asked for again: a stopped, a partly
#: failed or an unknown run's that the vendor did nothing to.
UNDONE: Final = {
    RequestState.STOPPED: _NOT_DONE,
    RequestState.FAILED: _NOT_DONE,
    RequestState.UNKNOWN: _NOT_DONE,
}
#: The ends whose card has Request again (SPEC §8); by value, as `stopped` is a state only
#: some versions know. A stopped or failed one, and an `unknown` one, when `offers_again` says so.
AGAIN_STATES: Final = frozenset({"failed", "expired", "rejected", "stopped"})
#: Why a request of an operation no longer installed has no Request again (after its id).
NOT_INSTALLED: Final = "is not installed (its vendor plugin was removed)"


def offers_again(record: RequestRecord, *, installed: bool = True) -> bool:
    """Whether `record`'s card has **Request again**: never when its operation is no longer
    `installed` (its vendor plugin was uninstalled: the form could not offer it, and a new
    request of it would be refused); otherwise an expired or rejected request always; a
    stopped, failed or `unknown` one when there are targets to ask for (`again_targets`): an
    `unknown` run only when its outcome names targets the vendor refused or never got
    (`undone_targets`), which its card tells to request again. Never a request that failed its
    integrity check: its stored form disagrees with the audit log (or could not be checked
    against it), and the form would be filled in from that untrusted row."""
    if failed_integrity(record) or not installed:
        return False
    if record.state in UNDONE:  # stopped, failed, unknown: only with targets to ask for
        return bool(again_targets(record))
    return record.state.value in AGAIN_STATES


def failed_integrity(record: RequestRecord) -> bool:
    """The request ended because its stored row disagreed with its audit record (or could not
    be checked against it): its stored form is not to be trusted, so whom to tell and which
    card to redraw are what its ``requested`` event says, and it offers no Request again.
    Re-exported by `bot.model.rules`, which imports this module."""
    outcome = record.outcome
    return isinstance(outcome, FailedOutcome) and outcome.error == INTEGRITY_ERROR


def again_targets(record: RequestRecord) -> tuple[str, ...]:
    """The targets Request again asks for: of a stopped, partly failed or unknown run, those
    it left undone (`UNDONE`), in the request's order; of any other request, all of them. An
    outcome of a stopped or failed run that names none left undone (a stop lands between
    calls, so one always does; a plugin that spells targets otherwise than the request would
    not) gives all of them when it says nothing was done (every target refused or not sent),
    and the form then says they are the request's own, not the undone ones; when it says some
    were done or are unknown, it gives none (and offers no Request again: asking for all could
    act on those twice), as an unknown run's always does."""
    if record.state not in UNDONE:
        return record.targets
    undone = undone_targets(record)
    if undone or record.state is RequestState.UNKNOWN or _did_some(record):
        return undone
    return record.targets


def _did_some(record: RequestRecord) -> bool:
    """`record`'s outcome says some targets were done, or may have been (unknown)."""
    outcome = record.outcome
    if not isinstance(outcome, Outcome):
        return False
    counts = outcome.counts
    return counts.succeeded > 0 or counts.unknown > 0


def undone_targets(record: RequestRecord) -> tuple[str, ...]:
    """The targets `record`'s outcome names as left undone for its end (`UNDONE`), in the
    request's order, never one it also names unknown; none for an end not in it, or an
    outcome that names no targets."""
    outcome = record.outcome
    kinds = UNDONE.get(record.state)
    if kinds is None or not isinstance(outcome, Outcome):
        return ()
    undone = {t for f in outcome.failures if f.kind in kinds for t in f.targets}
    # A target an outcome names twice (refused, then retried unanswered) may have been done.
    undone -= {t for f in outcome.failures if f.kind is FailureKind.UNKNOWN for t in f.targets}
    return tuple(t for t in record.targets if t in undone)
