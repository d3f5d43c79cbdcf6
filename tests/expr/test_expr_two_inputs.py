"""Functions of two inputs: the signature, and values, gradients and Hessians from the engine
against sympy (an independent symbolic oracle), on points, on grids and along slices."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from gradexplorer.expr import ExprError, parse

X, Y, A, B = sp.symbols("x y a b")

# (typed text, the same function in sympy). Parameters a and b are given as 0.7 and -1.3.
FUNCTIONS = [
    ("f(x, y) = x^2 + 3y^2", X**2 + 3 * Y**2),
    ("f(x, y) = x^2 - y^2", X**2 - Y**2),
    ("f(x, y) = (1 - x)^2 + 100(y - x^2)^2", (1 - X) ** 2 + 100 * (Y - X**2) ** 2),
    ("f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2", (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2),
    (
        "f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2",
        (sp.Rational(3, 2) - X + X * Y) ** 2
        + (sp.Rational(9, 4) - X + X * Y**2) ** 2
        + (sp.Rational(21, 8) - X + X * Y**3) ** 2,
    ),
    ("f(x, y) = sin(x) cos(y) + e^(x y)/10", sp.sin(X) * sp.cos(Y) + sp.exp(X * Y) / 10),
    ("f(x, y) = ln(1 + e^-(a x + b y))", sp.log(1 + sp.exp(-(A * X + B * Y)))),
    ("f(x, y) = x y / (1 + x^2 + y^2)", X * Y / (1 + X**2 + Y**2)),
    ("f(x, y) = sqrt(x^2 + y^2 + 1) + tanh(x) y^3", sp.sqrt(X**2 + Y**2 + 1) + sp.tanh(X) * Y**3),
    ("f(x, y) = sigmoid(a x - y) + atan(y)", 1 / (1 + sp.exp(-(A * X - Y))) + sp.atan(Y)),
]
PARAMS = {"a": 0.7, "b": -1.3}
POINTS = [(0.3, -0.4), (-1.2, 1.0), (2.0, 0.5), (0.0, 0.0)]


def _oracle(f: sp.Expr, x: float, y: float) -> tuple[float, list[float], list[list[float]]]:
    subs = {X: sp.Float(x, 30), Y: sp.Float(y, 30), A: sp.Rational(7, 10), B: sp.Rational(-13, 10)}
    grad = [sp.diff(f, v) for v in (X, Y)]
    hess = [[sp.diff(f, u, v) for v in (X, Y)] for u in (X, Y)]
    return (
        float(f.evalf(30, subs=subs)),
        [float(g.evalf(30, subs=subs)) for g in grad],
        [[float(h.evalf(30, subs=subs)) for h in row] for row in hess],
    )


@pytest.mark.parametrize(("text", "f"), FUNCTIONS, ids=[t for t, _ in FUNCTIONS])
def test_value_gradient_and_hessian_at_points_agree_with_sympy(text: str, f: sp.Expr) -> None:
    e = parse(text)
    assert e.inputs == ("x", "y")
    for x, y in POINTS:
        p = e.at_point({"x": x, "y": y}, PARAMS)
        value, grad, hess = _oracle(f, x, y)
        assert p.value == pytest.approx(value, rel=1e-12, abs=1e-12)
        assert [p.gradient["x"], p.gradient["y"]] == pytest.approx(grad, rel=1e-11, abs=1e-11)
        assert [list(r) for r in p.hessian] == [
            pytest.approx(row, rel=1e-10, abs=1e-10) for row in hess
        ]


@pytest.mark.parametrize(("text", "f"), FUNCTIONS[:6], ids=[t for t, _ in FUNCTIONS[:6]])
def test_grid_values_and_gradients_agree_with_sympy(text: str, f: sp.Expr) -> None:
    xs, ys = np.linspace(-1.5, 2.0, 7), np.linspace(-1.0, 1.5, 5)
    g = parse(text).sample_grid(xs, ys, PARAMS)
    assert g.value.shape == (5, 7)
    fx, fy = (sp.lambdify((X, Y), sp.diff(f, v), "numpy") for v in (X, Y))
    gx, gy = np.meshgrid(xs, ys)
    np.testing.assert_allclose(g.value, sp.lambdify((X, Y), f, "numpy")(gx, gy), rtol=1e-12)
    np.testing.assert_allclose(g.gradient[0], fx(gx, gy), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(g.gradient[1], fy(gx, gy), rtol=1e-11, atol=1e-11)


def test_grid_point_equals_the_point_evaluation() -> None:
    e = parse("f(x, y) = sin(x y) + x^3")
    g = e.sample_grid([0.25, 1.5], [-2.0, 0.75])
    p = e.at_point({"x": 1.5, "y": 0.75})
    assert g.value[1, 1] == p.value
    assert (g.gradient[0][1, 1], g.gradient[1][1, 1]) == (p.gradient["x"], p.gradient["y"])


def test_undefined_points_have_no_gradient_on_the_grid_and_at_the_point() -> None:
    e = parse("f(x, y) = ln(x) + y")
    g = e.sample_grid([-1.0, 1.0], [0.0])
    assert math.isnan(g.value[0, 0]) and math.isnan(g.gradient[1][0, 0])
    assert g.gradient[1][0, 1] == 1.0
    p = e.at_point({"x": -1.0, "y": 0.0})
    assert math.isnan(p.gradient["y"]) and all(math.isnan(h) for r in p.hessian for h in r)


@pytest.mark.parametrize("angle", [0.0, 90.0, 30.0, -135.0, 200.0])
def test_slice_derivatives_are_the_directional_derivatives(angle: float) -> None:
    text, f = FUNCTIONS[3]
    e = parse(text)
    u = (math.cos(math.radians(angle)), math.sin(math.radians(angle)))
    s = e.along((0.8, -0.6), u)
    got = s.sample([s.t0], PARAMS)
    value, grad, hess = _oracle(f, 0.8, -0.6)
    ux, uy = s.direction
    assert got.value[0] == pytest.approx(value, rel=1e-12)
    assert got.derivative[0] == pytest.approx(grad[0] * ux + grad[1] * uy, rel=1e-10, abs=1e-10)
    curvature = hess[0][0] * ux * ux + 2 * hess[0][1] * ux * uy + hess[1][1] * uy * uy
    assert got.second_derivative[0] == pytest.approx(curvature, rel=1e-9, abs=1e-9)
    # away from the point the slice is f at the point of the line with that coordinate
    far = s.sample([s.t0 + 1.25], PARAMS, derivatives=0)
    px, py = s.position(s.t0 + 1.25)
    assert math.hypot(px - 0.8, py + 0.6) == pytest.approx(1.25)
    assert far.value[0] == pytest.approx(_oracle(f, px, py)[0], rel=1e-12)


def test_slice_along_x_is_f_with_y_held_and_t_is_x() -> None:
    e = parse("f(x, y) = x^3 y + y^2")
    s = e.along((0.5, 2.0), (1.0, 0.0))
    xs = np.array([-1.0, 0.5, 3.0])
    got = s.sample(xs)
    assert s.t0 == 0.5
    np.testing.assert_array_equal(got.value, xs**3 * 2.0 + 4.0)
    np.testing.assert_array_equal(got.derivative, 3 * xs**2 * 2.0)
    along_y = e.along((0.5, 2.0), (0.0, 1.0))
    assert along_y.t0 == 2.0 and along_y.position(3.0) == (0.5, 3.0)


def test_signature_declares_the_inputs_and_other_letters_stay_parameters() -> None:
    e = parse("f(w, b) = (w + b - 2)^2 + (2w + b - 3)^2 + k w")
    assert e.inputs == ("w", "b") and e.params == ("k",)
    assert e.canonical == "f(w, b) = (w + b - 2)^2 + (2*w + b - 3)^2 + k*w"
    assert parse(e.canonical) == e  # the canonical text reads back as the same function
    assert parse("x^2 + 3y^2").params == ("y",)  # no signature: y is a parameter, as before
    assert parse("x^2 + 3y^2").inputs == ("x",)
    assert parse("f(x) = x y").params == ("y",)
    assert parse("f(x, y) = x + y") != parse("x + y")
    greek = parse("f(theta, phi) = sin(theta) phi^2")
    assert greek.inputs == ("theta", "phi") and greek.pretty == "sin(θ)·φ²"
    assert parse("f(x, y) = 3").at_point({"x": 1, "y": 2}).gradient == {"x": 0.0, "y": 0.0}


def test_one_input_signature_with_another_name() -> None:
    e = parse("g(t) = t^3")
    assert e.inputs == ("t",) and e.params == ()
    p = e.at(2.0)
    assert (p.value, p.derivative, p.second_derivative) == (8.0, 12.0, 12.0)
    assert p.gradient == {"t": 12.0}
    assert e.at_point({"t": 2.0}).hessian == ((12.0,),)


def test_one_and_two_input_apis_refuse_each_other() -> None:
    with pytest.raises(ValueError, match="at_point"):
        parse("f(x, y) = x y").at(1.0)
    with pytest.raises(ValueError, match="sample_grid"):
        parse("f(x, y) = x y").sample([1.0])
    with pytest.raises(ValueError, match="one input"):
        parse("x^2").sample_grid([1.0], [1.0])
    with pytest.raises(ValueError, match="needs a value for y"):
        parse("f(x, y) = x y").at_point({"x": 1.0})


@pytest.mark.parametrize(
    ("text", "start", "end", "message"),
    [
        ("f(x, x) = x", 5, 6, "x appears twice in the signature"),
        ("f(x, y, z) = x", 8, 9, "at most two inputs are supported"),
        ("f(a, b, c, d) = a", 8, 12, "at most two inputs are supported"),
        ("f() = 1", 1, 3, "the signature names no input"),
        ("f(x, sin) = x", 5, 8, "sin is a function, not a name for an input"),
        ("f(x, pi) = x", 5, 7, "pi is a constant, not a name for an input"),
        ("f(w, b) = x + w", 10, 11, "x is not an input of f(w, b)"),
        ("f(x y) = x", 4, 5, "separate the inputs with commas"),
        ("f(x,) = x", 3, 5, "a signature lists names of inputs"),
        ("f(x, 2) = x", 5, 6, "a signature lists names of inputs"),
        ("f(x, y) =", 8, 9, "nothing after '='"),
        ("f(x, Y) = x", 5, 6, "unknown name Y"),
    ],
)
def test_signature_errors_have_a_position_and_a_hint(
    text: str, start: int, end: int, message: str
) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    err = info.value
    assert err.message == message
    assert (err.start, err.end) == (start, end)
    assert err.hint  # always says what to write instead


def test_two_input_pytorch_program_names_both_inputs() -> None:
    src = parse("f(x, y) = a x^2 + y").to_pytorch({"x": 1.5, "y": -2.0}, {"a": 3.0})
    assert "def f(x, y, a):" in src
    assert "x = torch.tensor(1.5," in src and "y = torch.tensor(-2.0," in src
    assert "out = f(x, y, a)" in src and 'print("df/dy =", y.grad.item())' in src
    compile(src, "<pytorch>", "exec")


@pytest.mark.parametrize(("text", "f"), FUNCTIONS, ids=[t for t, _ in FUNCTIONS])
def test_the_fast_batch_gives_the_engines_numbers(text: str, f: sp.Expr) -> None:
    e = parse(text)
    rng = np.random.default_rng(7)
    coords = [rng.normal(size=6), rng.normal(size=6)]
    value, grads = e.sample_points(coords, PARAMS)
    fast_value, fast_grads = e.gradient_batch(coords, PARAMS)
    np.testing.assert_array_equal(fast_value, value)
    for a, b in zip(fast_grads, grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(e.values_batch(coords, PARAMS), value)


def test_the_fast_batch_of_constants_and_undefined_points() -> None:
    value, (gx, gy) = parse("f(x, y) = 3").gradient_batch([np.zeros(2), np.ones(2)])
    assert value.tolist() == [3.0, 3.0] and gx.tolist() == [0.0, 0.0] == gy.tolist()
    value, (gx, gy) = parse("f(x, y) = ln(x) + y").gradient_batch([np.array([-1.0, 1.0])] * 2)
    assert math.isnan(value[0]) and math.isnan(gy[0]) and gy[1] == 1.0


@pytest.mark.parametrize("trace", [False, True])
@pytest.mark.parametrize(
    "text",
    ["f(x, y) = x^2 + 3y^2", "f(w, b) = sin(a w) * exp(-b^2/4) + w b^3", "u = x y; f(x, y) = u^2"],
)
def test_a_surface_point_leaves_no_cyclic_garbage(text: str, trace: bool) -> None:
    """As at(): what at_point built (gradients as graphs for the Hessian, the trace) is freed by
    refcounting when its result goes; x.grad left on a leaf would be a cycle back to it."""
    import gc

    e = parse(text)
    names = e.inputs
    gc.collect()
    gc.disable()
    try:
        point = e.at_point({names[0]: 0.7, names[1]: -0.4}, {"a": 1.5}, trace=trace)
        assert math.isfinite(point.hessian[0][0])
        del point
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "text",
    [
        "f(x, y) = x + y",
        "f(x, y) = x",
        "f(x, y) = 3",
        "f(x, y) = sin(x) + ln(y)",
        "f(x, y) = x/y",
        # a pole whose infinity later turns finite, and a nan an op swallows: still undefined
        "f(x, y) = exp(-1/y^2) + x",
        "f(x, y) = (x/y)^0 + atan(1/y)",
        "f(x, y) = sqrt(x)^0 + y^(x - 1)",
        "f(x, y) = x^2 / 2 + y^-1",
    ],
)
def test_the_broadcast_grid_matches_the_engine_at_every_point(text: str) -> None:
    """sample_grid passes the axes as a row and a column; the engine's Tensor path (sample_points
    on the full meshgrid) is the reference, and every array returned is the caller's own."""
    e = parse(text)
    xs, ys = np.linspace(-1, 2, 7), np.linspace(-1, 1, 5)  # y = 0 on the grid: ln and 1/y poles
    g = e.sample_grid(xs, ys)
    value, (gx, gy) = e.sample_points(np.meshgrid(xs, ys))
    for got, want in ((g.value, value), (g.gradient[0], gx), (g.gradient[1], gy)):
        assert got.shape == (5, 7)
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0, equal_nan=True)
    arrays = (g.value, *g.gradient)
    assert len({id(a) for a in arrays}) == 3 and not any(a is xs or a is ys for a in arrays)
    g.gradient[0][0, 0] = 123.0  # one partial is not the other (x + y: the same rule output)
    assert g.gradient[1][0, 0] != 123.0
