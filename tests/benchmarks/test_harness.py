"""The benchmarks' shared percentile, which every table's p50 and p99 come from."""

from __future__ import annotations

import pytest

from benchmarks.harness import percentile


def test_one_measurement_is_every_percentile_of_itself() -> None:
    assert percentile([12.5], 50) == 12.5
    assert percentile([12.5], 99) == 12.5


def test_percentiles_interpolate_between_measurements() -> None:
    values = [float(n) for n in range(1, 102)]  # 1..101: the pth percentile is p + 1
    assert percentile(values, 50) == pytest.approx(51.0)
    assert percentile(values, 99) == pytest.approx(100.0)


def test_no_measurement_has_no_percentile() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
