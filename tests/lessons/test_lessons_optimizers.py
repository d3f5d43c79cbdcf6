"""The optimizers against closed forms and against an independent re-implementation of the
algorithms as torch.optim's documentation writes them (the test's own code: numpy arrays, the
documented formulas with m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ) inside the root, rather than the
library's folded step sizes), plus PyTorch's defaults, argument checks and schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradexplorer.expr import parse
from gradexplorer.lessons.optimizers import DEFAULTS, OptimizerError, OptimizerSpec, make
from gradexplorer.lessons.race import (
    CONVERGED,
    DIVERGED,
    NON_FINITE,
    RUNNING,
    engine_objective,
    explain,
    race,
    update_at,
)
from gradexplorer.lessons.schedules import Schedule, ScheduleError, learning_rates

# ----- an independent re-implementation of the documented algorithms --------------------------


def documented_path(spec: OptimizerSpec, grad, start, steps: int, lrs=None) -> np.ndarray:
    """θ_t from the pseudo-code in the torch.optim docs, vectorised with numpy."""
    s = dict(spec.settings)
    theta = np.array(start, dtype=float)
    out = [theta.copy()]
    zero = np.zeros_like(theta)
    b, m, v, vmax, ga = zero.copy(), zero.copy(), zero.copy(), zero.copy(), zero.copy()
    state_sum = np.full_like(theta, s.get("initial_accumulator_value", 0.0))
    for t in range(1, steps + 1):
        lr = s["lr"] if lrs is None else lrs[t - 1]
        g = -grad(theta) if s["maximize"] else grad(theta)
        if spec.name == "adamw":
            theta = theta - lr * s["weight_decay"] * theta
        elif s["weight_decay"]:
            g = g + s["weight_decay"] * theta
        if spec.name == "sgd":
            if s["momentum"]:
                b = g if t == 1 else s["momentum"] * b + (1 - s["dampening"]) * g
                g = g + s["momentum"] * b if s["nesterov"] else b
            theta = theta - lr * g
        elif spec.name == "rmsprop":
            a = s["alpha"]
            v = a * v + (1 - a) * g**2
            vt = v
            if s["centered"]:
                ga = a * ga + (1 - a) * g
                vt = v - ga**2
            if s["momentum"] > 0:
                b = s["momentum"] * b + g / (np.sqrt(vt) + s["eps"])
                theta = theta - lr * b
            else:
                theta = theta - lr * g / (np.sqrt(vt) + s["eps"])
        elif spec.name == "adagrad":
            clr = lr / (1 + (t - 1) * s["lr_decay"])
            state_sum = state_sum + g**2
            theta = theta - clr * g / (np.sqrt(state_sum) + s["eps"])
        else:
            b1, b2 = s["betas"]
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            if s["amsgrad"]:
                # The docs' pseudo-code keeps the max of the corrected v̂; torch/optim/adam.py
                # keeps the max of the raw v and corrects it with the current step's factor.
                # Students run the code, so the code is the reference here.
                vmax = np.maximum(vmax, v)
                v_hat = vmax / (1 - b2**t)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + s["eps"])
        out.append(theta.copy())
    return np.array(out)


def himmelblau_grad(p: np.ndarray) -> np.ndarray:
    x, y = p
    a, b = x * x + y - 11, x + y * y - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


HIMMELBLAU = parse("f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2")

SPECS = [
    make("sgd", lr=0.01),
    make("sgd", lr=0.01, momentum=0.9),
    make("sgd", lr=0.005, momentum=0.8, dampening=0.3, weight_decay=0.05),
    make("sgd", lr=0.01, momentum=0.9, nesterov=True),
    make("sgd", lr=0.01, momentum=0.5, nesterov=True, maximize=False, weight_decay=0.1),
    make("rmsprop", lr=0.01),
    make("rmsprop", lr=0.01, momentum=0.9, centered=True, weight_decay=0.01),
    make("rmsprop", lr=0.003, alpha=0.9, eps=1e-6, momentum=0.5),
    make("adagrad", lr=0.5),
    make("adagrad", lr=0.5, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.02),
    make("adam", lr=0.05),
    make("adam", lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True),
    make("adamw", lr=0.05),
    make("adamw", lr=0.05, weight_decay=0.3, amsgrad=True),
    # a large eps makes "outside the root" visible: sqrt(v) + eps, not sqrt(v + eps)
    make("adam", lr=0.05, eps=0.5),
    make("rmsprop", lr=0.01, eps=0.5),
    make("adagrad", lr=0.5, eps=0.5),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.label}-{s.changed()}")
def test_paths_match_the_documented_algorithms(spec: OptimizerSpec) -> None:
    start = (-1.0, 0.5)
    (run,) = race(engine_objective(HIMMELBLAU, {}), start, [spec], 150)
    expected = documented_path(spec, himmelblau_grad, start, 150)
    np.testing.assert_allclose(np.array(run.path), expected, rtol=1e-9, atol=1e-11)
    assert run.status in (CONVERGED, RUNNING)


def test_maximize_climbs_as_the_docs_say() -> None:
    spec = make("adam", lr=0.01, maximize=True)
    bump = parse("f(x, y) = -(x^2 + 2y^2)")

    def grad(p: np.ndarray) -> np.ndarray:
        return np.array([-2 * p[0], -4 * p[1]])

    (run,) = race(engine_objective(bump, {}), (1.0, -1.0), [spec], 50)
    np.testing.assert_allclose(run.path, documented_path(spec, grad, (1.0, -1.0), 50), rtol=1e-10)
    assert run.values[-1] > run.values[0]  # maximize walks uphill


def test_plain_descent_on_a_quadratic_is_the_closed_form() -> None:
    # f = 2x² + y²/2: x_k = (1 − 4η)^k x₀, y_k = (1 − η)^k y₀
    e = parse("f(x, y) = 2x^2 + y^2/2")
    lr = 0.1
    (run,) = race(engine_objective(e, {}), (1.5, -2.0), [make("sgd", lr=lr)], 40)
    k = np.arange(41)
    np.testing.assert_allclose(np.array(run.path)[:, 0], 1.5 * (1 - 4 * lr) ** k, rtol=1e-12)
    np.testing.assert_allclose(np.array(run.path)[:, 1], -2.0 * (1 - lr) ** k, rtol=1e-12)


def test_momentum_follows_its_second_order_recurrence_in_closed_form() -> None:
    # f = a x²/2 with b₁ = g₁: x₁ = (1 − ηa) x₀, then x_{k+1} = (1 + μ − ηa) x_k − μ x_{k−1},
    # solved with the roots of r² − (1 + μ − ηa) r + μ = 0 (complex: the path spirals).
    a, lr, mu, x0 = 3.0, 0.1, 0.9, 2.0
    e = parse(f"f(x, y) = {a} x^2 / 2 + 0 y")
    (run,) = race(engine_objective(e, {}), (x0, 0.0), [make("sgd", lr=lr, momentum=mu)], 60)
    r1, r2 = np.roots([1.0, -(1 + mu - lr * a), mu])
    x1 = (1 - lr * a) * x0
    c2 = (x1 - r1 * x0) / (r2 - r1)
    c1 = x0 - c2
    k = np.arange(61)
    closed = (c1 * r1**k + c2 * r2**k).real
    np.testing.assert_allclose(np.array(run.path)[:, 0], closed, rtol=1e-9, atol=1e-12)
    assert abs(r1) < 1 and np.iscomplex(r1)  # it spirals in, as momentum on a bowl does


def test_adams_first_step_is_lr_times_the_sign_of_the_gradient() -> None:
    e = parse("f(x, y) = 3x^2 + y^3")
    (run,) = race(engine_objective(e, {}), (1.0, -2.0), [make("adam", lr=0.05)], 1)
    g = np.array([6.0, 12.0])
    step = np.array(run.path[1]) - np.array(run.path[0])
    np.testing.assert_allclose(step, -0.05 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_a_too_large_learning_rate_diverges_and_is_flagged() -> None:
    e = parse("f(x, y) = x^2 + y^2")
    fast, slow = race(
        engine_objective(e, {}), (1.0, 1.0), [make("sgd", lr=1.5), make("sgd", lr=0.1)], 500
    )
    assert fast.status == DIVERGED and fast.diverged and fast.stopped_at is not None
    assert fast.steps < 500 and "diverged" in fast.summary(1e-4)
    assert slow.status == CONVERGED and not slow.diverged
    # |x_k| = 0.8^k √2 < 1e-4 first at k = 43 (|∇f| = 2|x|)
    assert slow.steps_to_tol == math.ceil(math.log(1e-4 / (2 * math.sqrt(2))) / math.log(0.8))


def test_runs_near_the_bound_together_are_not_flagged_for_their_sum() -> None:
    # each f ≈ 4e7 is within the bound 1e8; three of them sum past it (the race checks the
    # sum of all runs first and looks at each run only when the sum is large)
    e = parse("f(x, y) = 40000000 + x^2 + y^2")
    runs = race(engine_objective(e, {}), (1.0, 1.0), [make("sgd", lr=0.1)] * 3, 20)
    assert [r.status for r in runs] == [RUNNING] * 3 and all(r.steps == 20 for r in runs)
    e = parse("f(x, y) = 200000000 + x^2 + y^2")  # one run past the bound alone: flagged
    (run,) = race(engine_objective(e, {}), (1.0, 1.0), [make("sgd", lr=0.1)], 20)
    assert run.status == DIVERGED and run.stopped_at == 0


def test_leaving_the_domain_stops_a_run_as_non_finite() -> None:
    e = parse("f(x, y) = ln(x) + y^2")
    (run,) = race(engine_objective(e, {}), (0.5, 1.0), [make("sgd", lr=1.0, maximize=False)], 50)
    assert run.status == NON_FINITE and run.diverged
    assert math.isnan(run.values[-1]) or math.isinf(run.values[-1])


def test_a_race_is_each_run_alone() -> None:
    ev = engine_objective(HIMMELBLAU, {})
    together = race(ev, (0.0, 0.0), SPECS[:4], 80)
    for spec, run in zip(SPECS[:4], together, strict=True):
        (alone,) = race(ev, (0.0, 0.0), [spec], 80)
        assert alone.path == run.path and alone.values == run.values


def test_defaults_and_names_are_pytorchs() -> None:
    assert DEFAULTS["sgd"]["lr"] == 1e-3 and DEFAULTS["adam"]["lr"] == 1e-3
    assert DEFAULTS["rmsprop"]["lr"] == 1e-2 and DEFAULTS["rmsprop"]["alpha"] == 0.99
    assert DEFAULTS["adagrad"]["eps"] == 1e-10 and DEFAULTS["adam"]["eps"] == 1e-8
    assert DEFAULTS["adamw"]["weight_decay"] == 1e-2 and DEFAULTS["adam"]["weight_decay"] == 0
    assert DEFAULTS["adam"]["betas"] == (0.9, 0.999)
    spec = make("adam", lr=0.05, betas=[0.8, 0.99])
    assert spec["betas"] == (0.8, 0.99) and spec["eps"] == 1e-8
    assert spec.pytorch_call() == "torch.optim.Adam([x, y], lr=0.05, betas=(0.8, 0.99))"
    assert make("sgd", lr=0.1, momentum=0.9, nesterov=True).label == "SGD Nesterov 0.9"


@pytest.mark.parametrize(
    ("name", "settings", "message"),
    [
        ("sgd", {"lr": -0.1}, "Invalid learning rate: -0.1"),
        ("sgd", {"lr": 0.1, "momentum": -1}, "Invalid momentum value: -1.0"),
        ("sgd", {"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum"),
        ("sgd", {"momentum": 0.9, "dampening": 0.1, "nesterov": True}, "zero dampening"),
        ("adam", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
        ("adam", {"betas": (-0.1, 0.9)}, "Invalid beta parameter at index 0: -0.1"),
        ("adam", {"eps": -1e-8}, "Invalid epsilon value"),
        ("adamw", {"weight_decay": -0.01}, "Invalid weight_decay value"),
        ("adagrad", {"lr_decay": -1}, "Invalid lr_decay value"),
        ("rmsprop", {"alpha": -0.5}, "Invalid alpha value"),
        ("adam", {"momentum": 0.9}, "Adam has no option momentum"),
        ("lbfgs", {}, "unknown optimizer 'lbfgs'"),
        ("sgd", {"lr": math.inf}, "lr must be a finite number"),
        ("sgd", {"nesterov": 1}, "nesterov must be true or false"),
    ],
)
def test_settings_pytorch_refuses_are_refused(name: str, settings: dict, message: str) -> None:
    with pytest.raises(OptimizerError, match=message.replace("(", r"\(")):
        OptimizerSpec(name, settings)


# ----- schedules -----------------------------------------------------------------------------


def closed_form(base: float, s: Schedule, steps: int) -> list[float]:
    """The schedules' closed forms (not PyTorch's recursive get_lr): the test's own oracle."""
    out = []
    t_max = s.t_max or steps - s.warmup
    for e in range(steps):
        if s.warmup and e < s.warmup:
            out.append(base * (s.warmup_start + (1 - s.warmup_start) * e / s.warmup))
            continue
        t = e - s.warmup
        if s.kind == "step":
            out.append(base * s.gamma ** (t // s.step_size))
        elif s.kind == "cosine":
            out.append(s.eta_min + (base - s.eta_min) * (1 + math.cos(math.pi * t / t_max)) / 2)
        else:
            out.append(base)
    return out


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(),
        Schedule("step", step_size=7, gamma=0.5),
        Schedule("cosine"),
        Schedule("cosine", t_max=30, eta_min=0.001),
        Schedule("constant", warmup=10),
        Schedule("step", warmup=5, warmup_start=0.1, step_size=20, gamma=0.3),
        Schedule("cosine", warmup=12, warmup_start=0.01),
    ],
    ids=lambda s: s.describe(),
)
def test_learning_rates_follow_the_closed_forms(schedule: Schedule) -> None:
    got = learning_rates(0.2, schedule, 100)
    assert len(got) == 100
    np.testing.assert_allclose(got, closed_form(0.2, schedule, 100), rtol=1e-12, atol=1e-15)


def test_step_lr_as_in_pytorchs_docs_and_schedules_reach_the_rules() -> None:
    # StepLR docs: lr = 0.05 if epoch < 30, 0.005 if 30 <= epoch < 60, 0.0005 if 60 <= epoch < 90
    rates = learning_rates(0.05, Schedule("step", step_size=30, gamma=0.1), 90)
    assert rates[0] == rates[29] == 0.05
    assert rates[30] == pytest.approx(0.005) and rates[60] == pytest.approx(0.0005)
    spec = make("sgd", lr=0.005, schedule=Schedule("cosine", warmup=3))
    (run,) = race(engine_objective(HIMMELBLAU, {}), (1.0, 1.0), [spec], 40)
    assert run.steps == 40 and run.lrs == tuple(learning_rates(0.005, spec.schedule, 40))
    expected = documented_path(spec, himmelblau_grad, (1.0, 1.0), 40, lrs=run.lrs)
    np.testing.assert_allclose(run.path, expected, rtol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "exponential"}, "unknown schedule"),
        ({"warmup": -1}, "warmup must be between"),
        ({"warmup": 2.5}, "whole number"),
        ({"warmup_start": 0.0}, "Starting multiplicative factor"),
        ({"kind": "step", "step_size": 0}, "step_size must be at least 1"),
        ({"kind": "cosine", "t_max": 0}, "t_max must be at least 1"),
    ],
)
def test_bad_schedules_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        Schedule(**kwargs)


# ----- the step mode -------------------------------------------------------------------------


def test_each_update_is_explained_with_its_own_numbers() -> None:
    specs = [make("sgd", lr=0.01, momentum=0.9), make("adam", lr=0.05), make("rmsprop", lr=0.01)]
    runs = race(engine_objective(HIMMELBLAU, {}), (-1.0, 0.5), specs, 10)
    for run in runs:
        for k in (1, 2, 10):
            u = update_at(run, k)
            np.testing.assert_allclose(
                u.step, np.subtract(run.path[k], run.path[k - 1]), rtol=1e-12, atol=1e-15
            )
            words = explain(run, u)
            assert f"Step {k} of {run.spec.label}" in words
            assert f"{run.path[k][0]:.3f}" in words  # where it lands, in numbers
    sgd = update_at(runs[0], 1)
    assert "b starts as g" in explain(runs[0], sgd)
    assert sgd.terms["buf"] == sgd.terms["g"]
    adam = update_at(runs[1], 3)
    assert "m/(1 − 0.900^3)" in explain(runs[1], adam)
    with pytest.raises(IndexError):
        update_at(runs[0], 11)
