"""Evaluation through the engine: value, f', f'' and every partial derivative checked against
sympy's symbolic derivatives of the same formulas (written here by hand, not parsed)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from gradexplorer.autograd import Tensor
from gradexplorer.expr import parse

x, a, b, alpha, beta = sp.symbols("x a b alpha beta", real=True)

# (our syntax, the same formula in sympy, points where it is smooth)
CASES = [
    ("a x^2 + 3x", a * x**2 + 3 * x, [-1.3, 0.4, 2.0]),
    ("sin(x)cos(x)", sp.sin(x) * sp.cos(x), [-1.0, 0.3, 2.5]),
    ("exp(-x^2/2)", sp.exp(-(x**2) / 2), [-0.8, 0.0, 1.1]),
    ("x^x", x**x, [0.5, 1.5, 2.2]),
    ("log10(x) + log2(x)", sp.log(x, 10) + sp.log(x, 2), [0.3, 1.0, 7.0]),
    ("sqrt(x^2 + 1)", sp.sqrt(x**2 + 1), [-2.0, 0.0, 0.7]),
    ("tanh(a x)", sp.tanh(a * x), [-0.5, 0.2, 1.4]),
    ("sigmoid(x)", 1 / (1 + sp.exp(-x)), [-2.0, 0.0, 3.0]),
    ("softplus(b x)", sp.log(1 + sp.exp(b * x)), [-1.0, 0.5]),
    ("atan(x)/(1 + x^2)", sp.atan(x) / (1 + x**2), [-0.6, 0.9]),
    ("asin(x/2) + acos(x/3)", sp.asin(x / 2) + sp.acos(x / 3), [-0.9, 0.1, 1.2]),
    ("sinh(x) cosh(b x)", sp.sinh(x) * sp.cosh(b * x), [-0.4, 0.8]),
    ("(x+1)^(1/x)", (x + 1) ** (1 / x), [0.5, 2.0]),
    ("sin^2 x + tan x", sp.sin(x) ** 2 + sp.tan(x), [-0.7, 0.3, 1.0]),
    ("2^-x^2", 2 ** (-(x**2)), [-1.1, 0.6]),
    ("|x - 3| x", sp.Abs(x - 3) * x, [1.0, 4.5]),
    ("relu(x) x^2", sp.Max(0, x) * x**2, [-1.0, 1.5]),
    ("max(x, b x^2)", sp.Max(x, b * x**2), [0.5, 2.0]),
    ("min(sin x, cos x)", sp.Min(sp.sin(x), sp.cos(x)), [0.2, 1.3]),
    ("alpha e^(beta x)", alpha * sp.exp(beta * x), [-0.5, 0.75]),
    ("ln(x)/x - 1/2x", sp.log(x) / x - x / 2, [0.4, 3.0]),
    ("a/(b + x^2)", a / (b + x**2), [-1.0, 0.0, 2.0]),
    ("cos(a x + b)^3", sp.cos(a * x + b) ** 3, [0.1, 2.1]),
    ("x sin(1/x)", x * sp.sin(1 / x), [0.3, -1.7]),
]
PARAM_VALUES = {"a": 1.7, "b": 0.6, "alpha": -1.2, "beta": 0.9}
SYMBOLS = {"x": x, "a": a, "b": b, "alpha": alpha, "beta": beta}


def _num(expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
    return float(expr.subs(values).evalf(30))


@pytest.mark.parametrize(("text", "formula", "points"), CASES, ids=[c[0] for c in CASES])
def test_derivatives_match_sympy(text: str, formula: sp.Expr, points: list[float]) -> None:
    e = parse(text)
    params = {p: PARAM_VALUES[p] for p in e.params}
    assert set(e.params) == {s.name for s in formula.free_symbols} - {"x"}
    for x0 in points:
        values = {SYMBOLS[k]: v for k, v in params.items()} | {x: x0}
        p = e.at(x0, params)
        assert p.value == pytest.approx(_num(formula, values), rel=1e-10, abs=1e-12)
        assert p.derivative == pytest.approx(_num(sp.diff(formula, x), values), rel=1e-9, abs=1e-11)
        assert p.second_derivative == pytest.approx(
            _num(sp.diff(formula, x, 2), values), rel=1e-8, abs=1e-10
        )
        assert p.gradient["x"] == p.derivative
        for name in e.params:
            want = _num(sp.diff(formula, SYMBOLS[name]), values)
            assert p.gradient[name] == pytest.approx(want, rel=1e-9, abs=1e-11), name


@pytest.mark.parametrize(("text", "formula", "points"), CASES[:12], ids=[c[0] for c in CASES[:12]])
def test_sample_agrees_with_points(text: str, formula: sp.Expr, points: list[float]) -> None:
    e = parse(text)
    params = {p: PARAM_VALUES[p] for p in e.params}
    xs = np.array(points)
    s = e.sample(xs, params)
    for i, x0 in enumerate(points):
        p = e.at(x0, params)
        assert s.value[i] == pytest.approx(p.value, rel=1e-12)
        assert s.derivative[i] == pytest.approx(p.derivative, rel=1e-12, abs=1e-14)
        assert s.second_derivative[i] == pytest.approx(p.second_derivative, rel=1e-12, abs=1e-14)


def test_sample_shapes_and_derivative_levels() -> None:
    e = parse("x^3")
    xs = np.linspace(-2, 2, 2000)
    s = e.sample(xs)
    assert s.value.shape == s.derivative.shape == s.second_derivative.shape == (2000,)
    np.testing.assert_allclose(s.value, xs**3)
    np.testing.assert_allclose(s.derivative, 3 * xs**2)
    np.testing.assert_allclose(s.second_derivative, 6 * xs, atol=1e-12)
    s0 = e.sample(xs, derivatives=0)
    assert s0.derivative is None and s0.second_derivative is None
    s1 = e.sample(xs, derivatives=1)
    assert s1.derivative is not None and s1.second_derivative is None


def test_sample_of_constants_and_linear_functions() -> None:
    xs = np.array([-1.0, 0.0, 2.0])
    s = parse("a + 2").sample(xs, {"a": 3})
    np.testing.assert_array_equal(s.value, [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(s.derivative, [0.0, 0.0, 0.0])
    s = parse("3x - 1").sample(xs)
    np.testing.assert_array_equal(s.derivative, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(s.second_derivative, [0.0, 0.0, 0.0])


def test_ieee_values_never_raise() -> None:
    xs = np.array([-1.0, 0.0, 1.0])
    s = parse("log(x) + 1/x + sqrt(x)").sample(xs)
    assert math.isnan(s.value[0]) and math.isnan(s.value[1]) and s.value[2] == 2.0
    p = parse("1/x").at(0.0)  # a pole: undefined, with the reason (see test_expr_domain.py)
    assert math.isnan(p.value) and math.isnan(p.derivative) and "pole" in p.reason
    assert parse("9^9^9^9 x").at(1.0).value == math.inf


def test_kinks_follow_pytorch() -> None:
    assert parse("abs(x)").at(0.0).derivative == 0.0
    assert parse("relu(x)").at(0.0).derivative == 0.0
    assert parse("|x|").at(-2.0).derivative == -1.0


def test_missing_parameters_default_to_one_and_extra_ones_are_ignored() -> None:
    e = parse("a x + b")
    assert e.at(2.0).value == 3.0
    assert e.at(2.0, {"a": 5.0, "zzz": 9.0}).value == 11.0
    assert e.at(2.0).gradient == {"x": 1.0, "a": 2.0, "b": 1.0}


def test_trace_has_named_leaves_and_matches_the_gradient() -> None:
    e = parse("a x^2 + 3x")
    p = e.at(2.0, {"a": 1.5}, trace=True)
    tr = p.trace
    assert tr is not None
    leaves = {n.label: n for n in tr.nodes if n.op == "leaf"}
    assert leaves["x"].kind == "input" and float(leaves["x"].grad) == 9.0
    assert leaves["a"].kind == "input" and float(leaves["a"].grad) == 4.0
    assert leaves["2"].kind == "const" and leaves["3"].kind == "const"
    out = tr.node(tr.output)
    assert out.is_output and float(out.value) == 12.0 and out.backward_order == 0
    ops = sorted(n.op for n in tr.nodes if n.kind == "op")
    assert ops == ["add", "mul", "mul", "pow"]
    assert e.at(2.0).trace is None


def test_trace_labels_constants_by_their_text() -> None:
    tr = parse("2π x + e + log10(x)").at(1.0, trace=True).trace
    labels = {n.label for n in tr.nodes if n.kind != "op"}
    # 2π needs no gradient: the engine keeps it as one constant node, named by its text.
    assert {"2π", "e", "x", "ln(10)"} <= labels
    tr = parse("2 x + π").at(1.0, trace=True).trace
    assert {"2", "π", "x"} <= {n.label for n in tr.nodes if n.op == "leaf"}


def test_trace_of_a_constant_expression() -> None:
    p = parse("2 sin(1)").at(0.5, trace=True)
    tr = p.trace
    assert p.derivative == 0.0 and tr is not None
    assert [n.op for n in tr.nodes] == ["leaf", "leaf", "sin", "mul"]
    assert all(n.kind == "const" for n in tr.nodes)
    assert tr.node(tr.output).is_output
    assert float(tr.node(tr.output).value) == pytest.approx(2 * math.sin(1))
    assert tr.to_dict()["edges"][0] == {
        "src": 1,
        "dst": 2,
        "arg_index": 0,
        "local": None,
        "contribution": None,
    }


def test_build_gives_an_engine_graph() -> None:
    e = parse("a x^2")
    xt = Tensor(3.0, requires_grad=True, name="x")
    at = Tensor(2.0, requires_grad=True, name="a")
    y = e.build(xt, {"a": at})
    assert y.item() == 18.0
    y.backward()
    assert xt.grad.item() == 12.0 and at.grad.item() == 9.0
    assert e.build(2.0).item() == 4.0  # plain numbers; a defaults to 1
    np.testing.assert_array_equal(e.build(np.array([1.0, 2.0]), {"a": 3.0}).numpy(), [3.0, 12.0])


def test_float32_samples_are_accepted() -> None:
    xs = np.linspace(0, 1, 5, dtype=np.float32)
    s = parse("x^2").sample(xs)
    np.testing.assert_allclose(s.value, xs.astype(np.float64) ** 2, rtol=1e-6)


def test_no_derivative_outside_the_domain() -> None:
    """ln(-1) has no value, so no slope: the engine's rule alone would say 1/x = -1 there."""
    p = parse("ln(x) + a x").at(-1.0, {"a": 2.0})
    assert math.isnan(p.value)
    assert math.isnan(p.derivative) and math.isnan(p.second_derivative)
    assert all(math.isnan(v) for v in p.gradient.values())
    # The trace agrees: same graph and values, but no gradient anywhere (not the rule's -1).
    tr = parse("ln(x) + a x").at(-1.0, {"a": 2.0}, trace=True).trace
    x_node = next(n for n in tr.nodes if n.label == "x")
    assert x_node.value == -1.0 and math.isnan(x_node.grad)
    ln_edge = next(e for e in tr.edges if tr.node(e.dst).op == "log")
    assert math.isnan(ln_edge.local) and math.isnan(ln_edge.contribution)
    mul_edge = next(e for e in tr.edges if tr.node(e.dst).op == "mul" and e.src == x_node.id)
    assert mul_edge.local == 2.0  # a x is defined at -1: its local derivative stays
    s = parse("ln(x)").sample(np.array([-1.0, 0.5, 2.0]), derivatives=2)
    assert math.isnan(s.derivative[0]) and math.isnan(s.second_derivative[0])
    np.testing.assert_allclose(s.derivative[1:], [2.0, 0.5])
    np.testing.assert_allclose(s.second_derivative[1:], [-4.0, -0.25])


@pytest.mark.parametrize(
    ("text", "value"), [("2", 2.0), ("pi/2", math.pi / 2), ("−1.5e-3", -1.5e-3)]
)
def test_parse_number_takes_constant_expressions(text: str, value: float) -> None:
    from gradexplorer.expr import parse_number

    assert parse_number(text) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text", ["x", "a + 1", "2 3", ""])
def test_parse_number_refuses_anything_else(text: str) -> None:
    from gradexplorer.errors import ExprError
    from gradexplorer.expr import parse_number

    with pytest.raises(ExprError):
        parse_number(text)


# IEEE answers at x = 0, from the engine alone: evaluation sets no error state of its own.
NAN = math.nan
AT_ZERO = [  # (text, value, f')
    ("ln(x)", NAN, NAN),  # ln(0): a pole
    ("1/x", NAN, NAN),  # a pole (test_expr_domain.py)
    ("x/x", NAN, NAN),
    ("sqrt(x - 1)", NAN, NAN),
    ("exp(1000/x^2)", NAN, NAN),  # 1000/0 inside: a pole
    ("0/0 + x", NAN, NAN),
    ("log10(x) + acos(x + 2)", NAN, NAN),
    ("a x + sqrt(x)", 0.0, math.inf),
]


def _same(got: float, want: float) -> bool:
    return got == want or (math.isnan(got) and math.isnan(want))


@pytest.mark.parametrize(("text", "value", "slope"), AT_ZERO, ids=[c[0] for c in AT_ZERO])
def test_undefined_points_give_ieee_answers_without_warnings(
    text: str, value: float, slope: float
) -> None:
    e = parse(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from numpy fails the test
        points = [e.at(0.0), e.at(0.0, trace=True)]
        s = e.sample(np.array([0.0, 0.0]), derivatives=2)
    got = [(p.value, p.derivative) for p in points] + [(s.value[0], s.derivative[0])]
    for v, d in got:
        assert _same(v, value) and _same(d, slope), (v, d)


@pytest.mark.parametrize("trace", [False, True])
@pytest.mark.parametrize("text", ["x^2 + 3x", "sin(a x) * exp(-x^2/4) + b x^3", "u = x + x; u^2"])
def test_a_point_leaves_no_cyclic_garbage(text, trace):
    """Whatever at() built is freed by refcounting when its result goes: garbage in cycles
    (x.grad, a graph back to x) waits for the collector, whose runs were the slow steps of a
    drag."""
    import gc

    e = parse(text)
    gc.collect()
    gc.disable()
    try:
        point = e.at(0.7, {"a": 1.5}, trace=trace)
        del point
        assert gc.collect() == 0
    finally:
        gc.enable()
