"""A parsed expression: its texts, its parameters, and evaluation through the engine.

The tree is compiled once into a flat program (post-order instructions run on a value stack), so
every slider step or redraw only runs engine ops: no re-parsing, no recursion, no tree walk.
Definitions ("u = x + x; u^2 + 3u") run first: each value is built once, stored under its name,
and every use pushes that same tensor, so the engine's graph has one node used several times.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

import gradexplorer.autograd as ag
from gradexplorer.autograd import (
    BackwardTrace,
    ForwardEdge,
    ForwardNode,
    ForwardTrace,
    Tensor,
    TraceEdge,
    TraceNode,
)
from gradexplorer.autograd.forward_ad import is_dual
from gradexplorer.errors import ExprError
from gradexplorer.expr import domain
from gradexplorer.expr.names import (
    CONSTANTS,
    FUNCTIONS,
    GREEK,
    GREEK_SYMBOLS,
    LETTERS,
    display_name,
)
from gradexplorer.expr.nodes import (
    BinOp,
    Call,
    Const,
    Definition,
    Neg,
    Node,
    Num,
    Param,
    Ref,
    Var,
    program_structure,
    walk,
)
from gradexplorer.expr.parser import DEFAULT_INPUTS, parse_program
from gradexplorer.expr.points import (
    ForwardPoint,
    GridSamples,
    Hessian,
    Point,
    Samples,
    SurfacePoint,
)
from gradexplorer.expr.printers import (
    canonical,
    pretty,
    pretty_labels,
    pytorch_source,
    with_definitions,
)
from gradexplorer.expr.surface import (
    Slice,
    as_floats,
    constants,
    derivatives_along,
    sample_grid,
    sample_points,
)
from gradexplorer.expr.sweep import ReverseSweep
from gradexplorer.formatting import exact

DEFAULT_PARAM = 1.0

# (engine op name, function) for each operator of the language; its functions: names.FUNCTIONS.
_BINARY: dict[str, tuple[str, Callable[[Any, Any], Tensor]]] = {
    "+": ("add", operator.add),
    "-": ("sub", operator.sub),
    "*": ("mul", operator.mul),
    "/": ("div", operator.truediv),
    "^": ("pow", operator.pow),
}

# Instructions: ("v", k) push input k; ("p", name) push a parameter; ("c", value, label) push a
# constant; ("f", function, n_args, op_name, text) pop n_args, push the result; text names the
# result when it is a constant (2π is one constant node labelled "2π" in the graph, not 6.28319);
# ("s", name) pop a definition's value and keep it; ("r", name) push a kept value again.
Instruction = tuple[Any, ...]


def _compile_program(
    definitions: tuple[Definition, ...], tree: Node, inputs: tuple[str, ...] = DEFAULT_INPUTS
) -> list[Instruction]:
    program: list[Instruction] = []
    for d in definitions:
        program += _compile(d.value, inputs)
        program.append(("s", d.name))
    return program + _compile(tree, inputs)


def _compile(tree: Node, inputs: tuple[str, ...] = DEFAULT_INPUTS) -> list[Instruction]:
    labels = pretty_labels(tree)
    program: list[Instruction] = []
    stack: list[tuple[Node, bool]] = [(tree, False)]
    while stack:
        node, expanded = stack.pop()
        if not expanded and node.children:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(node.children))
            continue
        if isinstance(node, Var):
            program.append(("v", inputs.index(node.name)))
        elif isinstance(node, Param):
            program.append(("p", node.name))
        elif isinstance(node, Ref):
            program.append(("r", node.name))
        elif isinstance(node, Num):
            program.append(("c", node.value, exact(node.value)))
        elif isinstance(node, Const):
            constant = CONSTANTS[node.name]
            program.append(("c", constant.value, constant.symbol))
        elif isinstance(node, Neg):
            program.append(("f", operator.neg, 1, "neg", labels[id(node)]))
        elif isinstance(node, BinOp):
            name, fn = _BINARY[node.op]
            program.append(("f", fn, 2, name, labels[id(node)]))
        else:
            assert isinstance(node, Call)
            program.extend(_call(node, labels))
    return program


def _call(node: Call, labels: dict[int, str]) -> list[Instruction]:
    function = FUNCTIONS[node.func]
    op = ag.OPS[function.op]
    if function.base is None:
        return [("f", op.call, function.arity, op.name, labels[id(node)])]
    # log10(x) is ln(x)/ln(10), and the graph shows it so: ln's own label names the first step.
    base = exact(function.base)
    return [
        ("f", op.call, 1, op.name, f"{op.label}({labels[id(node.args[0])]})"),
        ("c", math.log(function.base), f"{op.label}({base})"),
        ("f", operator.truediv, 2, "div", labels[id(node)]),
    ]


def _param_order(name: str) -> tuple[int, int, str]:
    """Latin letters alphabetically, then Greek names in the order of the Greek alphabet."""
    if name in GREEK:
        return (1, GREEK.index(name), name)
    return (0, LETTERS.find(name), name)


class Expression:
    """A parsed expression. Build one with parse(text). ``definitions``: the named values
    before the expression, in order (every one is used)."""

    def __init__(
        self,
        text: str,
        tree: Node,
        definitions: tuple[Definition, ...] = (),
        inputs: tuple[str, ...] = DEFAULT_INPUTS,
    ) -> None:
        self.text = text
        self.tree = tree
        self.definitions = tuple(definitions)
        self.inputs: tuple[str, ...] = inputs  # ("x",), or what a signature declares
        self.canonical = with_definitions(self.definitions, tree, canonical)
        if inputs != DEFAULT_INPUTS:  # the signature reads back, after the definitions
            head, _, last = self.canonical.rpartition("; ")
            head = f"{head}; " if self.definitions and head else ""
            last = last if self.definitions else self.canonical
            self.canonical = f"{head}f({', '.join(inputs)}) = {last}"
        self.pretty = with_definitions(self.definitions, tree, pretty, display_name)
        everything = [
            n for root in (*(d.value for d in self.definitions), tree) for n in walk(root)
        ]
        found = {n.name for n in everything if isinstance(n, Param)}
        self.params: tuple[str, ...] = tuple(sorted(found, key=_param_order))
        self.uses_x = any(isinstance(n, Var) for n in everything)  # uses an input at all
        self._program = _compile_program(self.definitions, tree, inputs)
        self._sweep: ReverseSweep | None = None

    def __repr__(self) -> str:
        return f"Expression({self.canonical!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expression):
            return NotImplemented
        return self.inputs == other.inputs and self.structure == other.structure

    def __hash__(self) -> int:
        return hash(self.canonical)

    @property
    def structure(self) -> tuple[tuple[Any, ...], ...]:
        """The definitions and the tree as a flat comparable tuple (spans and spelling left
        out)."""
        return program_structure(self.definitions, self.tree)

    @property
    def two_inputs(self) -> bool:
        """A function of two variables (drawn as a landscape)."""
        return len(self.inputs) == 2

    @property
    def param_symbols(self) -> dict[str, str]:
        """Display symbol of each parameter: "alpha" -> "α", "a" -> "a"."""
        return {p: GREEK_SYMBOLS.get(p, p) for p in self.params}

    # ----- evaluation
    def build(self, x: Any, params: Mapping[str, Any] | None = None) -> Tensor:
        """Build the engine graph of the expression on x (a Tensor, number or array); for two
        inputs x is a pair (x, y).

        params maps names to Tensors or numbers; a parameter not given is the constant 1.
        """
        values = tuple(x) if len(self.inputs) > 1 else (x,)
        tensors = [
            v if isinstance(v, Tensor) else Tensor(v, name=name)
            for v, name in zip(values, self.inputs, strict=True)
        ]
        return self._run(tensors, self._env(params or {}, grad=False))[-1]

    def _env(self, params: Mapping[str, Any], *, grad: bool) -> dict[str, Tensor]:
        """Every parameter as a Tensor (given ones as they are; missing ones 1)."""
        env: dict[str, Tensor] = {}
        for name in self.params:
            v = params.get(name, DEFAULT_PARAM)
            if not isinstance(v, Tensor):
                v = Tensor(float(v) if grad else v, requires_grad=grad, name=name)
            env[name] = v
        return env

    def _run(
        self, inputs: Sequence[Tensor], env: Mapping[str, Tensor], record: list[Any] | None = None
    ) -> list:
        stack: list[Tensor] = []
        kept: dict[str, Tensor] = {}
        for ins in self._program:
            kind = ins[0]
            if kind == "v":
                stack.append(inputs[ins[1]])
            elif kind == "p":
                stack.append(env[ins[1]])
            elif kind == "c":
                stack.append(Tensor(ins[1], name=ins[2]))
            elif kind == "s":
                kept[ins[1]] = stack.pop()
                if record is not None:
                    record.append(kept[ins[1]])
                continue
            elif kind == "r":
                stack.append(kept[ins[1]])
            else:
                n = ins[2]
                args = stack[-n:]
                del stack[-n:]
                out = ins[1](*args)
                if not out.requires_grad and not is_dual(out):  # a constant: named by its text
                    out.name = ins[4]
                stack.append(out)
            if record is not None:
                record.append(stack[-1])
        return stack

    def _evaluate(
        self, xt: Sequence[Tensor], env: Mapping[str, Tensor]
    ) -> tuple[Tensor, Any, tuple[str, str, list[float]] | None]:
        """The output, its undefined mask (domain.py), and (op, label, input values) of the
        first node that is undefined by itself (for the reason)."""
        stack: list[Tensor] = []
        masks: list[Any] = []
        first = None
        kept: dict[str, tuple[Tensor, Any]] = {}  # a definition's value and mask, by name
        for ins in self._program:
            kind = ins[0]
            if kind == "s":
                kept[ins[1]] = (stack.pop(), masks.pop())
                continue
            if kind == "r":
                stack.append(kept[ins[1]][0])
                masks.append(kept[ins[1]][1])
                continue
            if kind != "f":
                stack.append(xt[ins[1]] if kind == "v" else env[ins[1]] if kind == "p" else None)
                if kind == "c":
                    stack[-1] = Tensor(ins[1], name=ins[2])
                masks.append(False)
                continue
            n = ins[2]
            args, inputs = stack[-n:], masks[-n:]
            del stack[-n:], masks[-n:]
            out = ins[1](*args)
            if not out.requires_grad and not is_dual(out):  # a constant: named by its text
                out.name = ins[4]
            data = [a.data for a in args]
            mask = domain.undefined(ins[3], data, out.data, inputs)
            if first is None and _anywhere(mask) and not any(_anywhere(m) for m in inputs):
                first = (ins[3], ag.OPS[ins[3]].label, [_first(d, mask) for d in data])
            stack.append(out)
            masks.append(mask)
        return stack[-1], masks[-1], first

    def at(
        self, x: float, params: Mapping[str, float] | None = None, *, trace: bool = False
    ) -> Point:
        """Value, f', f'' (via create_graph) and the gradient for x and every parameter.

        For a function of one input; a function of two has at_point."""
        if len(self.inputs) != 1:
            raise ValueError(f"{self.canonical} has {len(self.inputs)} inputs: use at_point")
        x = float(x)
        value, gradient, hessian, tr, why, slope_why = self._point((x,), params or {}, trace)
        name = self.inputs[0]
        return Point(x, value, gradient[name], hessian[0][0], gradient, tr, why, slope_why)

    def at_point(
        self,
        values: Mapping[str, float],
        params: Mapping[str, float] | None = None,
        *,
        trace: bool = False,
    ) -> SurfacePoint:
        """Value, gradient (by input and parameter name) and the Hessian over the inputs (by
        reverse-over-reverse: the engine differentiates its own gradient), at one point."""
        missing = [n for n in self.inputs if n not in values]
        if missing:
            raise ValueError(f"at_point needs a value for {', '.join(missing)}")
        point = tuple(float(values[n]) for n in self.inputs)
        value, gradient, hessian, tr, why, slope_why = self._point(point, params or {}, trace)
        values = dict(zip(self.inputs, point, strict=True))
        return SurfacePoint(values, value, gradient, hessian, tr, why, slope_why)

    def _point(
        self, point: tuple[float, ...], params: Mapping[str, float], trace: bool
    ) -> tuple[float, dict[str, float], Hessian, BackwardTrace | None, str | None, str | None]:
        """value, gradient by name, Hessian, trace, why f has no value, why f′ has none."""
        inputs = [
            Tensor(v, requires_grad=True, name=n) for v, n in zip(point, self.inputs, strict=True)
        ]
        env = self._env(params, grad=True)
        names = [*self.inputs, *env]
        y, undefined, first = self._evaluate(inputs, env)
        value = math.nan if undefined else y.item()
        where = point[0] if len(point) == 1 else None
        why = None if first is None else domain.reason(*first, variable_value=where)
        n = len(inputs)
        if not y.requires_grad:  # a constant such as "2" or "sin(pi)"
            tr = self._constant_trace(inputs, env) if trace else None
            fill = math.nan if undefined else 0.0
            return value, dict.fromkeys(names, fill), _square(n, fill), tr, why, None
        leaves = [*inputs, *env.values()]
        if trace:
            # One recorded pass gives the trace and the first derivatives (as graphs, for f'').
            tr = y.backward(create_graph=True, trace=True)
            tr = dataclasses.replace(tr, names=self._names(tr)) if self.definitions else tr
            grads = [leaf.grad for leaf in leaves]
            for leaf in leaves:
                # x.grad is a graph that leads back to x: a reference cycle that only the
                # garbage collector frees (300 tensors per x step for 150 nodes, and its
                # collections were the slow steps of a drag). Taken out, refcounting frees it.
                leaf.grad = None
        else:
            tr = None
            grads = ag.grad(y, leaves, create_graph=True, allow_unused=True)
        gradient = {
            name: (g.item() if g is not None else 0.0) for name, g in zip(names, grads, strict=True)
        }
        rows = [_hessian_row(g, inputs) for g in grads[:n]]
        if undefined:
            # Outside the domain (ln(-1)) the engine still applies the rules (1/x = -1, as
            # PyTorch does), but a function that has no value has no derivative there.
            gradient = dict.fromkeys(gradient, math.nan)
            rows = [[math.nan] * n for _ in range(n)]
            tr = _undefined_gradients(tr) if tr is not None else None
        for i in range(n):
            if math.isnan(gradient[self.inputs[i]]):
                for j in range(n):
                    rows[i][j] = rows[j][i] = math.nan
        hessian = tuple(tuple(r) for r in rows)
        slope_why = None
        if why is None and not math.isfinite(value):
            why = "too large to show: it overflows a 64-bit float"
        elif why is None:
            slope_why = self._derivative_reason(
                gradient,
                hessian,
                lambda: tr if tr is not None else self._point(point, params, True)[3],
            )
        return value, gradient, hessian, tr, why, slope_why

    def _derivative_reason(
        self, gradient: dict[str, float], hessian: Hessian, trace: Callable[[], Any]
    ) -> str | None:
        """Why a derivative is not a number where f has one (None when every one is): every
        null the CLI's JSON writes comes with words, as the window's "undefined" does. A first
        derivative that is nan says where the chain rule broke, from the pass's trace (asked
        for only then: without one, the pass runs again with it)."""
        one = len(self.inputs) == 1
        for name, v in gradient.items():
            if not math.isfinite(v):
                label = "f′" if one and name == self.inputs[0] else f"∂f/∂{name}"
                if math.isnan(v):
                    traced = trace()
                    broke = domain.slope_reason(traced, label) if traced is not None else None
                    if broke is not None:
                        return broke
                return domain.derivative_reason(label, v)
        for i, a in enumerate(self.inputs):
            for j, b in enumerate(self.inputs[i:], start=i):
                v = hessian[i][j]
                if not math.isfinite(v):
                    label = "f″" if one else (f"∂²f/∂{a}²" if a == b else f"∂²f/∂{a}∂{b}")
                    return domain.derivative_reason(label, v)
        return None

    def forward(
        self,
        x: float,
        params: Mapping[str, float] | None = None,
        seed: str = "x",
        *,
        trace: bool = False,
    ) -> ForwardPoint:
        """One forward-mode pass (dual numbers) seeded on x or a parameter: ∂f/∂seed, with the
        ForwardTrace when asked (the same nodes, in the same order, as at()'s trace)."""
        if seed != "x" and seed not in self.params:
            have = ", ".join(["x", *self.params])
            raise ValueError(f"cannot seed on {seed!r}: the inputs are {have}")
        params = params or {}
        x = float(x)
        leaves = [Tensor(x, name="x")]
        leaves += [Tensor(float(params.get(p, DEFAULT_PARAM)), name=p) for p in self.params]
        seeds = tuple(Tensor(1.0 if t.name == seed else 0.0) for t in leaves)

        undefined: list[Any] = []

        def f(xt: Tensor, *values: Tensor) -> Tensor:
            y, mask, _ = self._evaluate([xt], dict(zip(self.params, values, strict=True)))
            undefined.append(_anywhere(mask))
            return y

        result = ag.jvp(f, tuple(leaves), seeds, trace=trace)
        value, tangent = result[0].item(), result[1].item()
        tr = self._whole(result[2], leaves) if trace else None
        if undefined[0] or math.isnan(value):
            # no value (a domain error, a pole), no derivative: as at() says
            value = tangent = math.nan
            tr = _undefined_tangents(tr) if tr is not None else None
        if tr is not None:
            names = self._names(tr) if self.definitions else {}
            tr = dataclasses.replace(tr, seed=seed, names=names)
        return ForwardPoint(x, seed, value, tangent, tr)

    def _whole(self, trace: ForwardTrace, leaves: list[Tensor]) -> ForwardTrace:
        """The recorded trace, or, when nothing depends on an input (the recorder then saw no
        op), the whole constant graph, as at() shows it."""
        if len(trace.nodes) > 1 or trace.nodes[0].kind != "const":
            return trace
        env = dict(zip(self.params, leaves[1:], strict=True))
        return _forward_constant(self._constant_trace(leaves[:1], env))

    def forward_partials(
        self, x: float, params: Mapping[str, float] | None = None
    ) -> dict[str, float]:
        """Every partial derivative by forward mode: one pass per input (x, then each
        parameter), where reverse mode needs one pass for all of them."""
        return {name: self.forward(x, params, name).tangent for name in ("x", *self.params)}

    def forward_over_reverse(self, x: float, params: Mapping[str, float] | None = None) -> float:
        """f''(x) the other way round from at(): one forward pass (seeded on x) through the
        reverse-mode derivative, the jvp of f'. Undefined where f is."""
        params = params or {}
        env = {p: Tensor(float(params.get(p, DEFAULT_PARAM)), name=p) for p in self.params}

        def derivative(xt: Tensor) -> Tensor:
            y = self._run([xt], env)[-1]
            if not y.requires_grad:
                return Tensor(0.0)
            (dy,) = ag.grad(y, [xt], create_graph=True, allow_unused=True)
            return Tensor(0.0) if dy is None else dy

        xt = Tensor(float(x), requires_grad=True, name="x")
        _, second = ag.jvp(derivative, (xt,), (Tensor(1.0),))
        y, undefined, _ = self._evaluate([Tensor(float(x))], env)
        return math.nan if _anywhere(undefined) or math.isnan(y.item()) else second.item()

    def sample(
        self, xs: Any, params: Mapping[str, float] | None = None, *, derivatives: int = 2
    ) -> Samples:
        """The function (and up to two derivatives) on every x of an array, in one graph."""
        if len(self.inputs) != 1:
            raise ValueError(f"{self.canonical} has {len(self.inputs)} inputs: use sample_grid")
        xs = as_floats(xs)
        xt = Tensor(xs, requires_grad=derivatives > 0, name=self.inputs[0])
        y, mask, _ = self._evaluate([xt], constants(self, params or {}))
        value, first, second = derivatives_along(y, xt, xs.shape, derivatives, mask)
        return Samples(xs, value, first, second)

    def sample_grid(
        self, xs: Any, ys: Any, params: Mapping[str, float] | None = None
    ) -> GridSamples:
        """f and ∇f of a function of two inputs on the grid xs × ys (arrays of shape
        (len(ys), len(xs))), vectorised through the engine."""
        return sample_grid(self, xs, ys, params)

    def sample_points(
        self, coords: Sequence[Any], params: Mapping[str, float] | None = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """f and its gradient by input at many points at once (one array per input)."""
        return sample_points(self, coords, params)

    def gradient_batch(
        self, coords: Sequence[Any], params: Mapping[str, float] | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The same numbers as sample_points, faster for a few points evaluated many times (the
        optimizers' race): one reverse sweep over the program with the op table's rules."""
        return self._reverse_sweep()([as_floats(c) for c in coords], params or {})

    def gradient_lists(
        self, columns: Sequence[Sequence[float]], params: Mapping[str, float] | None = None
    ) -> tuple[list[float], list[list[float]]]:
        """gradient_batch's numbers as lists, for a few points given as one list of floats per
        input: at six points, replaying the calls recorded from the sweep (tape.py) skips the
        walk over its plan, which costs more than the arithmetic on arrays this small."""
        return self._reverse_sweep().lists(columns, params or {})

    def gradient_lists_at(
        self, params: Mapping[str, float] | None = None
    ) -> Callable[[Sequence[Sequence[float]]], tuple[list[float], list[list[float]]]]:
        """gradient_lists at fixed parameter values, for calls by the hundred (the race)."""
        return self._reverse_sweep().lists_at(params or {})

    def values_batch(
        self, coords: Sequence[Any], params: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """f alone at many points (one array per input), with the op table's numpy forwards."""
        return self._reverse_sweep().values([as_floats(c) for c in coords], params or {})

    def _reverse_sweep(self) -> ReverseSweep:
        if self._sweep is None:
            self._sweep = ReverseSweep(self._program, len(self.inputs))
        return self._sweep

    def along(self, point: Sequence[float], direction: Sequence[float]) -> Slice:
        """The slice through `point` (x, y) in `direction` (ux, uy), as a function of one
        variable with the same sample() as this one (see Slice)."""
        if len(self.inputs) != 2:
            raise ValueError(f"{self.canonical} has one input: it is its own slice")
        return Slice(self, point, direction)

    def taylor(
        self, x: Any, params: Mapping[str, float] | None = None, order: int = 2
    ) -> np.ndarray:
        """Taylor coefficients cₖ = f⁽ᵏ⁾(x)/k! for k = 0..order, from the engine's Taylor mode
        (autograd/taylor.py), not finite differences. x a number: shape (order + 1,); an
        array: (order + 1, *x.shape), one column per x. nan wherever f has no value; a
        coefficient that does not exist there (√x at 0 from order 1 on) is ±inf or nan.
        Raises NotImplementedError for an op that has no Taylor rule. For a function of one
        input (a series in x)."""
        if len(self.inputs) != 1:
            raise ValueError(f"{self.canonical} has {len(self.inputs)} inputs: no series in x")
        xs = np.asarray(x, dtype=np.float64)
        params = params or {}
        xt = Tensor(xs, requires_grad=True, name="x")
        env = {p: Tensor(float(params.get(p, DEFAULT_PARAM)), name=p) for p in self.params}
        y, mask, _ = self._evaluate([xt], env)
        coefficients = ag.taylor(y, xt, order)
        if coefficients.ndim - 1 < xs.ndim:  # f does not depend on x: one series for all
            coefficients = coefficients.reshape(coefficients.shape + (1,) * xs.ndim)
        out = np.array(np.broadcast_to(coefficients, (order + 1, *xs.shape)), dtype=np.float64)
        out[:, np.broadcast_to(mask, xs.shape)] = np.nan
        return out

    def _constant_trace(self, xt: Sequence[Tensor], env: Mapping[str, Tensor]) -> BackwardTrace:
        """The engine records nothing for a graph that needs no gradient, so a constant
        expression's trace is written from the program itself (all nodes "const")."""
        record: list[Tensor] = []
        stack_ids: list[int] = []
        nodes: list[TraceNode] = []
        edges: list[TraceEdge] = []
        kept: dict[str, int] = {}
        names: dict[int, str] = {}
        for ins, tensor in zip(self._program, self._record(xt, env, record), strict=True):
            kind = ins[0]
            if kind == "s":
                kept[ins[1]] = stack_ids.pop()
                names.setdefault(kept[ins[1]], display_name(ins[1]))
                continue
            if kind == "r":
                stack_ids.append(kept[ins[1]])
                continue
            if kind == "f":
                n = ins[2]
                parents = tuple(stack_ids[-n:])
                del stack_ids[-n:]
                op = ins[3]
                label = ag.OPS[op].label if op in ag.OPS else op
            else:
                parents = ()
                op, label = "leaf", tensor.name or ""
            node_id = len(nodes)
            nodes.append(
                TraceNode(
                    node_id, op, label, "const", np.array(tensor.data), None, parents, node_id, None
                )
            )
            edges.extend(TraceEdge(p, node_id, k, None, None) for k, p in enumerate(parents))
            stack_ids.append(node_id)
        out = stack_ids[-1]
        nodes[out] = nodes[out]._replace(is_output=True)
        return BackwardTrace(nodes=tuple(nodes), edges=tuple(edges), output=out, names=names)

    def _names(self, trace: BackwardTrace | ForwardTrace) -> dict[int, str]:
        """The trace ids of the defined values (u in "u = x + x; ..."), by display name.

        The engine numbers a trace's nodes in creation order, and this program created them:
        x, the parameters, then one tensor per constant or op instruction. Replaying the program
        on creation numbers instead of tensors finds each definition's node; if the trace does
        not match that replay, no names are given rather than wrong ones."""
        # (op, inputs, needs grad) per created tensor; a result of constants only is a leaf
        n = len(self.inputs)
        created: list[tuple[str, tuple[int, ...], bool]] = [("leaf", (), True)] * (
            n + len(self.params)
        )
        index = {p: n + i for i, p in enumerate(self.params)}
        stack: list[int] = []
        kept: dict[str, int] = {}
        for ins in self._program:
            kind = ins[0]
            if kind in ("c", "f"):
                n = ins[2] if kind == "f" else 0
                args = tuple(stack[len(stack) - n :])
                del stack[len(stack) - n :]
                grad = any(created[a][2] for a in args)
                created.append((ins[3], args, True) if grad else ("leaf", (), False))
                stack.append(len(created) - 1)
            elif kind == "s":
                kept[ins[1]] = stack.pop()
            else:
                slot = ins[1] if kind == "v" else index[ins[1]] if kind == "p" else kept[ins[1]]
                stack.append(slot)
        reachable, todo = set(), [stack[-1]]
        while todo:
            k = todo.pop()
            if k not in reachable:
                reachable.add(k)
                todo.extend(created[k][1])
        order = {k: i for i, k in enumerate(sorted(reachable))}
        if len(order) != len(trace.nodes) or any(
            trace.nodes[i].op != created[k][0] for k, i in order.items()
        ):
            return {}
        names: dict[int, str] = {}
        for name, k in kept.items():
            if k in order and trace.nodes[order[k]].kind != "input":
                names.setdefault(order[k], display_name(name))
        return names

    def _record(
        self, xt: Sequence[Tensor], env: Mapping[str, Tensor], record: list[Tensor]
    ) -> list:
        self._run(xt, env, record)
        return record

    def to_pytorch(
        self,
        x: float | Mapping[str, float] = 2.0,
        params: Mapping[str, float] | None = None,
        *,
        tail: list[str] | None = None,
        mode: str = "reverse",
        seed: str = "x",
    ) -> str:
        """Equivalent PyTorch source, as text for students to copy. Never executed here.
        x is the point: a number for one input, {name: value} for any number of inputs.
        Definitions are lines of f; ``tail`` replaces the lines after ``y = f(...)``.
        mode="forward": forward mode (torch.func.jvp per input, forward_ad dual numbers)."""
        if seed != "x" and seed not in self.params:
            seed = "x"
        point = dict(x) if isinstance(x, Mapping) else {self.inputs[0]: float(x)}
        return pytorch_source(
            self.tree,
            self.params,
            point[self.inputs[0]],
            params,
            self.definitions,
            uses_x=self.uses_x,
            tail=tail,
            inputs=self.inputs,
            point=point,
            mode=mode,
            seed=seed,
        )


def _undefined_gradients(trace: BackwardTrace) -> BackwardTrace:
    """The trace of a point where f has no value: the same graph and values, but every gradient
    undefined (nan), and every local derivative of an op that has no value there, so the graph
    view and the step-through agree with the readouts."""
    nan = np.float64(math.nan)
    # The seed stays: ∂f/∂f = 1 whenever the pass ran, defined or not.
    nodes = tuple(n if n.is_output or n.grad is None else n._replace(grad=nan) for n in trace.nodes)
    return BackwardTrace(
        nodes=nodes, edges=_undefined_edges(trace), output=trace.output, names=trace.names
    )


def _undefined_edges(trace: BackwardTrace | ForwardTrace) -> tuple[Any, ...]:
    """The edges where f has no value: every contribution undefined, and the local derivative
    of every op that has no value there."""
    undefined = {n.id for n in trace.nodes if np.isnan(np.asarray(n.value)).any()}
    nan = np.float64(math.nan)
    return tuple(
        e._replace(
            local=nan if e.local is not None and e.dst in undefined else e.local,
            contribution=None if e.contribution is None else nan,
        )
        for e in trace.edges
    )


def _forward_constant(trace: BackwardTrace) -> ForwardTrace:
    """A constant expression's forward trace: every node constant, no tangent anywhere."""
    nodes = tuple(
        ForwardNode(
            n.id, n.op, n.label, n.kind, n.value, None, n.parents, n.forward_order, n.is_output
        )
        for n in trace.nodes
    )
    edges = tuple(ForwardEdge(e.src, e.dst, e.arg_index, None, None) for e in trace.edges)
    return ForwardTrace(nodes=nodes, edges=edges, output=trace.output)


def _undefined_tangents(trace: ForwardTrace) -> ForwardTrace:
    """As _undefined_gradients, for a forward pass: where f has no value, no tangent has one."""
    nan = np.float64(math.nan)
    # The seeds stay (1 and 0 are given, not computed), as backward keeps ∂f/∂f = 1.
    nodes = tuple(
        n if n.kind != "op" or n.tangent is None else n._replace(tangent=nan) for n in trace.nodes
    )
    return dataclasses.replace(trace, nodes=nodes, edges=_undefined_edges(trace))


def _anywhere(mask: Any) -> bool:
    """Whether a mask is set anywhere (a bool for a point: np.any costs 2 µs per node)."""
    return mask if type(mask) is bool else bool(np.any(mask))


def _first(data: Any, mask: Any) -> float:
    """The value of an input at the first point where the mask is set (for the reason)."""
    arr = np.broadcast_to(np.asarray(data, dtype=float), np.shape(mask))
    flat = np.flatnonzero(np.asarray(mask))
    return float(arr.reshape(-1)[flat[0]]) if flat.size else float(np.asarray(data).reshape(-1)[0])


def _square(n: int, fill: float) -> Hessian:
    return tuple(tuple(fill for _ in range(n)) for _ in range(n))


def _hessian_row(g: Tensor | None, inputs: Sequence[Tensor]) -> list[float]:
    """One row of the Hessian: the engine differentiates the gradient g it built (as a graph)."""
    if g is None or not g.requires_grad:
        return [0.0] * len(inputs)
    seconds = ag.grad(g, list(inputs), retain_graph=True, allow_unused=True)
    return [s.item() if s is not None else 0.0 for s in seconds]


def parse_number(text: str) -> float:
    """A number typed by a user (a --param value, an x): constant expressions such as pi/2 or
    −1.5e-3 are welcome. Raises ExprError for anything else."""
    expression = parse(text)
    if expression.uses_x or expression.params:
        raise ExprError(
            "a number is expected here, not a function of x or of parameters",
            0,
            len(text),
            text=text,
            hint="write a number such as 2, -0.5 or pi/2",
        )
    return expression.at(0.0).value


def parse(text: str) -> Expression:
    """Parse typed text. Raises ExprError (message, start, end, hint, text) on bad input."""
    program = parse_program(text)
    return Expression(text, program.tree, program.definitions, program.inputs)


__all__ = [
    "ExprError",
    "Expression",
    "ForwardPoint",
    "Point",
    "Samples",
    "SurfacePoint",
    "parse",
    "parse_number",
]
