"""The "Optimizers" dock: which torch.optim optimizers race on the landscape, their settings,
the results table, and the step mode that explains one update at a time.

The settings live in the model's session state (race), the paths are derived data the model
recomputes when the settings or the start change, and the landscape view draws them; this
panel only edits settings and shows results.
"""

from __future__ import annotations

import html
import math
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradexplorer.errors import GradExplorerError
from gradexplorer.formatting import readout
from gradexplorer.lessons.optimizers import DEFAULTS, RACERS, OptimizerSpec
from gradexplorer.lessons.race import Run, explain
from gradexplorer.lessons.schedules import SCHEDULES, Schedule
from gradexplorer.lessons.session.two_inputs import MAX_RACE_STEPS, MAX_RACERS
from gradexplorer.lessons.training_loop import training_loop
from gradexplorer.ui.commands import Command, Commands
from gradexplorer.ui.controls import muted
from gradexplorer.ui.landscape_view import RACE_COLORS
from gradexplorer.ui.model import ExplorerModel, RaceStep

COLUMNS = ("optimizer", "lr", "steps to |∇f| < tol", "final f", "")
_FLAG_TEXT = {
    "nesterov": "Nesterov",
    "maximize": "maximize",
    "centered": "centered",
    "amsgrad": "AMSGrad",
}


def _race(id_: str, text: str, keys: tuple[str, ...], handler: str, tip: str, **kw) -> Command:
    return Command(f"race.{id_}", text, "race", keys, handler, tip, **kw)


def _spin(lo: float, hi: float, decimals: int = 6, step: float = 0.01) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(lo, hi)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setKeyboardTracking(False)
    return spin


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


class RacePanel(QWidget):
    COMMANDS = (
        _race(
            "panel",
            "Optimizers &panel",
            ("Ctrl+Shift+O",),
            "show_panel",
            "Show or hide the optimizers race",
            checkable=True,
            checked="panel_shown",
        ),
        _race(
            "start_here",
            "Start at the p&oint",
            ("Ctrl+Alt+P",),
            "start_at_point",
            "Move where the optimizers start to the landscape's point",
            section=10,
        ),
        _race(
            "fit_paths",
            "&Frame the paths",
            ("Ctrl+Alt+K",),
            "fit_paths",
            "Zoom the landscape to every path of the race, the diverging ones too",
            section=10,
        ),
        _race(
            "next_optimizer",
            "Select the ne&xt optimizer",
            ("Ctrl+Alt+J",),
            "select_next",
            "The selected one is explained in step mode and copied as code",
            section=10,
        ),
        _race(
            "step_mode",
            "&Step mode",
            ("Ctrl+Alt+M",),
            "set_step_mode",
            "Show one update of the selected optimizer as vectors, with the numbers",
            section=20,
            checkable=True,
            checked="step_mode",
        ),
        _race(
            "next_update",
            "&Next update",
            ("Ctrl+Alt+.",),
            "next_update",
            "The selected optimizer's next step",
            section=20,
        ),
        _race(
            "previous_update",
            "P&revious update",
            ("Ctrl+Alt+,",),
            "previous_update",
            "The selected optimizer's previous step",
            section=20,
        ),
        _race(
            "copy_loop",
            "Copy the training loop as Py&Torch",
            ("Ctrl+Alt+Shift+L",),
            "copy_training_loop",
            "A runnable PyTorch loop with the selected optimizer, its settings and schedule",
            section=30,
        ),
    )

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("racePanel")
        self._model = model
        self._editors: dict[str, Any] = {}
        self._editor_key: tuple[Any, ...] | None = None  # which spec the editor was built for
        self._updating = False
        self._build()
        self.dock = QDockWidget("Optimizers")
        self.dock.setObjectName("raceDock")
        self.dock.setWidget(self)
        model.raceChanged.connect(self._show_results)
        self._settings_shown: tuple | None = None  # what the widgets show of the settings
        model.raceSettingsChanged.connect(self._on_settings)
        model.raceStepChanged.connect(self._show_step)
        model.expressionChanged.connect(lambda _e: self._show_availability())
        self._on_settings(model.race_settings)
        self._show_results(model.race)
        self._show_availability()

    # ----------------------------------------------------------------- widgets
    def _build(self) -> None:
        self.table = QTableWidget(0, len(COLUMNS), objectName="raceTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for i in range(1, len(COLUMNS)):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._row_selected)
        self.table.setMinimumHeight(80)
        self.add_combo = QComboBox(objectName="raceAddCombo")
        for spec in RACERS:
            self.add_combo.addItem(spec.label, spec)
        self.add_button = QPushButton("Add", objectName="raceAddButton")
        self.add_button.clicked.connect(lambda: self.add_optimizer(self.add_combo.currentData()))
        self.remove_button = QPushButton("Remove", objectName="raceRemoveButton")
        self.remove_button.clicked.connect(self.remove_selected)
        self.steps_spin = QSpinBox(objectName="raceStepsSpinBox")
        self.steps_spin.setRange(1, MAX_RACE_STEPS)
        self.steps_spin.setKeyboardTracking(False)
        self.steps_spin.valueChanged.connect(lambda n: self._set(steps=int(n)))
        self.tol_spin = _spin(1e-12, 1e3, 8, 1e-4)
        self.tol_spin.setObjectName("raceTolSpinBox")
        self.tol_spin.valueChanged.connect(lambda t: self._set(tol=float(t)) if t > 0 else None)
        self.start_button = QPushButton("Start at the point", objectName="raceStartButton")
        self.start_button.clicked.connect(self.start_at_point)
        self.copy_button = QPushButton("Copy PyTorch loop", objectName="raceCopyButton")
        self.copy_button.clicked.connect(self.copy_training_loop)
        self.step_check = QCheckBox("step mode", objectName="raceStepCheck")
        self.step_check.toggled.connect(self.set_step_mode)
        self.prev_button = QPushButton("◀", objectName="racePrevButton")
        self.prev_button.clicked.connect(self.previous_update)
        self.next_button = QPushButton("▶", objectName="raceNextButton")
        self.next_button.clicked.connect(self.next_update)
        self.settings_form = QFormLayout()
        self.settings_form.setContentsMargins(0, 0, 0, 0)
        self.message = QLabel(objectName="raceMessage")
        self.message.setWordWrap(True)
        muted(self.message)
        self.explanation = QLabel(objectName="raceExplanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        row = QHBoxLayout()
        for w in (self.add_combo, self.add_button, self.remove_button):
            row.addWidget(w)
        left.addLayout(row)
        run_row = QHBoxLayout()
        run_row.addWidget(QLabel("steps"))
        run_row.addWidget(self.steps_spin)
        run_row.addWidget(QLabel("tol"))
        run_row.addWidget(self.tol_spin)
        run_row.addWidget(self.start_button)
        run_row.addWidget(self.copy_button)
        left.addLayout(run_row)
        editor = QWidget()
        editor_layout = QVBoxLayout(editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addLayout(self.settings_form)
        editor_layout.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(_scrolled(editor), 1)  # a dock stays short: the settings scroll
        middle.addWidget(self.message)
        right = QVBoxLayout()
        step_row = QHBoxLayout()
        for w in (self.step_check, self.prev_button, self.next_button):
            step_row.addWidget(w)
        step_row.addStretch(1)
        right.addLayout(step_row)
        right.addWidget(_scrolled(self.explanation), 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(left, 3)
        layout.addLayout(middle, 2)
        layout.addLayout(right, 3)

    def sizeHint(self) -> QSize:
        """Short, so the landscape keeps most of a laptop's screen; the parts scroll."""
        return QSize(900, 190)

    def bind(self, commands: Commands) -> None:
        self.copy_button.setToolTip(commands.tooltip("race.copy_loop"))
        self.start_button.setToolTip(commands.tooltip("race.start_here"))
        self.next_button.setToolTip(commands.tooltip("race.next_update"))
        self.prev_button.setToolTip(commands.tooltip("race.previous_update"))
        self.dock.visibilityChanged.connect(lambda _on: commands.refresh())
        self._model.raceStepChanged.connect(lambda _s: commands.refresh())

    # ----------------------------------------------------------------- read access
    @property
    def panel_shown(self) -> bool:
        return self.dock.isVisible()

    @property
    def step_mode(self) -> bool:
        return self._model.race_step is not None

    @property
    def specs(self) -> tuple[OptimizerSpec, ...]:
        return self._model.race_settings.optimizers

    @property
    def selected(self) -> int:
        return self._model.race_settings.selected

    # ----------------------------------------------------------------- commands
    def show_panel(self, on: bool) -> None:
        self.dock.setVisible(on)
        if on:
            self.dock.raise_()

    def fit_paths(self) -> None:
        self._model.fit_race_paths()

    def start_at_point(self) -> None:
        s = self._model.surface
        if s is not None and math.isfinite(s.x) and math.isfinite(s.y):
            self._model.set_race_start(s.x, s.y)

    def select(self, index: int) -> None:
        if 0 <= index < len(self.specs) and index != self.selected:
            self._set(selected=index)
            if self.step_mode:
                self._model.start_race_step(index, 1)

    def select_next(self) -> None:
        if self.specs:
            self.select((self.selected + 1) % len(self.specs))

    def add_optimizer(self, spec: OptimizerSpec | None) -> None:
        if spec is None or len(self.specs) >= MAX_RACERS:
            self.message.setText(f"At most {MAX_RACERS} optimizers race at once.")
            return
        self._set(optimizers=(*self.specs, spec), selected=len(self.specs))

    def remove_selected(self) -> None:
        specs = list(self.specs)
        if not specs:
            return
        del specs[self.selected]
        self._model.stop_race_step()
        self._set(optimizers=tuple(specs), selected=max(0, min(self.selected, len(specs) - 1)))

    def set_optimizer(self, index: int, spec: OptimizerSpec) -> None:
        specs = list(self.specs)
        specs[index] = spec
        self._set(optimizers=tuple(specs))

    def set_step_mode(self, on: bool) -> None:
        if on and not self.step_mode:
            self.show_panel(True)
            self._model.start_race_step(self.selected, 1)
            if not self.step_mode:
                self.message.setText("No path to step through: add an optimizer first.")
        elif not on:
            self._model.stop_race_step()

    def next_update(self) -> None:
        if not self.step_mode:
            self.set_step_mode(True)
        else:
            self._model.race_step_by(1)

    def previous_update(self) -> None:
        self._model.race_step_by(-1)

    def training_loop(self) -> str | None:
        """The PyTorch loop of the selected optimizer (None without a race)."""
        m = self._model
        e = m.expression
        if e is None or not e.two_inputs or not self.specs:
            return None
        start = dict(zip(e.inputs, m.race_settings.start, strict=True))
        spec = self.specs[self.selected]
        return training_loop(e, start, m.param_values(), spec, m.race_settings.steps)

    def copy_training_loop(self) -> None:
        text = self.training_loop()
        if text is None:
            self.message.setText("Type a function of two inputs and add an optimizer first.")
            return
        QGuiApplication.clipboard().setText(text)
        self.message.setText(
            f"Copied a PyTorch loop with {self.specs[self.selected].pytorch_call()}."
        )

    # ----------------------------------------------------------------- model → panel
    def _set(self, **changes: Any) -> None:
        if self._updating:
            return
        try:
            self._model.set_race(**changes)
        except GradExplorerError as err:
            self.message.setText(f"Not applied: {err}")
            self._settings_shown = None  # the widgets hold the refused value: put it back
            self._on_settings(self._model.race_settings)

    def _on_settings(self, race: Any) -> None:
        # a start drag changes only the start, which the panel does not show: on every step
        # of it, rewriting the table's names and the editor was a fifth of the slots' time
        shown = (race.steps, race.tol, race.optimizers, race.selected)
        if shown == self._settings_shown:
            return
        self._settings_shown = shown
        self._updating = True
        try:
            self.steps_spin.setValue(race.steps)
            self.tol_spin.setValue(race.tol)
            self._fill_table_names(race.optimizers)
            if race.optimizers:
                self.table.selectRow(race.selected)
            spec = race.optimizers[race.selected] if race.optimizers else None
            key = None if spec is None else (race.selected, spec.name, spec.schedule.kind)
            if key != self._editor_key:  # never delete the widget whose signal brought us here
                self._editor_key = key
                self._build_editor(spec)
            elif spec is not None:
                self._refresh_editor(spec)
        finally:
            self._updating = False
        self.remove_button.setEnabled(bool(race.optimizers))

    def _fill_table_names(self, specs: tuple[OptimizerSpec, ...]) -> None:
        self.table.setRowCount(len(specs))
        for i, spec in enumerate(specs):
            name = QTableWidgetItem(f"■ {spec.label}")
            name.setForeground(QBrush(QColor(RACE_COLORS[i % len(RACE_COLORS)]).darker(115)))
            name.setToolTip(spec.pytorch_call())
            self.table.setItem(i, 0, name)
            self.table.setItem(i, 1, QTableWidgetItem(f"{spec.lr:g}"))

    def _show_results(self, runs: tuple[Run, ...] | None) -> None:
        runs = runs or ()
        tol = self._model.race_settings.tol
        for i, run in enumerate(runs[: self.table.rowCount()]):
            reached = "—" if run.steps_to_tol is None else str(run.steps_to_tol)
            flag = "⚠ diverged" if run.diverged else ("✔" if run.steps_to_tol is not None else "")
            for col, text in ((2, reached), (3, readout(run.final_value, 6)), (4, flag)):
                item = QTableWidgetItem(text)
                item.setToolTip(run.summary(tol))
                if col == 4 and run.diverged:
                    item.setForeground(QBrush(QColor("#c0221a")))
                self.table.setItem(i, col, item)

    def _row_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) == 1 and not self._updating:
            self.select(rows.pop())

    def _show_step(self, step: RaceStep | None) -> None:
        self.step_check.blockSignals(True)
        self.step_check.setChecked(step is not None)
        self.step_check.blockSignals(False)
        if step is None:
            self.explanation.setText("")
            return
        e = self._model.expression
        names = e.inputs if e is not None and e.two_inputs else ("x", "y")
        words = explain(step.run, step.update, names)
        lines = html.escape(words).split("\n")
        self.explanation.setText(f"<b>{lines[0]}</b><br>" + "<br>".join(lines[1:]))

    def _show_availability(self) -> None:
        on = self._model.two_inputs
        self.setEnabled(on)
        if not on:
            self.message.setText("The race needs two inputs, as in f(x, y) = x^2 + 3y^2.")
        else:
            self.message.setText("")

    # ----------------------------------------------------------------- the editor
    def _build_editor(self, spec: OptimizerSpec | None) -> None:
        form = self.settings_form
        while form.rowCount():
            form.removeRow(0)
        self._editors = {}
        if spec is None:
            return
        form.addRow(QLabel(f"<b>torch.optim.{spec.class_name}</b>"))
        for name, default in DEFAULTS[spec.name].items():
            value = spec[name]
            if isinstance(default, bool):
                box = QCheckBox(_FLAG_TEXT.get(name, name), objectName=f"raceOption_{name}")
                box.setChecked(value)
                box.toggled.connect(lambda on, n=name: self._edit(n, bool(on)))
                form.addRow(box)
                self._editors[name] = box
            elif name == "betas":
                row = QHBoxLayout()
                spins = []
                for j in (0, 1):
                    s = _spin(0.0, 0.999999, 6, 0.01)
                    s.setObjectName(f"raceOption_betas{j}")
                    s.setValue(value[j])
                    row.addWidget(s)
                    spins.append(s)
                for s in spins:
                    s.valueChanged.connect(
                        lambda _v, ss=spins: self._edit("betas", (ss[0].value(), ss[1].value()))
                    )
                form.addRow("betas", row)
                self._editors[name] = spins
            else:
                hi = 100.0 if name in ("lr", "weight_decay", "lr_decay") else 1e3
                s = _spin(0.0, hi, 8 if name == "eps" else 6, 0.001 if name == "lr" else 0.01)
                s.setObjectName(f"raceOption_{name}")
                s.setValue(value)
                s.valueChanged.connect(lambda v, n=name: self._edit(n, float(v)))
                form.addRow(name, s)
                self._editors[name] = s
        self._build_schedule_editor(spec.schedule)

    def _refresh_editor(self, spec: OptimizerSpec) -> None:
        """Show the spec's values in the editor built for it (signals blocked)."""
        for name, editor in self._editors.items():
            if name == "schedule":
                continue
            value = spec[name]
            widgets = editor if isinstance(editor, list) else [editor]
            for j, w in enumerate(widgets):
                w.blockSignals(True)
                if isinstance(w, QCheckBox):
                    w.setChecked(value)
                else:
                    w.setValue(value[j] if isinstance(value, tuple) else value)
                w.blockSignals(False)

    def _build_schedule_editor(self, schedule: Schedule) -> None:
        combo = QComboBox(objectName="raceScheduleCombo")
        for kind in SCHEDULES:
            combo.addItem(kind, kind)
        combo.setCurrentIndex(SCHEDULES.index(schedule.kind))
        combo.currentIndexChanged.connect(lambda _i: self._edit_schedule(kind=combo.currentData()))
        self.settings_form.addRow("schedule", combo)
        warm = QSpinBox(objectName="raceWarmupSpinBox")
        warm.setRange(0, MAX_RACE_STEPS)
        warm.setValue(schedule.warmup)
        warm.setKeyboardTracking(False)
        warm.valueChanged.connect(lambda n: self._edit_schedule(warmup=int(n)))
        self.settings_form.addRow("warmup steps", warm)
        if schedule.kind == "step":
            size = QSpinBox(objectName="raceStepSizeSpinBox")
            size.setRange(1, MAX_RACE_STEPS)
            size.setValue(schedule.step_size)
            size.valueChanged.connect(lambda n: self._edit_schedule(step_size=int(n)))
            self.settings_form.addRow("step_size", size)
            gamma = _spin(0.0, 1.0, 4, 0.05)
            gamma.setValue(schedule.gamma)
            gamma.valueChanged.connect(lambda v: self._edit_schedule(gamma=float(v)))
            self.settings_form.addRow("gamma", gamma)
        self._editors["schedule"] = combo

    def _edit(self, name: str, value: Any) -> None:
        if self._updating or not self.specs:
            return
        spec = self.specs[self.selected]
        try:
            new = spec.with_settings(**{name: value})
        except GradExplorerError as err:
            self.message.setText(f"PyTorch would refuse this: {err}")
            self._settings_shown = None  # the widget holds the refused value: the next
            return  # settings signal (a start drag too) puts the model's back
        self.message.setText("")
        self.set_optimizer(self.selected, new)

    def _edit_schedule(self, **changes: Any) -> None:
        if self._updating or not self.specs:
            return
        spec = self.specs[self.selected]
        try:
            schedule = Schedule(**{**spec.schedule.to_dict(), **changes})
        except GradExplorerError as err:
            self.message.setText(f"PyTorch would refuse this: {err}")
            self._settings_shown = None  # as in _edit
            return
        self.set_optimizer(self.selected, OptimizerSpec(spec.name, spec.settings, schedule))
