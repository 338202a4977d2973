"""What opsgate says when it could not do what was asked for a reason of its own: its database
could not be reached, or something failed unexpectedly (a bug in opsgate or in a plugin). Said
privately to whoever asked, after the ack that told them the work had begun."""

from __future__ import annotations

from bot.model import Code, Refusal


def database_down() -> Refusal:
    """The database could not be reached while handling a command, form or click."""
    return Refusal(
        "opsgate cannot reach its database right now, so this was not done. Try again in a "
        "minute; ",
        Code("/ops status"),
        " shows where a request stands.",
    )


def maybe_recorded() -> Refusal:
    """The connection to the database broke as what was asked was being recorded, and the
    database could not say in time whether it was: it may have been. Nothing more was done
    (no vendor call): an approval recorded so ends `unknown` once its lease lapses."""
    return Refusal(
        "opsgate lost its connection to its database just as it recorded this, and cannot tell "
        "whether it was recorded; it did nothing more (no vendor call). ",
        Code("/ops status"),
        " shows where the request stands: if this started its vendor call, it ends unknown "
        "without one.",
    )


def unstorable(field: str) -> Refusal:
    """What was asked for holds text with a NUL character (its `field`), which the audit log
    does not store: a plugin's or opsgate's bug, since no one can type one."""
    return Refusal(
        f"opsgate cannot record this: its {field} has a NUL character in it (an invisible "
        "control character), which its audit log does not store, so nothing was done. Tell "
        "whoever runs opsgate (its log says what was refused); ",
        Code("/ops status"),
        " shows where a request stands.",
    )


def failed_unexpectedly(error: BaseException) -> Refusal:
    """Handling a command, form or click failed on an error nobody expected. What was done
    before it is in the audit log; the log has the traceback."""
    return Refusal(
        f"opsgate failed unexpectedly while handling this ({type(error).__name__}); its log has "
        "the details. ",
        Code("/ops status"),
        " or ",
        Code("/ops history --mine"),
        " shows what was recorded before you try again.",
    )
