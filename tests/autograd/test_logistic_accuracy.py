"""sigmoid and softplus over the whole real line, against exact values (mpmath at 50 digits):
no cancellation for negative inputs, no overflow for large ones, and derivatives that keep
their digits where 1 - σ rounds to 0."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.expr import parse

mpmath.mp.dps = 50
POINTS = [-700.0, -40.0, -20.0, -1.0, 0.0, 1.0, 20.0, 40.0, 700.0]
ULP = 4 * np.finfo(float).eps  # a few ulp, relative


def exact_sigmoid(a: float) -> float:
    return float(1 / (1 + mpmath.exp(-mpmath.mpf(a))))


def exact_sigmoid_slope(a: float) -> float:
    e = mpmath.exp(-abs(mpmath.mpf(a)))  # e^-|a| / (1 + e^-|a|)^2: exact at any |a|
    return float(e / (1 + e) ** 2)


def exact_softplus(a: float) -> float:
    return float(mpmath.log1p(mpmath.exp(mpmath.mpf(a))))


def close(got: float, want: float) -> bool:
    return got == want or abs(got - want) <= ULP * abs(want)


@pytest.mark.parametrize("a", POINTS)
def test_sigmoid_and_its_derivative_are_accurate_to_a_few_ulp(a: float) -> None:
    x = ag.Tensor(a, requires_grad=True)
    y = ag.sigmoid(x)
    y.backward()
    assert close(y.item(), exact_sigmoid(a)), (y.item(), exact_sigmoid(a))
    assert close(x.grad.item(), exact_sigmoid_slope(a)), (x.grad.item(), exact_sigmoid_slope(a))


@pytest.mark.parametrize("a", POINTS)
def test_softplus_and_its_derivative_are_accurate_to_a_few_ulp(a: float) -> None:
    x = ag.Tensor(a, requires_grad=True)
    y = ag.softplus(x)
    y.backward()
    assert close(y.item(), exact_softplus(a)), (y.item(), exact_softplus(a))
    assert close(x.grad.item(), exact_sigmoid(a))


def test_the_second_derivative_of_sigmoid_keeps_its_digits() -> None:
    # σ'' = σ(a) σ(-a) (1 - 2σ(a)); at a = 30 the naive out (1 - out) form loses everything.
    for a in (-30.0, -5.0, 5.0, 30.0):
        x = ag.Tensor(a, requires_grad=True)
        (d1,) = ag.grad(ag.sigmoid(x), [x], create_graph=True)
        (d2,) = ag.grad(d1, [x])
        s, t = (1 / (1 + mpmath.exp(-mpmath.mpf(v))) for v in (a, -a))  # σ(a), σ(-a)
        want = float(s * t * (t - s))
        assert abs(d2.item() - want) <= 1e-13 * abs(want), (a, d2.item(), want)


def test_log_of_sigmoid_at_minus_forty_is_minus_forty_with_slope_one() -> None:
    p = parse("ln(sigmoid(x))").at(-40.0)
    assert p.value == pytest.approx(-40.0 - math.exp(-40.0), rel=1e-15)
    assert p.derivative == pytest.approx(1.0 - exact_sigmoid(-40.0), rel=1e-15)


def test_sigmoid_keeps_float32_and_works_on_arrays() -> None:
    xs = np.array([-700.0, -40.0, 0.0, 40.0, 700.0], dtype=np.float32)
    y = ag.sigmoid(ag.Tensor(xs))
    assert y.data.dtype == np.float32
    assert np.all(np.isfinite(y.data)) and y.data[2] == np.float32(0.5)
