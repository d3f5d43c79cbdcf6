"""The backward pass: reverse-mode accumulation over the recorded graph, without recursion.

Like PyTorch's engine, a node runs only once all of its consumers have sent their gradient, so a
node used on several paths receives the sum of their contributions exactly once. The order comes
from creation numbers: every result is created after its inputs, so running the reachable nodes
from the newest to the oldest (a heap of the nodes found so far) is a reverse topological order,
found and worked through in one pass: linear in practice for a chain, and no recursion.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from operator import attrgetter
from typing import Any

import numpy as np

from gradexplorer.autograd._ieee import IGNORE_FP_ERRORS, errstate_var
from gradexplorer.autograd.ops import NUMPY_NS, TENSOR_NS
from gradexplorer.autograd.tensor import Tensor, _ForwardMode, _GradMode, _make
from gradexplorer.autograd.trace import BackwardTrace, TraceEdge, TraceNode

_by_seq = attrgetter("_seq")
_IN_PLACE_MIN = 1 << 16  # below this, allocating is cheaper than the checks
_ndarray = np.ndarray
_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def _no_grad_error(index: int) -> RuntimeError:
    return RuntimeError(
        f"element {index} of tensors does not require grad and does not have a grad_fn"
    )


def _seed(output: Tensor, gradient: Any, index: int) -> np.ndarray:
    if gradient is None:
        data = output.data
        if data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return data.dtype.type(1) if data.ndim == 0 else np.ones_like(data)
    g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != output.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{index}] has a shape of {g.shape} and output[{index}] "
            f"has a shape of {output.shape}."
        )
    return g.astype(output.data.dtype, copy=False)


def backward(
    output: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    *,
    trace: bool = False,
) -> BackwardTrace | None:
    """Accumulate d(output)/d(leaf) into .grad of every leaf that requires grad."""
    if not output.requires_grad:
        raise _no_grad_error(0)
    seed = _seed(output, gradient, 0)
    _, recorded = _run([output], [seed], retain_graph, create_graph, None, trace)
    return recorded


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of outputs with respect to inputs, as torch.autograd.grad: .grad is untouched."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray | float | int):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(grad_outputs)} for "
            f"{len(outputs)} outputs"
        )
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise _no_grad_error(i)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = [_seed(out, g, i) for i, (out, g) in enumerate(zip(outputs, grad_outputs, strict=True))]
    captured, _ = _run(outputs, seeds, retain_graph, create_graph, inputs, False)
    result: list[Tensor | None] = []
    for t in inputs:
        g = captured.get(id(t))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else _make(_owned(g)))
    return tuple(result)


def _owned(g: np.ndarray) -> np.ndarray:
    # Broadcast views (from sum's backward) are read-only and share memory: copy before keeping.
    if isinstance(g, np.ndarray):
        return g if g.flags.writeable else g.copy()
    return g if isinstance(g, np.generic) else np.asarray(g)  # ops._Ones becomes real here


def _reachable(roots: Sequence[Tensor], only_requiring_grad: bool) -> list[Tensor]:
    """Every tensor reachable from roots through op inputs, newest first (iterative DFS)."""
    seen: set[int] = set()
    found: list[Tensor] = []
    stack = [r for r in roots if r.requires_grad or not only_requiring_grad]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        found.append(t)
        for parent in t._parents:
            if id(parent) not in seen and (parent.requires_grad or not only_requiring_grad):
                stack.append(parent)
    found.sort(key=_by_seq, reverse=True)
    return found


def _run(
    roots: Sequence[Tensor],
    seeds: Sequence[np.ndarray],
    retain_graph: bool | None,
    create_graph: bool,
    capture: Sequence[Tensor] | None,
    trace: bool,
) -> tuple[dict[int, Any], BackwardTrace | None]:
    """One backward pass. capture=None: accumulate into .grad (backward); else return the
    gradients of the captured tensors and leave .grad alone (grad)."""
    if retain_graph is None:
        retain_graph = create_graph
    accumulate = capture is None
    capture_ids = {id(t) for t in capture} if capture else set()
    captured: dict[int, Any] = {}
    # With create_graph the rules run on Tensors in grad mode, so backward is itself recorded.
    # Inside a dual level they run on Tensors too, as ops that carry tangents (forward over
    # reverse: the gradient's tangent is a Hessian-vector product), but build no graph unless
    # create_graph asks for one.
    tensors = create_graph or _ForwardMode.level is not None
    F = TENSOR_NS if tensors else NUMPY_NS

    recorder = _Recorder(roots) if trace else None
    for root, seed in zip(roots, seeds, strict=True):
        g = Tensor(seed) if tensors else seed
        root._pending = g if root._pending is None else root._pending + g
    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    token = errstate_var.set(IGNORE_FP_ERRORS)  # IEEE: inf and nan are answers, not warnings
    try:
        _walk(
            roots,
            F,
            tensors,
            create_graph,
            retain_graph,
            accumulate,
            capture_ids,
            captured,
            recorder,
        )
    except BaseException:
        for t in _reachable(roots, only_requiring_grad=True):
            t._pending = None  # leave no half-summed gradient behind for the next pass
        raise
    finally:
        errstate_var.reset(token)
        _GradMode.enabled = previous_mode
    return captured, (recorder.finish() if recorder is not None else None)


def _walk(
    roots: Sequence[Tensor],
    F: Any,
    tensors: bool,
    create_graph: bool,
    retain_graph: bool,
    accumulate: bool,
    capture_ids: set[int],
    captured: dict[int, Any],
    recorder: _Recorder | None,
) -> None:
    """The hot loop: each node once, after all of its consumers have added their gradient.

    Like PyTorch's ready queue: a heap of the tensors found so far, newest (highest creation
    number) first. A tensor's consumers are all newer than it, and each was found and run before
    it could come off the heap, so its gradient is complete when it runs. Discovery and work
    happen in one pass over the graph. The gradient being summed for a tensor waits in its
    _pending slot (cheaper than a dict).
    """
    heap: list[tuple[int, Tensor]] = []
    owned: set[int] = set()  # tensors whose pending gradient is a big sum this pass allocated
    for root in roots:
        if root.requires_grad and (-root._seq, root) not in heap:
            heappush(heap, (-root._seq, root))
    watching = bool(capture_ids) or recorder is not None
    while heap:
        t = heappop(heap)[1]
        g = t._pending
        t._pending = None
        if watching:
            if id(t) in capture_ids:
                captured[id(t)] = g
            if recorder is not None:
                recorder.visit(t, g)
        op = t._op
        if op is None:
            if accumulate:
                _accumulate_leaf(t, g, create_graph)
            continue
        if accumulate and t._retains_grad:
            _accumulate_leaf(t, g, create_graph)
        if t._released and op.saves:
            raise RuntimeError(_SECOND_BACKWARD)
        parents = t._parents
        kwargs = t._kwargs
        if tensors:
            out, args = t, parents
        elif len(parents) == 2:
            out, args = t.data, (parents[0].data, parents[1].data)
        else:
            out, args = t.data, [p.data for p in parents]
        # A call through *args costs twice a plain one, so the inputs of unary and binary ops
        # (nearly every node) are passed one by one.
        n = 0 if kwargs else len(args)
        if n == 2:
            a, b = args
        elif n == 1:
            a = args[0]
        rules = op.rules
        for k, parent in enumerate(parents):
            if not parent.requires_grad:
                continue
            if n == 2:
                gk = rules[k](F, g, out, a, b)
            elif n == 1:
                gk = rules[k](F, g, out, a)
            else:
                gk = rules[k](F, g, out, *args, **kwargs)
            data = parent.data
            # Two numpy scalars of one type have one shape: a scalar graph skips both .shape reads.
            if (type(gk) is not type(data) or type(gk) is _ndarray) and gk.shape != data.shape:
                gk = F.sum_to(gk, data.shape)
            if recorder is not None:
                recorder.edge(t, k, gk)
            previous = parent._pending
            if previous is None:
                # First gradient to reach this parent: it joins the heap. It cannot have run
                # already, since everything that ran before it is newer than all its consumers.
                parent._pending = gk
                heappush(heap, (-parent._seq, parent))
            elif type(previous) is _ndarray and previous.size >= _IN_PLACE_MIN:
                key = id(parent)
                parent._pending, mine = _accumulate(previous, gk, key in owned)
                if mine:
                    owned.add(key)
            else:
                parent._pending = previous + gk
        if not retain_graph:
            t._released = True


def _accumulate(previous: np.ndarray, gk: Any, owned: bool) -> tuple[Any, bool]:
    """previous + gk for a big array, and whether the result is an array only this pass holds.

    A sum the pass made itself is added to in place: for a big tensor used several times that
    saves allocating (and having the kernel zero) a new array per extra use. Anything else may be
    shared (forward data, a gradient sent to two inputs), so it is never written to.
    """
    if (
        owned
        and isinstance(gk, np.ndarray | np.generic)  # not ops._Ones: it takes no ufunc
        and np.result_type(previous, gk) == previous.dtype
        and np.broadcast_shapes(previous.shape, np.shape(gk)) == previous.shape
    ):
        return np.add(previous, gk, out=previous), True
    total = previous + gk
    return total, type(total) is np.ndarray and total.shape == previous.shape


def _accumulate_leaf(t: Tensor, g: Any, create_graph: bool) -> None:
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
    else:
        data = g.data if isinstance(g, Tensor) else g
        t.grad = _make(_owned(data) if t.grad is None else t.grad.data + data)


class _Recorder:
    """Collects what backward did into a BackwardTrace (values as numpy arrays).

    It runs on every x step of the app (151 nodes and 190 edges for the biggest function), so
    its hot paths pass arguments one by one and build the trace's tuples directly."""

    def __init__(self, roots: Sequence[Tensor]) -> None:
        self.roots = roots
        self.visited: dict[int, tuple[int, Any]] = {}  # id -> (backward order, gradient)
        # id(op's result) * 8 + arg index -> (local derivative, contribution)
        self.edge_values: dict[int, tuple[Any, Any]] = {}

    def visit(self, t: Tensor, g: Any) -> None:
        visited = self.visited
        visited[id(t)] = (len(visited), _kept(g.data if type(g) is Tensor else g))

    def edge(self, result: Tensor, k: int, contribution: Any) -> None:
        parents = result._parents
        data = result.data
        # The local derivative is the rule applied to an upstream gradient of ones (a numpy
        # scalar's 1 is twenty times cheaper than np.ones_like: one per edge per step).
        ones = np.ones_like(data) if type(data) is _ndarray else data.dtype.type(1)
        rule = result._op.rules[k]
        if result._kwargs:
            args = [p.data for p in parents]
            local = rule(NUMPY_NS, ones, data, *args, **result._kwargs)
        elif len(parents) == 2:
            local = rule(NUMPY_NS, ones, data, parents[0].data, parents[1].data)
        elif len(parents) == 1:
            local = rule(NUMPY_NS, ones, data, parents[0].data)
        else:
            local = rule(NUMPY_NS, ones, data, *[p.data for p in parents])
        target = parents[k].data
        if (type(local) is not type(target) or type(local) is _ndarray) and np.shape(
            local
        ) != target.shape:
            local = NUMPY_NS.sum_to(local, target.shape)
        contrib = contribution.data if type(contribution) is Tensor else contribution
        self.edge_values[id(result) * 8 + k] = (_kept(local), _kept(contrib))

    def finish(self) -> BackwardTrace:
        everything = _reachable(self.roots, only_requiring_grad=False)
        everything.reverse()  # oldest first: a forward topological order
        ids = {id(t): i for i, t in enumerate(everything)}
        outputs = {ids[id(r)] for r in self.roots}
        visited, edge_values = self.visited, self.edge_values
        new, node, edge, array = tuple.__new__, TraceNode, TraceEdge, _kept
        nodes = []
        edges = []
        for i, t in enumerate(everything):
            key, op = id(t), t._op
            sources = tuple([ids[id(p)] for p in t._parents])
            order, grad = visited.get(key, _NOT_VISITED)
            nodes.append(
                new(
                    node,
                    (
                        i,  # id
                        "leaf" if op is None else op.name,  # op
                        _label(t),
                        _kind(t),
                        array(t.data),  # value
                        grad,
                        sources,  # parents
                        i,  # forward_order
                        order,  # backward_order
                        i in outputs,  # is_output
                    ),
                )
            )
            key *= 8
            for k, src in enumerate(sources):
                local, contrib = edge_values.get(key + k, _NO_EDGE)
                edges.append(new(edge, (src, i, k, local, contrib)))
        output = ids[id(self.roots[0])]
        return BackwardTrace(nodes=tuple(nodes), edges=tuple(edges), output=output)


_NOT_VISITED = (None, None)  # backward_order and gradient of a node backward did not reach
_NO_EDGE = (None, None)  # an edge backward did not take: its input needs no gradient


def _kept(value: Any) -> Any:
    """A value as the trace keeps it: a numpy scalar as it is (immutable: a scalar graph's
    values, 660 of them per x step for 151 nodes), anything else copied into a new array (a
    big gradient may be summed in place later)."""
    return value if isinstance(value, np.generic) else np.array(value)


def _kind(t: Tensor) -> str:
    if not t.requires_grad:
        return "const"
    return "input" if t._op is None else "op"


def _label(t: Tensor) -> str:
    if t.name:
        return t.name
    if t._op is not None:
        return t._op.label
    if t.data.size == 1:
        return f"{float(t.data.reshape(())):.6g}"
    return "input" if t.requires_grad else f"const{list(t.data.shape)}"
