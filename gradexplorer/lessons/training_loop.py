"""A runnable PyTorch training loop for a typed function and one optimizer of the race: the
same start, settings and schedule, so the numbers it prints are the app's. Text only; never
executed here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradexplorer.expr.printers import python_name, pytorch_function
from gradexplorer.lessons.optimizers import OptimizerSpec
from gradexplorer.lessons.schedules import pytorch_lines


def training_loop(
    expression: Any,
    start: Mapping[str, float],
    params: Mapping[str, float],
    spec: OptimizerSpec,
    steps: int,
) -> str:
    """`steps` optimizer steps from `start` on f, printing the path as it goes."""
    inputs = [python_name(n) for n in expression.inputs]
    names = [python_name(p) for p in expression.params]
    lines = ["import math", "", "import torch", "", ""]
    lines += pytorch_function(
        expression.tree, expression.inputs, expression.params, expression.definitions
    )
    lines += ["", ""]
    for name, n in zip(expression.inputs, inputs, strict=True):
        lines.append(
            f"{n} = torch.tensor({float(start[name])!r}, dtype=torch.float64, requires_grad=True)"
        )
    for param, n in zip(expression.params, names, strict=True):
        value = float(params.get(param, 1.0))
        lines.append(f"{n} = torch.tensor({value!r}, dtype=torch.float64)  # a parameter, fixed")
    lines.append(f"optimizer = {spec.pytorch_call('[' + ', '.join(inputs) + ']')}")
    schedule = pytorch_lines(spec.schedule, steps)
    lines += schedule
    call = f"f({', '.join([*inputs, *names])})"
    point = ", ".join(f"{n}.item()" for n in inputs)
    every = max(1, steps // 10)
    lines += [
        "",
        f"for step in range({steps}):",
        "    optimizer.zero_grad()",
        f"    loss = {call}",
        "    loss.backward()",
        "    optimizer.step()",
    ]
    if schedule:
        lines.append("    scheduler.step()")
    lines += [
        f"    if step % {every} == 0:",
        f"        print(step + 1, {point}, loss.item())",
        "",
        f'print("after {steps} steps:", {point}, {call}.item())',
    ]
    return "\n".join(lines) + "\n"
