"""The copied PyTorch training loop runs and lands where the app's race does.

PyTorch is not installed here, so the program is executed against a stand-in `torch` written in
this test: tensors are gradexplorer's own (the language's printer only uses operators and
torch functions that exist there), and torch.optim / lr_scheduler are this test's
re-implementations of the documented algorithms and closed-form schedules. The program's text,
its order of calls (zero_grad, backward, step, scheduler.step) and its settings are what is
under test."""

from __future__ import annotations

import contextlib
import io
import math
import sys
import types

import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor
from gradexplorer.expr import parse
from gradexplorer.lessons.optimizers import make
from gradexplorer.lessons.race import engine_objective, race
from gradexplorer.lessons.schedules import Schedule
from gradexplorer.lessons.training_loop import training_loop


class _Optimizer:
    def __init__(self, params, lr, **settings):
        self.params, self.lr, self.s, self.t = list(params), lr, settings, 0
        self.state = [{} for _ in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.t += 1
        for p, st in zip(self.params, self.state, strict=True):
            g = float(p.grad.item())
            p.data = np.asarray(self.update(float(p.item()), g, st), dtype=float)


class SGD(_Optimizer):
    def update(self, p, g, st):
        mu, wd = self.s.get("momentum", 0.0), self.s.get("weight_decay", 0.0)
        g = g + wd * p
        if mu:
            st["b"] = g if "b" not in st else mu * st["b"] + (1 - self.s.get("dampening", 0)) * g
            g = g + mu * st["b"] if self.s.get("nesterov") else st["b"]
        return p - self.lr * g


class Adam(_Optimizer):
    def update(self, p, g, st):
        b1, b2 = self.s.get("betas", (0.9, 0.999))
        eps, t = self.s.get("eps", 1e-8), self.t
        st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
        st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
        m_hat, v_hat = st["m"] / (1 - b1**t), st["v"] / (1 - b2**t)
        return p - self.lr * m_hat / (math.sqrt(v_hat) + eps)


class _Scheduler:
    def __init__(self, optimizer, **kw):
        if not hasattr(optimizer, "initial_lr"):  # as PyTorch: the first scheduler keeps it
            optimizer.initial_lr = optimizer.lr
        self.opt, self.kw, self.epoch, self.base = optimizer, kw, 0, optimizer.initial_lr
        self.opt.lr = self.at(0)

    def step(self):
        self.epoch += 1
        self.opt.lr = self.at(self.epoch)


class LinearLR(_Scheduler):
    def at(self, e):
        s, n = self.kw["start_factor"], self.kw["total_iters"]
        return self.base * (s + (1 - s) * min(e, n) / n)


class CosineAnnealingLR(_Scheduler):
    def at(self, e):
        t, lo = self.kw["T_max"], self.kw.get("eta_min", 0.0)
        return lo + (self.base - lo) * (1 + math.cos(math.pi * e / t)) / 2


class SequentialLR:
    def __init__(self, optimizer, schedulers, milestones):
        self.opt, self.scheds, self.m, self.epoch = optimizer, schedulers, milestones[0], 0
        self.opt.lr = schedulers[0].at(0)

    def step(self):
        self.epoch += 1
        first, second = self.scheds
        self.opt.lr = (
            first.at(self.epoch) if self.epoch < self.m else second.at(self.epoch - self.m)
        )


def fake_torch() -> types.ModuleType:
    torch = types.ModuleType("torch")
    torch.float64 = "float64"
    torch.tensor = lambda v, dtype=None, requires_grad=False: Tensor(
        float(v), requires_grad=requires_grad
    )
    for name in ("sin", "cos", "exp", "log", "tanh", "sigmoid", "sqrt"):
        setattr(torch, name, getattr(ag, name))
    torch.optim = types.SimpleNamespace(
        SGD=SGD,
        Adam=Adam,
        lr_scheduler=types.SimpleNamespace(
            LinearLR=LinearLR, CosineAnnealingLR=CosineAnnealingLR, SequentialLR=SequentialLR
        ),
    )
    return torch


def run_program(source: str) -> list[str]:
    out = io.StringIO()
    saved = sys.modules.get("torch")
    sys.modules["torch"] = fake_torch()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, "<training loop>", "exec"), {"__name__": "__copied__"})
    finally:
        if saved is None:
            del sys.modules["torch"]
        else:
            sys.modules["torch"] = saved
    return out.getvalue().splitlines()


@pytest.mark.parametrize(
    ("text", "spec", "params"),
    [
        ("f(x, y) = (1 - x)^2 + 100(y - x^2)^2", make("sgd", lr=1e-3, momentum=0.9), {}),
        (
            "f(w, b) = (w + b - 2)^2 + (2w + b - 3)^2 + a sin(w)",
            make("adam", lr=0.05, betas=(0.8, 0.99), schedule=Schedule("cosine", warmup=4)),
            {"a": 0.3},
        ),
        ("f(x, y) = x^2 + 3y^2", make("sgd", lr=0.05, momentum=0.5, nesterov=True), {}),
    ],
)
def test_the_copied_loop_runs_and_lands_where_the_race_does(text, spec, params) -> None:
    e = parse(text)
    start = dict(zip(e.inputs, (-1.2, 1.0), strict=True))
    source = training_loop(e, start, params, spec, 60)
    assert f"optimizer = {spec.pytorch_call('[' + ', '.join(e.inputs) + ']')}" in source
    lines = run_program(source)
    final = lines[-1].split()
    assert final[:3] == ["after", "60", "steps:"]
    (run,) = race(engine_objective(e, params), (-1.2, 1.0), [spec], 60)
    got = np.array([float(v) for v in final[3:5]])
    np.testing.assert_allclose(got, run.path[-1], rtol=1e-9)
    assert float(final[5]) == pytest.approx(run.values[-1], rel=1e-8)
    assert len(lines) == 1 + 10  # a line every 6 steps, and the result


def test_parameters_are_constants_and_scheduler_lines_appear_only_when_needed() -> None:
    e = parse("f(x, y) = k x^2 + y^2")
    plain = training_loop(e, {"x": 1.0, "y": 2.0}, {"k": 3.0}, make("sgd", lr=0.1), 5)
    assert "k = torch.tensor(3.0, dtype=torch.float64)  # a parameter, fixed" in plain
    assert "scheduler" not in plain and "loss = f(x, y, k)" in plain
    warm = training_loop(
        e, {"x": 1.0, "y": 2.0}, {}, make("sgd", lr=0.1, schedule=Schedule("step", warmup=2)), 5
    )
    assert "SequentialLR(optimizer, [warmup, main], milestones=[2])" in warm
    assert "    scheduler.step()" in warm
