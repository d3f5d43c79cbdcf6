"""The reverse sweep (sweep.py) recorded once as a flat tape of numpy calls, for the race.

The optimizers' race evaluates f and ∇f at six points 500 times. On arrays that small the
sweep's walk (its plan loops, the undefined masks, the rules' own branching such as
_pow_local's) costs more than numpy's arithmetic. Here the sweep's forward plan and its
backward pass (the op table's forwards and derivative rules, with F a recording namespace) run
once on symbols, and every numpy call they make on a symbol is recorded: the replay is one loop
over those calls. Nothing about an op is written here; the rules are the table's, run as the
numpy path runs them. No code is generated (the language never runs generated code).

The same numbers as the numpy path, bit for bit, by construction: the replay makes the very
calls the numpy path makes (the op's forward, the operator or ufunc a rule applies) on the same
arrays, in the same order; what does not depend on the points (constants, parameters, the seed
∂f/∂f = 1, and what the rules compute from them) is computed while recording, by the same
numpy calls on the same numpy scalars.

Where the numpy path's undefined mask could matter, the tape gives up and the numpy path (the
reference) answers: every node whose numbers the numpy path inspects for the mask (a pole: ÷,
ln, a variable power), and the value f, must come out finite. Anything the recorder does not
follow (np.where, a comparison the rule needs as a number, an op with options, a variable
exponent's rule) means no tape for that expression: record() returns None.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from gradexplorer.autograd import OPS
from gradexplorer.autograd.ops import NUMPY_NS

# a tape's calls: (function, result register, argument registers: one or two)
Call = tuple[Callable[..., Any], int, int, int]
NONE = -1  # no second argument


_MULTIPLY = (operator.mul, np.multiply)
# elementwise IEEE arithmetic: a scalar operand and an array of it give the same bits
_ARITHMETIC = frozenset({operator.add, operator.sub, operator.mul, operator.truediv, np.add,
                         np.subtract, np.multiply, np.divide})  # fmt: skip


def _is_one(value: Any) -> bool:
    return type(value) in (float, np.float64) and value == 1.0


class Untraceable(Exception):
    """The recorder cannot follow this expression: no tape."""


def _astype_float64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


class _Sym:
    """A value that differs from point to point: a register of the tape."""

    __slots__ = ("flag", "reg", "tape")
    dtype = np.dtype(np.float64)

    def __init__(self, tape: Tape, reg: int, flag: bool = False) -> None:
        self.tape, self.reg, self.flag = tape, reg, flag  # flag: not float64 (a comparison)

    # numpy hands every ufunc with a symbol among its operands to us (np.sign(s), 2.0 * s)
    def __array_ufunc__(self, ufunc: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs or ufunc.nout != 1:
            raise Untraceable(ufunc)
        return self.tape.call(ufunc, args)

    def __array_function__(self, *_args: Any, **_kwargs: Any) -> Any:
        raise Untraceable("a numpy function")

    def __add__(self, other: Any) -> Any:
        return self.tape.call(operator.add, (self, other))

    def __radd__(self, other: Any) -> Any:
        return self.tape.call(operator.add, (other, self))

    def __sub__(self, other: Any) -> Any:
        return self.tape.call(operator.sub, (self, other))

    def __rsub__(self, other: Any) -> Any:
        return self.tape.call(operator.sub, (other, self))

    def __mul__(self, other: Any) -> Any:
        return self.tape.call(operator.mul, (self, other))

    def __rmul__(self, other: Any) -> Any:
        return self.tape.call(operator.mul, (other, self))

    def __truediv__(self, other: Any) -> Any:
        return self.tape.call(operator.truediv, (self, other))

    def __rtruediv__(self, other: Any) -> Any:
        return self.tape.call(operator.truediv, (other, self))

    def __pow__(self, other: Any) -> Any:
        return self.tape.call(operator.pow, (self, other))

    def __rpow__(self, other: Any) -> Any:
        return self.tape.call(operator.pow, (other, self))

    def __neg__(self) -> Any:
        return self.tape.call(operator.neg, (self,))

    def __gt__(self, other: Any) -> Any:
        return self.tape.call(operator.gt, (self, other), flag=True)

    def __ge__(self, other: Any) -> Any:
        return self.tape.call(operator.ge, (self, other), flag=True)

    def __lt__(self, other: Any) -> Any:
        return self.tape.call(operator.lt, (self, other), flag=True)

    def __le__(self, other: Any) -> Any:
        return self.tape.call(operator.le, (self, other), flag=True)

    def astype(self, dtype: Any, copy: bool = True) -> _Sym:
        # a comparison made a 0/1 mask in float64 (relu's rule)
        if not self.flag or np.dtype(dtype) != np.float64:
            raise Untraceable("astype")
        return self.tape.call(_astype_float64, (self,))

    def _refuse(self, *_args: Any) -> Any:
        raise Untraceable("a rule needs the numbers themselves")

    __eq__ = __ne__ = __bool__ = __float__ = __int__ = __index__ = _refuse  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]


def _compares(fn: Callable[..., Any]) -> bool:
    """A ufunc that gives bools for floats (np.greater, np.isnan)."""
    return isinstance(fn, np.ufunc) and "d" * fn.nin + "->?" in fn.types


def _symbolic(args: Sequence[Any]) -> bool:
    return any(type(a) is _Sym for a in args)


class Tape:
    """The recorded calls and their registers: the inputs first, then the constants the
    calls take, then one register per result."""

    def __init__(self, n_inputs: int) -> None:
        self.n_inputs = n_inputs
        self.registers: list[Any] = [None] * n_inputs
        self.calls: list[Call] = []
        self.checked: list[int] = []  # registers that must be finite everywhere
        self.value = NONE
        self.grads: list[Any] = []  # per input: a register, or a number for every point
        self._programs: dict[int, _Program] = {}  # how to replay at n points, by n

    def symbol(self, flag: bool = False) -> _Sym:
        self.registers.append(None)
        return _Sym(self, len(self.registers) - 1, flag)

    def register(self, value: Any) -> int:
        if type(value) is _Sym:
            return value.reg
        self.registers.append(value)  # a constant, passed as the numpy path passes it
        return len(self.registers) - 1

    def call(self, fn: Callable[..., Any], args: Sequence[Any], flag: bool = False) -> Any:
        if not _symbolic(args):
            return fn(*args)  # the same numpy call on the same numpy scalars
        if len(args) not in (1, 2):
            raise Untraceable(fn)
        if fn in _MULTIPLY and len(args) == 2:  # the seed 1 times a term: x · 1 is x in IEEE
            for one, other in (args, args[::-1]):
                # (not a comparison: 1.0 · (a > 0) makes the bools floats)
                if (
                    type(one) is not _Sym
                    and type(other) is _Sym
                    and _is_one(one)
                    and not other.flag
                ):
                    return other
        regs = [self.register(a) for a in args]
        # what is not float64 keeps the flag: bools a ufunc compares (np.greater), and
        # whatever arithmetic makes of bools (True - x, bools times bools)
        if not flag and fn is not _astype_float64:
            flag = any(type(a) is _Sym and a.flag for a in args) or _compares(fn)
        out = self.symbol(flag)
        self.calls.append((fn, out.reg, regs[0], regs[1] if len(regs) == 2 else NONE))
        return out

    def op(self, op: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        """One op of the table on these arguments: computed now when none is a symbol."""
        if not _symbolic(args) and not _symbolic(list(kwargs.values())):
            return op.forward(*args, **kwargs)
        if kwargs or op.options or not op.elementwise:
            raise Untraceable(op.name)
        return self.call(op.forward, args)

    def replay(self, columns: Sequence[Sequence[float]]) -> tuple[list[float], list[list[float]]]:
        """f and ∇f at the points; raises FloatingPointError where the numpy path must
        answer (a checked register not finite)."""
        n = len(columns[0])
        program = self._programs.get(n)
        if program is None:
            program = self._programs[n] = self._program(columns)
        registers, steps = program
        r = registers.copy()
        for k, c in enumerate(columns):
            r[k] = np.array(c, dtype=float)
        for fn, out, a, b, into in steps:
            if into:  # the ufunc writes into the register's own array
                if b == NONE:
                    fn(r[a], r[out])
                else:
                    fn(r[a], r[b], r[out])
            elif b == NONE:
                r[out] = fn(r[a])
            else:
                r[out] = fn(r[a], r[b])
        return self._results(r, n)

    def _results(self, r: list[Any], n: int) -> tuple[list[float], list[list[float]]]:
        value = r[self.value]
        values = value.tolist()
        total = value
        for reg in self.checked:
            total = total + r[reg]  # nan where any is nan or ±inf (or the sum overflows)
        s = sum(values if total is value else total.tolist())  # ±inf or nan if any is
        if s - s != 0:
            raise FloatingPointError("not finite")
        grads = [r[g].tolist() if type(g) is int else [g] * n for g in self.grads]
        return values, grads

    def _program(self, columns: Sequence[Sequence[float]]) -> _Program:
        """How to replay at this many points, worked out from one replay made as recorded.

        Two things numpy does on every call of a small array cost more than its arithmetic:
        converting a scalar operand, and allocating the result. So each constant that an
        arithmetic call takes becomes an array of n (elementwise IEEE + − × ÷ give the same
        bits either way; not a power's exponent: numpy squares for a scalar 2, calls pow for
        an array, and an op's own forward may branch on a scalar), and each call that is one
        ufunc (an operator on arrays is its ufunc) writes into an array of its own, kept from
        replay to replay: the same loop on the same operands, 0.25 µs instead of 0.5. Only
        the lists made from the registers leave a replay."""
        n = len(columns[0])
        r = self.registers.copy()
        for fn, _out, a, b in self.calls:
            if fn not in _ARITHMETIC:
                continue
            for k in (a, b):
                if k >= self.n_inputs and r[k] is not None and np.ndim(r[k]) == 0:
                    r[k] = np.full(n, r[k], dtype=np.result_type(r[k]))
        registers = r.copy()
        for k, c in enumerate(columns):
            r[k] = np.array(c, dtype=float)
        steps = []
        for fn, out, a, b in self.calls:
            args = (r[a],) if b == NONE else (r[a], r[b])
            r[out] = result = fn(*args)
            ufunc = _UFUNCS.get(fn, fn) if all(type(v) is np.ndarray for v in args) else fn
            into = (
                isinstance(ufunc, np.ufunc)
                and ufunc.nin == len(args)
                and ufunc.nout == 1
                and type(result) is np.ndarray
                and result.shape == (n,)
            )
            if into:
                registers[out] = np.empty_like(result)
            steps.append((ufunc if into else fn, out, a, b, into))
        return registers, steps


# the ufunc an operator calls when both operands are arrays
_UFUNCS: dict[Callable[..., Any], np.ufunc] = {
    operator.add: np.add,
    operator.sub: np.subtract,
    operator.mul: np.multiply,
    operator.truediv: np.true_divide,
    operator.neg: np.negative,
}
# the registers (a ufunc's own arrays among them) and the steps (fn, out, a, b, into)
_Program = tuple[list[Any], list[tuple[Callable[..., Any], int, int, int, bool]]]


def _namespace(tape: Tape) -> SimpleNamespace:
    """NUMPY_NS with every op's function recorded; its helpers refuse symbols."""
    ns = SimpleNamespace(**vars(NUMPY_NS))

    def recorder(op: Any) -> Callable[..., Any]:
        return lambda *args, **kwargs: tape.op(op, args, kwargs)

    def refusing(fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            if _symbolic(args) or _symbolic(list(kwargs.values())):
                raise Untraceable(fn)
            return fn(*args, **kwargs)

        return run

    for name in ("where", "broadcast_to", "expand", "sum_to"):
        setattr(ns, name, refusing(getattr(NUMPY_NS, name)))
    for op in OPS.values():
        if op.function is not None:
            setattr(ns, op.function, recorder(op))
    return ns


def record(sweep: Any, params: Mapping[str, float]) -> Tape | None:
    """The sweep's calls at these parameters as a tape, or None where the recorder cannot
    follow the expression. Call with numpy's errors ignored, as the sweep runs."""
    try:
        return _record(sweep, params)
    except Exception:  # anything the recorder cannot follow: the numpy path answers, as before
        return None


def _record(sweep: Any, params: Mapping[str, float]) -> Tape:
    from gradexplorer.expr.sweep import LOOK

    tape = Tape(sweep.n_inputs)
    inputs = [_Sym(tape, k) for k in range(sweep.n_inputs)]
    values = sweep.leaves(inputs, params)
    for slot, op, args, mask in sweep.forward_plan:
        data = [values[a] for a in args]
        out = tape.op(op, data, {})
        if type(out) is _Sym:
            if mask == LOOK:  # where the numpy path looks for a pole or a nan (an input's too:
                tape.checked += [d.reg for d in (*data, out) if type(d) is _Sym]  # nan^0 = 1)
        elif not np.all(np.isfinite(out)):
            raise Untraceable("a constant part without a finite value")
        values[slot] = out
    value = values[sweep.output]
    if type(value) is not _Sym:
        raise Untraceable("f does not depend on the inputs")
    tape.value = value.reg
    for g in sweep.per_input(sweep.backward(values, _namespace(tape))):
        if g is None:
            tape.grads.append(0.0)
        elif type(g) is _Sym:
            tape.grads.append(g.reg)
        elif np.ndim(g) == 0:
            tape.grads.append(float(g))  # the same for every point (x + y)
        else:
            raise Untraceable("a gradient of another shape")
    return tape
