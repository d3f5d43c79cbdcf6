"""f and ∇f over a small batch of points, fast: one forward and one reverse pass straight over
an expression's compiled program, calling the op table's numpy forwards and its derivative rules
(the very functions the engine's plain backward calls, with F = NUMPY_NS), without building a
Tensor graph.

The compiled program is already in topological order (post-order of the tree), so reverse mode
is a loop backwards over it; no heap, no Tensor objects. The optimizers' race evaluates f and ∇f
at six points 500 times in a row, where the engine's per-operation bookkeeping is most of the
cost; for large arrays (the landscape grid) the engine is as fast and stays the reference. The
tests check that both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradexplorer.autograd import OPS
from gradexplorer.autograd._ieee import IGNORE_FP_ERRORS, errstate_var
from gradexplorer.autograd.ops import NUMPY_NS
from gradexplorer.expr import domain

DEFAULT_PARAM = 1.0
_UNSEEN = object()
_TAPES = 16  # parameter values whose tape is kept


def _full(a: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A float array of the batch's shape (a copy: the caller owns it)."""
    if getattr(a, "shape", None) == shape:
        return np.array(a, dtype=float)
    return np.array(np.broadcast_to(a, shape), dtype=float)


def _shape(coords: Sequence[np.ndarray]) -> tuple[int, ...]:
    """The batch's shape: the coordinates broadcast together. A grid passes its axes as a row
    and a column, so a value of x alone (sin(x), x²) is computed once per column, not per
    point; every gradient still comes out per point, at the full shape."""
    shapes = {np.shape(c) for c in coords}
    return shapes.pop() if len(shapes) == 1 else np.broadcast_shapes(*shapes)


class ReverseSweep:
    """The value and gradient program of one expression (build once, call many times)."""

    def __init__(self, program: Sequence[tuple[Any, ...]], n_inputs: int) -> None:
        self.n_inputs = n_inputs
        # slot = position in the program; each step: (kind, payload, argument slots)
        self.steps: list[tuple[str, Any, tuple[int, ...]]] = []
        active: list[bool] = []  # does the slot depend on an input?
        stack: list[int] = []
        kept: dict[str, int] = {}  # a definition's slot, by name ("u = x + x; u^2")
        for slot, ins in enumerate(program):
            kind = ins[0]
            if kind in ("s", "r"):  # no value of their own: they move a slot on the stack
                if kind == "s":
                    kept[ins[1]] = stack.pop()
                else:
                    stack.append(kept[ins[1]])
                self.steps.append((kind, None, ()))
                active.append(False)
                continue
            if kind == "f":
                n = ins[2]
                args = tuple(stack[-n:])
                del stack[-n:]
                self.steps.append(("f", OPS[ins[3]], args))
                active.append(any(active[a] for a in args))
            else:
                payload = ins[1]
                self.steps.append((kind, payload, ()))
                active.append(kind == "v")
            stack.append(slot)
        self.active = active
        self.output = stack[-1]
        self.inputs = [slot for slot, step in enumerate(self.steps) if step[0] == "v"]

        self.forward_plan = _plan_forward(self.steps)
        self._backward_plan = _plan_backward(self)
        self.params = list(dict.fromkeys(step[1] for step in self.steps if step[0] == "p"))
        self._tapes: dict[tuple, Any] = {}  # record()'s tapes (or None), by parameters

    def __call__(
        self, coords: Sequence[np.ndarray], params: Mapping[str, float]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """f and (∂f/∂input for each input) at every point; nan gradients where f is nan."""
        shape = _shape(coords)
        token = errstate_var.set(IGNORE_FP_ERRORS)  # as the engine: 15× cheaper than np.errstate
        try:
            values, mask = self._forward(coords, params)
            # an input's uses summed inside the IEEE errstate too (inf + -inf is nan, silently)
            out = self.per_input(self.backward(values))
        finally:
            errstate_var.reset(token)
        value = self._value(values[self.output], mask, shape)
        undefined = np.isnan(value)
        if not undefined.any():
            undefined = None
        # A rule may hand on the very array it got (x + y: both partials are one array), and
        # an input's own array is the caller's: those are copied, fresh results are not.
        taken = {id(c) for c in coords}
        result = []
        for g in out:
            if g is None:
                g = np.zeros(shape)
            elif undefined is not None:
                g = np.where(undefined, np.nan, g)  # a new array of the full shape
            elif id(g) in taken or np.shape(g) != shape:
                g = _full(g, shape)
            taken.add(id(g))
            result.append(g)
        return value, result

    def per_input(self, grads: list) -> list:
        """∂f/∂input for each input (None where f does not depend on it): the sum over the
        input's slots, in slot order."""
        out: list[Any] = [None] * self.n_inputs
        for slot in self.inputs:
            g = grads[slot]
            if g is not None:
                k = self.steps[slot][1]
                out[k] = g if out[k] is None else out[k] + g
        return out

    def lists(
        self, columns: Sequence[Sequence[float]], params: Mapping[str, float]
    ) -> tuple[list[float], list[list[float]]]:
        """f and ∇f as lists of floats, at a few points given as one list of coordinates per
        input: through the recorded tape (tape.py) where it answers, else through the sweep,
        with the same numbers."""
        return self.lists_at(params)(columns)

    def lists_at(self, params: Mapping[str, float]) -> Callable[[Sequence[Sequence[float]]], Any]:
        """`lists` at these parameter values, for calls by the hundred (the race): the tape
        is looked up once."""
        params = dict(params)
        # by the floats' bits: 0.0 and -0.0 are equal, their tapes' constants are not
        key = tuple(float(params.get(name, DEFAULT_PARAM)).hex() for name in self.params)
        token = errstate_var.set(IGNORE_FP_ERRORS)  # the trace computes as the arrays do
        try:
            fast = self._tapes.get(key, _UNSEEN)
            if fast is _UNSEEN:
                from gradexplorer.expr.tape import record

                if len(self._tapes) >= _TAPES:  # a parameter dragged: drop old values
                    self._tapes.clear()
                fast = self._tapes[key] = record(self, params)
        finally:
            errstate_var.reset(token)
        replay = None if fast is None else fast.replay

        def lists(columns: Sequence[Sequence[float]]) -> tuple[list[float], list[list[float]]]:
            if replay is not None:
                token = errstate_var.set(IGNORE_FP_ERRORS)
                try:
                    return replay(columns)
                except FloatingPointError:  # a nan, an infinity or a pole: the sweep answers
                    pass
                finally:
                    errstate_var.reset(token)
            f, g = self([np.array(c, dtype=float) for c in columns], params)
            return f.tolist(), [gd.tolist() for gd in g]

        return lists

    def _value(self, v: Any, mask: Any, shape: tuple[int, ...]) -> np.ndarray:
        """The output at every point (a fresh array), nan where f is undefined."""
        fresh = self.steps[self.output][0] == "f" and np.shape(v) == shape
        value = v if fresh else _full(v, shape)
        if mask is not False and np.any(mask):  # most functions have no mask at all
            value[np.broadcast_to(mask, shape)] = np.nan
        return value

    def values(self, coords: Sequence[np.ndarray], params: Mapping[str, float]) -> np.ndarray:
        """f alone (no gradient), e.g. for the heat map's grid."""
        token = errstate_var.set(IGNORE_FP_ERRORS)
        try:
            values, mask = self._forward(coords, params)
        finally:
            errstate_var.reset(token)
        return self._value(values[self.output], mask, _shape(coords))

    def leaves(self, coords: Sequence[Any], params: Mapping[str, float]) -> list[Any]:
        """The values of the program's slots with the inputs, parameters and constants filled
        in (the rest None)."""
        values: list[Any] = [None] * len(self.steps)
        for slot, (kind, payload, _) in enumerate(self.steps):
            if kind == "v":
                values[slot] = coords[payload]
            elif kind == "p":
                values[slot] = np.float64(params.get(payload, DEFAULT_PARAM))
            elif kind == "c":
                values[slot] = np.float64(payload)
        return values

    def _forward(self, coords: Sequence[np.ndarray], params: Mapping[str, float]) -> tuple:
        """Every slot's value, and the output's undefined mask (domain.py: undefined inside
        means undefined, as the engine's evaluation says)."""
        values = self.leaves(coords, params)
        masks: list[Any] = [False] * len(self.steps)
        for slot, op, args, mask in self.forward_plan:
            # unary and binary ops (nearly all) without a list and a *args call
            if len(args) == 2:
                data = (values[args[0]], values[args[1]])
                out = values[slot] = op.forward(data[0], data[1])
            elif len(args) == 1:
                data = (values[args[0]],)
                out = values[slot] = op.forward(data[0])
            else:
                data = tuple(values[a] for a in args)
                out = values[slot] = op.forward(*data)
            if mask == LOOK:
                masks[slot] = _masked(op.name, data, out, [masks[a] for a in args])
            elif mask == _PASS_ON:
                for a in args:
                    masks[slot] = masks[slot] | masks[a]
        return values, masks[self.output]

    def backward(self, values: list, F: Any = NUMPY_NS) -> list:
        """Every slot's gradient (None where the output's does not reach), by the op table's
        rules with the namespace F (numpy's; tape.py records it with its own)."""
        grads: list[Any] = [None] * len(self.steps)
        # The seed ∂f/∂f = 1 as a number: gradients broadcast up to the points they vary over.
        grads[self.output] = np.float64(1.0)
        for slot, args, pushes in self._backward_plan:
            g, out = grads[slot], values[slot]
            n = len(args)
            if n == 2:
                a0, a1 = values[args[0]], values[args[1]]
            elif n == 1:
                a0 = values[args[0]]
            else:
                inputs = [values[a] for a in args]
            for a, rule, first in pushes:
                if n == 2:
                    contribution = rule(F, g, out, a0, a1)
                elif n == 1:
                    contribution = rule(F, g, out, a0)
                else:
                    contribution = rule(F, g, out, *inputs)
                grads[a] = contribution if first else grads[a] + contribution
        return grads


# ----- the program, planned -----------------------------------------------------------
# The race calls the sweep 500 times on six points, where walking the program (a mask call per
# node, None checks, lists of slots) cost more than the numpy work. The walk is planned once:
# which slots are computed, which look at their numbers for the undefined mask, which get a
# gradient and from where. The same forwards and rules run in the same order (the same
# numbers, bit for bit).

# Ops whose result can be a number although an input is nan (nan^0 = 1, where(c, 1, nan)).
_SWALLOW = frozenset({"pow", "where"})
_NO_MASK, _PASS_ON, LOOK = 0, 1, 2  # what an op does for the undefined mask


def _mask_kind(steps: list, slot: int, masked: set[int]) -> int:
    """A nan passes through every op but pow and where by itself (the output comes out nan
    and is masked as nan), so only division by zero and nan-swallowing ops look at their
    numbers; x^c with a constant c > 0 and a division by a constant c != 0 do neither. The
    others pass their inputs' masks on, when an input has one."""
    op, args = steps[slot][1].name, steps[slot][2]
    looks = op in domain.POLE_OPS or op in _SWALLOW
    if looks and op in ("pow", "div") and steps[args[1]][0] == "c":
        c = steps[args[1]][1]
        looks = not c > 0 if op == "pow" else c == 0
    if looks:
        return LOOK
    return _PASS_ON if any(a in masked for a in args) else _NO_MASK


def _masked(op: str, data: list, out: Any, inputs: list) -> Any:
    """domain.undefined, with the inputs' nans counted as undefined inputs for an op that can
    swallow them."""
    if op in _SWALLOW:
        inputs = [m | np.isnan(d) for m, d in zip(inputs, data, strict=True)]
    return domain.undefined(op, data, out, inputs)


def _plan_forward(steps: list) -> list[tuple[int, Any, tuple[int, ...], int]]:
    plan, masked = [], set()
    for slot, (kind, op, args) in enumerate(steps):
        if kind == "f":
            mask = _mask_kind(steps, slot, masked)
            if mask != _NO_MASK:
                masked.add(slot)
            plan.append((slot, op, args, mask))
    return plan


def _plan_backward(sweep: ReverseSweep) -> list[tuple[int, tuple[int, ...], list]]:
    """(slot, its arguments, [(argument slot, rule, first contribution?)]) in reverse order,
    for the slots the output's gradient reaches."""
    plan: list[tuple[int, tuple[int, ...], list]] = []
    if not sweep.active[sweep.output]:
        return plan
    reached = {sweep.output}
    for slot in range(len(sweep.steps) - 1, -1, -1):
        kind, op, args = sweep.steps[slot]
        if slot not in reached or kind != "f":
            continue
        pushes = []
        for k, a in enumerate(args):
            if sweep.active[a]:
                pushes.append((a, op.rules[k], a not in reached))
                reached.add(a)
        plan.append((slot, args, pushes))
    return plan
