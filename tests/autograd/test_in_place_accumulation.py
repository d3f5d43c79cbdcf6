"""Backward adds a big tensor's gradients in place when no one else can see the running sum.
It must never write into forward data, a user's array, or a gradient another node still uses."""

import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor

N = 200_000  # above the in-place threshold

CASES = {
    # (function, its derivative): several uses of x, some contributions aliasing forward data
    "x*c + x + x^2": (lambda x, c: x * c + x + x**2, lambda xs, cs: cs + 1 + 2 * xs),
    "sin(x)exp(-x/5) + x^2": (
        lambda x, c: ag.sin(x) * ag.exp(-x / 5) + x**2,
        lambda xs, cs: np.cos(xs) * np.exp(-xs / 5) - np.sin(xs) * np.exp(-xs / 5) / 5 + 2 * xs,
    ),
    "x*x + x*x + c*x": (lambda x, c: x * x + x * x + c * x, lambda xs, cs: 4 * xs + cs),
}


@pytest.mark.parametrize("name", list(CASES))
def test_in_place_sums_are_right_and_touch_nothing_else(name):
    f, df = CASES[name]
    rng = np.random.default_rng(3)
    xs, cs = rng.uniform(-2, 2, N), rng.uniform(-2, 2, N)
    xs_copy, cs_copy = xs.copy(), cs.copy()
    x, c = Tensor(xs, requires_grad=True), Tensor(cs)
    y = f(x, c)
    y_before = y.data.copy()
    ag.sum(y).backward(retain_graph=True)
    first = x.grad.data.copy()
    np.testing.assert_allclose(first, df(xs_copy, cs_copy), rtol=1e-12, atol=1e-12)
    # forward data and the user's arrays are untouched, so a second pass gives the same answer
    np.testing.assert_array_equal(xs, xs_copy)
    np.testing.assert_array_equal(cs, cs_copy)
    np.testing.assert_array_equal(y.data, y_before)
    ag.sum(y).backward()
    np.testing.assert_allclose(x.grad.data, 2 * first, rtol=1e-12)
