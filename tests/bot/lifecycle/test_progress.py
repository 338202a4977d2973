"""Bulk progress reaches the card at most about once a second, and always at the end."""

from __future__ import annotations

from itertools import pairwise

from adapters.base import Progress
from adapters.clock import FakeClock
from bot.lifecycle.progress import ProgressThrottle


def test_progress_is_passed_on_at_most_once_a_second_plus_the_final_tick() -> None:
    clock = FakeClock()
    shown: list[tuple[float, int]] = []
    throttle = ProgressThrottle(lambda p: shown.append((clock.now(), p.done)), clock=clock)
    for done in range(200, 10_001, 200):  # 50 batches, 0.25 s apart
        throttle(Progress(done=done, total=10_000))
        clock.advance(0.25)

    times = [t for t, _ in shown]
    # every tick but the final one is at least a second after the previous
    assert all(later - earlier >= 1.0 for earlier, later in pairwise(times[:-1]))
    assert shown[0][1] == 200  # the first batch shows at once
    assert shown[-1][1] == 10_000  # and the end always shows
    assert 12 <= len(shown) <= 14  # 12.5 s of work: about one update a second


def test_a_single_target_shows_no_progress() -> None:
    shown: list[Progress] = []
    throttle = ProgressThrottle(shown.append, clock=FakeClock())
    throttle(Progress(done=1, total=1))
    assert shown == []
