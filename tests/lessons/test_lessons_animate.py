"""Parameter animation: values at given times against hand-worked triangle and sawtooth waves."""

from __future__ import annotations

import math

import pytest

from gradexplorer.lessons.animate import animated_value, bounce_direction

# Range -2..2 at speed 0.25 (a quarter of the range per second: one second per unit) from 0.
KW = {"start": 0.0, "speed": 0.25}


@pytest.mark.parametrize(
    ("t", "expected"),
    [(0, 0.0), (1, 1.0), (2, 2.0), (3, 1.0), (4, 0.0), (6, -2.0), (7, -1.0), (8, 0.0), (17, 1.0)],
)
def test_bounce_is_a_triangle_wave(t: float, expected: float) -> None:
    assert animated_value(t, -2.0, 2.0, mode="bounce", **KW) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("t", "expected"),
    [(0, 0.0), (1, 1.0), (1.5, 1.5), (2, -2.0), (3, -1.0), (4, 0.0), (5.25, 1.25), (42, -2.0)],
)
def test_loop_is_a_sawtooth(t: float, expected: float) -> None:
    assert animated_value(t, -2.0, 2.0, mode="loop", **KW) == pytest.approx(expected, abs=1e-12)


def test_negative_speed_goes_down_first_and_bounces_off_the_minimum() -> None:
    values = [animated_value(t, 0.0, 10.0, start=5.0, speed=-0.1, mode="bounce") for t in range(12)]
    assert values == pytest.approx([5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6], abs=1e-12)
    loop = [animated_value(t, 0.0, 10.0, start=5.0, speed=-0.1, mode="loop") for t in range(8)]
    assert loop == pytest.approx([5, 4, 3, 2, 1, 0, 9, 8], abs=1e-12)


def test_values_stay_in_range_and_bounce_is_continuous() -> None:
    lo, hi, speed = -1.5, 3.0, 0.37
    dt = 0.01
    previous = None
    for i in range(5000):
        t = i * dt
        v = animated_value(t, lo, hi, start=0.2, speed=speed, mode="bounce")
        assert lo <= v <= hi
        assert lo <= animated_value(t, lo, hi, start=0.2, speed=speed, mode="loop") < hi
        if previous is not None:
            # Never faster than speed × width per second.
            assert abs(v - previous) <= speed * (hi - lo) * dt + 1e-9
        previous = v


def test_start_defaults_to_minimum_and_is_clamped() -> None:
    assert animated_value(0, 1.0, 3.0) == 1.0
    assert animated_value(0, 1.0, 3.0, start=99.0, mode="bounce") == 3.0
    assert animated_value(0, 1.0, 3.0, start=-99.0, mode="loop") == 1.0
    assert animated_value(123.4, 2.0, 2.0) == 2.0  # an empty range does not move


def test_bounce_direction_matches_the_motion() -> None:
    for t in [0.5, 1.5, 2.5, 3.5, 5.5, 6.5, 7.5]:
        a = animated_value(t, -2.0, 2.0, mode="bounce", **KW)
        b = animated_value(t + 1e-3, -2.0, 2.0, mode="bounce", **KW)
        assert bounce_direction(t, -2.0, 2.0, **KW) == (1 if b > a else -1)
    assert bounce_direction(0.5, 0.0, 10.0, start=5.0, speed=-0.1) == -1
    assert bounce_direction(1.0, 1.0, 1.0) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"t": math.nan, "lo": 0.0, "hi": 1.0},
        {"t": 0.0, "lo": 0.0, "hi": math.inf},
        {"t": 0.0, "lo": 1.0, "hi": 0.0},
        {"t": 0.0, "lo": 0.0, "hi": 1.0, "speed": math.nan},
        {"t": 0.0, "lo": 0.0, "hi": 1.0, "mode": "shuffle"},
    ],
)
def test_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        animated_value(**kwargs)
