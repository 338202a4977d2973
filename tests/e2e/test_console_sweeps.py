"""What the app sends on its own, with no line typed (the approvers' reminder at half the ttl,
an expiry), reads in the console as the README promises: a reply in a card's thread says so, a
card's update shows only what changed, and direct messages come last."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest

from adapters.clock import FakeClock
from bot.console.repl import Console
from bot.console.session import ConsoleSession
from bot.lifecycle.replies import Replies
from bot.model import RequestRecord
from bot.settings import load_settings


def wait_for_text(out: io.StringIO, text: str, *, timeout: float = 20.0) -> str:
    """The console's output once it shows `text` (the sweeps run on the app's threads)."""
    deadline = time.monotonic() + timeout
    while text not in out.getvalue():
        assert time.monotonic() < deadline, f"never printed {text!r}:\n{out.getvalue()}"
        time.sleep(0.02)
    return out.getvalue()


def message_first(self: Replies, record: RequestRecord) -> None:
    """The requester's message reaches Slack before the card's update (Slack's pools send them
    at once, in either order)."""
    if record.state.terminal:
        self.notify_requester(record)
    self.refresh_card(record)


def test_a_reminder_and_an_expiry_read_as_the_readme_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Replies, "settled", message_first)
    (tmp_path / "opsgate.toml").write_text('[policy]\nttl = "4s"\n')
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    clock, out = FakeClock(), io.StringIO()
    with ConsoleSession(settings, db=tmp_path / "c.db", clock=clock) as session:
        console = Console(session, out)
        console.handle("/ops servicepower job cancel JOB-1001 --reason exp test")
        request_id = re.search(r"R-[0-9A-Z]{8}", out.getvalue()).group(0)  # type: ignore[union-attr]
        clock.advance(2.5)  # past half the ttl: the sweeper's reminder
        session.app.runner.submit(session.app.service.remind)
        wait_for_text(out, "still needs 1 more approval")
        clock.advance(2.5)  # past the ttl
        session.app.runner.submit(session.app.service.expire_due)
        output = wait_for_text(out, "── direct message to @alice ──")
    assert f"── #ops, thread of card {request_id} ──\n🔔 `{request_id}`" in output
    assert "── #ops ──\n🔔" not in output
    update = output[output.index(f"── card {request_id} updated ──") :]
    assert update.startswith(f"── card {request_id} updated ──\n⌛ Expired: servicepower")
    card_update = update[: update.index("── direct message to @alice ──")]
    assert "Preview:" not in card_update and "Requested by" not in card_update  # what changed
    assert "⌛ Expired: no decision before the deadline" in card_update
