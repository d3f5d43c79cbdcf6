"""Forward mode on typed functions: Expression.forward (one pass per seed, its trace) against the
reverse pass of Expression.at and sympy, and the forward-mode PyTorch program, run against a
stand-in torch written here from scratch (dual numbers), since PyTorch is not a dependency."""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from gradexplorer.expr import parse

CASES = [
    ("a x^2 + b x + c", 2.0, {"a": 1.5, "b": -1.0, "c": 3.0}),
    ("x^2 + 3x", 2.0, {}),
    ("x w + sin(x w)", 7.0, {"w": 2.0}),
    ("x*x*x - x/(1 + x^2)", -0.75, {}),
    ("exp(-x/5) sin(k x) + log10(x^2)", 1.3, {"k": 2.5}),
    ("sigmoid(x - t) + relu(x) + |x| + max(x, t) + sigma x", 0.4, {"t": -0.2, "sigma": 3.0}),
    ("sqrt(x) tanh(a x) + lambda", 0.8, {"a": 0.3, "lambda": 2.0}),
]


def _sympy_partials(text: str, x: float, params: dict[str, float]) -> dict[str, float]:
    e = parse(text)
    names = ["x", *e.params]
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    # the canonical text, read by sympy, with the language's names spelled sympy's way
    canonical = e.canonical.replace("^", "**")
    local = {
        **symbols,
        "sigmoid": lambda v: 1 / (1 + sp.exp(-v)),
        "relu": lambda v: sp.Max(v, 0),
        "max": sp.Max,
        "log10": lambda v: sp.log(v) / sp.log(10),
        "abs": sp.Abs,
        "lambda_": symbols.get("lambda"),
    }
    f = sp.sympify(canonical.replace("lambda", "lambda_"), locals=local)
    at = {symbols[n]: (x if n == "x" else params.get(n, 1.0)) for n in names}
    return {n: float(sp.diff(f, symbols[n]).subs(at).evalf(30)) for n in names}


@pytest.mark.parametrize(("text", "x", "params"), CASES)
def test_one_forward_pass_per_input_equals_the_reverse_pass_and_sympy(text, x, params) -> None:
    e = parse(text)
    point = e.at(x, params, trace=True)
    expected = _sympy_partials(text, x, params)
    for seed in ("x", *e.params):
        fp = e.forward(x, params, seed, trace=True)
        assert fp.value == point.value
        assert fp.tangent == pytest.approx(expected[seed], rel=1e-12, abs=1e-14)
        assert fp.tangent == pytest.approx(point.gradient[seed], rel=1e-12, abs=1e-15)
        # the same graph as the backward trace, node for node and edge for edge
        back, fwd = point.trace, fp.trace
        assert [(n.id, n.kind, n.op, n.label, n.parents, n.is_output) for n in back.nodes] == [
            (n.id, n.kind, n.op, n.label, n.parents, n.is_output) for n in fwd.nodes
        ]
        assert [(e_.src, e_.dst, e_.arg_index) for e_ in back.edges] == [
            (e_.src, e_.dst, e_.arg_index) for e_ in fwd.edges
        ]
        assert fwd.seed == seed
        assert float(fwd.node(fwd.output).tangent) == fp.tangent
    assert e.forward_partials(x, params) == {
        s: e.forward(x, params, s).tangent for s in ("x", *e.params)
    }


@pytest.mark.parametrize(("text", "x", "params"), CASES)
def test_the_forward_trace_writes_out_the_sum_rule(text, x, params) -> None:
    e = parse(text)
    for seed in ("x", *e.params):
        tr = e.forward(x, params, seed, trace=True).trace
        for node in tr.nodes:
            if node.kind == "input":
                assert float(node.tangent) == (1.0 if node.label == seed else 0.0)
            elif node.kind == "const":
                assert node.tangent is None
            else:
                edges = tr.edges_from_parents(node.id)
                terms = []
                for edge in edges:
                    parent = tr.node(edge.src)
                    if parent.tangent is None:
                        assert edge.local is None and edge.contribution is None
                        continue
                    # contribution = local × input v̇ (scalars: exactly the product's rounding)
                    assert float(edge.contribution) == pytest.approx(
                        float(edge.local) * float(parent.tangent), rel=1e-14, abs=1e-300
                    )
                    terms.append(float(edge.contribution))
                # v̇ = Σ local × input v̇
                assert float(node.tangent) == pytest.approx(sum(terms), rel=1e-14, abs=1e-15)
        assert [n.id for n in tr.forward_sequence()] == sorted(
            n.id for n in tr.nodes if n.kind != "const"
        )
        json.dumps(tr.to_dict(), allow_nan=False)


def test_x_used_twice_has_two_edges_each_with_its_contribution() -> None:
    tr = parse("x*x + 3x").forward(2.0, trace=True).trace
    square = next(n for n in tr.nodes if n.op == "mul" and n.parents[0] == n.parents[1])
    edges = tr.edges_from_parents(square.id)
    assert [float(e.local) for e in edges] == [2.0, 2.0]  # ∂(x·x)/∂x through each argument
    assert [float(e.contribution) for e in edges] == [2.0, 2.0]
    assert float(square.tangent) == 4.0 and float(tr.node(tr.output).tangent) == 7.0


def test_constants_and_undefined_points() -> None:
    fp = parse("2 + sin(pi)").forward(1.0, trace=True)
    assert fp.tangent == 0.0 and fp.value == 2.0
    assert {n.kind for n in fp.trace.nodes} == {"const"} and len(fp.trace.nodes) > 1
    fp = parse("ln(x) + a").forward(-1.0, {"a": 2.0}, "a", trace=True)
    assert math.isnan(fp.value) and math.isnan(fp.tangent)
    # the seeds are given, not computed: they stay; every op's tangent is undefined
    seeds = {n.label: float(n.tangent) for n in fp.trace.nodes if n.kind == "input"}
    assert seeds == {"x": 0.0, "a": 1.0}
    assert all(np.isnan(n.tangent) for n in fp.trace.nodes if n.kind == "op")
    json.dumps(fp.trace.to_dict(), allow_nan=False)
    # a pole (1/0) is undefined too, as at() says: no value, no tangent
    at, fp = parse("1/x").at(0.0), parse("1/x").forward(0.0)
    assert math.isnan(at.value) and math.isnan(fp.value) and math.isnan(fp.tangent)
    with pytest.raises(ValueError, match="cannot seed on 'b'"):
        parse("a x").forward(1.0, seed="b")


def test_forward_mode_on_the_lessons_numbers() -> None:
    assert parse("x^2 + 3x").forward(2.0).tangent == 7.0
    e = parse("x w + sin(x w)")
    assert e.forward(7.0, {"w": 2.0}, "x").tangent == pytest.approx(2 + 2 * math.cos(14), rel=1e-15)
    assert e.forward(7.0, {"w": 2.0}, "w").tangent == pytest.approx(7 + 7 * math.cos(14), rel=1e-15)


# ----------------------------------------------------------------------------- PyTorch program

FAKE_TORCH = '''
"""A stand-in for the few torch calls the forward-mode program makes: scalar dual numbers."""
import math
from contextlib import contextmanager

float64 = "float64"


class Tensor:
    def __init__(self, value, tangent=None):
        self.value, self.tangent = float(value), tangent

    def item(self):
        return self.value

    def _parts(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)
        return other.value, (other.tangent or 0.0)

    def _make(self, value, tangent):
        return Tensor(value, tangent)

    def __add__(self, o):
        v, t = self._parts(o)
        return Tensor(self.value + v, (self.tangent or 0.0) + t)

    __radd__ = __add__

    def __sub__(self, o):
        v, t = self._parts(o)
        return Tensor(self.value - v, (self.tangent or 0.0) - t)

    def __rsub__(self, o):
        v, t = self._parts(o)
        return Tensor(v - self.value, t - (self.tangent or 0.0))

    def __mul__(self, o):
        v, t = self._parts(o)
        return Tensor(self.value * v, (self.tangent or 0.0) * v + self.value * t)

    __rmul__ = __mul__

    def __truediv__(self, o):
        v, t = self._parts(o)
        return Tensor(self.value / v, ((self.tangent or 0.0) * v - self.value * t) / (v * v))

    def __rtruediv__(self, o):
        return Tensor(o) / self

    def __neg__(self):
        return Tensor(-self.value, -(self.tangent or 0.0))

    def __pow__(self, o):
        v, t = self._parts(o)
        out = self.value**v
        d = v * self.value ** (v - 1) * (self.tangent or 0.0)
        if t:
            d += out * math.log(self.value) * t
        return Tensor(out, d)

    def __rpow__(self, o):
        return Tensor(o) ** self


def tensor(value, dtype=None, requires_grad=False):
    return Tensor(value)


def ones_like(t):
    return Tensor(1.0)


def zeros_like(t):
    return Tensor(0.0)


def _unary(f, df):
    def op(t):
        return Tensor(f(t.value), df(t.value) * (t.tangent or 0.0))
    return op


sin = _unary(math.sin, math.cos)
cos = _unary(math.cos, lambda v: -math.sin(v))
exp = _unary(math.exp, math.exp)
log = _unary(math.log, lambda v: 1 / v)
log10 = _unary(math.log10, lambda v: 1 / (v * math.log(10)))
sqrt = _unary(math.sqrt, lambda v: 0.5 / math.sqrt(v))
tanh = _unary(math.tanh, lambda v: 1 - math.tanh(v) ** 2)
sigmoid = _unary(lambda v: 1 / (1 + math.exp(-v)), lambda v: math.exp(-v) / (1 + math.exp(-v)) ** 2)
relu = _unary(lambda v: max(v, 0.0), lambda v: 1.0 if v > 0 else 0.0)
abs = _unary(lambda v: -v if v < 0 else v, lambda v: (v > 0) - (v < 0))


def maximum(a, b):
    return a if a.value > b.value else b
'''

FAKE_FUNC = """
from torch import Tensor


def jvp(f, primals, tangents):
    out = f(*[Tensor(p.value, t.value) for p, t in zip(primals, tangents)])
    return Tensor(out.value), Tensor(out.tangent or 0.0)
"""

FAKE_FORWARD_AD = """
from contextlib import contextmanager

from torch import Tensor


@contextmanager
def dual_level():
    yield 0


def make_dual(p, t):
    return Tensor(p.value, t.value)


def unpack_dual(d):
    return Tensor(d.value), None if d.tangent is None else Tensor(d.tangent)
"""


@pytest.fixture(scope="module")
def fake_torch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fake_torch")
    (root / "torch" / "autograd").mkdir(parents=True)
    (root / "torch" / "__init__.py").write_text(textwrap.dedent(FAKE_TORCH))
    (root / "torch" / "func.py").write_text(textwrap.dedent(FAKE_FUNC))
    (root / "torch" / "autograd" / "__init__.py").write_text("")
    (root / "torch" / "autograd" / "forward_ad.py").write_text(textwrap.dedent(FAKE_FORWARD_AD))
    return root


@pytest.mark.parametrize(("text", "x", "params"), CASES[:5])
def test_the_forward_mode_pytorch_program_computes_every_partial(
    text, x, params, fake_torch: Path
) -> None:
    e = parse(text)
    seed = e.params[0] if e.params else "x"
    source = e.to_pytorch(x, params, mode="forward", seed=seed)
    ast.parse(source)
    assert "from torch.func import jvp" in source and "fwAD.make_dual" in source
    assert source.count("jvp(f, inputs, seeded(") == 1 + len(e.params)  # one pass per input
    run = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(fake_torch)},
        cwd=fake_torch,
    )
    assert run.returncode == 0, run.stderr
    printed = dict(line.split(" = ", 1) for line in run.stdout.splitlines() if " = " in line)
    expected = _sympy_partials(text, x, params)
    assert float(printed["f(x)"]) == pytest.approx(e.at(x, params).value, rel=1e-12)
    for name in ("x", *e.params):
        key = f"df/d{name}_" if name == "lambda" else f"df/d{name}"
        assert float(printed[key]) == pytest.approx(expected[name], rel=1e-12, abs=1e-14)
    dual = run.stdout.splitlines()[-1]
    assert dual.startswith("dual numbers: f =") and f"df/d{seed} =" in dual
    assert float(dual.rsplit("= ", 1)[1]) == pytest.approx(expected[seed], rel=1e-12, abs=1e-14)


def test_the_reverse_program_is_unchanged_by_default() -> None:
    e = parse("a x^2")
    assert e.to_pytorch(2.0, {"a": 1.5}) == e.to_pytorch(2.0, {"a": 1.5}, mode="reverse")
    assert "y.backward()" in e.to_pytorch() and "jvp" not in e.to_pytorch()
    assert "fwAD.make_dual(x, torch.ones_like(x))" in e.to_pytorch(mode="forward", seed="b")
    with pytest.raises(ValueError):
        e.to_pytorch(mode="sideways")
    np.testing.assert_equal(len(e.to_pytorch(mode="forward").splitlines()) > 10, True)
