"""A piped script with bytes that are not UTF-8 (a Latin-1 "café"): Python hands the console
such bytes as lone surrogates, which nothing can encode. Each one reads as U+FFFD, so the line
gets the answer any stray character gets, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console import run_console
from bot.settings import load_settings


def test_a_byte_that_is_not_utf8_is_refused_like_any_stray_character(tmp_path: Path) -> None:
    (tmp_path / "opsgate.toml").write_text("[policy]\n")
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    # "/ops status café" written in Latin-1, as Python reads it (surrogateescape).
    script = io.StringIO("/ops status caf\udce9\n/ops status R-7K3F9QW\ud800\nverify\n")
    out = io.StringIO()

    code = run_console(settings, stdin=script, stdout=out, db=tmp_path / "console.db")

    text = out.getvalue()
    assert code == 0
    assert "Bad request-id 'caf\ufffd'" in text
    assert "Bad request-id 'R-7K3F9QW\ufffd'" in text
    assert "audit log intact" in text
