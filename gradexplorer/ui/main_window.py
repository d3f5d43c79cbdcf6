"""The main window: function input on top; controls on the left; plot above graph on the right."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from gradexplorer.ui.controls import ParamPanel, XControl
from gradexplorer.ui.descent_panel import install_descent
from gradexplorer.ui.function_input import FunctionInput
from gradexplorer.ui.graph_view import GraphView
from gradexplorer.ui.model import DEFAULT_EXPRESSION, ExplorerModel, PointData
from gradexplorer.ui.numbers import format_number
from gradexplorer.ui.plot import PlotView
from gradexplorer.ui.presentation import install_presentation
from gradexplorer.ui.readouts import Readouts
from gradexplorer.ui.session_actions import install_sessions
from gradexplorer.ui.stepper_panel import install_stepper
from gradexplorer.ui.theme import LIGHT, legend_html

ZOOM_STEP = 1.15


class MainWindow(QMainWindow):
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
        self._zoom = 1.0

        self.function_input = FunctionInput(self.model)
        self.x_control = XControl(self.model)
        self.param_panel = ParamPanel(self.model)
        self.readouts = Readouts(self.model)
        self.plot = PlotView(self.model)
        self.graph_view = GraphView()

        x_box = QGroupBox("Point of interest")
        x_layout = QVBoxLayout(x_box)
        x_layout.setContentsMargins(8, 6, 8, 6)
        x_layout.addWidget(self.x_control)
        display = QGroupBox("Show")
        d_layout = QVBoxLayout(display)
        d_layout.setContentsMargins(8, 6, 8, 6)
        self.derivative_check = QCheckBox("f′(x) curve", objectName="showDerivativeCheck")
        self.derivative_check.setToolTip("Plot the derivative over the whole range (autograd)")
        self.second_check = QCheckBox("f′′(x) curve", objectName="showSecondDerivativeCheck")
        self.second_check.setToolTip("Plot the second derivative (autograd applied twice)")
        self.edge_check = QCheckBox("local derivatives on edges", objectName="showEdgeLabelsCheck")
        self.edge_check.setToolTip("Label each graph edge with ∂(result)/∂(input)")
        for check in (self.derivative_check, self.second_check, self.edge_check):
            check.setAccessibleName(check.text())
            d_layout.addWidget(check)

        side = QWidget(objectName="sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 4, 6, 6)
        for w in (x_box, self.param_panel, self.readouts, display):
            side_layout.addWidget(w)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        # wide enough for the widest control row; the scroll bar only ever scrolls vertically
        scroll.setMinimumWidth(
            side.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 6
        )
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        graph_panel = QWidget()
        g_layout = QVBoxLayout(graph_panel)
        g_layout.setContentsMargins(0, 2, 0, 0)
        g_layout.setSpacing(2)
        legend = QLabel(legend_html(LIGHT), objectName="graphLegend")
        legend.setTextFormat(Qt.TextFormat.RichText)
        legend.setWordWrap(True)
        g_layout.addWidget(legend)
        g_layout.addWidget(self.graph_view, 1)

        self.right_splitter = QSplitter(Qt.Orientation.Vertical, objectName="rightSplitter")
        self.right_splitter.addWidget(self.plot)
        self.right_splitter.addWidget(graph_panel)
        self.right_splitter.setStretchFactor(0, 5)
        self.right_splitter.setStretchFactor(1, 4)
        self.right_splitter.setChildrenCollapsible(False)
        self.plot.setMinimumHeight(160)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.main_splitter.addWidget(scroll)
        self.main_splitter.addWidget(self.right_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setChildrenCollapsible(False)
        self.main_splitter.setSizes([330, 950])
        self.right_splitter.setSizes([420, 330])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.function_input)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        self._status_point = QLabel()
        self._status_point.setObjectName("statusPoint")
        self.statusBar().addPermanentWidget(self._status_point)
        self._build_menus()

        m = self.model
        self.derivative_check.setChecked(m.show_derivative)
        self.second_check.setChecked(m.show_second_derivative)
        self.edge_check.setChecked(m.show_edge_labels)
        self.derivative_check.toggled.connect(m.set_show_derivative)
        self.second_check.toggled.connect(m.set_show_second_derivative)
        self.edge_check.toggled.connect(m.set_show_edge_labels)
        m.togglesChanged.connect(self._on_toggles)
        m.pointChanged.connect(self._on_point)
        m.errorChanged.connect(self._on_error)
        m.expressionChanged.connect(lambda e: self.statusBar().showMessage(f"f(x) = {e.canonical}"))
        self.plot.hovered.connect(
            lambda x, y: self.statusBar().showMessage(f"mouse at x = {x:.4g}, y = {y:.4g}", 3000)
        )
        self.graph_view.set_show_edge_labels(m.show_edge_labels)
        self._on_toggles()
        if m.point is not None:
            self._on_point(m.point)
        # Start with the x slider focused so the arrow keys move x at once; a click in the
        # function field is all it takes to type.
        self.x_control.slider.setFocus()
        install_sessions(self)
        install_stepper(self)
        install_descent(self)
        install_presentation(self)

    # ----------------------------------------------------------------- menus
    def make_action(
        self,
        text: str,
        slot: Callable[..., object],
        *keys: object,
        tip: str = "",
        checkable: bool = False,
    ) -> QAction:
        """A window-wide action with shortcuts (the features of every panel are made here, so
        that every one has a menu entry and a shortcut)."""
        act = QAction(text, self)
        if keys:
            # platform standard keys can be empty (Quit on some Linux desktops): skip those
            seqs = [QKeySequence(k) for k in keys]
            act.setShortcuts([q for q in dict.fromkeys(seqs) if not q.isEmpty()])
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self.addAction(act)  # shortcuts keep working in full screen without a menu bar
        return act

    def _build_menus(self) -> None:
        action = self.make_action
        self.file_menu = file_menu = self.menuBar().addMenu("&File")
        self.quit_action = action(
            "&Quit", lambda: self.close(), QKeySequence.StandardKey.Quit, "Ctrl+Q", tip="Quit"
        )
        file_menu.addAction(self.quit_action)
        self.view_menu = view = self.menuBar().addMenu("&View")
        view.addAction(
            action(
                "Zoom &in",
                lambda: self.set_zoom(self._zoom * ZOOM_STEP),
                QKeySequence.StandardKey.ZoomIn,
                "Ctrl+=",
                tip="Larger text and graph (projector)",
            )
        )
        view.addAction(
            action(
                "Zoom &out",
                lambda: self.set_zoom(self._zoom / ZOOM_STEP),
                QKeySequence.StandardKey.ZoomOut,
                tip="Smaller text and graph",
            )
        )
        view.addAction(action("&Actual size", lambda: self.set_zoom(1.0), "Ctrl+0"))
        view.addSeparator()
        view.addAction(
            action(
                "&Reset view",
                lambda: self.reset_view(),
                "Ctrl+R",
                tip="Frame the curve and the graph",
            )
        )
        self.fullscreen_action = action(
            "&Full screen",
            lambda: self.toggle_full_screen(),
            "F11",
            QKeySequence.StandardKey.FullScreen,
            tip="Full screen (F11)",
            checkable=True,
        )
        view.addAction(self.fullscreen_action)
        view.addSeparator()
        self.derivative_action = action(
            "Show f′ curve", self.model.set_show_derivative, "Ctrl+1", checkable=True
        )
        self.second_action = action(
            "Show f′′ curve", self.model.set_show_second_derivative, "Ctrl+2", checkable=True
        )
        self.edge_action = action(
            "Show local derivatives", self.model.set_show_edge_labels, "Ctrl+3", checkable=True
        )
        for act in (self.derivative_action, self.second_action, self.edge_action):
            view.addAction(act)
        self.help_menu = help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(
            action(
                "&About gradexplorer",
                lambda: self._about(),
                QKeySequence.StandardKey.HelpContents,
                "F1",
            )
        )

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About gradexplorer",
            "<b>gradexplorer</b>: type a function, drag x, and watch the tangent and the backward "
            "graph that autograd builds.<br><br>Arrow keys move x in small steps, Page Up/Down in "
            "large ones. Drag the red point on the plot. Wheel zooms the plot and the graph.",
        )

    # ----------------------------------------------------------------- actions
    def reset_view(self) -> None:
        self.model.reset_view()
        self.graph_view.fit()

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    @property
    def zoom(self) -> float:
        """The window's text zoom (1.0 = normal size)."""
        return self._zoom

    def set_zoom(self, zoom: float) -> None:
        """Scale every font (for a projector) and the graph with it."""
        self._zoom = max(0.6, min(3.0, zoom))
        font = QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * self._zoom)
        self.centralWidget().setFont(font)
        # feature panels live outside the centre, and so do the tabs of tabbed panels
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        for widget in (*self.findChildren(QDockWidget), *self.findChildren(QTabBar, "", direct)):
            widget.setFont(font)
        # the side panel's minimum width was measured at the start-up font size
        scroll = self.main_splitter.widget(0)
        scroll.setMinimumWidth(
            scroll.widget().minimumSizeHint().width()
            + scroll.verticalScrollBar().sizeHint().width()
            + 6
        )
        self.plot.set_font_scale(self._zoom)
        self.readouts.set_font_scale(self._zoom)
        self.function_input.set_font_scale(self._zoom)
        self.graph_view.set_font_scale(self._zoom)
        self.statusBar().showMessage(f"zoom {self._zoom:.0%}", 2000)

    # ----------------------------------------------------------------- model → window
    def _on_toggles(self) -> None:
        m = self.model
        for widget, on in (
            (self.derivative_check, m.show_derivative),
            (self.second_check, m.show_second_derivative),
            (self.edge_check, m.show_edge_labels),
            (self.derivative_action, m.show_derivative),
            (self.second_action, m.show_second_derivative),
            (self.edge_action, m.show_edge_labels),
        ):
            if widget.isChecked() != on:
                widget.blockSignals(True)
                widget.setChecked(on)
                widget.blockSignals(False)
        self.graph_view.set_show_edge_labels(m.show_edge_labels)

    def _on_point(self, point: PointData) -> None:
        self.graph_view.set_trace(point.trace)
        self._status_point.setText(
            f"x = {format_number(point.x, 5)}   f(x) = {format_number(point.value, 5)}   "
            f"f′(x) = {format_number(point.derivative, 5)}   "
            f"graph: {self.graph_view.node_count()} nodes"
        )

    def _on_error(self, err: object) -> None:
        if err is not None:
            self.statusBar().showMessage("Error in the function — the last valid one stays plotted")
