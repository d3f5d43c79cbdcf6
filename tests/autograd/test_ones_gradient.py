"""sum()'s backward sends an unbuilt 'ones' gradient (ops._Ones) when its upstream is exactly 1.
Every rule it can meet must give the same numbers as a real array of ones would."""

import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, grad
from gradexplorer.autograd.ops import _Ones

OPS = {
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "rdiv": lambda a, b: b / a,
    "sub": lambda a, b: a - b,
    "rsub": lambda a, b: b - a,
    "neg": lambda a, b: -a * b,
    "pow": lambda a, b: a**2 + b,
    "sin": lambda a, b: ag.sin(a) + b,
    "sigmoid": lambda a, b: ag.sigmoid(a) * b,
    "max": lambda a, b: ag.maximum(a, b),
    "abs": lambda a, b: ag.abs(a - b),
    "mean": lambda a, b: ag.mean(a * b, axis=0),
}


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("shapes", [((5,), (5,)), ((3, 1), (4,)), ((4,), ()), ((2, 3), (2, 3))])
def test_sum_backward_matches_an_explicit_ones_seed(name, shapes):
    rng = np.random.default_rng(7)
    a = Tensor(rng.uniform(0.5, 2.0, shapes[0]), requires_grad=True)
    b = Tensor(rng.uniform(0.5, 2.0, shapes[1]), requires_grad=True)
    out = OPS[name](a, b)
    via_sum = grad(ag.sum(out), [a, b], retain_graph=True)  # the _Ones path
    via_seed = grad(out, [a, b], grad_outputs=np.ones(out.shape))  # a real array of ones
    for got, want in zip(via_sum, via_seed, strict=True):
        assert got.shape == want.shape
        assert isinstance(got.data, np.ndarray | np.generic)  # never leaks out as _Ones
        np.testing.assert_allclose(got.data, want.data, rtol=1e-12)


def test_ones_behaves_like_an_array_of_ones():
    ones = _Ones((2, 3), np.dtype(np.float32))
    b = np.arange(6, dtype=np.float32).reshape(2, 3) + 1
    assert (ones * b) is b  # free: no pass over the array
    np.testing.assert_array_equal(b * ones, b)
    np.testing.assert_array_equal(ones * np.float32(2), np.full((2, 3), 2))
    np.testing.assert_array_equal(ones / b, 1 / b)
    np.testing.assert_array_equal(-ones, -np.ones((2, 3)))
    np.testing.assert_array_equal(ones + b, b + 1)
    assert np.asarray(ones).dtype == np.float32 and np.asarray(ones).sum() == 6


def test_leaf_grad_from_sum_is_a_real_writable_array():
    x = Tensor(np.zeros(4), requires_grad=True)
    ag.sum(x).backward()
    assert isinstance(x.grad.data, np.ndarray) and x.grad.data.flags.writeable
    np.testing.assert_array_equal(x.grad.data, np.ones(4))
    ag.sum(x * 3).backward()  # accumulates onto the first
    np.testing.assert_array_equal(x.grad.data, np.full(4, 4.0))
