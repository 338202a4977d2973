"""Seeded random sequences of requests, clicks, sweeps, policy reloads and group changes
(`lifecycle_fuzz`): after each, every invariant of the lifecycle holds. Each seed is its own
`random.Random`; a failure names the seed, to be kept as an example test beside the fix."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from lifecycle_crowd import Crowd
from lifecycle_fuzz import Fuzz
from lifecycle_world import World

SEEDS = range(6)
STEPS = 60
#: (seed, whether the processes work in the background, as served)
CROWD_CASES = [(0, False), (1, False), (4, True), (5, True)]
BACKGROUND_SEEDS = range(100, 102)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_random_sequence_keeps_every_invariant(
    seed: int, world_factory: Callable[..., World]
) -> None:
    rng = random.Random(seed)
    world = world_factory()
    fuzz = Fuzz(world, rng)
    fuzz.reload("", None)
    for _ in range(STEPS):
        fuzz.step()
    fuzz.check()


@pytest.mark.parametrize(("seed", "background"), CROWD_CASES)
def test_a_crowd_of_clicks_at_once_keeps_every_invariant(
    seed: int, background: bool, world_factory: Callable[..., World], tmp_path: Path
) -> None:
    """Two processes on one database file, six threads clicking at the same moment."""
    worlds = [world_factory(db=tmp_path / "opsgate.db", background=background) for _ in range(2)]
    crowd = Crowd(worlds, random.Random(seed))
    crowd.open(3)
    crowd.run()
    crowd.check()


@pytest.mark.parametrize("seed", BACKGROUND_SEEDS)
def test_a_random_sequence_in_the_background_keeps_every_invariant(
    seed: int, world_factory: Callable[..., World]
) -> None:
    """As served: previews, card redraws and messages on the runner's pools, not inline."""
    fuzz = Fuzz(world_factory(background=True), random.Random(seed))
    fuzz.reload("", None)
    for _ in range(STEPS):
        fuzz.step()
    fuzz.check()


def _far_from_utc(url: str) -> str:
    """`url` with a session TimeZone far from UTC (as a server's own setting would give): the
    store's deadlines and order must not depend on it."""
    return f"{url}?options=-c%20TimeZone%3DPacific%2FKiritimati"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_random_sequence_on_postgresql_keeps_every_invariant(
    seed: int, world_factory: Callable[..., World], postgres_database: str
) -> None:
    fuzz = Fuzz(world_factory(db=_far_from_utc(postgres_database)), random.Random(seed))
    fuzz.reload("", None)
    for _ in range(STEPS):
        fuzz.step()
    fuzz.check()


@pytest.mark.parametrize(("seed", "background"), CROWD_CASES)
def test_a_crowd_of_clicks_on_two_postgresql_replicas_keeps_every_invariant(
    seed: int, background: bool, world_factory: Callable[..., World], postgres_database: str
) -> None:
    """Two replicas (two stores, two pools) on one PostgreSQL database, six threads at once."""
    urls = [postgres_database, _far_from_utc(postgres_database)]
    worlds = [world_factory(db=url, background=background) for url in urls]
    crowd = Crowd(worlds, random.Random(seed))
    crowd.open(3)
    crowd.run()
    crowd.check()
