"""The console shows a form's notes where Slack shows them: a note under an input (Request
again's "Leave this empty to use the 8,000 targets …", under the Targets box) comes with that
input's prompt, not above the Channel prompt, where it read as if an empty channel kept them."""

from __future__ import annotations

from typing import Any

from adapters.registry import installed_plugins
from bot.cards.form import FormPrefill, KeptTargets, request_form
from bot.console.form import FormWalk
from bot.console.session import CHANNEL, AckReply

CANCEL = "aliyun.ota-task.cancel"
NOTE = "Leave this empty to use the 8,000 targets"


class Submitted:
    """The one thing the walk asks of the session here: submitting the form, accepted."""

    def __init__(self) -> None:
        self.submitted: list[dict[str, Any]] = []

    def submit(self, view: dict[str, Any], state: Any, *, user: str) -> AckReply:
        self.submitted.append(state)
        return AckReply(status=200, message=None)


def walk_again_form() -> tuple[list[str], Submitted]:
    spec = installed_plugins().catalog.spec_for(CANCEL)
    kept = KeptTargets("R-AGAIN001", CANCEL, 8000, unsent=True)
    prefill = FormPrefill(operation=CANCEL, channel=CHANNEL, reason="bad rollout", kept=kept)
    view = {**request_form([spec], prefill=prefill), "id": "VFORM"}
    shown: list[str] = []
    session = Submitted()

    def ask(prompt: str) -> str:
        shown.append(prompt)
        return ""

    walk = FormWalk(session, ask=ask, say=shown.append, user="U0ALICE", retry=False)  # type: ignore[arg-type]
    assert walk.run(view) is not None
    return shown, session


def test_a_note_under_the_targets_box_comes_with_the_targets_prompt() -> None:
    shown, session = walk_again_form()
    [note] = [i for i, line in enumerate(shown) if line.startswith(NOTE)]
    channel = next(i for i, line in enumerate(shown) if line.startswith("Channel"))
    targets = next(i for i, line in enumerate(shown) if line.startswith("Targets (deviceName)"))
    assert channel < note < targets
    assert len(session.submitted) == 1


def test_the_form_still_opens_with_what_it_does_and_the_usage() -> None:
    shown, _ = walk_again_form()
    channel = next(i for i, line in enumerate(shown) if line.startswith("Channel"))
    head = "\n".join(shown[:channel])
    assert "\nThe same as typing `/ops`: opsgate checks the policy" in head
    assert "/ops aliyun ota-task cancel <deviceName>..." in head
    assert NOTE not in head
