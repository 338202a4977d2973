"""The README's console transcripts are run through the real console, and must come out as shown.

Every fenced block of README.md with an ``alice>`` session is a transcript. Its script is read
from the block itself: each ``alice> `` line, and after a line that opens the request form the
answers shown after the form's prompts (``Targets (jobId): JOB-1001``; ``Channel [#ops]:`` is
an empty answer). Its policy is the one the README states: an ``opsgate.toml`` the block shows
(``$ cat opsgate.toml``), or a ``key = value`` the paragraph before it gives "in the policy";
otherwise the defaults.

Every line the block shows must come out of the console, in the same order and, between two
``…`` lines, one after another; a line ``…`` stands for any number of lines. What differs from
run to run is normalised on both sides: request ids (lettered by first appearance, so two
requests stay two), timestamps and dates, trailing spaces, and, from a ``stop`` line on, the
numbers (how many targets a Stop leaves unsent, and which, depends on when it lands).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path
from string import ascii_uppercase

import pytest

from bot.console import run_console
from bot.settings import load_settings

README = Path(__file__).resolve().parents[2] / "README.md"
SESSION = "alice> "
SKIP = "…"
FENCE = "```"

#: Lines that open the request form (``/ops`` alone opens it, as ``form`` does).
OPENS_FORM = re.compile(r"(?:as @\w+ )?(?:form|again)(?: .*)?|/ops")
#: A form prompt with what was typed after it: a label (``Targets (jobId)``, ``--reason-id
#: <n>``, ``--dry-run?``), perhaps what is shown (``[#ops]``), a colon, perhaps an answer.
PROMPT = re.compile(
    r"(?P<label>(?:[A-Z][\w ]*|--[\w-]+)(?: \([^)]*\)| <\w+>)?\??)"
    r"(?: \[[^\]]*\])?:(?: (?P<answer>.*))?"
)
#: The prompts of a form whose README transcript hides some of them under ``…`` (in the order
#: the console asks them). The answers still come from the README: the one it shows after a
#: prompt, or an empty line (keep what is shown) for a prompt it hides.
TRIMMED_FORMS = {
    "again": ("Operation", "Channel", "Targets", "--reason-id", "Reason", "--dry-run", "--force"),
}
#: A setting the paragraph before a transcript gives "in the policy".
POLICY_IN_PROSE = re.compile(r"`(\w+ = [^`]+)` in the policy")

REQUEST_ID = re.compile(r"R-[0-9A-Z]{8}")
WALL_CLOCK = (
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"), "<timestamp>"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"), "<time> UTC"),
)
#: A click on Stop, and the numbers after it.
STOP = re.compile(rf"{SESSION}(?:as @\w+ )?stop(?: .*)?")
AFTER_STOP = re.compile(r"\d[\d,]*")


@dataclass(frozen=True)
class Transcript:
    """One fenced block with an ``alice>`` session, and where README.md has it."""

    start: int  # README.md's line number of the block's first line
    lines: tuple[str, ...]
    intro: str  # the paragraph just before the block

    @property
    def first(self) -> int:
        """The index of the session's first line (lines before it set the session up)."""
        return next(i for i, line in enumerate(self.lines) if line.startswith(SESSION))

    def shown(self) -> list[tuple[int, str]]:
        """The session's lines with their README.md line numbers."""
        return [(self.start + i, line) for i, line in enumerate(self.lines) if i >= self.first]


def transcripts(text: str) -> list[Transcript]:
    """Every fenced block of `text` in which ``alice>`` types something."""
    found: list[Transcript] = []
    before: list[str] = []
    block: list[str] | None = None
    intro = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if block is None and line.startswith(FENCE):
            block, intro, before = [], last_paragraph(before), []
        elif block is None:
            before.append(line)
        elif not line.startswith(FENCE):
            block.append(line.rstrip())
        elif any(shown.startswith(SESSION) for shown in block):
            found.append(Transcript(number - len(block), tuple(block), intro))
            block = None
        else:
            block = None
    return found


def last_paragraph(lines: list[str]) -> str:
    """The last paragraph of `lines`, on one line."""
    paragraphs = "\n".join(lines).strip().split("\n\n")
    return " ".join(paragraphs[-1].split())


ALL = transcripts(README.read_text(encoding="utf-8"))


def policy(transcript: Transcript) -> str:
    """The policy the README states for `transcript`, as an ``opsgate.toml``."""
    setup = list(transcript.lines[: transcript.first])
    if "$ cat opsgate.toml" in setup:
        shown = setup[setup.index("$ cat opsgate.toml") + 1 :]
        return "\n".join(takewhile(lambda line: not line.startswith("$ "), shown)) + "\n"
    settings = POLICY_IN_PROSE.findall(transcript.intro)
    return "[policy]\n" + "\n".join(settings) + "\n" if settings else ""


def script(transcript: Transcript) -> str:
    """The console input the transcript shows: its commands, and the answers to its forms."""
    lines = [line for _, line in transcript.shown()]
    typed: list[str] = []
    for index, line in enumerate(lines):
        if not line.startswith(SESSION):
            continue
        command = line.removeprefix(SESSION)
        typed.append(command)
        if OPENS_FORM.fullmatch(command):
            rest = lines[index + 1 :]
            until = next((i for i, s in enumerate(rest) if s.startswith(SESSION)), len(rest))
            typed += answers(command, rest[:until])
    return "\n".join(typed) + "\n"


def answers(command: str, form: list[str]) -> list[str]:
    """What was typed at the prompts of the form `command` opened (its lines are `form`)."""
    shown = [m for line in form if (m := PROMPT.fullmatch(line))]
    if command not in TRIMMED_FORMS:
        return [m["answer"] or "" for m in shown]
    typed = {m["label"]: m["answer"] or "" for m in shown}
    return [
        next((answer for label, answer in typed.items() if label.startswith(prompt)), "")
        for prompt in TRIMMED_FORMS[command]
    ]


def normalised(lines: list[str]) -> list[str]:
    """`lines` with what differs from run to run made the same (see the module docstring)."""
    ids: dict[str, str] = {}
    stopped = False
    result = []
    for line in lines:
        line = REQUEST_ID.sub(
            lambda m: ids.setdefault(m[0], f"R-<{ascii_uppercase[len(ids)]}>"), line
        )
        for pattern, stand_in in WALL_CLOCK:
            line = pattern.sub(stand_in, line)
        stopped = stopped or bool(STOP.fullmatch(line))
        result.append((AFTER_STOP.sub("<n>", line) if stopped else line).rstrip())
    return result


def run(transcript: Transcript, tmp_path: Path) -> list[str]:
    """The console's output for the transcript's script, from its first ``alice>`` line."""
    (tmp_path / "opsgate.toml").write_text(policy(transcript), encoding="utf-8")
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    out = io.StringIO()
    stdin = io.StringIO(script(transcript))
    assert run_console(settings, stdin=stdin, stdout=out, db=tmp_path / "console.db") == 0
    output = out.getvalue().splitlines()
    return output[next(i for i, line in enumerate(output) if line.startswith(SESSION)) :]


def segments(shown: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The shown lines between ``…`` lines: each must come out one after another."""
    parts: list[list[tuple[int, str]]] = [[]]
    for number, line in shown:
        if line == SKIP:
            parts.append([])
        else:
            parts[-1].append((number, line))
    return parts


def mismatch(part: list[tuple[int, str]], output: list[str], at: int) -> str:
    """Which shown line did not come out where the most of `part` did, and what the console
    printed from `at` on."""
    want = [line for _, line in part]

    def agreeing(start: int) -> int:
        """How many of the shown lines come out one after another from `start`."""
        count = 0
        while count < len(want) and output[start + count : start + count + 1] == [want[count]]:
            count += 1
        return count

    best = max(range(at, len(output) + 1), key=agreeing)
    number, line = part[min(agreeing(best), len(part) - 1)]
    printed = (
        output[best + agreeing(best)] if best + agreeing(best) < len(output) else "nothing more"
    )
    console = "\n".join(f"  {text}" for text in output[at:])
    return (
        f"README.md:{number} shows {line!r}; the console printed {printed!r} there\n"
        f"console output from there on:\n{console}"
    )


def assert_shown_in_order(shown: list[tuple[int, str]], output: list[str]) -> None:
    """Each run of shown lines comes out one after another, the runs in order; the first run
    starts the output and the last ends it, unless ``…`` stands before or after it."""
    lines = normalised([line for _, line in shown])
    shown = [(number, line) for (number, _), line in zip(shown, lines, strict=True)]
    parts, at = segments(shown), 0
    for index, part in enumerate(parts):
        if not part:
            continue
        want = [line for _, line in part]
        starts = range(at, len(output) - len(want) + 1) if index else range(1)
        found = next((i for i in starts if output[i : i + len(want)] == want), None)
        assert found is not None, mismatch(part, output, at)
        at = found + len(want)
    if parts[-1]:  # no `…` after the last line shown: the output ends there too
        last = parts[-1][-1][0]
        assert at == len(output), mismatch([(last, "(and no more)")], output, at)


@pytest.mark.parametrize("transcript", ALL, ids=[f"README.md:{t.start}" for t in ALL])
def test_the_console_prints_what_the_readme_shows(transcript: Transcript, tmp_path: Path) -> None:
    assert_shown_in_order(transcript.shown(), normalised(run(transcript, tmp_path)))


def test_every_console_transcript_is_found() -> None:
    """Guard against a vacuous pass: the walkthroughs are found, each with commands to run,
    and each one whose text speaks of a policy with that policy."""
    assert len(ALL) >= 4
    assert sum(bool(policy(transcript)) for transcript in ALL) >= 2
    for transcript in ALL:
        assert script(transcript).startswith(transcript.lines[transcript.first][len(SESSION) :])
        if "policy" in transcript.intro:
            assert policy(transcript).startswith("[policy]\n"), transcript.intro
