"""The numbers a person reads: readouts, step-through arithmetic and exact constants."""

import math

import numpy as np
import pytest

from gradexplorer.formatting import NOT_COMPUTED, UNDEFINED, exact, readout, step


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.0, "12"),
        (-0.0, "0"),
        (1 / 3, "0.333333"),
        (-2.5e-7, "-2.5e-07"),
        (123456789.0, "1.23457e+08"),
        (math.nan, "undefined"),
        (math.inf, "undefined"),
        (-math.inf, "undefined"),
        (None, "undefined"),
        (np.array(7.0), "7"),
    ],
)
def test_readout(value, text):
    assert readout(value) == text


def test_readout_parses_back_to_six_digits():
    for v in (math.pi, -math.e * 1e5, 1e-9 / 7):
        assert float(readout(v)) == pytest.approx(v, rel=1e-5)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0.000"),
        (0.001, "0.001"),
        (0.000999, "9.990e-04"),
        (999999.0, "999999.000"),
        (1e6, "1.000e+06"),
        (-2.5, "-2.500"),
        (math.nan, UNDEFINED),
        (math.inf, "∞"),
        (-math.inf, "-∞"),
        (None, NOT_COMPUTED),
        (np.array([1.0, 2.0]), "[1.000, 2.000]"),
        (np.arange(6.0), "[0.000, 1.000, 2.000, 3.000, …]"),
    ],
)
def test_step_numbers_switch_to_scientific_outside_the_everyday_range(value, text):
    assert step(value) == text


@pytest.mark.parametrize("value", [2.0, 0.5, 1e-10, 1.5e20, -3.0, 0.1 + 0.2, 1e16, math.pi])
def test_exact_text_reads_back_as_the_same_float(value):
    assert float(exact(value)) == value


def test_exact_writes_whole_numbers_without_a_point():
    assert exact(2.0) == "2" and exact(-7.0) == "-7" and exact(1e20) == "1e+20"


def test_step_numbers_round_half_and_keep_digits():
    assert step(np.float64(7.0)) == "7.000"
    assert step(-0.0015) == "-0.002"
    assert step(1.5e-5) == "1.500e-05" and step(2.5e7) == "2.500e+07"
    assert step(1 / 3, digits=5) == "0.33333"
