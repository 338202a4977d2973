"""What a mistyped `/ops` command gets back over signed HTTP: words a user may copy (commands,
flags, the characters to use) as code with nothing invisible inside (SPEC §8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from served_app import served_opsgate

INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060")


def reply(tmp_path: Path, text: str) -> dict[str, Any]:
    with served_opsgate(tmp_path) as served:
        response = served.slash(text, user="U0ALICE")
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("servicepower jobs cancel JOB-1", "`/ops servicepower job cancel`"),
        ("servicepower job cancel JOB-1 --reasn x", "`--reason`"),
        ("servicepower job cancel bad! --reason x", "`._:-`"),
        ("huawei device delete gw-0001 gw-0002 --reason x", "`/ops huawei device delete`"),
        ("servicepower job cancel --reason x", "`/ops servicepower job cancel`"),
        ("status", "`/ops status`"),
    ],
)
def test_a_usage_error_shows_what_to_copy_as_code_with_nothing_invisible(
    tmp_path: Path, typed: str, code: str
) -> None:
    answer = reply(tmp_path, typed)
    [section] = [b for b in answer["blocks"] if b["type"] == "section"]
    said = section["text"]["text"]
    assert code in said
    everything = answer["text"] + json.dumps(answer["blocks"], ensure_ascii=False)
    assert not any(ch in everything for ch in INVISIBLE)
    assert "`" not in answer["text"]  # the notification is plain words


def test_markup_a_user_typed_into_a_usage_error_stays_inert(tmp_path: Path) -> None:
    answer = reply(tmp_path, "servicepower job cancel <!channel> --reason *x*")
    said = answer["blocks"][0]["text"]["text"]
    assert "<!channel>" not in said + answer["text"]
    assert "&lt;!channel&gt;" in said
    stars = reply(tmp_path, "servicepower *jobs* cancel J-1")["blocks"][0]["text"]["text"]
    assert "'\u200d*jobs\u200d*'" in stars  # joiners keep the user's stars from turning bold
