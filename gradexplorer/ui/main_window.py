"""The main window: function input on top; controls on the left; plot above graph on the right;
the classroom features (sessions, step-through, descent, animation, presentation) around them.

Every part is a typed member built in one place (``__init__``). Features get what they need
through their constructors and share state only through the model; their commands come from
the ``COMMANDS`` tables (see commands.py), from which the menus are built.
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabBar,
    QTextBrowser,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gradexplorer import __version__, formatting
from gradexplorer.expr import reference
from gradexplorer.ui.backward_runs_panel import BackwardRunsPanel
from gradexplorer.ui.commands import Command, Commands, key_text
from gradexplorer.ui.controls import ParamPanel, XControl, YControl
from gradexplorer.ui.descent_panel import DescentPanel
from gradexplorer.ui.focus import on_screen
from gradexplorer.ui.forward_mode import ForwardMode
from gradexplorer.ui.function_input import FunctionInput
from gradexplorer.ui.graph_view import GraphView
from gradexplorer.ui.landscape_view import LandscapeView
from gradexplorer.ui.model import DEFAULT_EXPRESSION, ExplorerModel, PointData
from gradexplorer.ui.param_animation import ParamAnimator
from gradexplorer.ui.plot import PlotView
from gradexplorer.ui.points_panel import PointsPanel
from gradexplorer.ui.presentation import Presentation
from gradexplorer.ui.race_panel import RacePanel
from gradexplorer.ui.readouts import Readouts
from gradexplorer.ui.second_panel import SecondPanel
from gradexplorer.ui.session_actions import SessionActions
from gradexplorer.ui.steady_label import SteadyLabel
from gradexplorer.ui.stepper_panel import StepperPanel
from gradexplorer.ui.surface_readouts import SurfaceReadouts
from gradexplorer.ui.taylor_panel import TaylorPanel
from gradexplorer.ui.theme import LIGHT, legend_html

ZOOM_STEP = 1.15
PLOT_MIN_HEIGHT = 90  # a 600 px high laptop stepping through a graph has room for little else
MAX_TAB_SKIPS = 200  # more Tab stops than the window has: a full round ends the search
STEPPING_GRAPH_SHARE = 0.62  # while stepping, the graph is what the class looks at
MIN_ZOOM, MAX_ZOOM = 0.6, 3.0
Std = QKeySequence.StandardKey


# the widest the point's numbers at the right of the status line usually are
STATUS_WIDEST = "x = -0.00000   f(x) = -0.00000   f′(x) = -0.00000   graph: 000 nodes"


class MainWindow(QMainWindow):
    COMMANDS = (
        Command("file.quit", "&Quit", "file", (Std.Quit, "Ctrl+Q"), "close", "Quit", 90),
        Command(
            "view.zoom_in",
            "Zoom &in",
            "view",
            (Std.ZoomIn, "Ctrl+="),
            "zoom_in",
            "Larger text and graph (projector)",
        ),
        Command("view.zoom_out", "Zoom &out", "view", (Std.ZoomOut,), "zoom_out", "Smaller text"),
        Command("view.actual_size", "&Actual size", "view", ("Ctrl+0",), "actual_size"),
        Command(
            "view.reset",
            "&Reset view",
            "view",
            ("Ctrl+R",),
            "reset_view",
            "Frame the curve and the graph",
            section=10,
        ),
        Command(
            "view.full_screen",
            "&Full screen",
            "view",
            ("F11", Std.FullScreen),
            "toggle_full_screen",
            "Full screen",
            section=10,
            checkable=True,
            checked="is_full_screen",
        ),
        Command(
            "view.fit_graph",
            "Fit the &graph",
            "view",
            ("Ctrl+G",),
            "fit_graph",
            "Show the whole backward graph in its panel",
            section=15,
        ),
        Command(
            "view.expand_graph",
            "E&xpand every box",
            "view",
            ("Ctrl+Alt+E",),
            "expand_graph",
            "Open every collapsed subexpression of the graph (zoom and pan to read it)",
            section=15,
        ),
        Command(
            "view.collapse_graph",
            "Co&llapse to fit",
            "view",
            ("Ctrl+Alt+Shift+E",),
            "collapse_graph",
            "Collapse the deepest subexpressions until the graph is legible in its panel",
            section=15,
        ),
        Command(
            "view.show_derivative",
            "Show f′ curve",
            "view",
            ("Ctrl+1",),
            "show_derivative_curve",
            "Plot the derivative over the whole range (autograd)",
            section=20,
            checkable=True,
            checked="derivative_shown",
        ),
        Command(
            "view.show_second_derivative",
            "Show f′′ curve",
            "view",
            ("Ctrl+2",),
            "show_second_derivative_curve",
            "Plot the second derivative (autograd applied twice)",
            section=20,
            checkable=True,
            checked="second_derivative_shown",
        ),
        Command(
            "view.show_edge_labels",
            "Show local derivatives",
            "view",
            ("Ctrl+3",),
            "show_edge_labels",
            "Label each graph edge with ∂(result)/∂(input)",
            section=20,
            checkable=True,
            checked="edge_labels_shown",
        ),
        Command(
            "edit.focus_function",
            "&Type a function",
            "edit",
            ("Ctrl+L", "F6"),
            "focus_function",
            "Put the cursor in the function field",
            section=10,
        ),
        Command(
            "edit.apply_fix",
            "Apply the suggested &fix",
            "edit",
            ("Ctrl+Return",),
            "apply_fix",
            "Write the correction the error suggests (e.g. a x for ax)",
            section=10,
            enabled="fix_available",
        ),
        Command(
            "help.shortcuts",
            "&Keyboard shortcuts and syntax",
            "help",
            ("F1", Std.HelpContents),
            "show_shortcuts",
            "Every command with its keys, and how to type a function",
        ),
        Command("help.about", "&About gradexplorer", "help", ("Ctrl+F1",), "about"),
    )

    model: ExplorerModel
    function_input: FunctionInput
    x_control: XControl
    y_control: YControl
    param_panel: ParamPanel
    readouts: Readouts
    surface_readouts: SurfaceReadouts
    plot: PlotView
    landscape: LandscapeView
    graph_view: GraphView
    forward_mode: ForwardMode
    points_panel: PointsPanel
    taylor_panel: TaylorPanel
    second_panel: SecondPanel
    main_splitter: QSplitter
    right_splitter: QSplitter
    plot_splitter: QSplitter
    sessions: SessionActions
    stepper_panel: StepperPanel
    backward_runs_panel: BackwardRunsPanel
    descent_panel: DescentPanel
    race_panel: RacePanel
    param_animator: ParamAnimator
    presentation: Presentation
    commands: Commands

    def __init__(
        self,
        expression: str = DEFAULT_EXPRESSION,
        x: float = 1.0,
        params: dict[str, float] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("gradexplorer — autograd you can see")
        self.setMinimumSize(760, 520)
        self.model = ExplorerModel(expression, x, params, parent=self)
        self._base_font = QFont(self.font())
        # the application's fonts for the menus and tooltips Qt makes on the spot: the
        # platform's own (Windows gives menus another font than the rest), zoomed from these
        self._spot_fonts = (QFont(QApplication.font("QMenu")), QFont(QToolTip.font()))
        self._zoom = 1.0
        self._sizes_before_stepping: list[int] | None = None

        # the core: every view subscribes to the model
        self.function_input = FunctionInput(self.model)
        self.x_control = XControl(self.model)
        self.y_control = YControl(self.model)
        self.param_panel = ParamPanel(self.model)
        self.readouts = Readouts(self.model)
        self.surface_readouts = SurfaceReadouts(self.model)
        self.plot = PlotView(self.model)
        self.landscape = LandscapeView(self.model)
        self.graph_view = GraphView(self.model)
        # forward mode's bar and passes panel sit in the graph's own panel
        self.forward_mode = ForwardMode(self.model, self.statusBar(), parent=self)
        # the tools that read the curve, in the side panel
        self.points_panel = PointsPanel(self.model)
        self.taylor_panel = TaylorPanel(self.model)
        self.second_panel = SecondPanel(self.model)
        self._build_layout()

        # the classroom features, each declared here and nowhere else
        self.sessions = SessionActions(self)
        self.stepper_panel = StepperPanel(self.model)
        self.backward_runs_panel = BackwardRunsPanel(self.model)
        self.descent_panel = DescentPanel(self.model)
        self.race_panel = RacePanel(self.model)
        self.param_animator = ParamAnimator(self.model, self.param_panel, parent=self)
        self.presentation = Presentation(self)
        self._add_docks()
        self.commands = Commands(
            self,
            [
                self,
                self.sessions,
                self.stepper_panel,
                self.backward_runs_panel,
                self.descent_panel,
                self.race_panel,
                self.landscape,
                self.param_animator,
                self.presentation,
                self.forward_mode,
                self.points_panel,
                self.taylor_panel,
                self.second_panel,
            ],
        )
        for feature in (
            self.sessions,
            self.stepper_panel,
            self.backward_runs_panel,
            self.race_panel,
            self.descent_panel,
            self.presentation,
            self.forward_mode,
            self.points_panel,
            self.taylor_panel,
            self.second_panel,
        ):
            feature.bind(self.commands)
        self.function_input.fix_key = key_text(self.commands.spec("edit.apply_fix"))
        self._connect()
        # Start with the x slider focused so the arrow keys move x at once; a click in the
        # function field is all it takes to type.
        self.x_control.slider.setFocus()

    # ----------------------------------------------------------------- building
    def _build_layout(self) -> None:
        scroll = QScrollArea()
        scroll.setWidget(self._build_side_panel())
        scroll.setWidgetResizable(True)
        # a container, not a control: Tab goes straight to the controls inside (which it
        # scrolls into view); the scroll area itself showed no focus
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Always there: a bar that comes and goes changes the width, the word-wrapped labels
        # re-wrap to another height, and the bar can come and go again forever (a busy loop
        # of show/hide events that froze the app once).
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.right_splitter = QSplitter(Qt.Orientation.Vertical, objectName="rightSplitter")
        # two inputs: the landscape beside the plot, which shows the slice through the point
        self.plot_splitter = QSplitter(Qt.Orientation.Horizontal, objectName="plotSplitter")
        self.plot_splitter.addWidget(self.landscape)
        self.plot_splitter.addWidget(self.plot)
        self.plot_splitter.setStretchFactor(0, 3)
        self.plot_splitter.setStretchFactor(1, 2)
        self.plot_splitter.setChildrenCollapsible(False)
        self.landscape.setMinimumSize(220, 160)
        self.landscape.hide()
        self.right_splitter.addWidget(self.plot_splitter)
        self.right_splitter.addWidget(self._build_graph_panel())
        # the graph is what no other tool shows: as much room as the plot
        self.right_splitter.setStretchFactor(0, 1)
        self.right_splitter.setStretchFactor(1, 1)
        self.right_splitter.setChildrenCollapsible(False)
        self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.main_splitter.addWidget(scroll)
        self.main_splitter.addWidget(self.right_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setChildrenCollapsible(False)
        self.main_splitter.setSizes([330, 950])
        self.right_splitter.setSizes([375, 375])
        self._fit_side_panel()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.function_input)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)
        self._status_point = SteadyLabel(objectName="statusPoint")
        self.statusBar().addPermanentWidget(self._status_point)

    def _build_side_panel(self) -> QWidget:
        x_box = self._point_box = QGroupBox("The point x", objectName="pointBox")
        x_layout = QVBoxLayout(x_box)
        x_layout.setContentsMargins(8, 6, 8, 6)
        x_layout.addWidget(self.x_control)
        x_layout.addWidget(self.y_control)
        self.y_control.hide()
        display = QGroupBox("Show")
        d_layout = QVBoxLayout(display)
        d_layout.setContentsMargins(8, 6, 8, 6)
        self.toggle_checks: dict[str, QCheckBox] = {}
        for name, text, tip in (
            ("show_derivative", "f′(x) curve", "Plot the derivative over the whole range"),
            ("show_second_derivative", "f′′(x) curve", "Plot the second derivative"),
            ("show_edge_labels", "local derivatives on edges", "Label each graph edge"),
        ):
            check = QCheckBox(text, objectName=_check_name(name))
            check.setToolTip(tip)
            check.setAccessibleName(text)
            check.setChecked(getattr(self.model.toggles, name))
            check.toggled.connect(lambda on, n=name: self.model.set_toggles(**{n: on}))
            d_layout.addWidget(check)
            self.toggle_checks[name] = check
        side = QWidget(objectName="sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 4, 6, 6)
        self.surface_readouts.hide()
        for w in (
            x_box,
            self.param_panel,
            self.readouts,
            self.surface_readouts,
            self.points_panel,
            self.taylor_panel,
            self.second_panel,
            display,
        ):
            side_layout.addWidget(w)
        side_layout.addStretch(1)
        return side

    def _build_graph_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        self.graph_legend = QLabel(legend_html(LIGHT), objectName="graphLegend")
        self.graph_legend.setTextFormat(Qt.TextFormat.RichText)
        self.graph_legend.setWordWrap(True)
        # the rich text's measured width and its drawing differ by a few pixels at some zooms:
        # room on the right, so the last chip is never cut at the panel's edge
        self.graph_legend.setContentsMargins(0, 0, 6, 0)
        header = QHBoxLayout()
        header.setSpacing(10)
        header.addWidget(self.forward_mode.bar)
        header.addWidget(self.graph_legend, 1)
        layout.addLayout(header)
        layout.addWidget(self.forward_mode.counter)
        body = QHBoxLayout()
        body.setSpacing(2)
        body.addWidget(self.graph_view, 1)
        body.addWidget(self.forward_mode.passes)
        layout.addLayout(body, 1)
        return panel

    def _fit_side_panel(self) -> None:
        """Wide enough for the widest control row at the current font: the side panel only
        ever scrolls vertically."""
        scroll = self.main_splitter.widget(0)
        assert isinstance(scroll, QScrollArea)
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(scroll.widget().minimumSizeHint().width() + bar + 6)

    def _add_docks(self) -> None:
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        docks = (
            self.stepper_panel.dock,
            self.backward_runs_panel.dock,
            self.descent_panel.dock,
            self.race_panel.dock,
        )
        for dock in docks:
            dock.setParent(self)
            dock.setAllowedAreas(bottom | Qt.DockWidgetArea.LeftDockWidgetArea)
            self.addDockWidget(bottom, dock)
            dock.hide()  # until asked for: open, a dock would take a third of a laptop's plot
        # share the bottom strip as tabs rather than squeezing side by side
        self.tabifyDockWidget(self.stepper_panel.dock, self.backward_runs_panel.dock)
        self.tabifyDockWidget(self.stepper_panel.dock, self.descent_panel.dock)
        self.tabifyDockWidget(self.descent_panel.dock, self.race_panel.dock)
        for dock in docks:  # a dock opened or closed beside the step panel: its tab bar comes
            dock.visibilityChanged.connect(lambda _on: self.stepper_panel.updateGeometry())

    def _connect(self) -> None:
        m = self.model
        m.togglesChanged.connect(self._on_toggles)
        m.pointChanged.connect(self._on_point)
        m.errorChanged.connect(self._on_error)
        m.errorChanged.connect(lambda _e: self.commands.refresh())
        m.stateChanged.connect(lambda *_: self.commands.refresh())
        m.expressionChanged.connect(self._on_expression)
        self.plot.hovered.connect(
            lambda x, y: self.statusBar().showMessage(f"mouse at x = {x:.4g}, y = {y:.4g}", 3000)
        )
        self.landscape.hovered.connect(self._on_landscape_hover)
        self.descent_panel.stepping.connect(self.param_animator.stop_all)
        self.stepper_panel.exitRequested.connect(self.x_control.slider.setFocus)
        m.stepChanged.connect(self._on_stepping)
        if m.point is not None:
            self._on_point(m.point)
        if m.expression is not None:
            self._show_inputs(m.expression)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab, past the stops nobody can see (the controls of a dock behind
        another dock's tab and the empty tab bar of closed docks are off screen, not hidden)."""
        start = QApplication.focusWidget()
        for _ in range(MAX_TAB_SKIPS):
            if not super().focusNextPrevChild(next):
                return False
            widget = QApplication.focusWidget()
            if widget is None or widget is start or on_screen(widget, self):
                break
        return True

    # ----------------------------------------------------------------- commands
    def reset_view(self) -> None:
        self.model.reset_view()
        self.graph_view.fit()

    def _on_expression(self, e: object) -> None:
        two = getattr(e, "two_inputs", False)
        name = "" if two else "f(x) = "
        # cut with … before the point's numbers on the right: a long function ran under them
        # ('…(x - 2)^x = 1   f(x) = 2.19' read as a formula)
        bar = self.statusBar()
        numbers = max(
            self._status_point.width(), bar.fontMetrics().horizontalAdvance(STATUS_WIDEST)
        )
        room = max(50, bar.width() - numbers - 40)
        text = f"{name}{e.canonical}"  # type: ignore[attr-defined]
        bar.showMessage(bar.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room))
        self._show_inputs(e)

    def _show_inputs(self, e: object) -> None:
        """Two inputs: the landscape beside the plot (now the slice), a control for the second
        input, the two-input readouts. One input: everything as before."""
        two = bool(getattr(e, "two_inputs", False))
        names = e.inputs if two else ("x",)  # type: ignore[attr-defined]
        self.x_control.label.setText(f"<b>{names[0]}</b>")
        self._point_box.setTitle(f"The point ({', '.join(names)})" if two else "The point x")
        if two:
            self.y_control.label.setText(f"<b>{names[1]}</b>")
        appearing = two and self.landscape.isHidden()
        for widget in (self.landscape, self.y_control, self.surface_readouts):
            widget.setVisible(two)
        self.readouts.setVisible(not two)
        if appearing:  # the landscape is the main view now: three fifths, the slice the rest
            total = max(sum(self.plot_splitter.sizes()), self.plot_splitter.width(), 500)
            self.plot_splitter.setSizes([total * 3 // 5, total - total * 3 // 5])

    def _on_landscape_hover(self, x: float, y: float) -> None:
        data = self.model.landscape
        value = ""
        if data is not None:
            i = math.floor((x - data.xs[0]) / (data.xs[-1] - data.xs[0]) * (len(data.xs) - 1) + 0.5)
            j = math.floor((y - data.ys[0]) / (data.ys[-1] - data.ys[0]) * (len(data.ys) - 1) + 0.5)
            if 0 <= i < len(data.xs) and 0 <= j < len(data.ys):
                value = f", f ≈ {formatting.readout(data.values[j, i], 4)}"
        self.statusBar().showMessage(f"mouse at ({x:.4g}, {y:.4g}){value}", 3000)

    def fit_graph(self) -> None:
        self.graph_view.fit()

    def expand_graph(self) -> None:
        self.graph_view.expand_all()

    def collapse_graph(self) -> None:
        self.graph_view.collapse_to_fit()

    @property
    def is_full_screen(self) -> bool:
        return self.isFullScreen()

    def toggle_full_screen(self, _checked: bool = False) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.commands.refresh()

    def show_derivative_curve(self, on: bool) -> None:
        self.model.set_show_derivative(on)

    def show_second_derivative_curve(self, on: bool) -> None:
        self.model.set_show_second_derivative(on)

    def show_edge_labels(self, on: bool) -> None:
        self.model.set_show_edge_labels(on)

    @property
    def derivative_shown(self) -> bool:
        return self.model.show_derivative

    @property
    def second_derivative_shown(self) -> bool:
        return self.model.show_second_derivative

    @property
    def edge_labels_shown(self) -> bool:
        return self.model.show_edge_labels

    def focus_function(self) -> None:
        self.function_input.edit.setFocus()
        self.function_input.edit.selectAll()

    def apply_fix(self) -> None:
        self.function_input.apply_fix()

    @property
    def fix_available(self) -> bool:
        return self.function_input.fix is not None

    def show_shortcuts(self) -> None:
        dialog = QDialog(self, objectName="shortcutsDialog")
        dialog.setWindowTitle("Keyboard shortcuts and syntax — gradexplorer")
        layout = QVBoxLayout(dialog)
        text = QTextBrowser(objectName="shortcutsText")
        text.setHtml(syntax_html() + "<h3>Keyboard shortcuts</h3>" + self.commands.shortcuts_html())
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.close)
        layout.addWidget(buttons)
        dialog.resize(560, 640)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def about(self) -> None:
        # QMessageBox.about shows the window's icon: the application's (ui/app.py sets it).
        QMessageBox.about(
            self,
            "About gradexplorer",
            f"<b>gradexplorer {__version__}</b>: type a function, drag x, and watch the tangent "
            "and the backward graph that autograd builds.<br><br>Arrow keys move x in small "
            "steps, Page Up/Down in large ones. Drag the red point on the plot. Wheel zooms the "
            "plot and the graph. Help ▸ Keyboard shortcuts lists every command.",
        )

    # ----------------------------------------------------------------- zoom
    @property
    def zoom(self) -> float:
        """The window's text zoom (1.0 = normal size)."""
        return self._zoom

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def set_zoom(self, zoom: float) -> None:
        """Scale every font (for a projector) and the graph with it."""
        self._zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        font = QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * self._zoom)
        self.centralWidget().setFont(font)
        # feature panels live outside the centre, and so do the tabs of tabbed panels
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        for widget in (*self.findChildren(QDockWidget), *self.findChildren(QTabBar, "", direct)):
            widget.setFont(font)
        # and the menus: windows of their own, which a font does not reach (in presentation
        # mode Alt+L opens the Lessons menu over large text: it was drawn at the base size)
        for widget in (self.menuBar(), *self.findChildren(QMenu)):
            widget.setFont(font)
        # and what Qt makes on the spot: a line edit's or a spin box's right-click menu (Undo,
        # Cut, Paste…) takes the application's font for menus, a tooltip the tooltips' font
        menu_font, tip_font = (_scaled(f, self._zoom) for f in self._spot_fonts)
        QApplication.setFont(menu_font, "QMenu")
        QToolTip.setFont(tip_font)
        self._fit_side_panel()  # its minimum width was measured at the old font size
        self.plot.set_font_scale(self._zoom)
        self.landscape.set_font_scale(self._zoom)
        self.readouts.set_font_scale(self._zoom)
        self.surface_readouts.set_font_scale(self._zoom)
        self.function_input.set_font_scale(self._zoom)
        self.graph_view.set_font_scale(self._zoom)
        self.statusBar().showMessage(f"zoom {self._zoom:.0%}", 2000)

    def closeEvent(self, event: QCloseEvent) -> None:
        # the application's fonts for menus and tooltips follow this window's zoom: not past it
        menu_font, tip_font = self._spot_fonts
        QApplication.setFont(menu_font, "QMenu")
        QToolTip.setFont(tip_font)
        super().closeEvent(event)

    # ----------------------------------------------------------------- model → window
    def _on_toggles(self) -> None:
        for name, check in self.toggle_checks.items():
            on = getattr(self.model.toggles, name)
            if check.isChecked() != on:
                check.blockSignals(True)
                check.setChecked(on)
                check.blockSignals(False)

    def _on_stepping(self, frame: object) -> None:
        """While stepping, the graph gets most of the right side; after, what it had before."""
        stepping = frame is not None
        if stepping == (self._sizes_before_stepping is not None):
            return
        if stepping:
            self._sizes_before_stepping = self.right_splitter.sizes()
            total = sum(self._sizes_before_stepping)
            graph = round(STEPPING_GRAPH_SHARE * total)
            self.right_splitter.setSizes([total - graph, graph])
        else:
            self.right_splitter.setSizes(self._sizes_before_stepping)
            self._sizes_before_stepping = None

    def _on_point(self, point: PointData) -> None:
        r = formatting.readout
        nodes = f"graph: {0 if point.trace is None else len(point.trace.nodes)} nodes"
        e = self.model.expression
        s = self.model.surface if self.model.two_inputs else None  # (complete when announced)
        if s is not None and e is not None:
            # the point is (x, y): the slice's own coordinate and slope were read as x and f′
            a, b = e.inputs
            self._status_point.setText(
                f"({a}, {b}) = ({r(s.x, 5)}, {r(s.y, 5)})   f = {r(s.value, 5)}   "
                f"|∇f| = {r(s.grad_norm, 5)}   {nodes}"
            )
            return
        self._status_point.setText(
            f"x = {r(point.x, 5)}   f(x) = {r(point.value, 5)}   f′(x) = {r(point.derivative, 5)}"
            f"   {nodes}"
        )

    def _on_error(self, err: object) -> None:
        if err is not None:
            self.statusBar().showMessage("Error in the function — the last valid one stays plotted")


def syntax_html() -> str:
    """How to type a function, from the language's own tables (expr/reference.py)."""

    def table(rows: list[tuple[str, str]]) -> str:
        cells = "".join(
            f"<tr><td><code>{html.escape(a)}</code>&nbsp;&nbsp;</td><td>{html.escape(b)}</td></tr>"
            for a, b in rows
        )
        return f"<table>{cells}</table>"

    names = ", ".join(f"{n} ({s})" for n, s in reference.greek())
    return (
        "<h3>Typing a function</h3>"
        + table(list(reference.WRITING))
        + "<h4>Functions</h4>"
        + table(reference.functions())
        + "<h4>Constants</h4>"
        + table(reference.constants())
        + f"<h4>Greek parameters</h4><p>{html.escape(names)}</p>"
    )


def _check_name(toggle: str) -> str:
    """objectNames the tests and automation rely on: showDerivativeCheck, ..."""
    camel = "".join(part.capitalize() for part in toggle.split("_"))
    return camel[0].lower() + camel[1:] + "Check"


def _scaled(font: QFont, zoom: float) -> QFont:
    """The font at this zoom (a font sized in pixels scales by its pixels)."""
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * zoom)
    else:
        scaled.setPixelSize(max(1, round(font.pixelSize() * zoom)))
    return scaled
