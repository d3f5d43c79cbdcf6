"""Hypothesis-generated expression graphs, with reused nodes and broadcasting, against central
finite differences of the forward pass, and forward mode against reverse mode on the same graphs.

A graph is a little program: leaves of shapes (), (3, 1) and (4,), then steps that each apply
an op to earlier nodes picked by index, so any node may be used many times. Only smooth,
bounded-derivative ops are used and values are squashed before products, so the finite
differences stay accurate for every generated graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor, grad, jvp, no_grad

# IEEE results (inf, nan) are answers: the engine must not emit RuntimeWarnings for them.
pytestmark = pytest.mark.filterwarnings("error")

LEAF_SHAPES = [(), (3, 1), (4,)]

UNARY: dict[str, Callable[[Tensor], Tensor]] = {
    "sin": ag.sin,
    "cos": ag.cos,
    "tanh": ag.tanh,
    "sigmoid": ag.sigmoid,
    "atan": ag.atan,
    "softplus": ag.softplus,
    "neg": lambda a: -a,
    "square": lambda a: a * a,  # a reused node by construction
    "exp_tanh": lambda a: ag.exp(ag.tanh(a)),
    "sqrt1p": lambda a: ag.sqrt(1 + a * a),
    "log1p2": lambda a: ag.log(1 + a * a),
}
BINARY: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    # tanh keeps products bounded however deep the graph grows
    "mul": lambda a, b: ag.tanh(a) * ag.tanh(b),
    "div": lambda a, b: a / (2 + ag.sin(b)),
    # tanh(0) = 0: hypothesis soon tries an exponent of exactly 0, where a mask in pow's rule
    # once killed the mixed second partial.
    "pow": lambda a, b: (1.5 + ag.sin(a)) ** ag.tanh(b),
    "affine": lambda a, b: 0.5 * a - b / 3 + 0.25,
}

Step = tuple[str, int, int]


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[np.ndarray], list[Step]]:
    leaves = [
        np.asarray(
            draw(
                st.lists(
                    st.floats(-1.5, 1.5, allow_nan=False, allow_subnormal=False),
                    min_size=int(np.prod(shape)),
                    max_size=int(np.prod(shape)),
                )
            ),
            dtype=np.float64,
        ).reshape(shape)
        for shape in LEAF_SHAPES
    ]
    n_steps = draw(st.integers(1, 10))
    steps: list[Step] = []
    for k in range(n_steps):
        available = len(LEAF_SHAPES) + k
        name = draw(st.sampled_from(sorted(UNARY) + sorted(BINARY)))
        i = draw(st.integers(0, available - 1))
        j = draw(st.integers(0, available - 1))
        steps.append((name, i, j))
    return leaves, steps


def run(program: Sequence[Step], leaves: Sequence[Tensor]) -> Tensor:
    nodes: list[Tensor] = list(leaves)
    for name, i, j in program:
        if name in UNARY:
            nodes.append(UNARY[name](nodes[i]))
        else:
            nodes.append(BINARY[name](nodes[i], nodes[j]))
    # The output reuses the last node and the first step's node: more shared paths.
    return ag.sum(nodes[-1] * nodes[len(leaves)] + nodes[-1])


def _forward(program: Sequence[Step], values: Sequence[np.ndarray]) -> float:
    with no_grad():
        return run(program, [Tensor(v) for v in values]).item()


def _fd_gradient(program: Sequence[Step], values: Sequence[np.ndarray]) -> list[np.ndarray]:
    h = 1e-6
    grads = []
    for k, v in enumerate(values):
        g = np.zeros(v.shape)
        for idx in itertools.product(*[range(n) for n in v.shape]):
            plus = [np.array(w) for w in values]
            minus = [np.array(w) for w in values]
            plus[k][idx] += h
            minus[k][idx] -= h
            g[idx] = (_forward(program, plus) - _forward(program, minus)) / (2 * h)
        grads.append(g)
    return grads


def _fd_second_directional(
    program: Sequence[Step], values: Sequence[np.ndarray], direction: Sequence[np.ndarray]
) -> float:
    """d²/dt² L(values + t·direction) at t = 0 (second central difference)."""
    h = 1e-3

    def at(t: float) -> float:
        return _forward(program, [v + t * d for v, d in zip(values, direction, strict=True)])

    return (at(h) - 2 * at(0.0) + at(-h)) / (h * h)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_graph_gradient_matches_finite_differences(
    case: tuple[list[np.ndarray], list[Step]],
) -> None:
    values, program = case
    leaves = [Tensor(v, requires_grad=True) for v in values]
    y = run(program, leaves)
    assert np.isfinite(y.item())
    expected = _fd_gradient(program, values)

    # grad() with allow_unused: a leaf the program never touched has no gradient (None)
    got = grad(y, leaves, retain_graph=True, allow_unused=True)
    for g, e, v in zip(got, expected, values, strict=True):
        if g is None:
            np.testing.assert_array_equal(e, np.zeros(v.shape))
            continue
        assert g.shape == v.shape
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-5, atol=1e-6)

    # backward() accumulates the same values into .grad
    y.backward()
    for leaf, e, v in zip(leaves, expected, values, strict=True):
        g = np.zeros(v.shape) if leaf.grad is None else leaf.grad.numpy()
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.integers(0, 2**32 - 1))
def test_random_graph_second_derivative_matches_finite_differences(
    case: tuple[list[np.ndarray], list[Step]], seed: int
) -> None:
    # Directional second derivative dᵀ H d through grad(create_graph=True) twice.
    values, program = case
    rng = np.random.default_rng(seed)
    direction = [rng.uniform(-1, 1, v.shape) for v in values]
    leaves = [Tensor(v, requires_grad=True) for v in values]
    y = run(program, leaves)
    firsts = grad(y, leaves, create_graph=True, allow_unused=True)
    dot = None
    for g, d in zip(firsts, direction, strict=True):
        if g is not None:
            term = ag.sum(g * d)
            dot = term if dot is None else dot + term
    expected = _fd_second_directional(program, values, direction)
    if dot is None or not dot.requires_grad:
        got = 0.0  # the gradient is constant in every direction
    else:
        seconds = grad(dot, leaves, allow_unused=True)
        got = sum(
            float(np.sum(s.numpy() * d))
            for s, d in zip(seconds, direction, strict=True)
            if s is not None
        )
    assert abs(got - expected) <= 1e-4 * max(1.0, abs(expected))


def _directions(values: Sequence[np.ndarray], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, v.shape) for v in values]


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.integers(0, 2**32 - 1))
def test_random_graph_forward_mode_agrees_with_reverse_mode(
    case: tuple[list[np.ndarray], list[Step]], seed: int
) -> None:
    """One jvp along d equals the gradient (one reverse pass) dotted with d, to 1e-12 relative
    to the size of the terms (a dot product of terms that cancel cannot promise more)."""
    values, program = case
    direction = _directions(values, seed)
    value, tangent = jvp(
        lambda *xs: run(program, xs),
        tuple(Tensor(v) for v in values),
        tuple(Tensor(d) for d in direction),
    )
    leaves = [Tensor(v, requires_grad=True) for v in values]
    y = run(program, leaves)
    assert value.item() == y.item()
    grads = grad(y, leaves, allow_unused=True)
    terms = [
        np.zeros(v.shape) if g is None else g.numpy() * d
        for g, d, v in zip(grads, direction, values, strict=True)
    ]
    reverse = sum(float(np.sum(t)) for t in terms)
    scale = max(sum(float(np.sum(np.abs(t))) for t in terms), 1e-300)
    assert abs(tangent.item() - reverse) <= 1e-12 * scale


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.integers(0, 2**32 - 1))
def test_random_graph_forward_over_reverse_equals_reverse_over_reverse(
    case: tuple[list[np.ndarray], list[Step]], seed: int
) -> None:
    """H·d two ways: the jvp of the gradient, and the gradient of (gradient · d)."""
    values, program = case
    direction = _directions(values, seed)

    def gradient(*xs: Tensor) -> tuple[Tensor, ...]:
        gs = grad(run(program, xs), list(xs), create_graph=True, allow_unused=True)
        return tuple(
            Tensor(np.zeros(x.shape)) if g is None else g for g, x in zip(gs, xs, strict=True)
        )

    primals = tuple(Tensor(v, requires_grad=True) for v in values)
    _, forward_over_reverse = jvp(gradient, primals, tuple(Tensor(d) for d in direction))

    leaves = [Tensor(v, requires_grad=True) for v in values]
    firsts = grad(run(program, leaves), leaves, create_graph=True, allow_unused=True)
    dot = None
    for g, d in zip(firsts, direction, strict=True):
        if g is not None:
            term = ag.sum(g * d)
            dot = term if dot is None else dot + term
    seconds = (
        grad(dot, leaves, allow_unused=True)
        if dot is not None and dot.requires_grad
        else (None,) * len(leaves)
    )
    for fr, rr, v in zip(forward_over_reverse, seconds, values, strict=True):
        expected = np.zeros(v.shape) if rr is None else rr.numpy()
        scale = max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(fr.numpy(), expected, rtol=1e-12, atol=1e-12 * scale)
