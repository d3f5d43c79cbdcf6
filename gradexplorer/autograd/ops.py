"""Every operation in one table, OPS: one row per op, written by one define_op(...) call.

A row declares everything about its op: the engine name, the graph label, the forward function,
one derivative rule per input, whether backward needs saved values, and how the op is exposed:
a public function (``ag.sin``), a Tensor method (``x.sin()``), Python operators (``x * y``) and
words of the expression language (``sin``, with the PyTorch function it prints as). The public
functions, the methods, the operators, ``gradexplorer.autograd.__all__`` and the language's
function table are all generated from the rows, so adding an op is one row (see "How to add an
op" in docs/ARCHITECTURE.md).

A derivative rule has the form ``rule(F, g, out, *inputs, **options)`` and returns the gradient
for one input before it is summed back to that input's shape. ``g`` is the upstream gradient
(d output / d out), ``out`` the op's forward result. ``F`` is a namespace of math functions,
with every op that has a public function (``F.cos``, ``F.sigmoid``) and a few helpers:

- in a plain backward pass g, out and inputs are numpy arrays and F calls the ops' numpy
  forward functions directly (fast: no Tensor objects are built);
- with ``create_graph=True`` they are Tensors and F calls the ops' differentiable functions, so
  the backward pass is itself recorded and can be differentiated again.

Writing each rule once for both keeps one place per op.

Forward mode (forward_ad.py) reads the row's tangent rules, ``jvp``: one per input, of the form
``rule(F, t, out, *inputs, **options)``, returning what input k's tangent ``t`` contributes to the
tangent of ``out``; the op's tangent is the sum over its inputs (the sum rule, v̇ = Σ local × input
v̇). An elementwise op (``elementwise=True``) has a diagonal Jacobian, so J·t and Jᵀ·g are the same
formula: its reverse rules are its tangent rules. Tangent rules run against ``F`` too, on numpy
arrays, or on Tensors when something needs the tangent's own gradient (reverse over forward), so
they are themselves differentiable. An op without tangent rules refuses forward mode with
PyTorch's NotImplementedError.

Taylor mode (taylor.py) reads the row's ``taylor`` rule, ``taylor(S, out, *series, **options)``:
the truncated power series of the op's result from the series of its inputs (arrays of shape
(order + 1, *shape), coefficient k in row k), written against the namespace ``S`` of series
arithmetic (``S.mul`` is the Cauchy product, ``S.exp`` the recurrence of e^a, ...); ``out`` is
the op's forward result, the series' first row. An op without one refuses Taylor mode.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from gradexplorer.autograd._ieee import IGNORE_FP_ERRORS, errstate_var
from gradexplorer.autograd.tensor import (
    _NO_KWARGS,
    BackwardNode,
    Tensor,
    _ForwardMode,
    _GradMode,
    _make,
)

Rule = Callable[..., Any]
_ndarray = np.ndarray
_IN_PLACE_MIN = 1 << 16  # below this, allocating is cheaper than the checks


@dataclass(frozen=True)
class Op:
    """One row of the op table. Only name, label, forward and rules are needed; the rest says
    how the op is exposed (an op with none of it is engine plumbing, such as sum_to)."""

    name: str  # engine name, e.g. "mul"; also the op of the trace's nodes
    label: str  # short display text for graphs, e.g. "×"
    forward: Callable[..., Any]  # on numpy arrays: inputs first, then the options
    rules: tuple[Rule, ...]  # reverse mode: one derivative rule per input
    saves: bool = True  # False when backward needs no saved value (add, sub, ...): PyTorch lets
    # such graphs be walked twice without retain_graph, so do we.
    function: str | None = None  # public function: gradexplorer.autograd.<function>
    method: str | None = None  # Tensor method: x.<method>()
    operators: tuple[str, ...] = ()  # Python operators: "mul" gives __mul__ and __rmul__
    options: tuple[str, ...] = ()  # non-Tensor arguments after the inputs: sum(x, axis, keepdims)
    words: tuple[str, ...] = ()  # spellings in the expression language
    torch: str = ""  # what the language prints for PyTorch: a function ("" is torch.<name>)
    # or a template over the arguments' texts, as "torch.pow({0}, 3)"
    jvp: tuple[Rule, ...] = ()  # forward mode: one tangent rule per input
    taylor: Rule | None = None  # Taylor mode: the result's power series from the inputs'
    elementwise: bool = False  # True: the reverse rules serve as the tangent rules (see above)
    node_class: type[BackwardNode] = field(init=False, repr=False)
    call: Callable[..., Tensor] = field(init=False, repr=False)  # the op as a Python function

    def __post_init__(self) -> None:
        camel = "".join(part.capitalize() for part in self.name.split("_"))
        cls = type(f"{camel}Backward", (BackwardNode,), {"__slots__": ()})
        object.__setattr__(self, "node_class", cls)
        object.__setattr__(self, "torch", self.torch or f"torch.{self.name}")
        object.__setattr__(self, "call", _function(self))
        if self.elementwise and not self.jvp:
            object.__setattr__(self, "jvp", self.rules)
        if self.jvp and len(self.jvp) != len(self.rules):
            raise ValueError(f"op {self.name}: one tangent rule per input ({len(self.rules)})")

    @property
    def arity(self) -> int:
        return len(self.rules)


OPS: dict[str, Op] = {}
PUBLIC: dict[str, Callable[..., Tensor]] = {}  # the public functions, by name
_WATCHERS: list[Callable[[], None]] = []


def define_op(name: str, label: str, forward: Callable[..., Any], *rules: Rule, **how: Any) -> Op:
    """Add an op to the table: a row of OPS, with its public function, Tensor method and
    operators, and (through on_change) its words in the expression language.

    ``how`` takes the other fields of Op (saves, function, method, operators, options, words,
    torch, jvp, elementwise, taylor). Raises ValueError if a name is taken. remove_op(name)
    undoes it.
    """
    op = Op(name, label, forward, rules, **how)
    _check_free(op)
    OPS[name] = op
    _publish(op)
    try:
        _notify()
    except BaseException:
        remove_op(name)  # a watcher refused the op (a word the language already has)
        raise
    return op


def remove_op(name: str) -> None:
    """Take an op out of the table, with everything define_op published for it."""
    op = OPS.pop(name)
    if op.function is not None:
        del PUBLIC[op.function]
        delattr(NUMPY_NS, op.function)
        delattr(TENSOR_NS, op.function)
    for attribute in _tensor_attributes(op):
        delattr(Tensor, attribute)
    _notify()


def on_change(callback: Callable[[], None]) -> None:
    """Call callback after every define_op and remove_op (the language rebuilds its words)."""
    _WATCHERS.append(callback)


def _notify() -> None:
    for callback in _WATCHERS:
        callback()


def _tensor_attributes(op: Op) -> dict[str, Callable[..., Tensor]]:
    """The Tensor attributes an op sets, with their values: its method and operator dunders."""
    attributes = {op.method: op.call} if op.method is not None else {}
    for name in op.operators:
        if op.arity == 1:
            attributes[f"__{name}__"] = op.call
        else:
            attributes[f"__{name}__"] = _binary_operator(op, reflected=False)
            attributes[f"__r{name}__"] = _binary_operator(op, reflected=True)
    return attributes


def _check_free(op: Op) -> None:
    taken = [f"op {op.name}"] if op.name in OPS else []
    if op.function is not None and (op.function in PUBLIC or hasattr(NUMPY_NS, op.function)):
        taken.append(f"function {op.function}")
    taken += [f"Tensor.{a}" for a in _tensor_attributes(op) if hasattr(Tensor, a)]
    if taken:
        raise ValueError(f"cannot define op {op.name}: {', '.join(taken)} already exists")


def _publish(op: Op) -> None:
    if op.function is not None:
        PUBLIC[op.function] = op.call
        setattr(NUMPY_NS, op.function, op.forward)
        setattr(TENSOR_NS, op.function, op.call)
    for attribute, value in _tensor_attributes(op).items():
        setattr(Tensor, attribute, value)


# ----- running an op


def apply(op: Op, *inputs: Tensor, **kwargs: Any) -> Tensor:
    """Run op forward on tensors; record the op when grad mode is on and an input needs grad,
    and carry the tangents along inside a dual level."""
    token = errstate_var.set(IGNORE_FP_ERRORS)
    try:
        data = op.forward(*[t.data for t in inputs], **kwargs)
        out = None
        if _GradMode.enabled:
            for t in inputs:
                if t.requires_grad:
                    out = _make(data, op, inputs, kwargs or _NO_KWARGS)
                    break
        if out is None:
            out = _make(data)
        if _ForwardMode.level is not None:
            propagate(op, out, inputs, kwargs)
    finally:
        errstate_var.reset(token)
    return out


def propagate(op: Op, out: Tensor, inputs: Sequence[Tensor], kwargs: dict[str, Any]) -> None:
    """Forward mode: give out its tangent, Σ over the inputs that carry one of rule_k(t_k).

    The rules see the primals only. They run on numpy arrays, or, in grad mode when an input or
    a tangent needs gradients, on Tensors with the level lifted (so a tangent never gets a
    tangent of its own), so that the tangent can be differentiated again. A tangent is kept as
    a numpy array, or as a Tensor when it needs gradients itself. Called with numpy's error
    state already set to ignore (IEEE answers, as every op's forward runs).
    """
    level = _ForwardMode.level
    grad_mode = _GradMode.enabled
    if len(inputs) == 1 and op.elementwise and not (grad_mode and inputs[0].requires_grad):
        # The commonest case in a few lines: one input, a plain array tangent, same shape.
        held = inputs[0]._tangent
        if held is None or held[0] is not level:
            return
        tangent = held[1]
        if type(tangent) is not Tensor:
            total = op.jvp[0](NUMPY_NS, tangent, out.data, inputs[0].data)
            if total.dtype is not out.data.dtype and total.dtype != out.data.dtype:
                total = total.astype(out.data.dtype)
            out._tangent = (level, total)
            if _ForwardMode.recorder is not None:
                _ForwardMode.recorder.op(op, out, inputs, kwargs, [tangent], (total,))
            return
    tangents = []
    found = differentiable = False
    for t in inputs:
        held = t._tangent
        if held is not None and held[0] is level:
            tangent = held[1]
            found = True
            if grad_mode and type(tangent) is Tensor and tangent.requires_grad:
                differentiable = True
        else:
            tangent = None
        if grad_mode and t.requires_grad:
            differentiable = True
        tangents.append(tangent)
    if not found:
        return  # no input depends on the seed: out's tangent is zero, and stays unset
    if not op.jvp:
        raise NotImplementedError(
            f"Trying to use forward AD with {op.name} that does not support it."
        )
    if differentiable:
        _ForwardMode.level = None
        try:
            total, parts = _tensor_tangent(op, out, inputs, tangents, kwargs)
        finally:
            _ForwardMode.level = level
    else:
        total, parts = _array_tangent(op, out.data, inputs, tangents, kwargs)
    out._tangent = (level, total)
    if _ForwardMode.recorder is not None:
        _ForwardMode.recorder.op(op, out, inputs, kwargs, tangents, parts)


def _array_tangent(
    op: Op, data: Any, inputs: Sequence[Tensor], tangents: list[Any], kwargs: dict[str, Any]
) -> tuple[Any, tuple[Any, ...]]:
    """The sum rule on numpy arrays, with unary and binary ops (nearly all) unrolled: the
    per-op cost is what a 2,000-point curve is measured against (bench/bench_engine.py)."""
    rules = op.jvp
    F = NUMPY_NS
    n = 0 if kwargs else len(inputs)
    # An elementwise op's term has the result's shape when every input's tangent is in it.
    shaped = op.elementwise
    if n == 1:
        ta = tangents[0]
        total = rules[0](F, ta.data if type(ta) is Tensor else ta, data, inputs[0].data)
        parts: tuple[Any, ...] = (total,)
    elif n == 2:
        a, b = inputs[0].data, inputs[1].data
        ta, tb = tangents
        pa = pb = None
        if ta is not None:
            pa = rules[0](F, ta.data if type(ta) is Tensor else ta, data, a, b)
        if tb is not None:
            pb = rules[1](F, tb.data if type(tb) is Tensor else tb, data, a, b)
        parts = (pa, pb)
        if pa is None or pb is None:
            total, shaped = (pb if pa is None else pa), False
        else:
            total = _add_tangents(pa, pb, ta)
    else:
        args = [t.data for t in inputs]
        parts = tuple(
            None if t is None else rule(F, _data(t), data, *args, **kwargs)
            for rule, t in zip(rules, tangents, strict=True)
        )
        total, shaped = None, False
        for part in parts:
            if part is not None:
                total = part if total is None else total + part
    if not shaped and np.shape(total) != np.shape(data):
        total = np.broadcast_to(total, np.shape(data))
    dtype = total.dtype
    if dtype is not data.dtype and dtype != data.dtype:
        total = total.astype(data.dtype)  # a float64 tangent does not make a float32 result 64
    return total, parts


def _data(t: Any) -> Any:
    return t.data if type(t) is Tensor else t


def _add_tangents(pa: Any, pb: Any, ta: Any) -> Any:
    """pa + pb, into pa when it is a big array the rule has just made (not input a's tangent
    passed through, as add's rule does): a 1,000,000-point curve saves an allocation."""
    if (
        type(pa) is _ndarray
        and pa.size >= _IN_PLACE_MIN
        and pa is not ta
        and pa.base is None
        and np.result_type(pa, pb) == pa.dtype
        and np.broadcast_shapes(pa.shape, np.shape(pb)) == pa.shape
    ):
        return np.add(pa, pb, out=pa)
    return pa + pb


def _dual(op: Op, data: Any, inputs: tuple[Tensor, ...], needs_grad: bool) -> Tensor:
    """An op's result inside a dual level: recorded as usual, and given its tangent."""
    out = _make(data, op, inputs) if needs_grad and _GradMode.enabled else _make(data)
    propagate(op, out, inputs, _NO_KWARGS)
    return out


def _tensor_tangent(
    op: Op, out: Tensor, inputs: Sequence[Tensor], tangents: list[Any], kwargs: dict[str, Any]
) -> tuple[Tensor, tuple[Any, ...]]:
    """The sum rule on Tensors, in grad mode: the tangent is recorded and can be differentiated."""
    parts = tuple(
        None if t is None else rule(TENSOR_NS, _as_tensor(t), out, *inputs, **kwargs)
        for rule, t in zip(op.jvp, tangents, strict=True)
    )
    total = None
    for part in parts:
        if part is not None:
            total = part if total is None else total + part
    if total.shape != out.shape:
        total = _broadcast_to(total, out.shape)
    return total, parts


def _as_tensor(tangent: Any) -> Tensor:
    return tangent if isinstance(tangent, Tensor) else _make(tangent)


def _function(op: Op) -> Callable[..., Tensor]:
    """The op as a Python function: Tensors or numbers in, a Tensor out."""
    if op.arity == 1 and not op.options:
        fn = _unary(op)
    elif op.arity == 2 and not op.options:
        fn = _binary_function(op)
    else:
        fn = _with_options(op)
    fn.__name__ = fn.__qualname__ = op.function or op.name
    fn.__doc__ = f"Differentiable {op.name} (its row: gradexplorer.autograd.OPS[{op.name!r}])."
    return fn


def _unary(op: Op) -> Callable[[Any], Tensor]:
    forward = op.forward

    def fn(a: Any) -> Tensor:
        # apply() inlined: per-op overhead is what bounds small graphs.
        if not isinstance(a, Tensor):
            a = Tensor(a)
        token = errstate_var.set(IGNORE_FP_ERRORS)
        try:
            data = forward(a.data)
            if _ForwardMode.level is not None:
                return _dual(op, data, (a,), a.requires_grad)
        finally:
            errstate_var.reset(token)
        if a.requires_grad and _GradMode.enabled:
            return _make(data, op, (a,))
        return _make(data)

    return fn


def _binary_function(op: Op) -> Callable[[Any, Any], Tensor]:
    def fn(a: Any, b: Any) -> Tensor:
        if not isinstance(a, Tensor):
            a = _constant_like(a, b) if isinstance(b, Tensor) else Tensor(a)
        if not isinstance(b, Tensor):
            b = _constant_like(b, a)
        return apply(op, a, b)

    return fn


def _with_options(op: Op) -> Callable[..., Tensor]:
    """sum(x, axis=None, keepdims=False): the inputs, then options by position or by name; an
    option not given takes the forward function's (and the rules') default."""
    arity, names = op.arity, op.options

    def fn(*args: Any, **options: Any) -> Tensor:
        if len(args) > arity + len(names):
            raise TypeError(f"{fn.__name__}() takes at most {arity + len(names)} arguments")
        options.update(zip(names, args[arity:], strict=False))
        inputs = [t if isinstance(t, Tensor) else Tensor(t) for t in args[:arity]]
        return apply(op, *inputs, **options)

    return fn


def _binary_operator(op: Op, reflected: bool) -> Callable[[Tensor, Any], Tensor]:
    """a (op) b for Tensor dunder methods, with apply() inlined: on scalar graphs the cost per
    op is what micrograd is measured against (bench/bench_engine.py)."""
    forward = op.forward

    def method(self: Tensor, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            other = _constant_like(other, self)
        a, b = (other, self) if reflected else (self, other)
        token = errstate_var.set(IGNORE_FP_ERRORS)
        try:
            data = forward(a.data, b.data)
            if _ForwardMode.level is not None:
                return _dual(op, data, (a, b), a.requires_grad or b.requires_grad)
        finally:
            errstate_var.reset(token)
        if (a.requires_grad or b.requires_grad) and _GradMode.enabled:
            return _make(data, op, (a, b))
        return _make(data)

    return method


def _constant_like(value: Any, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if type(value) in (int, float):
        # A Python number takes the other operand's dtype so float32 stays float32.
        return _make(like.data.dtype.type(value))
    arr = np.asarray(value)
    if arr.dtype.kind in "biuf" and arr.ndim == 0:
        # A Python number takes the other operand's dtype so float32 stays float32.
        return Tensor(arr, dtype=like.data.dtype)
    return Tensor(arr)


# ----- forward helpers that numpy lacks


def _np_sigmoid(a: np.ndarray) -> np.ndarray:
    """1/(1 + e^-a) for a >= 0 and e^a/(1 + e^a) below: each side exponentiates only a number
    <= 0, so nothing overflows and nothing cancels (0.5 (1 + tanh(a/2)) loses every digit for
    a < -20 and gives 0 instead of 4.2e-18 at -40). A few ulp from the truth everywhere."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(e.dtype, copy=False)


def _np_softplus(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, a)


def _np_relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0.0)  # maximum(-0.0, 0.0) is +0.0: relu never answers -0.0


def _np_sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back to `shape` (the helper every broadcasting engine has)."""
    g = np.asarray(g)
    if g.shape == shape:
        return g
    if g.size < int(np.prod(shape, dtype=np.int64)):
        return np.broadcast_to(g, shape)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
    )
    return np.sum(g, axis=axes, keepdims=True).reshape(shape)


def _max_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Ties split the gradient evenly between both inputs, as torch.maximum does.
    return np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(np.result_type(a, b))


def _mask(condition: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A 0/1 mask in like's dtype, so a float32 gradient stays float32."""
    return condition.astype(like.dtype)


def _pow_local(F: Any, a: Any, b: Any) -> Any:
    """d/da a^b = b a^(b-1). At a = 0 with b = 0 the formula is 0 * inf = nan, but a^0 is
    constant, so the answer is 0 (PyTorch's too). Only that point is masked, so that the
    derivative stays differentiable in b everywhere else."""
    exponent = F.data(b)
    if exponent.ndim == 0 and not getattr(b, "requires_grad", False):
        # A constant number exponent (x^2, x^0.5): fewer array operations.
        c = float(exponent)
        if c == 0:
            return F.const(np.zeros_like(F.data(a)))
        return 2.0 * a if c == 2 else c * a ** (c - 1)
    undefined = (exponent == 0) & (F.data(a) == 0)
    if undefined.any():
        return F.where(undefined, 0.0, b * a ** (b - 1))
    return b * a ** (b - 1)


class _Ones:
    """Ones of a shape, never built: the gradient that sum() sends back when its own upstream is
    exactly 1, as in the most common backward of all, f(xs).sum().backward().

    Multiplying by it is free (ones * b is b), which saves a full pass over the array for every
    product the gradient meets next. Anything else turns it into a real array (__array__).
    """

    __slots__ = ("dtype", "shape")
    __array_ufunc__ = None  # numpy defers `array * ones` to __rmul__ instead of converting

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.ones(self.shape, dtype=dtype or self.dtype)

    def _spread(self, value: Any) -> np.ndarray:
        value = np.asarray(value)
        if value.shape == self.shape:
            return value
        return np.broadcast_to(value, np.broadcast_shapes(value.shape, self.shape))

    def __mul__(self, other: Any) -> np.ndarray:
        return self._spread(other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> np.ndarray:
        return self._spread(np.true_divide(self.dtype.type(1), other))

    def __neg__(self) -> np.ndarray:
        return np.full(self.shape, -1, dtype=self.dtype)

    def __add__(self, other: Any) -> np.ndarray:
        return np.asarray(self) + other

    __radd__ = __add__


def _np_broadcast_to(g: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(g, _Ones):
        return _Ones(shape, g.dtype)
    if np.ndim(g) == 0 and shape and g == 1:
        return _Ones(shape, np.asarray(g).dtype)
    # For small arrays a filled new array is several times faster than np.broadcast_to (the
    # common case: a scalar gradient from sum()); for big ones the zero-copy view wins.
    if np.ndim(g) == 0 and (len(shape) == 1 and shape[0] <= 65536):
        full = np.empty(shape, dtype=g.dtype)
        full.fill(g)
        return full
    return np.broadcast_to(g, shape)


def _np_sum(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if axis is None and not keepdims:
        return np.add.reduce(a, axis=None)  # np.sum's Python wrapper costs more than the sum
    return np.sum(a, axis=axis, keepdims=keepdims)


def _kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """Shape of a reduction's result with the reduced axes kept as 1 (to broadcast back)."""
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % len(shape) for a in axes)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _unreduce(F: Any, g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Spread a reduction's gradient back over the reduced axes."""
    if axis is not None and not keepdims:
        g = F.reshape(g, _kept_shape(shape, axis))
    return F.broadcast_to(g, shape)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


# ----- engine plumbing the rules call: where, and moving a gradient between shapes


def _where(cond: np.ndarray, x: Any, y: Any) -> Tensor:
    like = x if isinstance(x, Tensor) else y
    return apply(WHERE, _constant_like(x, like), _constant_like(y, like), mask=np.asarray(cond))


def _broadcast_to(a: Tensor, shape: tuple[int, ...]) -> Tensor:
    if a.shape == tuple(shape):
        return a
    return apply(BROADCAST_TO, a, shape=tuple(shape))


def _sum_to(a: Tensor, shape: tuple[int, ...]) -> Tensor:
    if a.shape == tuple(shape):
        return a
    if a.data.size < int(np.prod(shape, dtype=np.int64)):
        return _broadcast_to(a, shape)
    return apply(SUM_TO, a, shape=tuple(shape))


# ----- the two namespaces the derivative rules are written against. define_op adds every op
# that has a public function: its numpy forward to NUMPY_NS, its differentiable one to TENSOR_NS.

# broadcast_to may hand a reverse rule a never-built array of ones (_Ones); expand always
# builds a real one, for the tangent rules, whose results are kept as tangents.
NUMPY_NS = SimpleNamespace(
    where=np.where,
    data=lambda a: a,
    const=lambda arr: arr,
    broadcast_to=_np_broadcast_to,
    expand=np.broadcast_to,
    sum_to=_np_sum_to,
)
TENSOR_NS = SimpleNamespace(
    where=_where,
    data=lambda t: t.data,
    const=lambda arr: Tensor(arr),
    broadcast_to=_broadcast_to,
    expand=_broadcast_to,
    sum_to=_sum_to,
)


# ----- the table. F: numpy namespace or Tensor namespace; g: upstream; out: result; t: tangent.
# Binary forwards are Python operators: the same ufuncs on arrays, but about ten times faster on
# the numpy scalars that 0-d results are (np.multiply on scalars takes the slow generic path).
# An op the language knows has words; its PyTorch function is torch.<name> unless torch= says.
# elementwise=True: the rule g·local, read with the tangent t for g, is also the tangent rule.


def _math(name: str, label: str, forward: Callable[..., Any], *rules: Rule, **how: Any) -> Op:
    """An elementwise maths function under one name everywhere: ag.<name>, x.<name>() and
    <name>(x) typed; its reverse rule is its tangent rule."""
    return define_op(
        name,
        label,
        forward,
        *rules,
        function=name,
        method=name,
        words=(name,),
        elementwise=True,
        **how,
    )


def _upstream(F: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    return g


# ----- helpers of the taylor rules (S: taylor.SERIES; a, b: series, coefficient k in row k)


def _series_root(S: Any, a: Any) -> Any:
    """The series of √(1 − a²), for asin′ and acos′."""
    return S.sqrt(S.plus(-S.mul(a, a), 1.0), np.sqrt(1 - a[0] * a[0]))


def _series_sigmoid(S: Any, a: Any, value: Any) -> Any:
    """σ(a) from σ′ = σ − σ², with σ(a₀)σ(−a₀) as the first value of σ′ (no cancellation)."""
    return S.riccati(a, value, 0.0, 1.0, -1.0, value * _np_sigmoid(-a[0]))


def _series_pick(a: Any, b: Any, a_wins: Any) -> Any:
    """max or min: the winning input's series; at a tie their mean, as the reverse rule splits
    the gradient evenly."""
    return np.where(a_wins, a, np.where(a[0] == b[0], (a + b) / 2, b))


define_op(
    "add",
    "+",
    operator.add,
    _upstream,
    _upstream,
    saves=False,
    operators=("add",),
    elementwise=True,
    taylor=lambda S, out, a, b: a + b,
)
define_op(
    "sub",
    "−",
    operator.sub,
    _upstream,
    lambda F, g, out, a, b: -g,
    saves=False,
    operators=("sub",),
    elementwise=True,
    taylor=lambda S, out, a, b: a - b,
)
define_op(
    "mul",
    "×",
    operator.mul,
    lambda F, g, out, a, b: g * b,
    lambda F, g, out, a, b: g * a,
    operators=("mul",),
    elementwise=True,
    taylor=lambda S, out, a, b: S.mul(a, b),
)
define_op(
    "div",
    "÷",
    operator.truediv,
    lambda F, g, out, a, b: g / b,
    lambda F, g, out, a, b: -g * out / b,
    operators=("truediv",),
    elementwise=True,
    taylor=lambda S, out, a, b: S.div(a, b),
)
define_op(
    "pow",
    "^",
    operator.pow,
    lambda F, g, out, a, b: g * _pow_local(F, a, b),
    # d/db a^b = a^b ln a; at a = 0 with b >= 0 PyTorch defines it as 0 (not nan).
    lambda F, g, out, a, b: g * F.where((F.data(a) == 0) & (F.data(b) >= 0), 0.0, out * F.log(a)),
    operators=("pow",),
    elementwise=True,
    taylor=lambda S, out, a, b: S.power(a, b, out),
)
define_op(
    "neg",
    "−",
    operator.neg,
    lambda F, g, out, a: -g,
    saves=False,
    operators=("neg",),
    elementwise=True,
    taylor=lambda S, out, a: -a,
)
_math("exp", "exp", np.exp, lambda F, g, out, a: g * out, taylor=lambda S, out, a: S.exp(a, out))
# natural log, as in numpy and PyTorch
_math("log", "ln", np.log, lambda F, g, out, a: g / a, taylor=lambda S, out, a: S.log(a, out))
_math(
    "sqrt",
    "√",
    np.sqrt,
    lambda F, g, out, a: g / (2 * out),
    taylor=lambda S, out, a: S.sqrt(a, out),
)
# d|x|/dx = sign(x), which is 0 at the kink (PyTorch's subgradient), and so is every higher one.
_math(
    "abs",
    "|·|",
    np.abs,
    lambda F, g, out, a: g * F.const(np.sign(F.data(a))),
    operators=("abs",),
    taylor=lambda S, out, a: a * np.sign(a[0]),
)
_math(
    "sin",
    "sin",
    np.sin,
    lambda F, g, out, a: g * F.cos(a),
    taylor=lambda S, out, a: S.sincos(a, out, np.cos(a[0]), -1.0)[0],
)
_math(
    "cos",
    "cos",
    np.cos,
    lambda F, g, out, a: -g * F.sin(a),
    taylor=lambda S, out, a: S.sincos(a, np.sin(a[0]), out, -1.0)[1],
)
_math(
    "tan",
    "tan",
    np.tan,
    lambda F, g, out, a: g * (1 + out * out),
    taylor=lambda S, out, a: S.riccati(a, out, 1.0, 0.0, 1.0),  # tan′ = 1 + tan²
)
# asin′ = 1/√(1 − a²), acos′ = −asin′, atan′ = 1/(1 + a²): the series of the derivative, integrated.
_math(
    "asin",
    "asin",
    np.arcsin,
    lambda F, g, out, a: g / F.sqrt(1 - a * a),
    taylor=lambda S, out, a: S.integral(out, S.div(S.derivative(a), _series_root(S, a))),
)
_math(
    "acos",
    "acos",
    np.arccos,
    lambda F, g, out, a: -g / F.sqrt(1 - a * a),
    taylor=lambda S, out, a: S.integral(out, -S.div(S.derivative(a), _series_root(S, a))),
)
_math(
    "atan",
    "atan",
    np.arctan,
    lambda F, g, out, a: g / (1 + a * a),
    taylor=lambda S, out, a: S.integral(out, S.div(S.derivative(a), S.plus(S.mul(a, a), 1.0))),
)
_math(
    "sinh",
    "sinh",
    np.sinh,
    lambda F, g, out, a: g * F.cosh(a),
    taylor=lambda S, out, a: S.sincos(a, out, np.cosh(a[0]), 1.0)[0],
)
_math(
    "cosh",
    "cosh",
    np.cosh,
    lambda F, g, out, a: g * F.sinh(a),
    taylor=lambda S, out, a: S.sincos(a, np.sinh(a[0]), out, 1.0)[1],
)
# tanh′ = 1 − tanh², with 1/cosh² as its value: 1 − tanh² is 0 for |a| > 19.
_math(
    "tanh",
    "tanh",
    np.tanh,
    lambda F, g, out, a: g * (1 - out * out),
    taylor=lambda S, out, a: S.riccati(a, out, 1.0, 0.0, -1.0, 1 / np.cosh(a[0]) ** 2),
)
# σ′ = σ(a) σ(-a): out (1 - out) would be 0 for a > 37, where 1 - out rounds to 0.
_math(
    "sigmoid",
    "σ",
    _np_sigmoid,
    lambda F, g, out, a: g * out * F.sigmoid(-a),
    taylor=lambda S, out, a: _series_sigmoid(S, a, out),
)
# relu'(0) = 0, as in PyTorch.
_math(
    "relu",
    "relu",
    _np_relu,
    lambda F, g, out, a: g * F.const(_mask(F.data(a) > 0, F.data(a))),
    taylor=lambda S, out, a: a * (a[0] > 0),
)
_math(
    "softplus",
    "softplus",
    _np_softplus,
    lambda F, g, out, a: g * F.sigmoid(a),
    torch="torch.nn.functional.softplus",
    # softplus′ = σ
    taylor=lambda S, out, a: S.integral(
        out, S.mul(S.derivative(a), _series_sigmoid(S, a, _np_sigmoid(a[0])))
    ),
)
# max and min in the language; at ties the gradient is split evenly, as torch.maximum does.
define_op(
    "maximum",
    "max",
    np.maximum,
    lambda F, g, out, a, b: g * F.const(_max_mask(F.data(a), F.data(b))),
    lambda F, g, out, a, b: g * F.const(_max_mask(F.data(b), F.data(a))),
    function="maximum",
    method="maximum",
    words=("max",),
    elementwise=True,  # at a tie the tangent is the mean of both tangents, as torch's is
    taylor=lambda S, out, a, b: _series_pick(a, b, a[0] > b[0]),
)
define_op(
    "minimum",
    "min",
    np.minimum,
    lambda F, g, out, a, b: g * F.const(_max_mask(F.data(b), F.data(a))),
    lambda F, g, out, a, b: g * F.const(_max_mask(F.data(a), F.data(b))),
    function="minimum",
    method="minimum",
    words=("min",),
    elementwise=True,
    taylor=lambda S, out, a, b: _series_pick(a, b, a[0] < b[0]),
)
define_op(
    "sum",
    "Σ",
    _np_sum,
    lambda F, g, out, a, axis=None, keepdims=False: _unreduce(F, g, a.shape, axis, keepdims),
    saves=False,
    function="sum",
    method="sum",
    options=("axis", "keepdims"),
    jvp=(lambda F, t, out, a, axis=None, keepdims=False: F.sum(t, axis=axis, keepdims=keepdims),),
    taylor=lambda S, out, a, axis=None, keepdims=False: S.reduce(np.sum, a, axis, keepdims),
)
define_op(
    "mean",
    "mean",
    lambda a, axis=None, keepdims=False: np.mean(a, axis=axis, keepdims=keepdims),
    lambda F, g, out, a, axis=None, keepdims=False: (
        _unreduce(F, g, a.shape, axis, keepdims) / _count(a.shape, axis)
    ),
    saves=False,
    function="mean",
    method="mean",
    options=("axis", "keepdims"),
    jvp=(lambda F, t, out, a, axis=None, keepdims=False: F.mean(t, axis=axis, keepdims=keepdims),),
    taylor=lambda S, out, a, axis=None, keepdims=False: S.reduce(np.mean, a, axis, keepdims),
)
define_op(
    "reshape",
    "reshape",
    lambda a, shape: np.reshape(a, shape),
    lambda F, g, out, a, shape: F.reshape(g, a.shape),
    saves=False,
    function="reshape",
    method="reshape",
    options=("shape",),
    jvp=(lambda F, t, out, a, shape: F.reshape(t, shape),),
    taylor=lambda S, out, a, shape: a.reshape((len(a), *np.shape(out))),
)

# Plumbing: no public name, called by the rules through F (see the namespaces above).
BROADCAST_TO = define_op(
    "broadcast_to",
    "broadcast",
    lambda a, shape: np.broadcast_to(a, shape),
    lambda F, g, out, a, shape: F.sum_to(g, a.shape),
    saves=False,
    options=("shape",),
    jvp=(lambda F, t, out, a, shape: F.expand(t, shape),),
    taylor=lambda S, out, a, shape: np.broadcast_to(a, (len(a), *shape)),
)
SUM_TO = define_op(
    "sum_to",
    "Σ",
    _np_sum_to,
    lambda F, g, out, a, shape: F.broadcast_to(g, a.shape),
    saves=False,
    options=("shape",),
    jvp=(lambda F, t, out, a, shape: F.sum_to(t, shape),),
    taylor=lambda S, out, a, shape: S.each(S.sum_to, a, shape),
)
# where(mask, x, y): the mask is data, not differentiated; only the chosen branch gets gradient.
WHERE = define_op(
    "where",
    "where",
    lambda x, y, mask: np.where(mask, x, y),
    lambda F, g, out, x, y, mask: F.where(mask, g, 0.0),
    lambda F, g, out, x, y, mask: F.where(mask, 0.0, g),
    saves=False,
    options=("mask",),
    elementwise=True,
    taylor=lambda S, out, x, y, mask: np.where(mask, x, y),
)
# The dual tensors of forward mode are aliases of their primal (make_dual, unpack_dual): the
# same data, with or without a tangent, and the gradient passes straight through.
ALIAS = define_op(
    "alias",
    "=",
    lambda a: a,
    lambda F, g, out, a: g,
    saves=False,
    elementwise=True,
    taylor=lambda S, out, a: a,
)
