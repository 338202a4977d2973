"""Request again's note in the request form (SPEC §8, §10): under the targets, which targets of
the request asked for again are used. Pure functions, no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bot.cards.blocks import Block, context
from bot.cards.text import clip_raw, code, escape, plural
from commands.spec import OperationSpec

if TYPE_CHECKING:  # `bot.cards.form` builds the form around this note
    from bot.cards.form import FormPrefill


def again_note(spec: OperationSpec, prefill: FormPrefill) -> list[Block]:
    """Under the targets box: which targets of the request asked for again are used."""
    kept = prefill.kept
    if kept is not None and kept.operation == spec.id:
        count, rid = plural(kept.count, "target"), code(kept.request_id)
        if kept.unsent:
            done, which = UNDONE_WORDS.get(kept.ended, UNDONE_WORDS["stopped"])
            return [context(f"Leave this empty to use the {count} {rid} {done} ({which}).")]
        return [context(f"Leave this empty to use the {count} of {rid} again.")]
    if prefill.unsent_of is not None and prefill.targets:
        done, which = UNDONE_WORDS.get(prefill.unsent_ended, UNDONE_WORDS["stopped"])
        return [context(f"These are the targets {code(prefill.unsent_of)} {done}: {which}.")]
    return []


def forced_note(spec: OperationSpec, prefill: FormPrefill) -> list[Block]:
    """Under the options, when the request asked again was forced past a blocked preview:
    that it was, and why it was blocked; `--force` is left unticked, for the requester to
    tick again only if the new preview blocks it too."""
    if prefill.forced is None or prefill.operation != spec.id:
        return []
    request_id, blocked = prefill.forced
    return [
        context(
            f"{code(request_id)} was posted with `--force` past a blocked preview "
            f"({escape(clip_raw(blocked, BLOCKED_LIMIT))}). `--force` is not ticked: this "
            "request is previewed again, and posted only if that preview does not block it; "
            "tick it to force it again."
        )
    ]


#: How much of the blocked preview's message the note quotes.
BLOCKED_LIMIT: Final = 300

#: How the form names the targets a request left undone, by the state it ended in: what it
#: did, and which they are (`bot.model.again.UNDONE`).
UNDONE_WORDS: Final = {
    "stopped": ("left undone when it was stopped", "not sent, or refused by the vendor"),
    "failed": (
        "did not succeed for",
        "refused by the vendor, or not sent; those it succeeded for are left out",
    ),
    "unknown": (
        "left undone",
        "refused by the vendor, or not sent; those it did and those whose outcome is unknown "
        "are left out",
    ),
}
