"""Request again (SPEC §8): which targets the new request asks for. Pure functions, no I/O.

A request that ended with some targets done asks again for the rest only: asking for all of
them would act twice on those the vendor already did. One that did none (failed entirely,
expired, rejected) asks for all of them.
"""

from __future__ import annotations

from typing import Final

from adapters.base import FailureKind, Outcome
from bot.model.records import RequestRecord
from bot.model.states import RequestState

#: What the vendor did nothing to: targets never sent, and those it refused (a stopped card
#: tells to request each again). Never those whose fate is unknown, asking again could act on
#: them twice (a run with any unknown target ends `unknown`, not `failed`, but an outcome is
#: read as stored).
_NOT_DONE: Final = frozenset({FailureKind.NOT_SENT, FailureKind.FAILED})
#: Of a request that ended in each state, the targets asked for again: a stopped or a partly
#: failed run's that the vendor did nothing to.
UNDONE: Final = {RequestState.STOPPED: _NOT_DONE, RequestState.FAILED: _NOT_DONE}


def again_targets(record: RequestRecord) -> tuple[str, ...]:
    """The targets Request again asks for: of a stopped or partly failed run, those it left
    undone (`UNDONE`), in the request's order; of any other request, all of them. An outcome
    that names none left undone (a stop lands between calls, so one always does; an outcome
    recorded otherwise would not) gives all of them too, and the form then says they are the
    request's own, not the undone ones."""
    outcome = record.outcome
    kinds = UNDONE.get(record.state)
    if kinds is None or not isinstance(outcome, Outcome):
        return record.targets
    undone = {t for f in outcome.failures if f.kind in kinds for t in f.targets}
    return tuple(t for t in record.targets if t in undone) or record.targets
