"""Slider positions of the value controls: rounding at both ends, clamping, and values that
would overflow the arithmetic (a range near ±1e308)."""

from __future__ import annotations

import math

import pytest

from gradexplorer.ui.controls import TICKS, slider_tick, slider_value


@pytest.mark.parametrize(
    ("value", "tick"),
    [
        (-5.0, 0),
        (-5.0 + 0.0024, 0),  # 0.48 of a tick: rounds down at the low end
        (-5.0 + 0.0026, 1),  # 0.52: up
        (5.0 - 0.0024, TICKS),  # 1999.52: up to the top
        (5.0 - 0.0026, TICKS - 1),  # 1999.48: down
        (5.0, TICKS),
        (0.0, TICKS // 2),
        (-7.0, 0),  # outside: clamped
        (7.0, TICKS),
    ],
)
def test_slider_positions_round_to_the_nearest_tick_and_clamp(value, tick):
    assert slider_tick(value, -5.0, 5.0) == tick


@pytest.mark.parametrize(
    ("value", "lo", "hi", "tick"),
    [
        (math.inf, -1.0, 1.0, TICKS),
        (-math.inf, -1.0, 1.0, 0),
        (math.nan, -1.0, 1.0, 0),
        (1.7e308, -1.7e308, 1.7e308, 0),  # the width overflows: no exception in a slot
        (1.0, 1.0, 1.0, 0),  # an empty range
    ],
)
def test_slider_positions_never_raise(value, lo, hi, tick):
    assert slider_tick(value, lo, hi) == tick


def test_slider_values_are_exact_decimals_at_every_tick():
    assert slider_value(0, -5.0, 5.0) == -5.0 and slider_value(TICKS, -5.0, 5.0) == 5.0
    assert slider_value(1010, -5.0, 5.0) == 0.05  # not 0.04999999999999982
    assert all(slider_tick(slider_value(t, -3.0, 7.0), -3.0, 7.0) == t for t in range(TICKS + 1))
