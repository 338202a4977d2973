"""The verdict of `verify`, and the one line it is shown as."""

from __future__ import annotations

from dataclasses import dataclass

from bot.model.shown import escaped


@dataclass(frozen=True)
class VerifyResult:
    """The verdict of a chain check.

    Attributes:
        ok: True when every event, the head, the anchors and the tables agree.
        checked: How many events were read (up to and including the first bad one).
        first_bad_seq: The seq of the first event that is changed, missing or out of place.
        problem: What is wrong, in one sentence; empty when `ok`.
        request_id: The first request whose stored row disagrees with its events, when that
            is the problem.
    """

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    request_id: str | None = None

    def describe(self) -> str:
        """One line for people: what was verified, or where it breaks. Text read from the
        database (a request id, a name in the problem) is shown escaped (`escaped`), so it
        cannot move the cursor, erase the line or start another (and pass for a verdict)."""
        if self.ok:
            return f"audit log intact: {self.checked:,} event{'s' * (self.checked != 1)} verified"
        if self.request_id is not None:
            request = escaped(self.request_id)
            return f"audit log and tables disagree at request {request}: {escaped(self.problem)}"
        if self.first_bad_seq is None:
            return f"audit log broken: {escaped(self.problem)}"
        return f"audit log broken at event seq {self.first_bad_seq}: {escaped(self.problem)}"
