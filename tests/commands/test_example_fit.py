"""A usage example under the policy's target limit (`commands.ranges.fit_ranges`): its targets
together name at most the limit, so help never teaches a command the policy refuses."""

from __future__ import annotations

import random

import pytest

from commands.ranges import fit_ranges, range_count
from commands.tokens import split_words

EXAMPLE = '/ops aliyun ota-task cancel thermo-{001..050} --product a1 --reason "INC-{1..9}"'


@pytest.mark.parametrize(
    ("most", "targets"),
    [(10_000, "thermo-{001..050}"), (20, "thermo-{001..020}"), (1, "thermo-001")],
)
def test_one_range_is_cut_to_the_limit_and_the_flags_are_left_as_written(
    most: int, targets: str
) -> None:
    fitted = fit_ranges(EXAMPLE, most)
    assert fitted == EXAMPLE.replace("thermo-{001..050}", targets)


@pytest.mark.parametrize(
    ("targets", "most", "fitted"),
    [
        # Seed 0 of the property below: counts across words add up, they do not multiply.
        ("d{215..020} d{155..244}", 144, "d{215..073} d155"),
        ("d{1..5} e{1..5}", 6, "d{1..5} e1"),
        ("d{1..3} d9", 1, "d1"),
        ("d1 d2 d3", 2, "d1 d2"),
        ("r{1..2}-{01..03}", 4, "r{1..2}-{01..02}"),
    ],
)
def test_several_target_words_together_fit_the_limit(targets: str, most: int, fitted: str) -> None:
    assert fit_ranges(f"/ops a b c {targets} --reason x", most) == f"/ops a b c {fitted} --reason x"


def _range_word(rng: random.Random) -> str:
    def end() -> str:
        return str(rng.randint(0, 300)).zfill(rng.choice((1, 3)))

    inner = f"-{{{end()}..{end()}}}" if rng.random() < 0.4 else ""
    return f"d{{{end()}..{end()}}}{inner}" if rng.random() < 0.8 else f"p{rng.randint(0, 9)}"


@pytest.mark.parametrize("seed", range(20))
def test_random_targets_fit_any_limit(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        targets = " ".join(_range_word(rng) for _ in range(rng.randint(1, 4)))
        most = rng.randint(0, 500)
        fitted = fit_ranges(f"/ops a b c {targets} --reason x", most)
        words = split_words(fitted)
        assert 1 <= range_count(words[4:-2]) <= max(1, most), (targets, most, fitted)
        assert [w.text for w in words[-2:]] == ["--reason", "x"]
