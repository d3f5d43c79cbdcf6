"""Every op's first and second derivative against two independent oracles.

Oracle 1: sympy. The same function is written a second time with sympy scalars; broadcasting is
done by numpy on object arrays, so the symbolic derivative of the summed output w.r.t. each
input element already includes the "sum back to the input's shape" step, independently of the
engine's own unbroadcasting.

Oracle 2: central finite differences of the engine's *forward* pass only (no backward involved).

What is compared, for L = sum(f(inputs)):
- the gradient of L w.r.t. every input, from plain backward() (numpy rules) and from
  grad(create_graph=True) (Tensor rules), which are different code paths in the engine;
- H·1, the gradient of sum(dL/dinputs) w.r.t. every input (one Hessian-vector product that
  contains every second partial, mixed ones included), from grad() of a recorded grad().
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import sympy as sp

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, grad, no_grad

# IEEE results (inf, nan) are answers: the engine must not emit RuntimeWarnings for them.
pytestmark = pytest.mark.filterwarnings("error")

# ----------------------------------------------------------------------------- oracles


def _elementwise(scalar_fn: Callable[..., Any], nin: int) -> Callable[..., Any]:
    """Apply a sympy scalar function over numpy-broadcast object arrays."""
    return np.frompyfunc(scalar_fn, nin, 1)


def _symbolic(
    sympy_fn: Callable[..., Any], values: Sequence[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """sympy gradient and H·1 of L = sum(sympy_fn(inputs)) at `values`."""
    arrays: list[np.ndarray] = []
    flat_symbols: list[sp.Symbol] = []
    for k, v in enumerate(values):
        n = v.size
        syms = sp.symbols(f"v{k}_0:{n}", real=True)
        arr = np.empty(n, dtype=object)
        for i, s in enumerate(syms):
            arr[i] = s
        arrays.append(arr.reshape(v.shape))
        flat_symbols.extend(syms)
    result = sympy_fn(*arrays)
    total = sp.Add(*np.asarray(result, dtype=object).ravel().tolist())
    first = [sp.diff(total, s) for s in flat_symbols]
    sum_first = sp.Add(*first)
    second = [sp.diff(sum_first, s) for s in flat_symbols]
    # Away from kinks the derivative of a Heaviside (from Max, Abs) is a DiracDelta that is 0.
    exprs = [e.replace(sp.DiracDelta, lambda *a: sp.S.Zero) for e in first + second]
    fn = sp.lambdify(flat_symbols, exprs, modules="numpy")
    numbers = np.array(fn(*np.concatenate([v.ravel() for v in values]).tolist()), dtype=np.float64)
    numbers = np.broadcast_to(numbers, (len(exprs),)) if numbers.ndim == 0 else numbers
    n_total = len(flat_symbols)
    return _split(numbers[:n_total], values), _split(numbers[n_total:], values)


def _split(flat: np.ndarray, like: Sequence[np.ndarray]) -> list[np.ndarray]:
    out = []
    start = 0
    for v in like:
        out.append(np.asarray(flat[start : start + v.size]).reshape(v.shape))
        start += v.size
    return out


def _forward_sum(engine_fn: Callable[..., Tensor], values: Sequence[np.ndarray]) -> float:
    with no_grad():
        return float(ag.sum(engine_fn(*[Tensor(v) for v in values])).item())


def _finite_differences(
    engine_fn: Callable[..., Tensor], values: Sequence[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central differences of the forward pass: gradient (h=1e-5) and H·1 (h=1e-4)."""

    def L(shifted: list[np.ndarray]) -> float:
        return _forward_sum(engine_fn, shifted)

    def shifted(k: int, idx: tuple[int, ...], h: float, t: float) -> list[np.ndarray]:
        # Element idx of input k moves by h; every element of every input moves by t.
        # np.array(...) again: 0-d arithmetic yields numpy scalars, which cannot be assigned to
        out = [np.array(v + t, dtype=np.float64) for v in values]
        out[k][idx] += h
        return out

    grads, hvs = [], []
    for k, v in enumerate(values):
        g = np.zeros(v.shape)
        hv = np.zeros(v.shape)
        for idx in itertools.product(*[range(n) for n in v.shape]):
            h = 1e-5
            g[idx] = (L(shifted(k, idx, h, 0.0)) - L(shifted(k, idx, -h, 0.0))) / (2 * h)
            h = 1e-4
            hv[idx] = (
                L(shifted(k, idx, h, h))
                - L(shifted(k, idx, h, -h))
                - L(shifted(k, idx, -h, h))
                + L(shifted(k, idx, -h, -h))
            ) / (4 * h * h)
        grads.append(g)
        hvs.append(hv)
    return grads, hvs


def _engine(
    engine_fn: Callable[..., Tensor], values: Sequence[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """(.grad from backward(), grad(create_graph=True), H·1 from grad of grad)."""
    leaves = [Tensor(v, requires_grad=True) for v in values]
    ag.sum(engine_fn(*leaves)).backward()
    from_backward = []
    for t, v in zip(leaves, values, strict=True):
        assert t.grad is not None
        assert t.grad.shape == v.shape, "gradient must be summed back to the input's shape"
        from_backward.append(t.grad.numpy())

    leaves = [Tensor(v, requires_grad=True) for v in values]
    firsts = grad(ag.sum(engine_fn(*leaves)), leaves, create_graph=True)
    for g, v in zip(firsts, values, strict=True):
        assert g is not None and g.shape == v.shape
    total = firsts[0].sum()
    for g in firsts[1:]:
        total = total + g.sum()
    if total.requires_grad:
        seconds = grad(total, leaves, allow_unused=True)
    else:  # the gradient does not depend on the inputs (e.g. x + y): every second partial is 0
        seconds = (None,) * len(leaves)
    hv = [
        np.zeros(v.shape) if s is None else s.numpy() for s, v in zip(seconds, values, strict=True)
    ]
    return from_backward, [g.numpy() for g in firsts], hv


def check_against_oracles(
    engine_fn: Callable[..., Tensor],
    sympy_fn: Callable[..., Any],
    values: Sequence[np.ndarray],
) -> None:
    values = [np.asarray(v, dtype=np.float64) for v in values]
    from_backward, first, hv = _engine(engine_fn, values)
    sym_first, sym_hv = _symbolic(sympy_fn, values)
    fd_first, fd_hv = _finite_differences(engine_fn, values)
    for k in range(len(values)):
        np.testing.assert_allclose(from_backward[k], sym_first[k], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(first[k], sym_first[k], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(hv[k], sym_hv[k], rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(from_backward[k], fd_first[k], rtol=1e-6, atol=1e-7)
        scale = max(1.0, float(np.max(np.abs(sym_hv[k]))))
        np.testing.assert_allclose(hv[k], fd_hv[k], rtol=1e-4, atol=1e-4 * scale)


# ----------------------------------------------------------------------------- domains


def _uniform(lo: float, hi: float) -> Callable[[np.random.Generator, tuple[int, ...]], Any]:
    return lambda rng, shape: rng.uniform(lo, hi, size=shape)


def _away_from_zero(lo: float, hi: float) -> Callable[[np.random.Generator, tuple[int, ...]], Any]:
    def draw(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
        return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)

    return draw


ANY = _uniform(-2.0, 2.0)


def _around_0_1_and_0_9(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    """Values on both sides of 0.5, at least 0.2 away from it (no tie with the constant)."""
    return np.where(rng.random(shape) < 0.5, 0.1, 0.9) + rng.uniform(-0.2, 0.2, shape)


# name -> (engine function, sympy scalar function, domain where the function is smooth)
UNARY: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[Any], Any], Any]] = {
    "neg": (lambda x: -x, lambda x: -x, ANY),
    "exp": (ag.exp, sp.exp, ANY),
    "log": (ag.log, sp.log, _uniform(0.2, 3.0)),
    "sqrt": (ag.sqrt, sp.sqrt, _uniform(0.2, 3.0)),
    "abs": (ag.abs, sp.Abs, _away_from_zero(0.2, 2.0)),
    "sin": (ag.sin, sp.sin, ANY),
    "cos": (ag.cos, sp.cos, ANY),
    "tan": (ag.tan, sp.tan, _uniform(-1.2, 1.2)),
    "asin": (ag.asin, sp.asin, _uniform(-0.9, 0.9)),
    "acos": (ag.acos, sp.acos, _uniform(-0.9, 0.9)),
    "atan": (ag.atan, sp.atan, ANY),
    "sinh": (ag.sinh, sp.sinh, ANY),
    "cosh": (ag.cosh, sp.cosh, ANY),
    "tanh": (ag.tanh, sp.tanh, ANY),
    "sigmoid": (ag.sigmoid, lambda x: 1 / (1 + sp.exp(-x)), _uniform(-3.0, 3.0)),
    "relu": (ag.relu, lambda x: sp.Max(x, 0), _away_from_zero(0.2, 2.0)),
    "softplus": (ag.softplus, lambda x: sp.log(1 + sp.exp(x)), _uniform(-3.0, 3.0)),
    # Python numbers on either side of an operator
    "x+3": (lambda x: x + 3, lambda x: x + 3, ANY),
    "3+x": (lambda x: 3 + x, lambda x: 3 + x, ANY),
    "x-3": (lambda x: x - 3, lambda x: x - 3, ANY),
    "3-x": (lambda x: 3 - x, lambda x: 3 - x, ANY),
    "x*3": (lambda x: x * 3, lambda x: x * 3, ANY),
    "3*x": (lambda x: 3 * x, lambda x: 3 * x, ANY),
    "x/3": (lambda x: x / 3, lambda x: x / 3, ANY),
    "3/x": (lambda x: 3 / x, lambda x: 3 / x, _away_from_zero(0.5, 2.0)),
    "x**2": (lambda x: x**2, lambda x: x**2, ANY),
    "x**3": (lambda x: x**3, lambda x: x**3, ANY),
    "x**2.5": (lambda x: x**2.5, lambda x: x ** sp.Rational(5, 2), _uniform(0.2, 2.0)),
    "x**-1.5": (lambda x: x**-1.5, lambda x: x ** sp.Rational(-3, 2), _uniform(0.3, 2.0)),
    "x**0.5": (lambda x: x**0.5, sp.sqrt, _uniform(0.2, 2.0)),
    "2**x": (lambda x: 2.0**x, lambda x: 2**x, ANY),
    "0.5**x": (lambda x: 0.5**x, lambda x: sp.Rational(1, 2) ** x, ANY),
    "maximum(x,0.5)": (
        lambda x: ag.maximum(x, 0.5),
        lambda x: sp.Max(x, sp.Rational(1, 2)),
        _around_0_1_and_0_9,
    ),
    "maximum(0.5,x)": (
        lambda x: ag.maximum(0.5, x),
        lambda x: sp.Max(x, sp.Rational(1, 2)),
        _around_0_1_and_0_9,
    ),
    "minimum(x,0.5)": (
        lambda x: ag.minimum(x, 0.5) * x,
        lambda x: sp.Min(x, sp.Rational(1, 2)) * x,
        _around_0_1_and_0_9,
    ),
    # Composition, so that the second derivative of each linear-ish op is exercised too
    "sin(x)*exp(-x/5)+x**2": (
        lambda x: ag.sin(x) * ag.exp(-x / 5) + x**2,
        lambda x: sp.sin(x) * sp.exp(-x / 5) + x**2,
        ANY,
    ),
}


@pytest.mark.parametrize("shape", [(), (2, 3)], ids=["scalar", "array"])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_first_and_second_derivative(name: str, shape: tuple[int, ...]) -> None:
    engine_fn, scalar_fn, domain = UNARY[name]
    rng = np.random.default_rng(zlib.crc32(f"{name}{shape}".encode()))
    x = np.asarray(domain(rng, shape), dtype=np.float64)
    check_against_oracles(engine_fn, _elementwise(scalar_fn, 1), [x])


def _tie_free_pair(rng: np.random.Generator, sa: tuple, sb: tuple) -> tuple[Any, Any]:
    """Values for maximum/minimum whose every broadcast pair differs by at least 0.1."""
    while True:
        a = rng.uniform(-2, 2, sa)
        b = rng.uniform(-2, 2, sb)
        if np.min(np.abs(np.subtract(a, b))) > 0.1:
            return a, b


def _positive_base(rng: np.random.Generator, sa: tuple, sb: tuple) -> tuple[Any, Any]:
    return rng.uniform(0.3, 2.0, sa), rng.uniform(-2.0, 2.0, sb)


def _nonzero_divisor(rng: np.random.Generator, sa: tuple, sb: tuple) -> tuple[Any, Any]:
    return rng.uniform(-2, 2, sa), rng.uniform(0.5, 2.0, sb) * rng.choice([-1.0, 1.0], sb)


def _any_pair(rng: np.random.Generator, sa: tuple, sb: tuple) -> tuple[Any, Any]:
    return rng.uniform(-2, 2, sa), rng.uniform(-2, 2, sb)


BINARY: dict[str, tuple[Callable[[Tensor, Tensor], Tensor], Callable[[Any, Any], Any], Any]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, _any_pair),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, _any_pair),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, _any_pair),
    "div": (lambda a, b: a / b, lambda a, b: a / b, _nonzero_divisor),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, _positive_base),
    "maximum": (ag.maximum, sp.Max, _tie_free_pair),
    "minimum": (ag.minimum, sp.Min, _tie_free_pair),
    "maximum(method)": (
        lambda a, b: a.maximum(b) * a,
        lambda a, b: sp.Max(a, b) * a,
        _tie_free_pair,
    ),
    "minimum(method)": (
        lambda a, b: a.minimum(b) * b,
        lambda a, b: sp.Min(a, b) * b,
        _tie_free_pair,
    ),
    # products make every second partial (mixed ones too) non-trivial
    "a*b*sin(a+b)": (
        lambda a, b: a * b * ag.sin(a + b),
        lambda a, b: a * b * sp.sin(a + b),
        _any_pair,
    ),
    "(a-b)/(1+b*b)": (
        lambda a, b: (a - b) / (1 + b * b),
        lambda a, b: (a - b) / (1 + b * b),
        _any_pair,
    ),
}

SHAPES = {
    "scalar": ((), ()),
    "(3,1)x(4,)": ((3, 1), (4,)),
    "(4,)x(3,1)": ((4,), (3, 1)),
    "(2,3)x()": ((2, 3), ()),
    "(2,1,3)x(4,1)": ((2, 1, 3), (4, 1)),
}


@pytest.mark.parametrize("shapes", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_first_and_second_derivative_with_broadcasting(name: str, shapes: str) -> None:
    engine_fn, scalar_fn, draw = BINARY[name]
    sa, sb = SHAPES[shapes]
    rng = np.random.default_rng(zlib.crc32(f"{name}{shapes}".encode()))
    a, b = draw(rng, sa, sb)
    check_against_oracles(engine_fn, _elementwise(scalar_fn, 2), [a, b])


def _sq(arr: Any) -> Any:
    return _elementwise(lambda s: s**2, 1)(arr)


def _sympy_sin(arr: Any) -> Any:
    return _elementwise(sp.sin, 1)(arr)


# Reductions: (engine fn, sympy fn on an object array). Squares and products keep the
# second derivative non-zero, so the reduction's backward is itself differentiated.
REDUCTIONS: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[Any], Any]]] = {
    "sum()": (lambda x: ag.sum(x) ** 2, lambda X: np.sum(X) ** 2),
    "x.sum()": (lambda x: x.sum() * x, lambda X: np.sum(X) * X),
    "sum(axis=0)": (lambda x: ag.sum(x, axis=0) ** 2, lambda X: _sq(np.sum(X, axis=0))),
    "sum(axis=1)": (lambda x: ag.sin(x.sum(axis=1)), lambda X: _sympy_sin(np.sum(X, axis=1))),
    "sum(axis=-1,keepdims)": (
        lambda x: x.sum(axis=-1, keepdims=True) * x,
        lambda X: np.sum(X, axis=-1, keepdims=True) * X,
    ),
    "sum(axis=(0,1))": (lambda x: ag.sum(x, axis=(0, 1)) ** 3, lambda X: np.sum(X) ** 3),
    "mean()": (lambda x: ag.mean(x) ** 2, lambda X: (np.sum(X) / X.size) ** 2),
    "x.mean()": (lambda x: x.mean() * x, lambda X: np.sum(X) / X.size * X),
    "mean(axis=0)": (
        lambda x: ag.mean(x, axis=0) ** 2,
        lambda X: _sq(np.sum(X, axis=0) / X.shape[0]),
    ),
    "mean(axis=1,keepdims)": (
        lambda x: x.mean(axis=1, keepdims=True) * x,
        lambda X: np.sum(X, axis=1, keepdims=True) / X.shape[1] * X,
    ),
    "mean(axis=-2)": (
        lambda x: ag.sin(x.mean(axis=-2)),
        lambda X: _sympy_sin(np.sum(X, axis=0) / X.shape[0]),
    ),
    "reshape": (
        lambda x: ag.reshape(x, (2, 6)) ** 2 * x.reshape((12,)).sum(),
        lambda X: _sq(X.reshape(2, 6)) * np.sum(X),
    ),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction_first_and_second_derivative(name: str) -> None:
    engine_fn, sympy_fn = REDUCTIONS[name]
    rng = np.random.default_rng(7)
    x = rng.uniform(-1.0, 1.0, (3, 4))
    check_against_oracles(engine_fn, sympy_fn, [x])


def _op_names(t: Tensor) -> set[str]:
    """The engine ops in the graph that made t."""
    names, stack = set(), [t]
    while stack:
        node = stack.pop().grad_fn
        if node is not None:
            names.add(node.op.name)
            stack.extend(node.inputs)
    return names


def test_every_op_of_the_table_has_an_oracle_here() -> None:
    """A new op row brings its sympy case: each op the table exposes is in some case's graph."""
    rng = np.random.default_rng(3)
    seen: set[str] = set()
    for engine_fn, _, domain in UNARY.values():
        seen |= _op_names(engine_fn(Tensor(domain(rng, (2,)), requires_grad=True)))
    for engine_fn, _, draw in BINARY.values():
        a, b = draw(rng, (2,), (2,))
        seen |= _op_names(engine_fn(Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)))
    for engine_fn, _ in REDUCTIONS.values():
        seen |= _op_names(engine_fn(Tensor(np.ones((3, 4)), requires_grad=True)))
    exposed = {op.name for op in ag.OPS.values() if op.function or op.method or op.operators}
    assert exposed - seen == set()


def test_reduction_values_and_shapes_match_numpy() -> None:
    x = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(x)
    for axis in (None, 0, 1, -1, (0, 2)):
        for keepdims in (False, True):
            np.testing.assert_array_equal(
                ag.sum(t, axis=axis, keepdims=keepdims).numpy(),
                np.sum(x, axis=axis, keepdims=keepdims),
            )
            np.testing.assert_allclose(
                t.mean(axis=axis, keepdims=keepdims).numpy(),
                np.mean(x, axis=axis, keepdims=keepdims),
            )


METHOD_NAMES = [
    "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "asin", "acos", "atan",
    "sinh", "cosh", "tanh", "sigmoid", "relu", "softplus", "sum", "mean",
]  # fmt: skip


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_function_and_method_forms_agree(name: str) -> None:
    x = np.array([0.1, 0.4, 0.7])
    a = Tensor(x, requires_grad=True)
    b = Tensor(x, requires_grad=True)
    fa = getattr(ag, name)(a)
    fb = getattr(b, name)()
    np.testing.assert_array_equal(fa.numpy(), fb.numpy())
    assert type(fa.grad_fn) is type(fb.grad_fn)
    ag.sum(fa).backward()
    ag.sum(fb).backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_forward_values_match_numpy() -> None:
    x = np.linspace(-0.9, 0.9, 7)
    t = Tensor(x)
    pairs = {
        "exp": np.exp(x), "sin": np.sin(x), "cos": np.cos(x), "tan": np.tan(x),
        "asin": np.arcsin(x), "acos": np.arccos(x), "atan": np.arctan(x),
        "sinh": np.sinh(x), "cosh": np.cosh(x), "tanh": np.tanh(x), "abs": np.abs(x),
        "sigmoid": 1 / (1 + np.exp(-x)), "relu": np.maximum(x, 0),
        "softplus": np.log1p(np.exp(x)),
    }  # fmt: skip
    for name, expected in pairs.items():
        np.testing.assert_allclose(getattr(ag, name)(t).numpy(), expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ag.log(Tensor(x + 1)).numpy(), np.log(x + 1), rtol=1e-14)
    np.testing.assert_allclose(ag.sqrt(Tensor(x + 1)).numpy(), np.sqrt(x + 1), rtol=1e-14)
