"""Every op's tangent rule (forward mode) against three oracles, on the cases of
test_op_derivatives.py (every op of the table, scalars and broadcast arrays, reductions).

For f(inputs) with a random tangent t for every input, the engine's jvp J·t (the tangent of the
output, with the output's shape) is compared with:
- sympy: Σ over the input elements of ∂f_j/∂x_i · t_i, from the same function written with
  sympy scalars (numpy broadcasting on object arrays, independent of the engine);
- central finite differences of the forward pass only: (f(x + h t) − f(x − h t)) / 2h;
- the reverse rule: jvp with a one-hot tangent e_i, summed over the output, is component i of the
  gradient of sum(f) (to 1e-12 relative), i.e. forward and reverse mode agree element by element.
Second derivatives: forward over reverse (the jvp of the gradient) and reverse over forward (the
gradient of the jvp) both equal reverse over reverse (H·t).
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import sympy as sp
from test_op_derivatives import BINARY, REDUCTIONS, SHAPES, UNARY, _elementwise

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, grad, jvp, no_grad

pytestmark = pytest.mark.filterwarnings("error")

EngineFn = Callable[..., Tensor]


def _symbolic_jvp(
    sympy_fn: Callable[..., Any], values: Sequence[np.ndarray], tangents: Sequence[np.ndarray]
) -> np.ndarray:
    arrays, symbols = [], []
    for k, v in enumerate(values):
        syms = sp.symbols(f"v{k}_0:{v.size}", real=True)
        arr = np.empty(v.size, dtype=object)
        arr[:] = syms
        arrays.append(arr.reshape(v.shape))
        symbols.extend(syms)
    directions = sp.symbols(f"t_0:{len(symbols)}", real=True)
    result = np.asarray(sympy_fn(*arrays), dtype=object)
    # J·t for every output element, evaluated in one lambdified call.
    exprs = [
        sp.Add(*[sp.diff(result[i], s) * t for s, t in zip(symbols, directions, strict=True)])
        for i in np.ndindex(result.shape)
    ]
    exprs = [e.replace(sp.DiracDelta, lambda *a: sp.S.Zero) for e in exprs]
    fn = sp.lambdify([*symbols, *directions], exprs, modules="numpy")
    numbers = np.concatenate([v.ravel() for v in values] + [t.ravel() for t in tangents])
    flat = np.array(fn(*numbers.tolist()), dtype=np.float64)
    return np.broadcast_to(flat, (len(exprs),)).reshape(result.shape)


def _forward(engine_fn: EngineFn, values: Sequence[np.ndarray]) -> np.ndarray:
    with no_grad():
        return np.asarray(engine_fn(*[Tensor(v) for v in values]).numpy(), dtype=np.float64)


def _fd_jvp(
    engine_fn: EngineFn, values: Sequence[np.ndarray], tangents: Sequence[np.ndarray]
) -> np.ndarray:
    h = 1e-6
    plus = [v + h * t for v, t in zip(values, tangents, strict=True)]
    minus = [v - h * t for v, t in zip(values, tangents, strict=True)]
    return (_forward(engine_fn, plus) - _forward(engine_fn, minus)) / (2 * h)


def _engine_jvp(
    engine_fn: EngineFn, values: Sequence[np.ndarray], tangents: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    out, tangent = jvp(
        engine_fn, tuple(Tensor(v) for v in values), tuple(Tensor(t) for t in tangents)
    )
    return out.numpy(), tangent.numpy()


def check_tangents(
    engine_fn: EngineFn, sympy_fn: Callable[..., Any], values: Sequence[np.ndarray], seed: int
) -> None:
    values = [np.asarray(v, dtype=np.float64) for v in values]
    rng = np.random.default_rng(seed)
    tangents = [rng.uniform(-1.0, 1.0, v.shape) for v in values]
    value, tangent = _engine_jvp(engine_fn, values, tangents)
    np.testing.assert_allclose(value, _forward(engine_fn, values), rtol=0, atol=0)
    np.testing.assert_allclose(
        tangent, _symbolic_jvp(sympy_fn, values, tangents), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(tangent, _fd_jvp(engine_fn, values, tangents), rtol=1e-6, atol=1e-7)
    _check_one_hot_against_reverse(engine_fn, values)
    _check_second_order(engine_fn, values, tangents)


def _check_one_hot_against_reverse(engine_fn: EngineFn, values: Sequence[np.ndarray]) -> None:
    leaves = [Tensor(v, requires_grad=True) for v in values]
    gradients = grad(ag.sum(engine_fn(*leaves)), leaves)
    for k, v in enumerate(values):
        for index in itertools.product(*[range(n) for n in v.shape]):
            one_hot = [np.zeros(w.shape) for w in values]
            one_hot[k][index] = 1.0
            _, tangent = _engine_jvp(engine_fn, values, one_hot)
            reverse = gradients[k].numpy()[index]
            assert abs(np.sum(tangent) - reverse) <= 1e-12 * max(1.0, abs(reverse))


def _check_second_order(
    engine_fn: EngineFn, values: Sequence[np.ndarray], tangents: Sequence[np.ndarray]
) -> None:
    """H·t of L = sum(f) three ways: reverse over reverse, forward over reverse, reverse over
    forward."""
    leaves = [Tensor(v, requires_grad=True) for v in values]
    firsts = grad(ag.sum(engine_fn(*leaves)), leaves, create_graph=True)
    dot = sum((ag.sum(g * Tensor(t)) for g, t in zip(firsts, tangents, strict=True)), Tensor(0.0))
    if dot.requires_grad:
        rr = [
            np.zeros(v.shape) if s is None else s.numpy()
            for s, v in zip(grad(dot, leaves, allow_unused=True), values, strict=True)
        ]
    else:  # the gradient is constant: every second partial is 0
        rr = [np.zeros(v.shape) for v in values]

    def gradient(*xs: Tensor) -> tuple[Tensor, ...]:
        return grad(ag.sum(engine_fn(*xs)), list(xs), create_graph=True)

    primals = tuple(Tensor(v, requires_grad=True) for v in values)
    _, fr = jvp(gradient, primals, tuple(Tensor(t) for t in tangents))
    leaves = [Tensor(v, requires_grad=True) for v in values]
    _, tangent = jvp(
        lambda *xs: ag.sum(engine_fn(*xs)), tuple(leaves), tuple(Tensor(t) for t in tangents)
    )
    if tangent.requires_grad:
        seconds = grad(tangent, leaves, allow_unused=True)
        rf = [
            np.zeros(v.shape) if s is None else s.numpy()
            for s, v in zip(seconds, values, strict=True)
        ]
    else:
        rf = [np.zeros(v.shape) for v in values]
    for k in range(len(values)):
        scale = max(1.0, float(np.max(np.abs(rr[k]))))
        np.testing.assert_allclose(fr[k].numpy(), rr[k], rtol=1e-12, atol=1e-12 * scale)
        np.testing.assert_allclose(rf[k], rr[k], rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("shape", [(), (2, 3)], ids=["scalar", "array"])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_tangent_rule(name: str, shape: tuple[int, ...]) -> None:
    engine_fn, scalar_fn, domain = UNARY[name]
    rng = np.random.default_rng(zlib.crc32(f"{name}{shape}".encode()))
    x = np.asarray(domain(rng, shape), dtype=np.float64)
    check_tangents(engine_fn, _elementwise(scalar_fn, 1), [x], seed=zlib.crc32(name.encode()))


@pytest.mark.parametrize("shapes", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_tangent_rule_with_broadcasting(name: str, shapes: str) -> None:
    engine_fn, scalar_fn, draw = BINARY[name]
    sa, sb = SHAPES[shapes]
    rng = np.random.default_rng(zlib.crc32(f"{name}{shapes}".encode()))
    a, b = draw(rng, sa, sb)
    check_tangents(engine_fn, _elementwise(scalar_fn, 2), [a, b], seed=zlib.crc32(name.encode()))


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction_tangent_rule(name: str) -> None:
    engine_fn, sympy_fn = REDUCTIONS[name]
    x = np.random.default_rng(7).uniform(-1.0, 1.0, (3, 4))
    check_tangents(engine_fn, sympy_fn, [x], seed=11)


def test_every_op_of_the_table_has_tangent_rules() -> None:
    """Forward mode works on every op of the table, plumbing included."""
    missing = [name for name, op in ag.OPS.items() if len(op.jvp) != op.arity]
    assert missing == []


def test_plumbing_ops_carry_tangents_in_a_backward_pass() -> None:
    # broadcast_to, sum_to and where appear only inside backward passes (create_graph): their
    # tangent rules are exercised by forward over reverse on broadcast inputs and on max.
    def gradient(a: Tensor, b: Tensor) -> tuple[Tensor, ...]:
        return grad(ag.sum(ag.maximum(a * b, b) ** 2), [a, b], create_graph=True)

    a = np.array([[0.5], [-1.0], [2.0]])
    b = np.array([1.5, -0.5, 0.25, 2.0])
    ta, tb = np.array([[1.0], [0.5], [-2.0]]), np.array([0.5, 1.0, -1.0, 0.25])
    _, (ga, gb) = jvp(
        gradient,
        (Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)),
        (Tensor(ta), Tensor(tb)),
    )
    h = 1e-6

    def at(s: float) -> tuple[np.ndarray, np.ndarray]:
        xa, xb = Tensor(a + s * ta, requires_grad=True), Tensor(b + s * tb, requires_grad=True)
        return tuple(g.numpy() for g in grad(ag.sum(ag.maximum(xa * xb, xb) ** 2), [xa, xb]))

    (pa, pb), (ma, mb) = at(h), at(-h)
    np.testing.assert_allclose(ga.numpy(), (pa - ma) / (2 * h), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb.numpy(), (pb - mb) / (2 * h), rtol=1e-6, atol=1e-7)
