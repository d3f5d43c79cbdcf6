"""Forward mode as PyTorch has it: torch.func.jvp and torch.autograd.forward_ad.

The semantics and messages come from PyTorch's source (torch/_functorch/eager_transforms.py:
jvp, safe_unpack_dual, assert_non_empty_list_of_tensors; torch/autograd/forward_ad.py:
make_dual, unpack_dual, dual_level; torch/csrc/autograd/autograd_meta.cpp: set_fw_grad's size
check; forward_grad.cpp: one level only). The numbers are checked against dual numbers written
here from scratch (the Dual class below), which share nothing with the engine.
"""

from __future__ import annotations

import math
import re
import tracemalloc

import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, dual_level, grad, jvp, make_dual, no_grad, unpack_dual
from gradexplorer.autograd.forward_ad import enter_dual_level, exit_dual_level, is_dual

pytestmark = pytest.mark.filterwarnings("error")


class Dual:
    """a + b ε with ε² = 0: the textbook dual number, for scalars."""

    def __init__(self, a: float, b: float = 0.0) -> None:
        self.a, self.b = float(a), float(b)

    @staticmethod
    def lift(v: object) -> Dual:
        return v if isinstance(v, Dual) else Dual(float(v))  # type: ignore[arg-type]

    def __add__(self, o: object) -> Dual:
        o = Dual.lift(o)
        return Dual(self.a + o.a, self.b + o.b)

    __radd__ = __add__

    def __sub__(self, o: object) -> Dual:
        o = Dual.lift(o)
        return Dual(self.a - o.a, self.b - o.b)

    def __rsub__(self, o: object) -> Dual:
        return Dual.lift(o) - self

    def __mul__(self, o: object) -> Dual:
        o = Dual.lift(o)
        return Dual(self.a * o.a, self.a * o.b + self.b * o.a)

    __rmul__ = __mul__

    def __truediv__(self, o: object) -> Dual:
        o = Dual.lift(o)
        return Dual(self.a / o.a, (self.b * o.a - self.a * o.b) / (o.a * o.a))

    def sin(self) -> Dual:
        return Dual(math.sin(self.a), math.cos(self.a) * self.b)

    def exp(self) -> Dual:
        return Dual(math.exp(self.a), math.exp(self.a) * self.b)

    def tanh(self) -> Dual:
        return Dual(math.tanh(self.a), (1 - math.tanh(self.a) ** 2) * self.b)


def dual_sin(v: Dual | Tensor) -> Dual | Tensor:
    return v.sin() if isinstance(v, Dual) else ag.sin(v)


def dual_exp(v: Dual | Tensor) -> Dual | Tensor:
    return v.exp() if isinstance(v, Dual) else ag.exp(v)


def dual_tanh(v: Dual | Tensor) -> Dual | Tensor:
    return v.tanh() if isinstance(v, Dual) else ag.tanh(v)


# Functions written once, run on Dual numbers (the oracle) and on Tensors (the engine).
FUNCTIONS = {
    "x^2+3x": (lambda x, w: x * x + 3 * x),
    "x1 x2 + sin(x1 x2)": (lambda x, w: x * w + dual_sin(x * w)),
    "damped": (lambda x, w: dual_sin(x) * dual_exp(x / -5) + x * x),
    "reuse": (lambda x, w: (x * w) * (x * w) / (1 + dual_tanh(x * w))),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("point", [(2.0, 0.5), (7.0, 2.0), (-1.25, 3.0)])
def test_jvp_matches_dual_numbers(name: str, point: tuple[float, float]) -> None:
    f = FUNCTIONS[name]
    x, w = point
    for tx, tw in ((1.0, 0.0), (0.0, 1.0), (0.3, -0.7)):
        expected = f(Dual(x, tx), Dual(w, tw))
        value, tangent = jvp(f, (Tensor(x), Tensor(w)), (Tensor(tx), Tensor(tw)))
        assert value.item() == pytest.approx(expected.a, rel=1e-15)
        assert tangent.item() == pytest.approx(expected.b, rel=1e-13, abs=1e-15)


def test_the_seed_example_and_jaxs_example() -> None:
    _, v = jvp(lambda x: x * x + 3 * x, (Tensor(2.0),), (Tensor(1.0),))
    assert v.item() == 7.0

    def f(x1: Tensor, x2: Tensor) -> Tensor:
        return x1 * x2 + ag.sin(x1 * x2)

    one, zero = Tensor(1.0), Tensor(0.0)
    _, d1 = jvp(f, (Tensor(7.0), Tensor(2.0)), (one, zero))
    _, d2 = jvp(f, (Tensor(7.0), Tensor(2.0)), (zero, one))
    assert d1.item() == pytest.approx(2 + 2 * math.cos(14), rel=1e-15)
    assert d2.item() == pytest.approx(7 + 7 * math.cos(14), rel=1e-15)
    # JAX's documentation prints 2.2734745 and 7.9571605: its float32 default. In float32 the
    # engine gives exactly those digits (float64: 2.2734744364..., 7.9571605274...).
    f32 = [Tensor(np.float32(v)) for v in (7.0, 2.0, 1.0, 0.0)]
    _, d1 = jvp(f, (f32[0], f32[1]), (f32[2], f32[3]))
    _, d2 = jvp(f, (f32[0], f32[1]), (f32[3], f32[2]))
    assert d1.dtype == d2.dtype == np.float32
    assert (str(np.float32(d1.data)), str(np.float32(d2.data))) == ("2.2734745", "7.9571605")


def test_jvp_of_functions_from_pytorchs_docstring() -> None:
    # R^1 -> R^N: the jvp is the column of the Jacobian
    value, tangent = jvp(lambda x: x * Tensor([1.0, 2.0, 3.0]), (Tensor(0.7),), (Tensor(1.0),))
    np.testing.assert_array_equal(tangent.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_allclose(value.numpy(), [0.7, 1.4, 2.1])
    # several inputs: x * y with tangents of ones gives x + y
    x, y = np.array([1.0, -2.0, 0.5]), np.array([3.0, 4.0, -1.5])
    _, out = jvp(lambda a, b: a * b, (Tensor(x), Tensor(y)), (Tensor(np.ones(3)),) * 2)
    np.testing.assert_array_equal(out.numpy(), x + y)


def test_outputs_keep_the_functions_structure_and_aux() -> None:
    x = Tensor(0.5)
    values, tangents = jvp(lambda a: (ag.sin(a), ag.cos(a)), (x,), (Tensor(2.0),))
    assert isinstance(values, tuple) and isinstance(tangents, tuple)
    assert tangents[0].item() == pytest.approx(2 * math.cos(0.5), rel=1e-15)
    assert tangents[1].item() == pytest.approx(-2 * math.sin(0.5), rel=1e-15)
    value, tangent, aux = jvp(lambda a: (a * a, "aux"), (x,), (Tensor(1.0),), has_aux=True)
    assert (value.item(), tangent.item(), aux) == (0.25, 1.0, "aux")
    with pytest.raises(RuntimeError, match=re.escape("output of function f should be a tuple")):
        jvp(lambda a: a, (x,), (Tensor(1.0),), has_aux=True)


def test_an_output_independent_of_the_inputs_has_zero_tangent() -> None:
    _, tangent = jvp(lambda a: Tensor([3.0, 4.0]), (Tensor(1.0),), (Tensor(1.0),))
    np.testing.assert_array_equal(tangent.numpy(), [0.0, 0.0])
    message = (
        "jvp(f, primals, tangents, strict=True): The output of f is independent of the inputs. "
        "This is not allowed with strict=True."
    )
    with pytest.raises(RuntimeError, match=re.escape(message)):
        jvp(lambda a: Tensor(3.0), (Tensor(1.0),), (Tensor(1.0),), strict=True)


def test_pytorchs_messages_for_bad_arguments() -> None:
    f = lambda a: a * 2  # noqa: E731
    with pytest.raises(RuntimeError) as err:
        jvp(f, Tensor(1.0), (Tensor(1.0),))
    assert str(err.value) == (
        "jvp(f, primals, tangents): Expected primals to be a tuple. "
        "E.g. it should be valid to call f(*primals)."
    )
    with pytest.raises(RuntimeError) as err:
        jvp(f, (Tensor(1.0),), Tensor(1.0))
    assert str(err.value).startswith(
        "jvp(f, primals, tangents): Expected primals and tangents to have the same python "
        "structure. For example, if primals is a tuple of 3 tensors, tangents also must be."
    )
    with pytest.raises(RuntimeError) as err:
        jvp(f, (), ())
    assert (
        str(err.value)
        == "jvp(f, primals, tangents): Expected primals to contain at least one Tensor."
    )
    with pytest.raises(RuntimeError) as err:
        jvp(f, (2.0,), (Tensor(1.0),))
    assert str(err.value) == (
        "jvp(f, primals, tangents): Expected primals to only contain Tensors, got <class 'float'>"
    )
    with pytest.raises(RuntimeError) as err:
        jvp(lambda a: 3.0, (Tensor(1.0),), (Tensor(1.0),))
    assert str(err.value) == (
        "jvp(f, primals, tangents): expected f(*primals) to return only tensors, got "
        "unsupported type <class 'float'>"
    )


@pytest.mark.parametrize(
    ("primal", "tangent", "sizes"),
    [
        ((2,), (3,), ("[2]", "[3]")),
        ((), (1,), ("[]", "[1]")),
        ((2, 3), (3, 2), ("[2, 3]", "[3, 2]")),
    ],
)
def test_a_tangent_of_the_wrong_size_raises_pytorchs_message(primal, tangent, sizes) -> None:
    expected = (
        "Trying to set a forward gradient that has a different size than that of the original "
        f"Tensor, this is not supported. Tensor is of size {sizes[0]} while the given forward "
        f"gradient is of size {sizes[1]}."
    )
    p, t = Tensor(np.ones(primal)), Tensor(np.ones(tangent))
    with pytest.raises(RuntimeError) as err:
        jvp(lambda a: a, (p,), (t,))
    assert str(err.value) == expected
    with dual_level(), pytest.raises(RuntimeError) as err:
        make_dual(p, t)
    assert str(err.value) == expected


def test_dual_levels_as_pytorch_has_them() -> None:
    x = Tensor(3.0)
    # outside a level: unpack_dual gives the tensor itself and no tangent; make_dual refuses
    primal, tangent = unpack_dual(x)
    assert primal is x and tangent is None
    with pytest.raises(RuntimeError) as err:
        make_dual(x, Tensor(1.0))
    assert str(err.value) == (
        "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
        "enter_dual_level() first."
    )
    with dual_level() as level:
        assert level == 0
        d = make_dual(x, Tensor(1.0))
        assert is_dual(d) and not is_dual(x)  # make_dual returns a new tensor; x stays plain
        y = d * d
        p, t = unpack_dual(y)
        assert (p.item(), t.item()) == (9.0, 6.0)
        assert unpack_dual(p).tangent is None  # the primal is a view without the tangent
        assert unpack_dual(x).tangent is None
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            enter_dual_level()
        with pytest.raises(
            RuntimeError, match="already has a forward gradient at the same level 0"
        ):
            make_dual(d, Tensor(2.0))
        with pytest.raises(RuntimeError, match="invalid index"):
            unpack_dual(y, level=3)
    # after the level, its tangents are gone, also in a new level
    assert unpack_dual(y).tangent is None
    with dual_level():
        assert unpack_dual(y).tangent is None
    with pytest.raises(RuntimeError, match="No forward AD level was created"):
        exit_dual_level()


def test_no_grad_does_not_stop_forward_mode() -> None:
    with no_grad():
        _, tangent = jvp(lambda a: ag.exp(a), (Tensor(0.0),), (Tensor(1.0),))
    assert tangent.item() == 1.0


def test_float32_stays_float32() -> None:
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32))
    for t in (np.array([1.0, 2.0], dtype=np.float32), np.array([1.0, 2.0])):
        value, tangent = jvp(
            lambda a: ag.sin(a) * 2.0 + a**2 / 3, (x,), (Tensor(t, dtype=t.dtype),)
        )
        assert value.dtype == np.float32 and tangent.dtype == np.float32
        expected = (2 * np.cos(x.numpy()) + 2 * x.numpy() / 3) * t
        np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-6)
    with dual_level():
        d = make_dual(Tensor(np.float32(2.0)), 1.0)  # a number takes the primal's dtype
        assert unpack_dual(d * 3.0).tangent.dtype == np.float32


@pytest.mark.parametrize(
    ("fn", "x", "expected"),
    [
        (ag.abs, 0.0, 0.0),  # d|x|/dx at 0 is 0
        (ag.relu, 0.0, 0.0),  # relu'(0) = 0
        (ag.relu, -0.0, 0.0),
        (lambda a: ag.maximum(a, 1.0), 1.0, 0.5),  # a tie splits 0.5 / 0.5
        (lambda a: ag.minimum(a, 1.0), 1.0, 0.5),
        (lambda a: ag.maximum(a, a), 2.0, 1.0),  # both sides are a: 0.5 + 0.5
        (lambda a: a**0.0, 0.0, 0.0),  # 0^0 is constant 1
        (lambda a: 0.0**a, 0.0, 0.0),  # d/db 0^b at b >= 0 is 0, as in PyTorch
    ],
)
def test_kinks_follow_the_reverse_modes_conventions(fn, x, expected) -> None:
    _, tangent = jvp(fn, (Tensor(x),), (Tensor(1.0),))
    assert tangent.item() == expected
    leaf = Tensor(x, requires_grad=True)
    (g,) = grad(fn(leaf), [leaf])
    assert g.item() == expected


def test_max_ties_on_arrays_agree_with_reverse_mode() -> None:
    a = np.array([1.0, 2.0, 3.0, 2.0])
    b = np.array([1.0, 1.0, 3.0, 5.0])
    for k in range(2):
        tangents = [Tensor(np.zeros(4)), Tensor(np.zeros(4))]
        tangents[k] = Tensor(np.ones(4))
        _, t = jvp(ag.maximum, (Tensor(a), Tensor(b)), tuple(tangents))
        leaves = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
        reverse = grad(ag.sum(ag.maximum(*leaves)), leaves)[k].numpy()
        np.testing.assert_array_equal(t.numpy(), reverse)
        np.testing.assert_array_equal(t.numpy()[[0, 2]], [0.5, 0.5])


def test_an_op_without_tangent_rules_refuses_forward_mode() -> None:
    op = ag.define_op("cube_fwd", "cube", lambda a: a**3, lambda F, g, out, a: g * 3 * a * a)
    try:
        with pytest.raises(NotImplementedError) as err:
            jvp(lambda a: ag.ops.apply(op, a), (Tensor(2.0),), (Tensor(1.0),))
        assert str(err.value) == "Trying to use forward AD with cube_fwd that does not support it."
        assert ag.ops.apply(op, Tensor(2.0)).item() == 8.0  # reverse and plain use still work
    finally:
        ag.remove_op("cube_fwd")


def test_big_arrays_sum_terms_in_place_without_touching_the_inputs_tangents() -> None:
    n = 70_000  # above the size where the sum rule adds into a term it has just made
    rng = np.random.default_rng(5)
    a, b, ta, tb = (rng.uniform(-1, 1, n) for _ in range(4))
    saved = ta.copy(), tb.copy()
    _, t = jvp(lambda u, v: u * v + u, (Tensor(a), Tensor(b)), (Tensor(ta), Tensor(tb)))
    np.testing.assert_allclose(t.numpy(), ta * b + a * tb + ta, rtol=1e-15)
    np.testing.assert_array_equal(ta, saved[0])
    np.testing.assert_array_equal(tb, saved[1])
    # add passes its inputs' tangents through: they must not be summed into
    _, t = jvp(lambda u, v: (u + v) + (u + v), (Tensor(a), Tensor(b)), (Tensor(ta), Tensor(tb)))
    np.testing.assert_allclose(t.numpy(), 2 * (ta + tb), rtol=1e-15)
    np.testing.assert_array_equal(ta, saved[0])


def test_forward_over_reverse_without_create_graph() -> None:
    # backward inside a dual level runs its rules as ops that carry tangents
    x = Tensor(1.3, requires_grad=True)

    def derivative(a: Tensor) -> Tensor:
        return grad(ag.sin(a) * a, [a])[0]

    _, second = jvp(derivative, (x,), (Tensor(1.0),))
    assert second.item() == pytest.approx(2 * math.cos(1.3) - 1.3 * math.sin(1.3), rel=1e-14)


def test_reverse_over_forward_gives_the_second_derivative_and_the_tangents_gradient() -> None:
    x = Tensor(0.4, requires_grad=True)
    v = Tensor(2.0, requires_grad=True)
    _, tangent = jvp(lambda a: ag.exp(a * a), (x,), (v,))  # d/dx e^{x²} · v = 2x e^{x²} v
    tangent.backward()
    e = math.exp(0.16)
    assert x.grad.item() == pytest.approx((2 * e + 4 * 0.16 * e) * 2.0, rel=1e-14)
    assert v.grad.item() == pytest.approx(2 * 0.4 * e, rel=1e-14)


def test_a_long_chain_keeps_no_graph_and_needs_no_recursion() -> None:
    def chain(n: int) -> float:
        def f(x: Tensor) -> Tensor:
            y = x
            for _ in range(n):
                y = y * 1.0001
            return y

        tracemalloc.start()
        _, t = jvp(f, (Tensor(1.0),), (Tensor(1.0),))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert t.item() == pytest.approx(1.0001**n, rel=1e-11)
        return peak

    small, large = chain(2_000), chain(20_000)
    assert large < 1.5 * small  # ten times the nodes, the same memory: nothing is kept


def test_backward_of_a_dual_graph_is_unchanged() -> None:
    # a graph built inside a level is an ordinary graph for backward
    x = Tensor(2.0, requires_grad=True)
    with dual_level():
        d = make_dual(x, Tensor(1.0))
        y = d * d * d
        assert unpack_dual(y).tangent.item() == 12.0
    y.backward()
    assert x.grad.item() == 12.0
