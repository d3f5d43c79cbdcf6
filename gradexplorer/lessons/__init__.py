"""Qt-free classroom logic: sessions and presets, gradient descent, step-through sequencing of
the forward and backward pass, parameter animation. The Qt app drives these; nothing here
imports Qt (nor the expression parser, except lazily to validate an expression)."""

from gradexplorer.lessons.animate import animated_value
from gradexplorer.lessons.descent import (
    Descent,
    DescentPoint,
    LogScale,
    lr_from_slider,
    slider_from_lr,
)
from gradexplorer.lessons.presets import Expectation, Preset, list_presets, load_preset
from gradexplorer.lessons.session import (
    DescentSettings,
    ParamState,
    SessionState,
    Toggles,
    load_session,
    save_session,
)
from gradexplorer.lessons.stepper import BackwardStepper, ForwardStepper

__all__ = [
    "BackwardStepper",
    "Descent",
    "DescentPoint",
    "DescentSettings",
    "Expectation",
    "ForwardStepper",
    "LogScale",
    "ParamState",
    "Preset",
    "SessionState",
    "Toggles",
    "animated_value",
    "list_presets",
    "load_preset",
    "load_session",
    "lr_from_slider",
    "save_session",
    "slider_from_lr",
]
