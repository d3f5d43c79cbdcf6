"""The explorer's model: one immutable SessionState, what is derived from it, and the signals
views subscribe to (napari style).

Every change builds a new state and hands it to ``_commit``; the model then works out what
changed, recomputes only what depends on it (moving x recomputes the point, never the curve)
and emits one signal per changed part, followed by ``stateChanged(old, new)``. Widgets never
compute: they call the setters and render what the signals deliver. A setter called from a
slot while signals are going out is applied at once and announced after the current round, so
no view ever receives an older value after a newer one.

Besides the session, the model owns the overlays features draw on the views: the descent trail
(``trail``), the step-through (``step``; backward with the chosen ``backward_algorithm``: the
engine's, or a replay of a wrong one) and backward run again on the same graph
(``backward_runs``: the accumulated .grad, or PyTorch's error), the race's step mode
(``race_step``); and what forward mode adds to the point: the forward trace of the seeded pass
(``forward_trace``) and the partials the forward passes done at this point gave
(``forward_passes``), one pass per input. The tools that read the curve (g(x), the points of
interest and trace mode, the Taylor polynomial) are in model_curve_tools.py, a part of this
class.

A function of two inputs adds derived data: the landscape over its visible box
(``landscape``), the point's gradient, Hessian and verdict (``surface``) and the optimizers'
paths (``race``); the plot then shows the slice through the point along the chosen direction,
and ``point`` describes the point as that slice sees it (f′ is the directional derivative).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from PySide6.QtCore import QObject, QTimer, Signal

from gradexplorer.autograd import ForwardTrace
from gradexplorer.errors import ExprError
from gradexplorer.expr import Expression, parse
from gradexplorer.lessons.backward_runs import BackwardRuns, RunsState
from gradexplorer.lessons.race import Run, Update, update_at
from gradexplorer.lessons.replay import ALGORITHMS, TOPOLOGICAL
from gradexplorer.lessons.replay_stepper import ReplayThrough
from gradexplorer.lessons.session import (
    DEFAULT_EXPRESSION,
    DEFAULT_PARAM_VALUE,
    DEFAULT_X,
    GRAPH_MODES,
    MAX_EXPRESSION_CHARS,
    DescentSettings,
    GraphSettings,
    ParamState,
    SessionState,
    Toggles,
)
from gradexplorer.lessons.session.checks import range_problem
from gradexplorer.lessons.session.two_inputs import LandscapeSettings, RaceSettings
from gradexplorer.lessons.step_through import BACKWARD, TANGENT, Mode, StepFrame, StepThrough
from gradexplorer.ui.derived import (
    CurveData,
    PointData,
    evaluate_forward,
    evaluate_point,
    sample_curve,
)
from gradexplorer.ui.landscape_data import (
    LandscapeData,
    RaceCache,
    SurfacePointData,
    compute_landscape,
    evaluate_surface,
    paths_box,
    slice_point,
    surface_arrow,
)
from gradexplorer.ui.model_curve_tools import CurveToolsMixin

__all__ = [
    "DEFAULT_EXPRESSION",
    "CurveData",
    "ExplorerModel",
    "LandscapeData",
    "PointData",
    "RaceStep",
    "SurfacePointData",
    "Trail",
]

_PARSE_CACHE = 64
SLICE_MARGIN = 0.05  # room above (or below) a point the slice's framed y range would cut off
RACE_SETTLE_MS = 80  # a parameter drag reruns the race once the drag pauses this long
FOLLOW_SETTLE_MS = RACE_SETTLE_MS  # ... and brings the slice, graph and point views up to date
FOLLOW_MAX_MS = 250  # ... or, in a drag that never pauses, this long after they fell behind
_FIELDS = tuple(f.name for f in fields(SessionState))


@dataclass(frozen=True)
class RaceStep:
    """The race's step mode: update k (>= 1) of run `index`, with its vectors."""

    index: int
    run: Run
    update: Update


@dataclass(frozen=True)
class Trail:
    """Points visited by gradient descent, in order, with the slope at each (None when the
    variable that moves is a parameter: the points then stack above one x)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    slopes: tuple[float, ...] | None = None


class ExplorerModel(CurveToolsMixin, QObject):
    stateChanged = Signal(object, object)  # (old SessionState, new SessionState), after the rest
    textChanged = Signal(str)  # the typed text, valid or not
    expressionChanged = Signal(object)  # a new valid Expression
    errorChanged = Signal(object)  # ExprError, or None when the text is valid again
    xChanged = Signal(float)
    xRangeChanged = Signal(float, float)
    paramsChanged = Signal(tuple)  # the set of parameter names changed
    paramChanged = Signal(str)  # value or range of one parameter changed
    viewRangeChanged = Signal(object)  # (x0, x1, y0, y1)
    togglesChanged = Signal()
    lessonChanged = Signal()  # title or note
    descentSettingsChanged = Signal(object)  # DescentSettings
    graphChanged = Signal(object)  # GraphSettings: the graph's mode and forward mode's seed
    curveChanged = Signal(object)  # CurveData
    pointChanged = Signal(object)  # PointData
    trailChanged = Signal(object)  # Trail | None
    stepChanged = Signal(object)  # StepFrame | None
    # functions of two inputs
    yChanged = Signal(float)
    yRangeChanged = Signal(float, float)
    landscapeSettingsChanged = Signal(object)  # LandscapeSettings
    raceSettingsChanged = Signal(object)  # RaceSettings
    landscapeChanged = Signal(object)  # LandscapeData | None (None: one input)
    surfaceChanged = Signal(object)  # SurfacePointData | None
    raceChanged = Signal(object)  # tuple[Run, ...] | None
    raceStepChanged = Signal(object)  # RaceStep | None
    backwardAlgorithmChanged = Signal(str)  # one of lessons.replay.ALGORITHMS
    backwardRunsChanged = Signal(object)  # RunsState | None
    forwardTraceChanged = Signal(object)  # ForwardTrace | None, after pointChanged
    forwardPassesChanged = Signal(object)  # {input: ∂f/∂input} from the passes done here
    graphCollapsedChanged = Signal(object)  # frozenset of trace node ids, or None (automatic)
    # the tools that read the curve (model_curve_tools.py)
    curveToolsChanged = Signal()  # the points or Taylor settings in the state changed
    pointsChanged = Signal(object)  # PointsFound | None
    taylorChanged = Signal(object)  # TaylorPolynomial | None
    secondChanged = Signal(object)  # SecondData | None: g's curve and point
    secondErrorChanged = Signal(object)  # ExprError | None: the text typed for g
    tracingChanged = Signal(bool)
    pointsPendingChanged = Signal(bool)  # True while the points wait for a drag to stop

    def __init__(
        self,
        expression: str = DEFAULT_EXPRESSION,
        x: float = DEFAULT_X,
        params: Mapping[str, float] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._state = SessionState()
        self._shown: SessionState | None = None  # the state the last signals described
        self._frame_pending = True
        self._emitting = False
        self._parsed: dict[str, Expression | ExprError] = {}
        self._expression: Expression | None = None
        self._error: ExprError | None = None
        # Parameters typed away keep their slider: typing them again brings it back.
        self._remembered: dict[str, ParamState] = {
            name: ParamState.around(float(v)) for name, v in (params or {}).items()
        }
        self._curve: CurveData | None = None
        self._point: PointData | None = None
        self._trail: Trail | None = None
        self._stepping: StepThrough | ReplayThrough | None = None
        self._step: StepFrame | None = None
        self._landscape: LandscapeData | None = None
        self._surface: SurfacePointData | None = None
        self._race: tuple[Run, ...] | None = None
        self._race_step: RaceStep | None = None
        self._algorithm = TOPOLOGICAL
        self._runs: BackwardRuns | None = None
        self._runs_state: RunsState | None = None
        self._retain_graph = False
        self._forward: ForwardTrace | None = None
        self._passes: dict[str, float] = {}
        self._graph_collapsed: frozenset[int] | None = None
        self.curve_computations = 0  # counters let tests check what work a change caused
        self.point_computations = 0
        self.landscape_computations = 0
        self.race_computations = 0
        self._race_cache = RaceCache()
        # A parameter (or a whole new function) changes every path, but a drag moves it 60
        # times a second: the race follows when the drag pauses, the landscape at once.
        self._race_timer = QTimer(self, singleShot=True, interval=RACE_SETTLE_MS)
        self._race_timer.timeout.connect(self._settle_race)
        # With two inputs a parameter drag redraws the landscape at once; the slice's curve and
        # what follows the point's pass (graph, readouts of the slice) cost as much again and
        # follow when the drag pauses (the point's arrow on the landscape stays live).
        self._follow_timer = QTimer(self, singleShot=True, interval=FOLLOW_SETTLE_MS)
        self._follow_timer.timeout.connect(self._settle_follow)
        self._curve_stale = False  # the curve waits for the drag to pause
        self._param_dragging = False  # a parameter's slider is held down (set_param_dragging)
        self._behind_since = 0.0  # monotonic time the held-back views fell behind
        self._point_unsaid = False  # the point is current, pointChanged waits
        self._point_partial = False  # only f and ∇f at the point: the rest is computed on demand
        self._partial_shown = False  # the views were last sent such a surface
        self.set_text(expression)
        self.set_x_extending(float(x))
        self.reset_view()

    # ----------------------------------------------------------------- read access
    @property
    def state(self) -> SessionState:
        """Everything the student sees, as one immutable value (the session schema)."""
        return self._state

    @property
    def text(self) -> str:
        return self._state.text

    @property
    def expression(self) -> Expression | None:
        """The last valid expression (kept while the text has an error)."""
        return self._expression

    @property
    def error(self) -> ExprError | None:
        return self._error

    @property
    def x(self) -> float:
        return self._state.x

    @property
    def x_range(self) -> tuple[float, float]:
        return self._state.x_range

    @property
    def params(self) -> Mapping[str, ParamState]:
        return self._state.params

    def param_values(self) -> dict[str, float]:
        return self._state.param_values()

    @property
    def view_range(self) -> tuple[float, float, float, float]:
        view = self._state.view
        assert view is not None  # the model always frames a state without a view
        return view

    @property
    def toggles(self) -> Toggles:
        return self._state.toggles

    @property
    def show_derivative(self) -> bool:
        return self._state.toggles.show_derivative

    @property
    def show_second_derivative(self) -> bool:
        return self._state.toggles.show_second_derivative

    @property
    def show_edge_labels(self) -> bool:
        return self._state.toggles.show_edge_labels

    @property
    def descent_settings(self) -> DescentSettings:
        return self._state.descent

    @property
    def curve(self) -> CurveData | None:
        return self._curve

    @property
    def point(self) -> PointData | None:
        self._complete_point()
        return self._point

    @property
    def trail(self) -> Trail | None:
        return self._trail

    @property
    def step(self) -> StepFrame | None:
        """The step-through's current frame, None when not stepping."""
        return self._step

    @property
    def two_inputs(self) -> bool:
        """The function shown has two inputs (the landscape is on)."""
        return self._expression is not None and self._expression.two_inputs

    @property
    def y(self) -> float:
        return self._state.y

    @property
    def y_range(self) -> tuple[float, float]:
        return self._state.y_range

    @property
    def landscape_settings(self) -> LandscapeSettings:
        return self._state.landscape

    @property
    def race_settings(self) -> RaceSettings:
        return self._state.race

    @property
    def landscape(self) -> LandscapeData | None:
        return self._landscape

    @property
    def surface(self) -> SurfacePointData | None:
        self._complete_point()
        return self._surface

    @property
    def race(self) -> tuple[Run, ...] | None:
        """The optimizers' runs (after a parameter change, once the drag pauses: settle())."""
        return self._race

    @property
    def race_step(self) -> RaceStep | None:
        return self._race_step

    @property
    def step_through(self) -> StepThrough | ReplayThrough | None:
        """The step-through in progress (read it; change it with the step methods)."""
        return self._stepping

    @property
    def backward_algorithm(self) -> str:
        """The backward pass a backward step-through replays (lessons.replay.ALGORITHMS)."""
        return self._algorithm

    @property
    def backward_runs(self) -> RunsState | None:
        """Backward run again on the current graph, None until asked for (and after x, a
        parameter or the function changes: that is a new forward pass, a new graph)."""
        return self._runs_state

    @property
    def retain_graph(self) -> bool:
        return self._retain_graph

    @property
    def graph(self) -> GraphSettings:
        """The graph's mode (reverse or forward) and the input forward mode is seeded on."""
        return self._state.graph

    @property
    def inputs(self) -> tuple[str, ...]:
        """What forward mode can be seeded on: x, then every parameter."""
        return ("x", *self._state.params)

    @property
    def forward_trace(self) -> ForwardTrace | None:
        """The forward-mode pass seeded on graph.seed at the current point (None unless the
        graph shows forward mode or forward mode is being stepped through)."""
        return self._forward

    @property
    def forward_passes(self) -> Mapping[str, float]:
        """∂f/∂input from each forward pass completed at this point: shown live in the forward
        graph, or stepped through to its end. Forgotten when the point changes."""
        return dict(self._passes)

    # ----------------------------------------------------------------- the whole state
    def set_state(self, state: SessionState) -> None:
        """Show a session (already validated where it came from). Parameters it names that the
        function does not use are remembered; a state without a view is framed."""
        if not isinstance(state, SessionState):
            raise TypeError(f"set_state needs a SessionState, not {type(state).__name__}")
        expression = self._parse(state.expression)
        params = dict(state.params)
        if isinstance(expression, Expression):
            self._remembered.update(params)
            params = self._params_for(self._names(state.expression, state.second), params)
        self._commit(_inputs_kept(state, params), frame=state.view is None)

    def restore(self, state: SessionState) -> None:
        """Put back a state exactly as it was (undo and redo): no framing, no remembering."""
        self._commit(state, frame=state.view is None)

    # ----------------------------------------------------------------- the function
    def set_text(self, text: str) -> bool:
        """Parse `text`; on success it becomes the expression, otherwise the error is shown and
        the last valid expression stays. Returns whether the text was valid."""
        text = str(text)[:MAX_EXPRESSION_CHARS]  # the field allows no more
        s = self._state
        if self._shown is not None and text == s.text:
            return self._error is None
        parsed = self._parse(text)
        if isinstance(parsed, Expression):
            params = self._params_for(self._names(text, s.second), s.params)
            new = _inputs_kept(replace(s, expression=text, draft=None), params)
            if self._expression is not None and parsed != self._expression:
                # another function is not the lesson's any more: its banner goes (undo brings
                # the function and the banner back together)
                new = replace(new, title="", note="")
            old = self._expression
            if old is not None and old.two_inputs and not parsed.two_inputs:
                # the plot's x was the slice's coordinate (along y it spanned y's range): a
                # function of x alone is shown over the x range, where x is
                new = replace(new, view=None)
            self._commit(new, frame=True)
            return True
        if self._expression is None:  # nothing valid to keep showing: the text is all there is
            self._commit(replace(s, expression=text, draft=None))
        else:
            self._commit(replace(s, draft=text))
        return False

    # ----------------------------------------------------------------- x
    def set_x(self, x: float) -> None:
        """Move the point of interest; clamped to the x range. Only the point is recomputed."""
        x = float(x)
        if not math.isfinite(x):
            return
        lo, hi = self._state.x_range
        self._commit(replace(self._state, x=min(max(x, lo), hi)))

    def set_x_extending(self, x: float) -> None:
        """Move the point to x, widening the x range (to whole numbers) when x is outside it."""
        x = float(x)
        if not math.isfinite(x):
            return
        lo, hi = self._state.x_range
        if not lo <= x <= hi:
            lo, hi = min(lo, math.floor(x)), max(hi, math.ceil(x))
            if not _usable_range(lo, hi):
                return  # no slider or plot can span that range
        self._commit(replace(self._state, x_range=(lo, hi), x=x))

    def set_x_range(self, lo: float, hi: float) -> bool:
        """A new range for the x slider; x is clamped into it. False (and no change) for an
        empty, inverted, infinite or overflowing range."""
        lo, hi = float(lo), float(hi)
        if not _usable_range(lo, hi):
            return False
        x = min(max(self._state.x, lo), hi)
        self._commit(replace(self._state, x_range=(lo, hi), x=x))
        return True

    def step_x(self, fraction: float) -> None:
        """Move x by a fraction of its range (keyboard steps); in trace mode the step stops at
        a point of interest on the way."""
        lo, hi = self._state.x_range
        x = self._state.x
        self.set_x(self._traced(x, x + fraction * (hi - lo)))

    # ----------------------------------------------------------------- parameters
    def set_param(self, name: str, value: float) -> None:
        """A parameter's value; its range widens to include it."""
        state = self._state.params.get(name)
        value = float(value)
        if state is None or not math.isfinite(value):
            return
        lo, hi = min(state.min, value), max(state.max, value)
        if not _usable_range(lo, hi):
            return  # no slider can span that range
        new = ParamState(value, lo, hi)
        self._commit(replace(self._state, params={**self._state.params, name: new}))

    def set_param_dragging(self, on: bool) -> None:
        """A parameter's slider is pressed (on) or released. While it is held with two inputs,
        the slice, the graph and the readouts follow when the drag pauses (see _announce); an
        animation, the keys or a typed value update everything at once. Released: at once."""
        self._param_dragging = on
        if not on and self._follow_timer.isActive():
            self._settle_follow()

    def set_param_range(self, name: str, lo: float, hi: float) -> bool:
        """A parameter's slider range; its value is clamped into it."""
        state = self._state.params.get(name)
        lo, hi = float(lo), float(hi)
        if state is None or not _usable_range(lo, hi):
            return False
        new = ParamState(min(max(state.value, lo), hi), lo, hi)
        self._commit(replace(self._state, params={**self._state.params, name: new}))
        return True

    # ----------------------------------------------------------------- view and toggles
    def set_view_range(self, x0: float, x1: float, y0: float, y1: float) -> bool:
        """The visible box of the plot; refused (False) when empty, inverted or not finite."""
        view = (float(x0), float(x1), float(y0), float(y1))
        if not (_usable_range(view[0], view[1]) and _usable_range(view[2], view[3])):
            return False
        old = self._state.view
        if old is not None:
            tol = 1e-9 * max(view[1] - view[0], view[3] - view[2])
            if all(abs(a - b) <= tol for a, b in zip(view, old, strict=True)):
                return True
        self._commit(replace(self._state, view=view))
        return True

    def reset_view(self) -> None:
        """Frame the x range (for two inputs: the slice across the x and y ranges) and the
        curve's interesting y values; the landscape shows the ranges again."""
        lo, hi = self._slice_span(self._state) if self.two_inputs else self._state.x_range
        y = self._state.view[2:] if self._state.view is not None else (-1.0, 1.0)
        state = replace(self._state, view=(lo, hi, *y))
        if self.two_inputs:
            box = (*state.x_range, *state.y_range)
            state = replace(state, landscape=replace(state.landscape, box=box))
        self._commit(state, frame=True)

    def set_show_derivative(self, on: bool) -> None:
        self.set_toggles(show_derivative=bool(on))

    def set_show_second_derivative(self, on: bool) -> None:
        self.set_toggles(show_second_derivative=bool(on))

    def set_show_edge_labels(self, on: bool) -> None:
        self.set_toggles(show_edge_labels=bool(on))

    def set_toggles(self, **changes: bool) -> None:
        """Change toggles by name (show_derivative=True, ...). Showing or hiding the f′ or f″
        curve frames the view again: a student turning f′ on must see it."""
        toggles = replace(self._state.toggles, **changes)
        frame = _plotted(toggles) != _plotted(self._state.toggles)
        self._commit(replace(self._state, toggles=toggles), frame=frame)

    def set_descent_settings(
        self, *, target: str | None = None, lr: float | None = None, direction: int | None = None
    ) -> None:
        """Which variable descent moves, its learning rate and direction (as saved)."""
        d = self._state.descent
        target = d.target if target is None else target
        if target != "x" and target not in self._state.params:
            target = "x"
        new = DescentSettings(
            target,
            d.lr if lr is None else float(lr),
            d.direction if direction is None else int(direction),
        )
        self._commit(replace(self._state, descent=new))

    # ----------------------------------------------------------------- two inputs
    def set_y(self, y: float) -> None:
        """Move the point's second input; clamped to its range."""
        y = float(y)
        if math.isfinite(y):
            lo, hi = self._state.y_range
            self._commit(replace(self._state, y=min(max(y, lo), hi)))

    def set_y_range(self, lo: float, hi: float) -> bool:
        lo, hi = float(lo), float(hi)
        if not _usable_range(lo, hi):
            return False
        y = min(max(self._state.y, lo), hi)
        self._commit(replace(self._state, y_range=(lo, hi), y=y))
        return True

    def set_point(self, x: float, y: float) -> None:
        """Move the point to (x, y), widening the slider ranges (to whole numbers) to hold it:
        the landscape can show more than the ranges."""
        x, y = float(x), float(y)
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        s = self._state
        xr, yr = _widened(s.x_range, x), _widened(s.y_range, y)
        if xr is None or yr is None:
            return
        self._commit(replace(s, x=x, y=y, x_range=xr, y_range=yr))

    def step_y(self, fraction: float) -> None:
        lo, hi = self._state.y_range
        self.set_y(self._state.y + fraction * (hi - lo))

    def move_on_plot(self, t: float) -> None:
        """The plot was clicked or its point dragged at t: with one input t is x; with two the
        point moves along the slice to the coordinate t."""
        if not self.two_inputs:
            self.set_x(t)
            return
        s = self._state
        line = self._expression.along((s.x, s.y), s.landscape.unit)  # type: ignore[union-attr]
        self.set_point(*line.position(float(t)))

    def step_on_plot(self, fraction: float) -> None:
        """Arrow keys on the plot: along x, or along the slice (by a fraction of the view)."""
        if not self.two_inputs:
            self.step_x(fraction)
            return
        x0, x1 = self.view_range[:2]
        point = self.point.x if self.point is not None else x0
        self.move_on_plot(point + fraction * (x1 - x0))

    def set_landscape_box(self, x0: float, x1: float, y0: float, y1: float) -> bool:
        """The landscape's visible box; refused (False) when empty, inverted or not finite."""
        box = (float(x0), float(x1), float(y0), float(y1))
        if not (_usable_range(box[0], box[1]) and _usable_range(box[2], box[3])):
            return False
        old = self._state.landscape.box
        if old is not None:
            tol = 1e-9 * max(box[1] - box[0], box[3] - box[2])
            if all(abs(a - b) <= tol for a, b in zip(box, old, strict=True)):
                return True
        self._set_landscape(box=box)
        return True

    def reset_landscape_box(self) -> None:
        """Show the x and y ranges again."""
        self._set_landscape(box=(*self._state.x_range, *self._state.y_range))

    def fit_race_paths(self) -> bool:
        """Frame the race: the landscape's box around the start and every path (see
        paths_box); False when the function has one input or the box is refused."""
        if not self.two_inputs or self._state.landscape.box is None:
            return False
        self.settle()
        box = paths_box(self._race or (), self._state.race.start, self._state.landscape.box)
        return self.set_landscape_box(*box)

    def set_direction(self, degrees: float) -> None:
        """The slice's direction, in degrees from the first input's axis."""
        if math.isfinite(float(degrees)):
            self._set_landscape(direction=float(degrees))

    def set_log_scale(self, on: bool) -> None:
        self._set_landscape(log_scale=bool(on))

    def set_arrows(self, mode: str) -> None:
        """ "gradient", "descent" (−∇f) or "off"."""
        self._set_landscape(arrows=mode)

    def _set_landscape(self, **changes: object) -> None:
        settings = replace(self._state.landscape, **changes)  # type: ignore[arg-type]
        self._commit(replace(self._state, landscape=settings))

    def set_race_start(self, x: float, y: float) -> None:
        if math.isfinite(float(x)) and math.isfinite(float(y)):
            self.set_race(start=(float(x), float(y)))

    def set_race(self, **changes: object) -> None:
        """Change the race settings by name (start, optimizers, steps, tol, selected); raises
        SessionError for values the schema refuses, and nothing changes then."""
        race = replace(self._state.race, **changes)  # type: ignore[arg-type]
        self._commit(replace(self._state, race=race))

    def start_race_step(self, index: int | None = None, k: int = 1) -> None:
        """Show update k of run `index` (the selected optimizer by default)."""
        runs = self._race or ()
        i = self._state.race.selected if index is None else int(index)
        if not 0 <= i < len(runs) or runs[i].steps < 1:
            self.stop_race_step()
            return
        run = runs[i]
        k = min(max(int(k), 1), run.steps)
        self._race_step = RaceStep(i, run, update_at(run, k))
        self.raceStepChanged.emit(self._race_step)

    def race_step_by(self, delta: int) -> None:
        r = self._race_step
        if r is not None:
            self.start_race_step(r.index, r.update.k + int(delta))

    def stop_race_step(self) -> None:
        if self._race_step is not None:
            self._race_step = None
            self.raceStepChanged.emit(None)

    def set_graph_mode(self, mode: str) -> None:
        """Show the graph in reverse mode (gradients) or forward mode (tangents). A
        step-through of the other kind of pass ends: the graph can show only one."""
        if mode not in GRAPH_MODES:
            raise ValueError(f"the graph's mode is 'reverse' or 'forward', not {mode!r}")
        if mode == "forward" and self.two_inputs:
            return  # forward mode is for functions of one input (the commands say so)
        if self._stepping is not None and (mode == "forward") != (self._stepping.mode == TANGENT):
            self.stop_stepping()
        self._commit(replace(self._state, graph=replace(self._state.graph, mode=mode)))

    def set_graph_seed(self, seed: str) -> None:
        """Seed forward mode on x or a parameter (tangent 1 there, 0 on every other input)."""
        if seed not in self.inputs:
            raise ValueError(f"cannot seed on {seed!r}: the inputs are {', '.join(self.inputs)}")
        self._commit(replace(self._state, graph=replace(self._state.graph, seed=seed)))

    def seed_next_input(self) -> None:
        """Seed the input after the current one (x, then each parameter, then x again)."""
        inputs = self.inputs
        self.set_graph_seed(inputs[(inputs.index(self._state.graph.seed) + 1) % len(inputs)])

    # ----------------------------------------------------------------- overlays
    def set_trail(
        self, xs: Sequence[float], ys: Sequence[float], slopes: Sequence[float] | None = None
    ) -> None:
        """The descent trail to draw (see Trail); lengths must match."""
        trail = Trail(
            tuple(map(float, xs)),
            tuple(map(float, ys)),
            None if slopes is None else tuple(map(float, slopes)),
        )
        if len(trail.ys) != len(trail.xs) or (
            trail.slopes is not None and len(trail.slopes) != len(trail.xs)
        ):
            raise ValueError("a trail needs as many ys (and slopes) as xs")
        if trail != self._trail:
            self._trail = trail
            self.trailChanged.emit(trail)

    def clear_trail(self) -> None:
        if self._trail is not None:
            self._trail = None
            self.trailChanged.emit(None)

    @property
    def graph_collapsed(self) -> frozenset[int] | None:
        """The subexpressions (trace node ids of their roots) the graph draws as one box each;
        None: the graph view chooses what keeps its texts legible."""
        return self._graph_collapsed

    def set_graph_collapsed(self, roots: Iterable[int] | None) -> None:
        chosen = None if roots is None else frozenset(int(r) for r in roots)
        if chosen != self._graph_collapsed:
            self._graph_collapsed = chosen
            self.graphCollapsedChanged.emit(chosen)

    def start_stepping(self, mode: Mode) -> None:
        """Step through the backward pass (with the chosen algorithm), the forward pass, or
        forward mode (the pass seeded on graph.seed) at the current point, from before the
        first step. The graph shows the mode being stepped: forward (tangents) for forward
        mode, reverse otherwise."""
        graph_mode = "forward" if mode == TANGENT else "reverse"
        # Stepping already while the graph changes mode: a pass about to be stepped through is
        # not a pass done (the live forward graph would count it).
        self._stepping = StepThrough(mode, None)
        if self._state.graph.mode != graph_mode:
            self.set_graph_mode(graph_mode)
        trace = self._trace_for(mode)
        if mode == BACKWARD and self._algorithm != TOPOLOGICAL:
            self._stepping = ReplayThrough(self._algorithm, trace)
        else:
            self._stepping = StepThrough(mode, trace)
        self._emit_step()
        self._note_pass()

    def set_backward_algorithm(self, algorithm: str) -> None:
        """Which backward pass a backward step-through shows; one in progress starts again."""
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown backward algorithm {algorithm!r}")
        if algorithm == self._algorithm:
            return
        self._algorithm = algorithm
        self.backwardAlgorithmChanged.emit(algorithm)
        if self._stepping is not None and self._stepping.mode == BACKWARD:
            self.start_stepping(BACKWARD)

    # ----------------------------------------------------------------- backward again
    def run_backward_again(self) -> None:
        """One more backward on the same graph: PyTorch's error without retain graph, the
        leaves' .grad accumulating with it."""
        if self._runs is None:
            self._runs = self._new_runs()
            if self._runs is None:
                return
        self._emit_runs(self._runs.again())

    def forget_parameters(self) -> None:
        """Parameters typed away are no longer brought back by name (a new session starts
        from the defaults: a = 1, not the 1.5 a lesson left)."""
        self._remembered.clear()

    def set_retain_graph(self, on: bool) -> None:
        """retain_graph for the backward runs; a change starts over on a new forward pass (the
        graph's saved values may already be gone)."""
        on = bool(on)
        if on == self._retain_graph:
            return
        self._retain_graph = on
        if self._runs is not None:
            self._runs = self._new_runs()
            self._emit_runs(None if self._runs is None else self._runs.state())

    def zero_grad(self) -> None:
        if self._runs is None:
            self._runs = self._new_runs()
            if self._runs is None:
                return
        self._emit_runs(self._runs.zero_grad())

    def clear_backward_runs(self) -> None:
        """Back to the graph of one backward pass."""
        if self._runs is not None or self._runs_state is not None:
            self._runs = None
            self._emit_runs(None)

    def _new_runs(self) -> BackwardRuns | None:
        if self._expression is None:
            return None
        s = self._state
        point = self.point  # complete, after a held parameter drag
        trace = point.trace if point is not None else None
        try:
            return BackwardRuns(
                self._expression, s.x, s.param_values(), trace, retain_graph=self._retain_graph
            )
        except Exception:  # an engine failure must not reach a slot: nothing to run on
            return None

    def _emit_runs(self, state: RunsState | None) -> None:
        self._runs_state = state
        self.backwardRunsChanged.emit(state)

    def step_to(self, position: int) -> None:
        """Go to a step (clamped to -1 .. count - 1); nothing when not stepping."""
        if self._stepping is not None and int(position) != self._stepping.position:
            self._stepping.seek(int(position))
            self._emit_step()

    def step_by(self, delta: int) -> None:
        if self._stepping is not None:
            self.step_to(self._stepping.position + int(delta))

    def stop_stepping(self) -> None:
        """Back to the live numbers."""
        if self._stepping is not None:
            self._stepping = None
            self._emit_step()

    def _emit_step(self) -> None:
        self._step = None if self._stepping is None else self._stepping.frame()
        self.stepChanged.emit(self._step)
        if self._step is not None and self._step.at_end:
            self._note_pass()

    def _trace_for(self, mode: Mode) -> object:
        if mode == TANGENT:
            self._recompute_forward(force=True)
            return self._forward
        point = self.point  # complete, after a held parameter drag
        return point.trace if point else None

    def _forward_wanted(self) -> bool:
        stepping = self._stepping is not None and self._stepping.mode == TANGENT
        return self._state.graph.mode == "forward" or stepping

    def _recompute_forward(self, *, force: bool = False) -> None:
        """The forward trace of the seeded pass, when the graph or a step-through shows it."""
        trace = None
        one_input = self._expression is not None and not self._expression.two_inputs
        if one_input and (force or self._forward_wanted()):
            s = self._state
            trace = evaluate_forward(self._expression, s.x, s.param_values(), s.graph.seed)
        self._forward = trace
        self.forwardTraceChanged.emit(trace)  # also None: the graph view waits for it
        self._note_pass()

    def _note_pass(self) -> None:
        """A forward pass is done when it is on screen whole: in the live forward graph, or a
        step-through of it at its last step. Its output tangent is ∂f/∂seed."""
        trace = self._forward
        if trace is None or trace.seed is None:
            return
        stepping = self._stepping
        if stepping is not None:
            if stepping.mode != TANGENT or not (self._step is not None and self._step.at_end):
                return
        elif self._state.graph.mode != "forward":
            return
        tangent = trace.node(trace.output).tangent
        value = 0.0 if tangent is None else float(tangent)
        if self._passes.get(trace.seed) != value or trace.seed not in self._passes:
            self._passes[trace.seed] = value
            self.forwardPassesChanged.emit(dict(self._passes))

    # ----------------------------------------------------------------- internals
    def _parse(self, text: str) -> Expression | ExprError:
        found = self._parsed.get(text)
        if found is None:
            try:
                found = parse(text)
            except ExprError as err:
                found = err
            except Exception as err:  # a parser bug must not take the app down with it
                found = ExprError(f"Could not read this: {err}", 0, len(text), text=text)
            if len(self._parsed) >= _PARSE_CACHE:
                self._parsed.clear()
            self._parsed[text] = found
        return found

    def _params_for(
        self, names: Sequence[str], current: Mapping[str, ParamState]
    ) -> dict[str, ParamState]:
        """The sliders of a new expression: kept, remembered or new (value 1)."""
        for name, p in current.items():
            if name not in names:
                self._remembered[name] = p
        default = ParamState.around(DEFAULT_PARAM_VALUE)
        return {n: current.get(n) or self._remembered.get(n) or default for n in names}

    def _kept(self, state: SessionState, params: Mapping[str, ParamState]) -> SessionState:
        return _inputs_kept(state, params)

    def _commit(self, new: SessionState, *, frame: bool = False) -> None:
        self._state = new
        self._frame_pending |= frame
        if self._emitting:  # announced by the loop below, after the round going out now
            return
        self._emitting = True
        try:
            while self._frame_pending or self._state != self._shown:
                self._announce()
        finally:
            self._emitting = False

    def _announce(self) -> None:
        """Bring derived data up to date with the state and emit what changed since the last
        announcement."""
        old, new = self._shown, self._state
        shown_expression, shown_error = self._expression, self._error
        if old is None or (old.expression, old.draft) != (new.expression, new.draft):
            self._derive_expression(new)
        two = self.two_inputs
        values_changed = old is None or old.param_values() != new.param_values()
        later = two and self._param_dragging and not self._frame_pending and _only_params(old, new)
        function_changed = old is None or old.expression != new.expression or values_changed
        curve_due = (
            self._frame_pending
            or values_changed
            or old is None
            or (old.expression, old.view) != (new.expression, new.view)
            or _plotted(old.toggles) != _plotted(new.toggles)
            or (two and _slice_line(old) != _slice_line(new))
        )
        if curve_due and later:
            self._curve_stale, curve_due = True, False  # the view is kept: nothing to frame
            self._follow_later()
        elif curve_due and self._expression is not None:
            new = self._resample(new, frame=self._frame_pending)
            if two and not self._frame_pending and _slice_line(old) != _slice_line(new):  # type: ignore[arg-type]
                new = self._hold_point(new)
        elif new.view is None:  # no function to frame: show the x range
            new = replace(new, view=(*new.x_range, -1.0, 1.0))
        if two and new.landscape.box is None:
            new = replace(new, landscape=replace(new.landscape, box=(*new.x_range, *new.y_range)))
        if two and new.graph.mode == "forward":  # forward mode is for one input (for now)
            new = replace(new, graph=replace(new.graph, mode="reverse"))
        landscape_due = two and (
            function_changed or _drawn(old.landscape) != _drawn(new.landscape)  # type: ignore[union-attr]
        )
        race_due: bool | str = False
        if two and (old is None or _raced(old.race) != _raced(new.race)):
            race_due = "now"  # the start or the optimizers: the race is what is being dragged
        elif two and function_changed:
            race_due = True
        if landscape_due:
            self._recompute_landscape(new)
        self._frame_pending = False
        self._state = self._shown = new
        changed = (
            set(_FIELDS)
            if old is None
            else {f for f in _FIELDS if getattr(old, f) != getattr(new, f)}
        )
        if changed & {"expression", "draft"}:
            self.textChanged.emit(new.text)
        if self._expression is not shown_expression:
            self._graph_collapsed = None  # another graph: its boxes are chosen afresh
            self.expressionChanged.emit(self._expression)
        if self._error is not shown_error:
            self.errorChanged.emit(self._error)
        self._emit_fields(old, new, changed)
        self._emit_two_inputs(two, landscape_due, race_due)
        if curve_due and self._curve is not None:
            self.curveChanged.emit(self._curve)
        point_fields = {"expression", "x", "y", "landscape"} if two else {"expression", "x"}
        if self._expression is not None and (values_changed or changed & point_fields):
            self._recompute_point(announce=not later)
        elif "graph" in changed:  # same point, another mode or seed: only the forward pass
            self._recompute_forward()
            if self._stepping is not None and self._stepping.mode == TANGENT:
                self._stepping.load(self._forward)
                self._emit_step()
        self._announce_tools(old, new, changed, curve_due)
        if old is not None:
            self.stateChanged.emit(old, new)

    def _emit_two_inputs(self, two: bool, landscape_due: bool, race_due: bool | str) -> None:
        """The landscape and the race follow the function: recomputed when due, gone (None)
        when the function has one input."""
        if landscape_due or (not two and self._landscape is not None):
            if not two:
                self._landscape = None
            self.landscapeChanged.emit(self._landscape)
        if not two:
            self._race_timer.stop()
            if self._race is not None:
                self._race = None
                self.raceChanged.emit(None)
                self.stop_race_step()
        elif race_due == "now" or (race_due and self._race is None):
            self._race_timer.stop()
            self._settle_race()
        elif race_due:
            self._race_timer.start()

    def _settle_race(self) -> None:
        if not self.two_inputs:
            return
        self._race = self._run_race()
        self.raceChanged.emit(self._race)
        r = self._race_step
        if r is not None and self._race and r.index < len(self._race):
            self.start_race_step(r.index, r.update.k)
        else:
            self.stop_race_step()

    def settle(self) -> None:
        """Bring what waits for a drag to pause (the race, the slice's curve, the point's
        views) up to date now (tests, exports)."""
        if self._follow_timer.isActive():
            self._settle_follow()
        if self._race_timer.isActive():
            self._race_timer.stop()
            self._settle_race()

    def _follow_later(self) -> None:
        """(Re)start the wait for the drag to pause; a drag that goes on and on still brings
        the held-back views up to date every FOLLOW_MAX_MS (four times a second)."""
        now = time.monotonic()
        if not self._follow_timer.isActive():
            self._behind_since = now
        left_ms = FOLLOW_MAX_MS - (now - self._behind_since) * 1000.0
        self._follow_timer.start(max(0, min(FOLLOW_SETTLE_MS, round(left_ms))))

    def _settle_follow(self) -> None:
        """The curve and the point's signals a parameter drag held back (a Qt slot: the
        engine's errors are caught where they are computed)."""
        self._follow_timer.stop()
        if self._curve_stale and self._expression is not None:
            error = self._error
            self._resample(self._state, frame=False)  # the view stays: no state change
            if self._error is not error:
                self.errorChanged.emit(self._error)
            if self._curve is not None:
                self.curveChanged.emit(self._curve)
        self._curve_stale = False
        if self._point_unsaid:
            self._complete_point()
            if self._partial_shown:  # (completed on a read meanwhile, or now) shown whole
                self._partial_shown = False
                self.surfaceChanged.emit(self._surface)
            self._announce_point()

    def _recompute_landscape(self, state: SessionState) -> None:
        assert self._expression is not None and state.landscape.box is not None
        self.landscape_computations += 1
        try:
            self._landscape = compute_landscape(
                self._expression, state.param_values(), state.landscape.box, state.landscape
            )
        except Exception as err:  # keep the last landscape rather than crash on an engine error
            self._error = ExprError(f"Could not evaluate: {err}", 0, len(state.text))

    @property
    def race_runs_computed(self) -> int:
        """How many optimizers' runs were computed (tests check what a change reran)."""
        return self._race_cache.computed

    def _run_race(self) -> tuple[Run, ...]:
        assert self._expression is not None
        self.race_computations += 1
        s = self._state
        return self._race_cache.run(self._expression, s.param_values(), s.race)

    def _hold_point(self, state: SessionState) -> SessionState:
        """The point moved onto another slice line: when its f is off the plot's y range (the
        Rosenbrock lesson frames f up to 600; beside the valley f is in the thousands), frame
        the new slice's y values, and the point's with a margin; x stays as zoomed."""
        assert self._expression is not None and state.view is not None
        x0, x1, y0, y1 = state.view
        try:
            f = float(self._expression.values_batch([state.x, state.y], state.param_values()))
        except Exception:  # the engine's error is the point's to show
            return state
        if not math.isfinite(f) or y0 <= f <= y1:
            return state
        framed = self._resample(state, frame=True, frame_x=False)
        y0, y1 = framed.view[2:]  # type: ignore[index]
        if y0 <= f <= y1:
            return framed
        lo, hi = min(y0, f), max(y1, f)
        pad = SLICE_MARGIN * (hi - lo)
        lo, hi = (lo - pad, hi) if f < y0 else (lo, hi + pad)
        return self._resample(replace(state, view=(x0, x1, lo, hi)), frame=False)

    def _slice_span(self, state: SessionState) -> tuple[float, float]:
        """The coordinates t along the slice direction that the x and y ranges cover."""
        ux, uy = state.landscape.unit
        ts = [x * ux + y * uy for x in state.x_range for y in state.y_range]
        lo, hi = min(ts), max(ts)
        return (lo, hi) if hi > lo else (lo - 1.0, lo + 1.0)

    def _derive_expression(self, state: SessionState) -> None:
        """The expression shown and the error, from the state's texts."""
        parsed = self._parse(state.expression)
        if isinstance(parsed, Expression):
            self._expression, self._error = parsed, None
        else:  # only a session that never had a valid function gets here: keep the last one
            self._error = parsed
        if state.draft is not None:
            draft = self._parse(state.draft)
            self._error = draft if isinstance(draft, ExprError) else None

    def _resample(self, state: SessionState, *, frame: bool, frame_x: bool = True) -> SessionState:
        """The curve for `state` (and its framed view when asked: y, and for a slice x too
        unless not `frame_x`); keeps the last curve if the engine fails, with the failure
        shown as the error."""
        assert self._expression is not None
        self._curve_stale = False
        view = state.view or (*state.x_range, -1.0, 1.0)
        function: object = self._expression
        if self._expression.two_inputs:
            function = self._expression.along((state.x, state.y), state.landscape.unit)
            if frame and frame_x:
                view = (*self._slice_span(state), *view[2:])
        self.curve_computations += 1
        try:
            self._curve = sample_curve(
                function,  # type: ignore[arg-type]
                state.param_values(),
                view,
                state.toggles,
                frame_y=frame,
            )
        except Exception as err:  # keep the last curve rather than crash on an engine error
            self._error = ExprError(f"Could not evaluate: {err}", 0, len(state.text))
            return replace(state, view=view)
        return replace(state, view=self._curve.view)

    def _emit_fields(self, old: SessionState | None, new: SessionState, changed: set[str]) -> None:
        if "params" in changed:
            names = tuple(new.params)
            if old is None or tuple(old.params) != names:
                self.paramsChanged.emit(names)
            for name in names:
                if old is None or old.params.get(name) != new.params[name]:
                    self.paramChanged.emit(name)
        if "x_range" in changed:
            self.xRangeChanged.emit(*new.x_range)
        if "x" in changed:
            self.xChanged.emit(new.x)
        if "view" in changed:
            self.viewRangeChanged.emit(new.view)
        if "toggles" in changed:
            self.togglesChanged.emit()
        if changed & {"title", "note"}:
            self.lessonChanged.emit()
        if "descent" in changed:
            self.descentSettingsChanged.emit(new.descent)
        if "y_range" in changed:
            self.yRangeChanged.emit(*new.y_range)
        if "y" in changed:
            self.yChanged.emit(new.y)
        if "landscape" in changed:
            self.landscapeSettingsChanged.emit(new.landscape)
        if "race" in changed:
            self.raceSettingsChanged.emit(new.race)
        if "graph" in changed:
            self.graphChanged.emit(new.graph)
        if changed & {"points", "taylor"}:
            self.curveToolsChanged.emit()

    def _recompute_point(self, *, announce: bool = True) -> None:
        """The point's pass; with two inputs and not `announce` (a parameter drag) the
        surface is emitted at once (the landscape draws its arrow) and pointChanged, which the
        graph and the slice follow, when the drag pauses."""
        assert self._expression is not None
        self.point_computations += 1
        s = self._state
        self.clear_backward_runs()  # a new point is a new forward pass: a new graph
        if self._expression.two_inputs:
            if not announce and self._stepping is None:
                # A held parameter slider: the landscape draws the point's arrow from f and ∇f
                # alone; the pass with its trace and Hessian comes when the drag pauses (or
                # when someone asks for the point or the surface: _complete_point).
                unit = s.landscape.unit
                self._surface = surface_arrow(self._expression, s.x, s.y, s.param_values(), unit)
                self._point_partial = self._partial_shown = True
                self.surfaceChanged.emit(self._surface)
                self._point_unsaid = True
                self._follow_later()
                return
            self._surface_pass()
            self._partial_shown = False
            self.surfaceChanged.emit(self._surface)
        else:
            if self._surface is not None:
                self._surface, self._partial_shown = None, False
                self.surfaceChanged.emit(None)
            self._point = evaluate_point(self._expression, s.x, s.param_values())
            self._point_partial = False
        self._announce_point()

    def _surface_pass(self) -> None:
        """The point's whole pass for two inputs: f, ∇f, the Hessian and the trace, and the
        slice's point."""
        assert self._expression is not None
        s = self._state
        unit = s.landscape.unit
        typical = self._landscape.typical_grad if self._landscape is not None else 1.0
        self._surface = evaluate_surface(
            self._expression, s.x, s.y, s.param_values(), unit, typical
        )
        self._point = slice_point(self._surface, self._expression.along((s.x, s.y), unit).t0)
        self._point_partial = False

    def _complete_point(self) -> None:
        """The pass a held parameter slider left for later, when it is needed now."""
        if self._point_partial and self._expression is not None:
            self._surface_pass()

    def _announce_point(self) -> None:
        self._point_unsaid = False
        if self._passes:  # passes made at another point say nothing about this one
            self._passes = {}
            self.forwardPassesChanged.emit({})
        self.pointChanged.emit(self._point)
        self._recompute_forward()
        if self._stepping is not None:
            self._stepping.load(self._trace_for(self._stepping.mode))
            self._emit_step()


def _inputs_kept(state: SessionState, params: Mapping[str, ParamState]) -> SessionState:
    """state with params; descent's target and the graph's seed go back to x when the
    parameter they named is gone."""
    descent, graph = state.descent, state.graph
    if descent.target != "x" and descent.target not in params:
        descent = replace(descent, target="x")
    if graph.seed != "x" and graph.seed not in params:
        graph = replace(graph, seed="x")
    return replace(state, params=params, descent=descent, graph=graph)


def _only_params(old: SessionState | None, new: SessionState) -> bool:
    """Whether only the parameters changed (a slider drag), nothing else of the state."""
    if old is None or old.params == new.params:
        return False
    return all(getattr(old, f) == getattr(new, f) for f in _FIELDS if f != "params")


def _plotted(toggles: Toggles) -> tuple[bool, bool]:
    """The toggles that change what the curve samples (edge labels do not)."""
    return toggles.show_derivative, toggles.show_second_derivative


def _slice_line(state: SessionState) -> tuple[float, float]:
    """Which line the slice is on: its direction and its offset across it (moving the point
    along the line keeps the slice)."""
    ux, uy = state.landscape.unit
    return state.landscape.direction, ux * state.y - uy * state.x


def _drawn(settings: LandscapeSettings) -> tuple[object, ...]:
    """The landscape settings that change what the grid shows (not the slice direction)."""
    return settings.box, settings.log_scale, settings.arrows


def _raced(settings: RaceSettings) -> tuple[object, ...]:
    """The race settings that change the paths (not which one is selected)."""
    return settings.start, settings.optimizers, settings.steps, settings.tol


def _widened(span: tuple[float, float], value: float) -> tuple[float, float] | None:
    lo, hi = span
    if lo <= value <= hi:
        return span
    lo, hi = min(lo, math.floor(value)), max(hi, math.ceil(value))
    return (lo, hi) if _usable_range(lo, hi) else None


def _usable_range(lo: float, hi: float) -> bool:
    """A range a slider and a plot axis can show: finite ends, lo < hi, a finite width and
    middle (the session's check, checks.range_problem)."""
    return range_problem(lo, hi) is None
