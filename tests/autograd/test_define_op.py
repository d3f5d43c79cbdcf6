"""Adding an op is one define_op row: the table gives it a public function, a Tensor method and
its place in the rules' namespaces, and remove_op takes all of it back.

The op here, hypot(a, b) = sqrt(a² + b²), is defined by this module alone, through the same
define_op the table in ops.py uses. Its oracle: ∂/∂a = a/hypot, ∂/∂b = b/hypot (closed forms),
and finite differences for the second derivative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, grad
from gradexplorer.autograd.ops import NUMPY_NS, TENSOR_NS

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def hypot():
    op = ag.define_op(
        "hypot",
        "hypot",
        np.hypot,
        lambda F, g, out, a, b: g * a / out,
        lambda F, g, out, a, b: g * b / out,
        function="hypot",
        method="hypot",
    )
    yield op
    if "hypot" in ag.OPS:  # a test may have removed it already
        ag.remove_op("hypot")


def test_a_new_op_is_a_function_a_method_and_differentiable(hypot) -> None:
    a = Tensor(3.0, requires_grad=True)
    b = Tensor(4.0, requires_grad=True)
    y = ag.hypot(a, b)
    assert y.item() == 5.0
    assert a.hypot(b).item() == 5.0
    assert y.grad_fn.name() == "HypotBackward"
    y.backward()
    assert (a.grad.item(), b.grad.item()) == pytest.approx((3 / 5, 4 / 5), rel=1e-15)


def test_a_new_op_takes_numbers_and_is_in_the_package(hypot) -> None:
    from gradexplorer.autograd import hypot as imported

    assert imported is ag.hypot is hypot.call
    assert "hypot" in ag.__all__ and "hypot" in dir(ag)
    assert ag.hypot(3.0, Tensor(4.0)).item() == 5.0
    x32 = Tensor(np.float32(3.0))
    assert ag.hypot(x32, 4.0).dtype == np.float32  # a number takes the tensor's dtype


def test_a_new_op_differentiates_twice(hypot) -> None:
    # d²/da² hypot(a, 4) = 16 / hypot³, checked against central differences of the first derivative.
    a = Tensor(3.0, requires_grad=True)
    (d1,) = grad(ag.hypot(a, 4.0), [a], create_graph=True)
    (d2,) = grad(d1, [a])
    assert d2.item() == pytest.approx(16 / 125, rel=1e-14)
    h = 1e-5
    slope = [v / math.hypot(v, 4.0) for v in (3 - h, 3 + h)]
    assert d2.item() == pytest.approx((slope[1] - slope[0]) / (2 * h), rel=1e-8)


def test_rules_can_call_a_new_op_through_F(hypot) -> None:
    assert NUMPY_NS.hypot is np.hypot and TENSOR_NS.hypot is ag.hypot


def test_remove_op_takes_everything_back(hypot) -> None:
    ag.remove_op("hypot")
    assert "hypot" not in ag.OPS and "hypot" not in ag.__all__
    assert not hasattr(ag, "hypot") and not hasattr(Tensor, "hypot")
    assert not hasattr(NUMPY_NS, "hypot") and not hasattr(TENSOR_NS, "hypot")


@pytest.mark.parametrize(
    ("how", "taken"),
    [
        ({"name": "sin"}, "op sin"),
        ({"function": "maximum"}, "function maximum"),
        ({"function": "where"}, "function where"),  # a helper the rules call through F
        ({"method": "item"}, "Tensor.item"),
        ({"operators": ("mul",)}, "Tensor.__mul__"),
    ],
)
def test_a_taken_name_is_refused_and_nothing_is_left_behind(how: dict, taken: str) -> None:
    name = how.pop("name", "twice")
    before = (dict(ag.OPS), list(ag.__all__), dict(vars(Tensor)))
    with pytest.raises(ValueError, match=taken):
        ag.define_op(name, "2×", lambda a: 2 * a, lambda F, g, out, a: 2 * g, **how)
    assert before == (dict(ag.OPS), list(ag.__all__), dict(vars(Tensor)))


def test_the_public_api_is_generated_from_the_table() -> None:
    """Every function, method and operator an op row names is that op's, and nothing else."""
    for op in ag.OPS.values():
        if op.function is not None:
            assert getattr(ag, op.function) is op.call
            assert op.function in ag.__all__
        if op.method is not None:
            assert getattr(Tensor, op.method) is op.call
        for name in op.operators:
            assert f"__{name}__" in vars(Tensor)
    functions = [op.function for op in ag.OPS.values() if op.function is not None]
    assert sorted(functions) == sorted(ag.__all__[-len(functions) :])
    assert set(functions) >= {"sin", "exp", "maximum", "sum", "mean", "reshape"}


def test_operators_and_methods_work_as_before() -> None:
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = (+x * 2 - 1 / x + x**2 - (-x) + abs(x)).sum() + x.mean(axis=0) + x.maximum(0.0).sum()
    y.backward()
    # d/dx: 2 + 1/x² + 2x + 1 + sign(x) + 1/2 + [x > 0]
    expected = 2 + 1 / x.data**2 + 2 * x.data + 1 + np.sign(x.data) + 0.5 + (x.data > 0)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-15)
    assert x.reshape((2, 1)).shape == (2, 1) and ag.sum(x, 0, True).shape == (1,)
    with pytest.raises(TypeError, match="sum"):
        x.sum(0, True, 1)
