"""Backward is iterative and linear: a 100,000-node chain works and costs ~10× a 10,000 one."""

from __future__ import annotations

import math
import sys
import time

import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, grad

# IEEE results (inf, nan) are answers: the engine must not emit RuntimeWarnings for them.
pytestmark = pytest.mark.filterwarnings("error")

FACTOR = 0.99999


def _chain(n: int) -> tuple[Tensor, Tensor]:
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * FACTOR
    return x, y


def test_100k_chain_backward_without_recursion_error() -> None:
    # The recursion limit stays at its default: a recursive backward would need 100k frames.
    assert sys.getrecursionlimit() < 100_000
    x, y = _chain(100_000)
    y.backward()
    # d/dx x·c^n = c^n
    assert math.isclose(x.grad.item(), FACTOR**100_000, rel_tol=1e-9)
    assert math.isclose(y.item(), FACTOR**100_000, rel_tol=1e-9)
    del y  # freeing a deep graph must not overflow the C stack either


def test_100k_chain_of_mixed_ops() -> None:
    x = Tensor(0.5, requires_grad=True)
    y = x
    for i in range(50_000):
        y = ag.sin(y) if i % 2 else y + 0.001
    y.backward()
    # independent oracle: the chain rule as a plain loop over floats
    v, d = 0.5, 1.0
    for i in range(50_000):
        if i % 2:
            d *= math.cos(v)
            v = math.sin(v)
        else:
            v += 0.001
    assert math.isclose(y.item(), v, rel_tol=1e-12)
    assert math.isclose(x.grad.item(), d, rel_tol=1e-9)


def test_10k_chain_second_derivative() -> None:
    # create_graph on a long chain: d²/dx² (x·c^n)^2 = 2 c^(2n)
    x, y = _chain(10_000)
    (g,) = grad(y * y, x, create_graph=True)
    (g2,) = grad(g, x)
    assert math.isclose(g2.item(), 2 * FACTOR**20_000, rel_tol=1e-9)


def _best_backward_time(n: int, repeats: int) -> float:
    x, y = _chain(n)
    best = math.inf
    for _ in range(repeats):
        x.zero_grad()
        start = time.perf_counter()
        y.backward(retain_graph=True)
        best = min(best, time.perf_counter() - start)
    assert math.isclose(x.grad.item(), FACTOR**n, rel_tol=1e-9)
    return best


def test_chain_backward_is_not_quadratic() -> None:
    # Linear cost gives a ratio of ~10, quadratic ~100. The bound is loose because the
    # machine is shared; the benchmark under bench/ measures the real ratio.
    small = _best_backward_time(10_000, repeats=5)
    large = _best_backward_time(100_000, repeats=2)
    assert large / small < 30, f"10k: {small * 1e3:.1f} ms, 100k: {large * 1e3:.1f} ms"
