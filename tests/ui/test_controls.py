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


def _type_into(qtbot, box, text: str) -> None:
    from PySide6.QtCore import Qt

    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_a_range_box_takes_any_finite_number_as_typed_and_enter_changes_nothing(qtbot):
    """The review found: Enter in an unchanged range box shrank a range of ±1e12 to ±1e9 and
    moved x; typing 1e308 gave 1308; 1e-5 showed as 0.00."""
    from .helpers import make_window

    window = make_window(qtbot, expression="x^2", x=3e11)
    model, control = window.model, window.x_control
    assert model.set_x_range(-1e12, 1e12)
    assert control.max_spin.text() == "1000000000000"
    _type_into(qtbot, control.max_spin, control.max_spin.text())  # Enter, nothing changed
    assert model.x_range == (-1e12, 1e12) and model.x == 3e11
    _type_into(qtbot, control.max_spin, "1e308")
    assert model.x_range == (-1e12, 1e308)
    assert control.max_spin.text() == "1e+308"
    _type_into(qtbot, control.min_spin, "-2.5e-5")
    assert model.x_range == (-2.5e-5, 1e308)
    _type_into(qtbot, control.min_spin, "0.1")
    assert model.x_range[0] == 0.1  # the float typed, not a rounding of it


@pytest.mark.parametrize("typed", ["abc", "1e400", "inf", "nan", "", "1e", "-"])
def test_a_range_box_refuses_what_is_not_a_finite_number_and_keeps_the_range(qtbot, typed):
    from .helpers import make_window

    window = make_window(qtbot, expression="x^2", x=1.0)
    before = window.model.state
    box = window.x_control.max_spin
    _type_into(qtbot, box, typed)
    box.clearFocus()  # leaving the box ends the edit as a student's click elsewhere does
    qtbot.wait(5)
    assert window.model.state == before
    assert box.value() == 5.0 and box.text() == "5"


def test_a_range_whose_width_overflows_is_refused_and_the_boxes_show_the_range(qtbot):
    from .helpers import make_window

    window = make_window(qtbot, expression="x^2", x=1.0)
    control = window.x_control
    _type_into(qtbot, control.min_spin, "-1.7e308")
    assert window.model.x_range == (-1.7e308, 5.0)
    _type_into(qtbot, control.max_spin, "1.7e308")  # the width 3.4e308 is not a float
    assert window.model.x_range == (-1.7e308, 5.0)
    assert control.max_spin.text() == "5"


def test_an_empty_range_is_refused_with_a_reason_beside_the_box(qtbot):
    """Typing 10 as the lowest value of -5..5 went back to -5 without a word (a walk-through)."""
    from PySide6.QtWidgets import QToolTip

    from .helpers import make_window

    window = make_window(qtbot, expression="x^2", x=1.0)
    before = window.model.state
    _type_into(qtbot, window.x_control.min_spin, "10")
    assert window.model.state == before and window.x_control.min_spin.text() == "-5"
    assert QToolTip.text() == "The lowest value must be below the highest (5)."
    _type_into(qtbot, window.x_control.max_spin, "-7")
    assert QToolTip.text() == "The highest value must be above the lowest (-5)."


@pytest.mark.parametrize(
    ("lo", "hi", "decimals"),
    [(-5.0, 5.0, 4), (-2.5e-5, 2.5e-5, 8), (0.0, 1e-12, 15), (-1e308, 1e308, 4), (1.0, 1.0, 4)],
)
def test_the_value_box_has_the_decimals_a_slider_tick_needs(lo, hi, decimals):
    from gradexplorer.ui.controls import value_decimals

    assert value_decimals(lo, hi) == decimals


def test_a_tiny_range_still_shows_and_takes_x(qtbot):
    """A range of ±2.5e-5 rounded the x box to [0, 0]: it showed 0.0000 and took nothing."""
    from .helpers import make_window

    window = make_window(qtbot, expression="x^2", x=1.0)
    control = window.x_control
    _type_into(qtbot, control.max_spin, "2.5e-5")
    _type_into(qtbot, control.min_spin, "-2.5e-5")
    assert window.model.x_range == (-2.5e-5, 2.5e-5)
    assert control.spin.maximum() == 2.5e-5 and control.spin.text() == "0.00002500"
    control.spin.setValue(-1e-5)
    assert window.model.x == -1e-5


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [("-1e308", "1e308", "too wide"), ("1e308", "1.5e308", "too far out")],
)
def test_a_range_no_slider_can_span_is_refused_with_a_reason_beside_the_box(
    qtbot, low, high, words
):
    """From -1e308, typing 1e308 as the highest value went back to 5 without a word."""
    from PySide6.QtWidgets import QToolTip

    from .helpers import make_window

    window = make_window(qtbot, expression="x^2", x=1.0)
    control = window.x_control
    if float(low) < 5:
        _type_into(qtbot, control.min_spin, low)
        first = (float(low), 5.0)
        _type_into(qtbot, control.max_spin, high)
    else:  # go up in two steps: 1e308..1.5e308 is refused, 1..1.5e308 is fine
        _type_into(qtbot, control.max_spin, high)
        first = (-5.0, float(high))
        _type_into(qtbot, control.min_spin, low)
    assert window.model.x_range == first
    assert words in QToolTip.text() and "largest number" in QToolTip.text()
    assert (control.min_spin.value(), control.max_spin.value()) == first


def _type_into_value_box(qtbot, spin, text: str) -> None:
    from PySide6.QtCore import Qt

    edit = spin.lineEdit()
    spin.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


@pytest.mark.parametrize(("typed", "x"), [("1e-3", 1e-3), ("2.5e2", 250.0), ("-1E-4", -1e-4)])
def test_the_x_box_takes_e_notation_typed_key_by_key(qtbot, typed, x):
    """Typing 1e-3 gave x = 13: Qt's box dropped the e."""
    from .helpers import make_window

    window = make_window(qtbot, expression="x^2", x=1.0)
    assert window.model.set_x_range(-1000.0, 1000.0)
    spin = window.x_control.spin
    _type_into_value_box(qtbot, spin, typed)
    assert window.model.x == x and spin.value() == x


@pytest.mark.parametrize("typed", ["nan", "inf", "-inf", "1e309", "", "1e", "--1x", "abc"])
def test_the_x_box_refuses_what_is_not_a_finite_number_and_keeps_x(qtbot, typed):
    from .helpers import make_window

    window = make_window(qtbot, expression="x^2", x=1.5)
    before = window.model.state
    spin = window.x_control.spin
    _type_into_value_box(qtbot, spin, typed)
    spin.clearFocus()
    qtbot.wait(5)
    if typed == "--1x":  # the second minus and the x are refused as typed: -1 is left
        assert window.model.x == -1.0
    else:
        assert window.model.state == before
        assert spin.value() == 1.5 and spin.text() == "1.5000"


def test_the_x_box_shows_huge_and_tiny_values_readably(qtbot):
    """At x = 1e308 the box showed a cut-off "100000000("."""
    from .helpers import make_window

    window = make_window(qtbot, expression="x", x=1e308)
    spin = window.x_control.spin
    assert window.model.x == 1e308 and spin.text() == "1e+308" and spin.value() == 1e308
    spin.setValue(3e20)
    assert spin.text() == "3e+20" and window.model.x == 3e20
    assert spin.valueFromText("2.5e2") == 250.0 and spin.textFromValue(0.5) == "0.5000"
    _type_into_value_box(qtbot, spin, spin.text())  # Enter in an unchanged box: nothing moves
    assert window.model.x == 3e20
    _type_into_value_box(qtbot, spin, "-7")  # below the range -5..1e308: the nearest end
    assert window.model.x == -5.0
