"""What the app sent as the console started prints after the banner, in the order it was sent,
before anything it sends later (SPEC §5: the console shows what the app sends)."""

from __future__ import annotations

import io
from pathlib import Path

from console_sessions import console_session

from bot.console import repl
from bot.console.session import CHANNEL


def test_what_came_before_the_console_listened_prints_before_what_came_after(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    with console_session(tmp_path) as session:
        post = {"channel": CHANNEL, "blocks": _said("sent at start-up")}
        session.standin.handle("chat.postMessage", post, "xoxb-console")
        console = repl.Console(session, out)
        later = {"channel": CHANNEL, "blocks": _said("sent before the banner was printed")}
        session.standin.handle("chat.postMessage", later, "xoxb-console")
        assert console.run(io.StringIO(), interactive=False) == 0
    text = out.getvalue()
    banner = text.index("opsgate console:")
    first, second = text.index("sent at start-up"), text.index("sent before the banner")
    assert banner < first < second


def _said(text: str) -> list[dict[str, object]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
