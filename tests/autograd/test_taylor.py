"""Taylor mode in the engine: every op's taylor rule against mpmath's numerical Taylor
coefficients (40 digits), shapes and broadcasting, reductions, and agreement with nested
reverse mode (grad of grad with create_graph), an independent code path of the engine."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, grad, taylor

pytestmark = pytest.mark.filterwarnings("error")  # IEEE answers, never RuntimeWarnings

ORDER = 8

# op -> (engine function of x, mpmath function, x₀ where it is smooth)
CASES = {
    "add": (lambda x: x + ag.sin(x), lambda x: x + mp.sin(x), 0.3),
    "sub": (lambda x: 2 - x - ag.exp(x), lambda x: 2 - x - mp.exp(x), 0.3),
    "mul": (lambda x: ag.sin(x) * ag.exp(x), lambda x: mp.sin(x) * mp.exp(x), 0.3),
    "div": (lambda x: ag.sin(x) / (2 + ag.cos(x)), lambda x: mp.sin(x) / (2 + mp.cos(x)), 0.3),
    "pow": (lambda x: (1 + x * x) ** ag.sin(x), lambda x: (1 + x * x) ** mp.sin(x), 0.3),
    "pow (number)": (lambda x: x**-2.5, lambda x: x**-2.5, 1.4),
    "pow (whole, negative base)": (lambda x: x**3 + x**-2, lambda x: x**3 + x**-2, -0.7),
    "neg": (lambda x: -ag.exp(x), lambda x: -mp.exp(x), 0.3),
    "exp": (lambda x: ag.exp(x * x), lambda x: mp.exp(x * x), 0.3),
    "log": (lambda x: ag.log(1 + x * x), lambda x: mp.log(1 + x * x), 0.3),
    "sqrt": (lambda x: ag.sqrt(2 + ag.sin(x)), lambda x: mp.sqrt(2 + mp.sin(x)), 0.3),
    "abs": (lambda x: ag.abs(x) * x, lambda x: abs(x) * x, -0.4),
    "sin": (lambda x: ag.sin(x * x), lambda x: mp.sin(x * x), 0.9),
    "cos": (lambda x: ag.cos(x * x), lambda x: mp.cos(x * x), 0.9),
    "tan": (ag.tan, mp.tan, 1.1),
    "asin": (ag.asin, mp.asin, 0.6),
    "acos": (ag.acos, mp.acos, -0.6),
    "atan": (lambda x: ag.atan(2 * x), lambda x: mp.atan(2 * x), 0.6),
    "sinh": (ag.sinh, mp.sinh, 0.6),
    "cosh": (ag.cosh, mp.cosh, 0.6),
    "tanh": (ag.tanh, mp.tanh, 0.6),
    "sigmoid": (ag.sigmoid, lambda x: 1 / (1 + mp.exp(-x)), -0.6),
    "relu": (lambda x: ag.relu(x) ** 2, lambda x: max(x, 0) ** 2, 0.6),
    "softplus": (ag.softplus, lambda x: mp.log(1 + mp.exp(x)), -0.6),
    "maximum": (lambda x: ag.maximum(x, x * x), lambda x: max(x, x * x), 1.5),
    "minimum": (lambda x: ag.minimum(x, x * x), lambda x: min(x, x * x), 1.5),
}


def _truth(f, x0: float, order: int = ORDER) -> np.ndarray:
    mp.mp.dps = 40
    return np.array([float(c) for c in mp.taylor(f, mp.mpf(x0), order)])


@pytest.mark.parametrize("name", list(CASES))
def test_each_op_rule_matches_mpmath(name: str) -> None:
    engine_fn, f, x0 = CASES[name]
    x = Tensor(x0, requires_grad=True)
    ours = taylor(engine_fn(x), x, ORDER)
    assert ours.shape == (ORDER + 1,)
    truth = _truth(f, x0)
    np.testing.assert_allclose(ours, truth, rtol=1e-10, atol=1e-13 * np.abs(truth).max())


def test_every_op_of_the_table_has_a_taylor_rule() -> None:
    """A new row brings its taylor rule (one place per op), as it brings its reverse rule."""
    assert [name for name, op in ag.OPS.items() if op.taylor is None] == []


def test_an_op_without_a_taylor_rule_refuses_taylor_mode() -> None:
    ag.define_op("cube_t", "cube", lambda a: a**3, lambda F, g, out, a: 3 * g * a * a)
    try:
        x = Tensor(1.0, requires_grad=True)
        y = ag.OPS["cube_t"].call(x)
        with pytest.raises(NotImplementedError, match="cube_t"):
            taylor(y, x, 3)
    finally:
        ag.remove_op("cube_t")


def test_elementwise_over_arrays_with_broadcasting() -> None:
    """x of shape (3, 1) against a constant row of shape (4,): each element's own series."""
    xs = np.array([[0.2], [0.5], [1.1]])
    w = np.array([1.0, -2.0, 0.5, 3.0])
    x = Tensor(xs, requires_grad=True)
    y = ag.sin(x * Tensor(w)) / (1 + x * x)
    ours = taylor(y, x, 6)
    assert ours.shape == (7, 3, 4)
    for i in range(3):
        for j in range(4):
            truth = _truth(lambda t, j=j: mp.sin(t * w[j]) / (1 + t * t), xs[i, 0], 6)
            np.testing.assert_allclose(ours[:, i, j], truth, rtol=1e-10, atol=1e-14)


def test_reductions_sum_every_element_that_moves() -> None:
    """Every element of x moves with t: Σ (xᵢ + t)² = Σ xᵢ² + 2 Σ xᵢ t + n t²."""
    xs = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    x = Tensor(xs, requires_grad=True)
    np.testing.assert_allclose(taylor(ag.sum(x * x), x, 3), [np.sum(xs**2), 2 * xs.sum(), 6, 0])
    by_row = taylor(ag.mean(x * x, axis=1), x, 2)
    np.testing.assert_allclose(by_row, [np.mean(xs**2, axis=1), 2 * xs.mean(axis=1), [1, 1]])
    kept = taylor(ag.sum(x, axis=0, keepdims=True).reshape((3,)), x, 1)
    np.testing.assert_allclose(kept, [xs.sum(axis=0), [2, 2, 2]])


def test_matches_nested_reverse_mode() -> None:
    """cₖ k! is the k-th derivative that grad of grad (create_graph) gives, a separate path."""
    for x0 in (-1.3, 0.2, 0.9):
        x = Tensor(x0, requires_grad=True)
        y = ag.tanh(x) * ag.exp(-x * x / 2) + ag.log(2 + ag.sin(3 * x)) ** 2
        derivatives = [y.item()]
        d = y
        for _ in range(4):
            (d,) = grad(d, [x], create_graph=True)
            derivatives.append(d.item())
        ours = taylor(y, x, 4) * [math.factorial(k) for k in range(5)]
        np.testing.assert_allclose(ours, derivatives, rtol=1e-11)


def test_taylor_of_a_backward_graph() -> None:
    """The graph grad(create_graph=True) records is a graph like any other: d/dx x⁴ = 4x³."""
    x = Tensor(0.5, requires_grad=True)
    (dy,) = grad(x**4 * ag.relu(x + 1), [x], create_graph=True)
    truth = _truth(lambda t: 5 * t**4 + 4 * t**3, 0.5, 5)
    np.testing.assert_allclose(taylor(dy, x, 5), truth, rtol=1e-12, atol=1e-14)


def test_kinks_follow_the_subgradient_convention() -> None:
    """At the kink |x| and relu have derivative 0 (PyTorch), and so every higher coefficient."""
    x = Tensor(0.0, requires_grad=True)
    np.testing.assert_array_equal(taylor(ag.abs(x), x, 3), [0, 0, 0, 0])
    np.testing.assert_array_equal(taylor(ag.relu(x), x, 3), [0, 0, 0, 0])
    # at a tie max takes the mean of both series, as the reverse rule splits the gradient
    np.testing.assert_array_equal(taylor(ag.maximum(x, -x), x, 2), [0, 0, 0])


def test_ieee_answers_where_a_coefficient_does_not_exist() -> None:
    x = Tensor(0.0, requires_grad=True)
    c = taylor(ag.sqrt(x), x, 2)
    assert c[0] == 0 and c[1] == math.inf
    c = taylor(1 / x, x, 2)
    assert all(not math.isfinite(v) for v in c)


def test_order_zero_constants_and_bad_arguments() -> None:
    x = Tensor(2.0, requires_grad=True)
    np.testing.assert_array_equal(taylor(x * x, x, 0), [4.0])
    other = Tensor(3.0, requires_grad=True)
    np.testing.assert_array_equal(taylor(other * 2, x, 2), [6.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="order"):
        taylor(x * x, x, 41)
    with pytest.raises(ValueError, match="leaf"):
        taylor(x * x, x * 2, 2)
