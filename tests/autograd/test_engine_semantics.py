"""PyTorch-shaped semantics of the engine: values, error messages, grad modes, dtypes, IEEE.

Expected values are closed forms worked out by hand (or PyTorch's documented behaviour), never
the engine's own output.
"""

from __future__ import annotations

import copy
import math
import pickle
import warnings

import numpy as np
import pytest

import gradexplorer
import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, grad, no_grad

# IEEE results (inf, nan) are answers: the engine must not emit RuntimeWarnings for them.
pytestmark = pytest.mark.filterwarnings("error")

# ----------------------------------------------------------------------------- the seed example


def test_seed_example_is_7_not_16() -> None:
    # y = x² + 3x, dy/dx = 2x + 3 = 7 at x = 2. The seed notebook's recursive backward said 16.
    x = Tensor(2.0, requires_grad=True)
    y = x**2 + 3 * x
    y.backward()
    assert y.item() == 10.0
    assert x.grad.item() == 7.0


def test_reused_node_gets_the_sum_once() -> None:
    # y = x*x + x: dy/dx = 2x + 1 = 5 at x = 2 (x appears on three paths).
    x = Tensor(2.0, requires_grad=True)
    y = x * x + x
    y.backward()
    assert x.grad.item() == 5.0


def test_shared_intermediate_is_visited_once() -> None:
    # u = x²; y = u*u + u = x⁴ + x²: dy/dx = 4x³ + 2x = 36 at x = 2. If u's backward ran once per
    # consumer instead of once with the summed gradient, x would get 2x too much.
    x = Tensor(2.0, requires_grad=True)
    u = x * x
    y = u * u + u
    y.backward()
    assert x.grad.item() == 36.0


def test_diamond_second_derivative() -> None:
    # y = x⁴ + x² via a reused node; d²y/dx² = 12x² + 2 = 50 at x = 2.
    x = Tensor(2.0, requires_grad=True)
    u = x * x
    y = u * u + u
    (dy,) = grad(y, x, create_graph=True)
    (d2y,) = grad(dy, x)
    assert dy.item() == 36.0
    assert d2y.item() == 50.0


def test_third_derivative_of_sin() -> None:
    x = Tensor(0.7, requires_grad=True)
    (d1,) = grad(ag.sin(x), x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert d3.item() == pytest.approx(-math.cos(0.7), rel=1e-14)


def test_package_reexports() -> None:
    assert gradexplorer.Tensor is Tensor
    assert gradexplorer.grad is grad
    assert gradexplorer.no_grad is no_grad


# ----------------------------------------------------------------------------- .grad semantics


def test_leaf_grad_accumulates_across_backward_calls() -> None:
    x = Tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad.item() == 6.0
    (x * x).backward()
    assert x.grad.item() == 12.0
    (5 * x).backward()
    assert x.grad.item() == 17.0


def test_zero_grad_resets() -> None:
    x = Tensor(3.0, requires_grad=True)
    (x * x).backward()
    x.zero_grad()
    assert x.grad is None or x.grad.item() == 0.0
    (x * x).backward()
    assert x.grad.item() == 6.0


def test_grad_accumulation_does_not_alias_between_calls() -> None:
    # The first .grad must not be mutated in place by the second backward (it may be kept).
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    ag.sum(x * 3).backward()
    first = x.grad
    kept = first.numpy().copy()
    ag.sum(x * 3).backward()
    np.testing.assert_array_equal(first.numpy(), kept)
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])


def test_sum_backward_grad_is_writable_and_owned() -> None:
    # sum's backward broadcasts; the stored .grad must be an ordinary, writable array.
    x = Tensor(np.zeros(3), requires_grad=True)
    x.sum().backward()
    g = x.grad.numpy()
    g[0] = 42.0  # must not raise (read-only broadcast view) ...
    x2 = Tensor(np.zeros(3), requires_grad=True)
    x2.sum().backward()
    np.testing.assert_array_equal(x2.grad.numpy(), [1.0, 1.0, 1.0])  # ... nor leak elsewhere


def test_non_leaf_grad_is_none_unless_retained() -> None:
    x = Tensor(2.0, requires_grad=True)
    h = x * 3
    kept = x * 5
    kept.retain_grad()
    y = h * h + kept * kept
    y.backward()
    assert h.grad is None
    assert kept.grad.item() == 2 * 10.0  # dy/dkept = 2·kept
    assert x.grad.item() == 2 * 6.0 * 3 + 2 * 10.0 * 5
    assert not h.is_leaf and x.is_leaf
    assert kept.retains_grad


def test_retain_grad_on_leaf_is_harmless() -> None:
    x = Tensor(2.0, requires_grad=True)
    x.retain_grad()
    (x * x).backward()
    assert x.grad.item() == 4.0


# ----------------------------------------------------------------------------- error messages


def test_second_backward_without_retain_graph_raises() -> None:
    x = Tensor(2.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError) as info:
        y.backward()
    message = str(info.value)
    assert message.startswith("Trying to backward through the graph a second time")
    assert "retain_graph=True" in message


def test_second_backward_with_retain_graph_works() -> None:
    x = Tensor(2.0, requires_grad=True)
    y = ag.sin(x) * x
    y.backward(retain_graph=True)
    y.backward()
    expected = 2 * (math.cos(2.0) * 2.0 + math.sin(2.0))
    assert x.grad.item() == pytest.approx(expected, rel=1e-14)


def test_grad_then_backward_without_retain_graph_raises() -> None:
    x = Tensor(2.0, requires_grad=True)
    y = ag.exp(x)
    grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_on_tensor_without_grad_raises() -> None:
    x = Tensor(2.0)
    y = x * x
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert "element 0 of tensors does not require grad and does not have a grad_fn" in str(
        info.value
    )


def test_backward_on_non_scalar_needs_gradient() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert "grad can be implicitly created only for scalar outputs" in str(info.value)


def test_backward_on_non_scalar_with_gradient_is_a_vjp() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (x * x).backward(gradient=np.array([1.0, 0.5, -1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, -6.0])


def test_single_element_non_scalar_backward_is_implicit() -> None:
    # PyTorch allows implicit grad for any one-element output, e.g. shape (1,).
    x = Tensor(np.array([3.0]), requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0])


def test_backward_gradient_shape_mismatch_raises() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * x).backward(gradient=np.ones(2))


def test_retain_grad_without_requires_grad_raises() -> None:
    with pytest.raises(
        RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"
    ):
        Tensor(1.0).retain_grad()


def test_graph_without_saved_values_can_be_walked_twice() -> None:
    # As in PyTorch: add/sub/neg save nothing, so a second backward needs no retain_graph.
    x = Tensor(2.0, requires_grad=True)
    y = x + x - (-x)
    y.backward()
    y.backward()
    assert x.grad.item() == 6.0


def test_backward_on_a_leaf() -> None:
    x = Tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_backward_with_create_graph_gives_a_differentiable_grad() -> None:
    x = Tensor(1.5, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert x.grad.item() == pytest.approx(3 * 1.5**2, rel=1e-15)
    assert x.grad.requires_grad
    (g2,) = grad(x.grad, x)
    assert g2.item() == pytest.approx(6 * 1.5, rel=1e-15)


def test_backward_with_tensor_gradient_scales() -> None:
    x = Tensor(2.0, requires_grad=True)
    (x * x).backward(gradient=Tensor(0.5))
    assert x.grad.item() == 2.0


# ----------------------------------------------------------------------------- no_grad


def test_no_grad_builds_no_graph() -> None:
    x = Tensor(2.0, requires_grad=True)
    with no_grad():
        y = x * x + ag.sin(x)
    assert y.grad_fn is None
    assert not y.requires_grad
    assert y.item() == pytest.approx(4.0 + math.sin(2.0))
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    z = x * x  # grad mode is restored after the block
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_restores_mode_after_exception() -> None:
    x = Tensor(2.0, requires_grad=True)
    with pytest.raises(ValueError), no_grad():
        raise ValueError
    assert (x * x).requires_grad


def test_no_grad_as_decorator() -> None:
    @no_grad()
    def step(t: Tensor) -> Tensor:
        return t * 2

    x = Tensor(2.0, requires_grad=True)
    y = step(x)
    assert y.grad_fn is None and not y.requires_grad
    assert y.item() == 4.0
    assert (x * 2).requires_grad


def test_nested_no_grad() -> None:
    x = Tensor(2.0, requires_grad=True)
    with no_grad():
        with no_grad():
            pass
        y = x * x  # still inside the outer block
    assert not y.requires_grad


# ----------------------------------------------------------------------------- grad()


def test_grad_returns_tuple_and_leaves_dot_grad_untouched() -> None:
    x = Tensor(2.0, requires_grad=True)
    w = Tensor(-1.5, requires_grad=True)
    y = x * w + x**3
    result = grad(y, [x, w])
    assert isinstance(result, tuple) and len(result) == 2
    assert result[0].item() == -1.5 + 12.0
    assert result[1].item() == 2.0
    assert x.grad is None and w.grad is None


def test_grad_with_single_tensor_input_returns_one_tuple() -> None:
    x = Tensor(2.0, requires_grad=True)
    result = grad(x * x, x)
    assert isinstance(result, tuple) and len(result) == 1
    assert result[0].item() == 4.0


def test_grad_result_of_plain_grad_has_no_graph() -> None:
    x = Tensor(2.0, requires_grad=True)
    (g,) = grad(x * x, x)
    assert g.grad_fn is None and not g.requires_grad


def test_grad_with_create_graph_is_differentiable() -> None:
    x = Tensor(2.0, requires_grad=True)
    (g,) = grad(x**3, x, create_graph=True)
    assert g.requires_grad
    assert g.item() == 12.0
    (g2,) = grad(g, x)
    assert g2.item() == 12.0  # 6x


def test_allow_unused() -> None:
    x = Tensor(2.0, requires_grad=True)
    unused = Tensor(5.0, requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        grad(y, [x, unused], retain_graph=True)
    gx, gu = grad(y, [x, unused], allow_unused=True)
    assert gx.item() == 4.0
    assert gu is None


def test_grad_outputs_weights_outputs() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (g,) = grad(x * x, x, grad_outputs=Tensor(np.array([3.0, -1.0])))
    np.testing.assert_array_equal(g.numpy(), [6.0, -4.0])


def test_grad_of_several_outputs_sums() -> None:
    x = Tensor(2.0, requires_grad=True)
    (g,) = grad([x * x, 3 * x], x)
    assert g.item() == 7.0


def test_grad_on_non_scalar_without_grad_outputs_raises() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        grad(x * x, x)


def test_grad_wrt_intermediate() -> None:
    x = Tensor(2.0, requires_grad=True)
    u = x * 3
    y = u * u
    (gu,) = grad(y, u)
    assert gu.item() == 12.0  # 2u
    assert u.grad is None


def test_grad_of_a_tensor_with_respect_to_itself_and_repeated_inputs() -> None:
    x = Tensor(2.0, requires_grad=True)
    assert grad(x, x)[0].item() == 1.0
    g1, g2 = grad(x * x, [x, x])
    assert g1.item() == 4.0 and g2.item() == 4.0


def test_grad_outputs_list_for_several_outputs() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (g,) = grad([x * x, ag.sum(x)], x, grad_outputs=[np.array([1.0, 1.0]), np.array(2.0)])
    np.testing.assert_array_equal(g.numpy(), [2 * 1.0 + 2.0, 2 * 2.0 + 2.0])


def test_one_element_array_times_scalar_keeps_each_shape() -> None:
    a = Tensor(np.array([3.0]), requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    (a * b).backward()
    assert a.grad.shape == (1,) and b.grad.shape == ()
    assert a.grad.numpy()[0] == 2.0 and b.grad.item() == 3.0


def test_enable_grad_inside_no_grad() -> None:
    x = Tensor(2.0, requires_grad=True)
    with no_grad():
        with ag.enable_grad():
            inside = x * x
        outside = x * x
    assert inside.requires_grad and not outside.requires_grad
    assert ag.is_grad_enabled()


# ----------------------------------------------------------------------------- Tensor basics


def test_tensor_attributes() -> None:
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert x.shape == (1, 3)
    assert isinstance(x.numpy(), np.ndarray)
    np.testing.assert_array_equal(x.numpy(), [[1.0, 2.0, 3.0]])
    assert x.is_leaf and x.requires_grad and x.grad is None and x.grad_fn is None
    assert Tensor(2.5).item() == 2.5
    assert isinstance(Tensor(2.5).item(), float)
    assert Tensor([2.5]).item() == 2.5


def _leaf_grad() -> Tensor:
    x = Tensor(2.0, requires_grad=True)
    (x * x).backward()
    return x.grad


# Every way a Tensor comes to be: the constructor, each kind of op wrapper, detach, gradients.
MADE = {
    "Tensor()": lambda: Tensor(2.0, requires_grad=True),
    "operator": lambda: Tensor(2.0, requires_grad=True) * 3.0,
    "reflected operator, no grad": lambda: 3.0 * Tensor(2.0),
    "unary function": lambda: ag.sin(Tensor(2.0, requires_grad=True)),
    "function with options": lambda: ag.sum(Tensor([1.0, 2.0], requires_grad=True), axis=0),
    "detach": lambda: Tensor(2.0, requires_grad=True).detach(),
    "grad()": lambda: grad(ag.exp(t := Tensor(1.0, requires_grad=True)), [t])[0],
    "leaf .grad": _leaf_grad,
}


@pytest.mark.parametrize("make", list(MADE.values()), ids=list(MADE))
def test_every_slot_starts_with_a_value(make) -> None:
    t = make()
    values = {s: getattr(t, s) for s in Tensor.__slots__ if s != "__weakref__"}  # unset: raises
    fresh = {"grad": None, "name": None, "_pending": None, "_released": False}
    assert {s: values[s] for s in fresh} == fresh
    assert values["_retains_grad"] is False
    assert isinstance(values["_seq"], int) and isinstance(values["_parents"], tuple)


@pytest.mark.parametrize(
    "clone",
    [copy.copy, copy.deepcopy, lambda t: pickle.loads(pickle.dumps(t))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_a_tensor_can_be_copied_and_pickled(clone) -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="x")
    y = clone(x)
    np.testing.assert_array_equal(y.data, [1.0, 2.0])
    assert (y.requires_grad, y.name, y.grad, y.is_leaf) == (True, "x", None, True)


def test_item_on_many_elements_raises() -> None:
    with pytest.raises((ValueError, RuntimeError)):
        Tensor([1.0, 2.0]).item()


def test_detach_shares_value_and_drops_graph() -> None:
    x = Tensor(2.0, requires_grad=True)
    y = x * x
    d = y.detach()
    assert d.item() == 4.0
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    # Used in a new computation, the detached value is a constant: no gradient flows back.
    z = d * x
    z.backward()
    assert x.grad.item() == 4.0


def test_constants_do_not_require_grad() -> None:
    a = Tensor(3.0)
    b = Tensor(4.0)
    c = a * b + 1
    assert not c.requires_grad and c.grad_fn is None


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda x: x + 1, "AddBackward"),
        (lambda x: x - 1, "SubBackward"),
        (lambda x: x * 2, "MulBackward"),
        (lambda x: x / 2, "DivBackward"),
        (lambda x: x**2, "PowBackward"),
        (lambda x: -x, "NegBackward"),
        (ag.exp, "ExpBackward"),
        (ag.log, "LogBackward"),
        (ag.sqrt, "SqrtBackward"),
        (ag.abs, "AbsBackward"),
        (ag.sin, "SinBackward"),
        (ag.cos, "CosBackward"),
        (ag.tan, "TanBackward"),
        (ag.asin, "AsinBackward"),
        (ag.acos, "AcosBackward"),
        (ag.atan, "AtanBackward"),
        (ag.sinh, "SinhBackward"),
        (ag.cosh, "CoshBackward"),
        (ag.tanh, "TanhBackward"),
        (ag.sigmoid, "SigmoidBackward"),
        (ag.relu, "ReluBackward"),
        (ag.softplus, "SoftplusBackward"),
        (lambda x: ag.maximum(x, 0.0), "MaximumBackward"),
        (lambda x: ag.minimum(x, 0.0), "MinimumBackward"),
        (ag.sum, "SumBackward"),
        (ag.mean, "MeanBackward"),
    ],
)
def test_grad_fn_names(make, name: str) -> None:
    y = make(Tensor(0.5, requires_grad=True))
    assert y.grad_fn.name() == name
    assert type(y.grad_fn).__name__ == name
    assert repr(y.grad_fn) == f"<{name}>"


# ----------------------------------------------------------------------------- dtypes


def test_float64_by_default_and_ints_become_float64() -> None:
    assert Tensor(2.0).numpy().dtype == np.float64
    assert Tensor(2).numpy().dtype == np.float64
    assert Tensor([1, 2, 3]).numpy().dtype == np.float64
    assert Tensor(np.arange(3)).numpy().dtype == np.float64
    x = Tensor(3, requires_grad=True)
    (x * x).backward()
    assert x.grad.numpy().dtype == np.float64
    assert x.grad.item() == 6.0


def test_float32_is_kept_through_ops_and_grads() -> None:
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    y = ag.sum(ag.sin(x) * 2 + x**2 / 3 - ag.exp(-x) + 2.0**x + ag.abs(x - 1))
    assert y.numpy().dtype == np.float32
    y.backward()
    assert x.grad.numpy().dtype == np.float32
    xs = np.array([0.5, 1.5])
    expected = 2 * np.cos(xs) + 2 * xs / 3 + np.exp(-xs) + np.log(2) * 2.0**xs + np.sign(xs - 1)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5)
    (g,) = grad(ag.sum(x * x * x), x, create_graph=True)
    (g2,) = grad(ag.sum(g), x)
    assert g.numpy().dtype == np.float32 and g2.numpy().dtype == np.float32
    np.testing.assert_allclose(g2.numpy(), 6 * xs, rtol=1e-6)


# fmt: off
FLOAT32_OPS = {
    "exp": ag.exp, "log": ag.log, "sqrt": ag.sqrt, "abs": ag.abs, "sin": ag.sin,
    "cos": ag.cos, "tan": ag.tan, "asin": ag.asin, "acos": ag.acos, "atan": ag.atan,
    "sinh": ag.sinh, "cosh": ag.cosh, "tanh": ag.tanh, "sigmoid": ag.sigmoid,
    "relu": ag.relu, "softplus": ag.softplus, "mean": ag.mean,
    "x*x": lambda x: x * x, "1/x": lambda x: 1 / x, "x**x": lambda x: x**x,
    "maximum": lambda x: ag.maximum(x, 0.6) * x, "minimum": lambda x: ag.minimum(x, 0.6) * x,
}
# fmt: on


@pytest.mark.parametrize("create_graph", [False, True], ids=["backward", "create_graph"])
@pytest.mark.parametrize("name", list(FLOAT32_OPS))
def test_float32_gradient_dtype_per_op(name: str, create_graph: bool) -> None:
    # maximum/minimum/relu once promoted to float64 through a float64 mask in their rule.
    x = Tensor(np.array([0.5, 0.7], dtype=np.float32), requires_grad=True)
    y = ag.sum(FLOAT32_OPS[name](x))
    assert y.numpy().dtype == np.float32
    if create_graph:
        (g,) = grad(y, x, create_graph=True)
    else:
        y.backward()
        g = x.grad
    assert g.numpy().dtype == np.float32


def test_float32_with_python_float_exponent_and_numpy_scalar() -> None:
    x = Tensor(np.float32(2.0), requires_grad=True)
    y = x**2.5 * np.float32(3.0)
    assert y.numpy().dtype == np.float32
    y.backward()
    assert x.grad.numpy().dtype == np.float32
    assert x.grad.item() == pytest.approx(3 * 2.5 * 2.0**1.5, rel=1e-6)


def test_numpy_scalar_on_the_left_gives_a_tensor() -> None:
    x = Tensor(2.0, requires_grad=True)
    y = np.float64(3.0) * x
    assert isinstance(y, Tensor)
    y.backward()
    assert x.grad.item() == 3.0


# ----------------------------------------------------------------------------- kinks (PyTorch)


def test_abs_derivative_at_zero_is_zero() -> None:
    x = Tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    ag.sum(ag.abs(x)).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 0.0, 1.0])


def test_relu_derivative_at_zero_is_zero() -> None:
    x = Tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    ag.sum(ag.relu(x)).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("data", [-0.0, np.array([-0.0, 0.0, -0.0]), np.float32(-0.0)])
def test_relu_of_minus_zero_is_plus_zero_with_derivative_zero(data) -> None:
    x = Tensor(data, requires_grad=True)
    y = ag.relu(x)
    assert not np.signbit(y.data).any()  # +0.0, not -0.0 (np.maximum(-0.0, 0.0) gives +0.0)
    ag.sum(y).backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros_like(x.data))


def test_kink_second_derivatives_are_zero() -> None:
    for fn in (ag.abs, ag.relu):
        x = Tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
        (g,) = grad(ag.sum(fn(x)), x, create_graph=True)
        np.testing.assert_array_equal(g.numpy(), [-1.0 if fn is ag.abs else 0.0, 0.0, 1.0])
        # A gradient that does not require grad is constant: its derivative is 0 by definition.
        if g.requires_grad:
            (g2,) = grad(ag.sum(g), x, allow_unused=True)
            if g2 is not None:
                np.testing.assert_array_equal(g2.numpy(), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("fn", [ag.maximum, ag.minimum])
def test_maximum_minimum_ties_split_evenly(fn) -> None:
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([0.0, 2.0, 5.0]), requires_grad=True)
    ag.sum(fn(a, b)).backward()
    if fn is ag.maximum:
        np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.5, 0.0])
        np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.5, 1.0])
    else:
        np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.5, 1.0])
        np.testing.assert_array_equal(b.grad.numpy(), [1.0, 0.5, 0.0])


def test_maximum_of_x_with_itself_has_derivative_one() -> None:
    x = Tensor(2.0, requires_grad=True)
    ag.maximum(x, x).backward()
    assert x.grad.item() == 1.0


def test_maximum_tie_with_broadcast_constant() -> None:
    x = Tensor(np.array([[0.0], [1.0]]), requires_grad=True)
    ag.sum(ag.maximum(x, np.array([0.0, 0.0, -1.0]))).backward()
    # row 0: ties with 0, 0 (0.5 each) and wins against -1 (1) -> 2; row 1 always wins -> 3
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0], [3.0]])


def test_pow_exponent_gradient_at_zero_base_is_zero() -> None:
    # d/db a^b = a^b ln a, which PyTorch defines as 0 at a = 0 (b >= 0) instead of 0·(-inf).
    a = Tensor(0.0, requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    (a**b).backward()
    assert b.grad.item() == 0.0
    assert a.grad.item() == 0.0


def test_pow_zero_exponent_at_zero_base_like_pytorch() -> None:
    # 0 * 0**-1 would be nan; PyTorch masks a zero exponent to a zero derivative.
    x = Tensor(0.0, requires_grad=True)
    (x**0).backward()
    assert x.grad.item() == 0.0


def test_second_derivative_of_x_to_the_one_at_zero() -> None:
    # The first derivative is 1·x**0; differentiating that at 0 must give 0, not nan.
    x = Tensor(0.0, requires_grad=True)
    (g,) = grad(x**1, x, create_graph=True)
    assert g.item() == 1.0
    (g2,) = grad(g, x, allow_unused=True)
    assert g2 is None or g2.item() == 0.0


def test_tensor_zero_exponent_at_zero_base() -> None:
    x = Tensor(0.0, requires_grad=True)
    e = Tensor(0.0, requires_grad=True)
    y = x**e
    assert y.item() == 1.0
    y.backward()
    assert x.grad.item() == 0.0 and e.grad.item() == 0.0


def test_pow_mixed_second_partial_at_zero_exponent() -> None:
    # A mask on b == 0 in d/da a^b once killed this mixed partial.
    # d/da a^b = b a^(b-1); d/db of that = a^(b-1) (1 + b ln a) = 1/a at b = 0, a = 1.5.
    a = Tensor(1.5, requires_grad=True)
    b = Tensor(0.0, requires_grad=True)
    ga, gb = grad(a**b, [a, b], create_graph=True)
    assert ga.item() == 0.0 and gb.item() == pytest.approx(math.log(1.5), rel=1e-15)
    (gab,) = grad(ga, b)
    assert gab.item() == pytest.approx(1 / 1.5, rel=1e-15)


def test_second_derivative_of_x_plus_1_to_the_x_at_zero() -> None:
    # f = exp(x ln(1+x)); f' = f (ln(1+x) + x/(1+x)); f''(0) = 1/(1+0) + 1/(1+0)² = 2
    x = Tensor(0.0, requires_grad=True)
    (g,) = grad((x + 1) ** x, x, create_graph=True)
    (g2,) = grad(g, x)
    assert g.item() == 0.0
    assert g2.item() == pytest.approx(2.0, rel=1e-15)


def test_cube_third_derivative_at_zero() -> None:
    x = Tensor(0.0, requires_grad=True)
    (g,) = grad(x**3, x, create_graph=True)
    (g2,) = grad(g, x, create_graph=True)
    (g3,) = grad(g2, x)
    assert (g.item(), g2.item(), g3.item()) == (0.0, 0.0, 6.0)


def test_square_derivatives_at_zero_are_finite() -> None:
    x = Tensor(0.0, requires_grad=True)
    (g,) = grad(x**2, x, create_graph=True)
    (g2,) = grad(g, x)
    assert g.item() == 0.0 and g2.item() == 2.0


# ----------------------------------------------------------------------------- IEEE, no warnings


def test_non_finite_values_follow_ieee_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zero = Tensor(0.0, requires_grad=True)
        log0 = ag.log(zero)
        assert log0.item() == -math.inf
        log0.backward()
        assert zero.grad.item() == math.inf  # 1/0

        z = Tensor(0.0, requires_grad=True)
        q = z / z
        assert math.isnan(q.item())
        q.backward()
        assert math.isnan(z.grad.item())

        s = Tensor(0.0, requires_grad=True)
        r = ag.sqrt(s)
        r.backward()
        assert r.item() == 0.0 and s.grad.item() == math.inf

        n = Tensor(-1.0, requires_grad=True)
        v = ag.log(n) + ag.sqrt(n) + ag.asin(n * 2)
        assert math.isnan(v.item())
        v.backward()
        assert math.isnan(n.grad.item())

        big = Tensor(1000.0, requires_grad=True)
        e = ag.exp(big)
        assert e.item() == math.inf
        e.backward()
        assert big.grad.item() == math.inf

        one = Tensor(1.0, requires_grad=True)
        inv = 1 / (one - 1)
        assert inv.item() == math.inf
        (g,) = grad(inv, one, create_graph=True)
        (g2,) = grad(g, one)
        assert g.item() == -math.inf and g2.item() == math.inf


def test_sigmoid_and_softplus_do_not_overflow() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Tensor(np.array([-1000.0, 0.0, 1000.0]), requires_grad=True)
        s = ag.sigmoid(x)
        np.testing.assert_array_equal(s.numpy(), [0.0, 0.5, 1.0])
        p = ag.softplus(x)
        np.testing.assert_allclose(p.numpy(), [0.0, math.log(2.0), 1000.0])
        ag.sum(s + p).backward()
        np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.75, 1.0])


def test_enable_grad_as_a_decorator_turns_grad_mode_on() -> None:
    from gradexplorer.autograd import enable_grad, is_grad_enabled

    @enable_grad()
    def inside() -> bool:
        return is_grad_enabled()

    with no_grad():
        assert inside() is True
        assert is_grad_enabled() is False
