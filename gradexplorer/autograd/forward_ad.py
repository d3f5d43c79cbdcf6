"""Forward-mode AD: dual tensors as in torch.autograd.forward_ad, and jvp as torch.func.jvp.

Inside a dual level every tensor may carry a tangent v̇ beside its value; each op computes its
result's tangent from its inputs' ones with the tangent rules of its row in the op table
(ops.propagate: v̇ = Σ local × input v̇), as it runs. Nothing is kept for later: forward mode
builds no graph of its own, so a long chain runs in constant memory.

    with dual_level():
        x = make_dual(Tensor(2.0), Tensor(1.0))   # value 2, tangent 1: the seed
        y = x * x + 3 * x
        value, tangent = unpack_dual(y)           # 10 and dy/dx = 7

    outputs, jvp_out = jvp(f, (x,), (v,))         # the same in one call

PyTorch's semantics and messages are kept where it has them: one level at a time, no_grad does
not stop forward mode, unpack_dual outside a level gives no tangent, a tangent of the wrong
size is refused. Both orders of second derivatives work: a jvp of a gradient (forward over
reverse: backward runs its rules as ops, which carry tangents) and a gradient of a jvp (reverse
over forward: with inputs that require grad the tangent rules run on Tensors and are recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from gradexplorer.autograd.ops import ALIAS, NUMPY_NS, Op, apply
from gradexplorer.autograd.tensor import Tensor, _ForwardMode, _make
from gradexplorer.autograd.trace import ForwardEdge, ForwardNode, ForwardTrace

__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "is_dual",
    "jvp",
    "make_dual",
    "unpack_dual",
]

_JVP = "jvp(f, primals, tangents)"


class _Level:
    """One dual level. A tangent is stored with the level it belongs to, so leaving the level
    is enough to make every tangent of it disappear (PyTorch deletes them at exit)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class UnpackedDualTensor(NamedTuple):
    """What unpack_dual returns: the primal (a view without tangent) and the tangent or None."""

    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    """Enter a dual level (only one can be active, as in PyTorch); returns its index."""
    if _ForwardMode.level is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _ForwardMode.level = _Level(0)
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Leave the dual level: every tangent of the level is gone."""
    current = _ForwardMode.level
    if level is not None and (current is None or level != current.index):
        raise RuntimeError(
            "Trying to exit a forward AD level that was not the last one that was created. "
            "This is not supported."
        )
    if current is None:
        raise RuntimeError("No forward AD level was created so you cannot exit it.")
    _ForwardMode.level = None


class dual_level:
    """Context manager (and decorator) in which forward-mode AD works: make_dual, unpack_dual
    and tangents carried by every op."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: object) -> None:
        exit_dual_level()

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with dual_level():
                return func(*args, **kwargs)

        wrapper.__name__ = getattr(func, "__name__", "wrapper")
        wrapper.__doc__ = func.__doc__
        return wrapper


def _level(level: int | None) -> _Level | None:
    """The level an API call means: the current one, None outside any level."""
    current = _ForwardMode.level
    if level is None or level < 0:
        return current if level is None else None
    if current is None or level != current.index:
        raise RuntimeError(
            "Trying to access a forward AD level with an invalid index. This index was either "
            "not created or is already deleted."
        )
    return current


def _size_error(tensor: Tensor, tangent: Tensor) -> RuntimeError:
    def size(shape: tuple[int, ...]) -> str:
        return "[" + ", ".join(str(n) for n in shape) + "]"

    return RuntimeError(
        "Trying to set a forward gradient that has a different size than that of the original "
        f"Tensor, this is not supported. Tensor is of size {size(tensor.shape)} while the given "
        f"forward gradient is of size {size(tangent.shape)}."
    )


def _view(tensor: Tensor) -> Tensor:
    """The same data as a new tensor without a tangent, still in tensor's graph (a view)."""
    if not tensor.requires_grad:
        out = _make(tensor.data)
    else:
        previous = _ForwardMode.level
        _ForwardMode.level = None  # the view itself must not pick up the tangent
        try:
            out = apply(ALIAS, tensor)
        finally:
            _ForwardMode.level = previous
    out.name = tensor.name
    return out


def make_dual(tensor: Tensor, tangent: Any, *, level: int | None = None) -> Tensor:
    """A dual tensor: a view of tensor (same value, same graph) carrying tangent.

    The tangent must have tensor's size. A tangent that is not a Tensor (a number, an array)
    takes the primal's dtype, so float32 stays float32. Backward differentiable in both."""
    current = _level(level)
    if current is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first."
        )
    if not isinstance(tensor, Tensor):
        tensor = Tensor(tensor)
    if not isinstance(tangent, Tensor):
        tangent = Tensor(tangent, dtype=tensor.dtype)
    if tangent.shape != tensor.shape:
        raise _size_error(tensor, tangent)
    if _held(tensor, current) is not None:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at the "
            f"same level {current.index} is not supported."
        )
    return _dual(tensor, tangent, current)


def _dual(tensor: Tensor, tangent: Tensor, level: _Level) -> Tensor:
    dual = _view(tensor)
    # Kept as an array unless the tangent needs gradients of its own (reverse over forward).
    dual._tangent = (level, tangent if tangent.requires_grad else tangent.data)
    if _ForwardMode.recorder is not None:
        _ForwardMode.recorder.seed(dual)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """(primal, tangent) of a dual tensor. Outside a dual level, or for a tensor without a
    tangent, the tangent is None; outside a level the primal is the tensor itself."""
    current = _level(level)
    if current is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_view(tensor), _tangent_tensor(tensor, current))


def _tangent_tensor(tensor: Tensor, level: _Level) -> Tensor | None:
    tangent = _held(tensor, level)
    if tangent is None or isinstance(tangent, Tensor):
        return tangent
    return _make(_owned(tangent))


def is_dual(tensor: Tensor) -> bool:
    """Whether tensor carries a tangent in the current dual level."""
    level = _ForwardMode.level
    return level is not None and _held(tensor, level) is not None


def _held(tensor: Tensor, level: _Level) -> Any:
    held = tensor._tangent
    return held[1] if held is not None and held[0] is level else None


def _owned(data: Any) -> Any:
    # Tangents may be broadcast views (read-only, shared): the caller gets its own array.
    if isinstance(data, np.ndarray) and not data.flags.writeable:
        return data.copy()
    return data


# ----------------------------------------------------------------------------- jvp


def jvp(
    func: Callable[..., Any],
    primals: Any,
    tangents: Any,
    *,
    strict: bool = False,
    has_aux: bool = False,
    trace: bool = False,
) -> tuple[Any, ...]:
    """(func(*primals), J·tangents), as torch.func.jvp: forward mode in one call.

    primals and tangents are tuples of Tensors of the same structure and sizes; func returns a
    Tensor or a tuple of Tensors, and the Jacobian-vector product has the same structure. An
    output that does not depend on the inputs has a tangent of zeros (an error with strict=True).
    With has_aux, func returns (output, aux) and aux is returned last. With trace=True (not in
    PyTorch) a ForwardTrace of the first output is returned after everything else.
    """
    _check_arguments(primals, tangents)
    enter_dual_level()
    level = _ForwardMode.level
    recorder = _ForwardRecorder() if trace else None
    previous, _ForwardMode.recorder = _ForwardMode.recorder, recorder
    try:
        result = func(*[_dual(p, t, level) for p, t in zip(primals, tangents, strict=True)])
        if has_aux:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(
                    f"{_JVP}: output of function f should be a tuple: (output, aux) "
                    "if has_aux is True"
                )
            result, aux = result
        outputs = result if isinstance(result, tuple) else (result,)
        if not outputs:
            raise RuntimeError(
                f"{_JVP}: Expected f to be a function that has non-empty output "
                f"(got output = {list(outputs)})"
            )
        values = [_primal_out(out) for out in outputs]
        jvps = [_tangent_out(out, level, strict) for out in outputs]
        recorded = recorder.finish(outputs[0]) if recorder is not None else None
    finally:
        exit_dual_level()
        _ForwardMode.recorder = previous
    # The outputs keep func's structure: one Tensor, or a tuple of them.
    tupled = isinstance(result, tuple)
    answer = (tuple(values), tuple(jvps)) if tupled else (values[0], jvps[0])
    if has_aux:
        answer += (aux,)
    if trace:
        answer += (recorded,)
    return answer


def _check_arguments(primals: Any, tangents: Any) -> None:
    """torch.func.jvp's checks, with its messages: tuples of Tensors of the same sizes."""
    if not isinstance(primals, tuple):
        raise RuntimeError(
            f"{_JVP}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals)."
        )
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError(
            f"{_JVP}: Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals "
            f"with structure {_structure(primals)} and tangents with structure "
            f"{_structure(tangents)}"
        )
    _tensors_only(primals, "primals")
    _tensors_only(tangents, "tangents")
    for p, t in zip(primals, tangents, strict=True):
        if t.shape != p.shape:
            raise _size_error(p, t)


def _structure(value: Any) -> str:
    if isinstance(value, tuple):
        inner = ", ".join(_structure(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_structure(v) for v in value) + "]"
    return "*"


def _tensors_only(values: tuple[Any, ...], name: str) -> None:
    if not values:
        raise RuntimeError(f"{_JVP}: Expected {name} to contain at least one Tensor.")
    for value in values:
        if not isinstance(value, Tensor):
            raise RuntimeError(
                f"{_JVP}: Expected {name} to only contain Tensors, got {type(value)}"
            )


def _primal_out(out: Any) -> Tensor:
    if not isinstance(out, Tensor):
        raise RuntimeError(
            f"{_JVP}: expected f(*primals) to return only tensors, got unsupported type {type(out)}"
        )
    return _view(out)


def _tangent_out(out: Tensor, level: _Level, strict: bool) -> Tensor:
    tangent = _tangent_tensor(out, level)
    if tangent is None:
        if strict:
            raise RuntimeError(
                "jvp(f, primals, tangents, strict=True): The output of f is independent of the "
                "inputs. This is not allowed with strict=True."
            )
        tangent = _make(np.zeros_like(out.data)[()])
    return tangent


# ----------------------------------------------------------------------------- the trace


class _ForwardRecorder:
    """Collects what a forward-mode pass did (ops.propagate reports every op it runs) into a
    ForwardTrace. It keeps the tensors alive while recording, so their ids stay theirs."""

    def __init__(self) -> None:
        self.tensors: dict[int, Tensor] = {}
        self.inputs: set[int] = set()
        # id of the result -> (op, its inputs, [(local, contribution) or None per input])
        self.ops: dict[int, tuple[Op, tuple[Tensor, ...], list[tuple[Any, Any] | None]]] = {}

    def seed(self, dual: Tensor) -> None:
        self.tensors[id(dual)] = dual
        self.inputs.add(id(dual))

    def op(
        self,
        op: Op,
        out: Tensor,
        inputs: Sequence[Tensor],
        kwargs: dict[str, Any],
        tangents: Sequence[Any],
        parts: Sequence[Any],
    ) -> None:
        args = [t.data for t in inputs]
        data = out.data
        edges: list[tuple[Any, Any] | None] = []
        for k, (t, part) in enumerate(zip(inputs, parts, strict=True)):
            self.tensors[id(t)] = t
            if tangents[k] is None:
                edges.append(None)
                continue
            # The local derivative is the tangent rule applied to a tangent of ones.
            ones = np.ones_like(t.data) if type(t.data) is np.ndarray else t.data.dtype.type(1)
            local = op.jvp[k](NUMPY_NS, ones, data, *args, **kwargs)
            edges.append((_spread(local, data), _spread(_data(part), data)))
        self.tensors[id(out)] = out
        self.ops[id(out)] = (op, tuple(inputs), edges)

    def finish(self, root: Tensor) -> ForwardTrace:
        """The nodes that lead to root (found without recursion), oldest first."""
        found: dict[int, Tensor] = {}
        stack = [root]
        while stack:
            t = stack.pop()
            if id(t) not in found:
                found[id(t)] = t
                if id(t) in self.ops:
                    stack.extend(self.ops[id(t)][1])
        ordered = sorted(found.values(), key=lambda t: t._seq)
        ids = {id(t): i for i, t in enumerate(ordered)}
        nodes, edges = [], []
        for i, t in enumerate(ordered):
            op, inputs, parts = self.ops.get(id(t), (None, (), []))
            kind = "op" if op is not None else "input" if id(t) in self.inputs else "const"
            held = t._tangent
            tangent = None if kind == "const" or held is None else np.array(_data(held[1]))
            nodes.append(
                ForwardNode(
                    id=i,
                    op=op.name if op is not None else "leaf",
                    label=_label(t, op, kind),
                    kind=kind,
                    value=np.array(t.data),
                    tangent=tangent,
                    parents=tuple(ids[id(p)] for p in inputs),
                    forward_order=i,
                    is_output=t is root,
                )
            )
            for k, (parent, part) in enumerate(zip(inputs, parts, strict=True)):
                local, contribution = part if part is not None else (None, None)
                edges.append(ForwardEdge(ids[id(parent)], i, k, local, contribution))
        return ForwardTrace(nodes=tuple(nodes), edges=tuple(edges), output=ids[id(root)])


def _label(t: Tensor, op: Op | None, kind: str) -> str:
    """As the backward trace labels its nodes: a name, the op's label, or the number."""
    if t.name:
        return t.name
    if op is not None:
        return op.label
    if t.data.size == 1:
        return f"{float(t.data.reshape(())):.6g}"
    return "input" if kind == "input" else f"const{list(t.data.shape)}"


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def _spread(value: Any, like: Any) -> np.ndarray:
    """value with the shape of the op's result (a tangent term may still be an input's)."""
    return np.array(np.broadcast_to(value, np.shape(like)))
