"""The graph, drawn natively with a QGraphicsScene from a trace: the BackwardTrace (reverse
mode: every node's gradient) or the ForwardTrace of one seed (forward mode: every node's tangent
v̇, each edge's local × v̇ flowing from the inputs to the output).

Only plain trace data is read (nodes, edges, values, grads or tangents), never engine internals.
When x or a parameter moves, or the mode or the seed changes, the structure stays the same (both
traces have the same nodes in the same order), so node and edge texts are updated in place; the
scene is rebuilt only when the structure (ops, labels, wiring) changes.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneHoverEvent,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from gradexplorer.autograd.trace import ForwardTrace
from gradexplorer.formatting import NOT_COMPUTED, readout
from gradexplorer.lessons.step_through import StepFrame
from gradexplorer.ui.graph_layout import GraphLayout, layout_graph
from gradexplorer.ui.theme import LIGHT, GraphTheme, NodeStyle, Theme

if TYPE_CHECKING:
    from gradexplorer.ui.model import ExplorerModel

NODE_W, NODE_H = 132.0, 64.0
CONST_H = 32.0  # a constant shows only its number: its value is its label, it has no grad
COL_GAP, ROW_GAP = 96.0, 22.0
DUMMY_H = 18.0  # height a long edge takes when it passes a column
PORT_SPREAD = 12.0  # vertical offset between argument ports, so x*x shows two edges
MIN_SCALE, MAX_SCALE = 0.3, 1.6


# The light theme's colours, under the names other modules know; every theme is in theme.py.
STYLES: dict[str, NodeStyle] = LIGHT.graph.nodes
# Step-through highlights: backward in the gradients' colour family (gradient flowing back),
# forward in teal (values flowing forward); pending texts grey so "not computed yet" reads as
# absent rather than as a number.
STEP_COLORS = {"backward": "#ff1f8f", "forward": "#00a3a3", "tangent": "#00a3a3"}
PENDING_COLOR = "#9aa0a8"
WRONG_COLOR = "#d00000"  # a number that differs from the correct pass (wrong algorithms)


def _style_key(node: Any) -> str:
    return "output" if node.is_output else node.kind


def _second(node: Any) -> tuple[str, Any]:
    """A box's second number and its caption: the gradient (reverse mode) or the tangent v̇."""
    if hasattr(node, "tangent"):
        return "tangent", node.tangent  # not "v̇": see step_through._tangent_frame
    return "grad", node.grad


class NodeItem(QGraphicsPathItem):
    """Rounded box: label on top, forward value and gradient below."""

    def __init__(self, node: Any, fonts: dict[str, QFont], theme: GraphTheme = LIGHT.graph) -> None:
        super().__init__()
        self.style_key = _style_key(node)
        self.compact = self.style_key == "const"
        self.height = CONST_H if self.compact else NODE_H
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_W, self.height), 10, 10)
        self.setPath(path)
        self.setZValue(2)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # box never changes
        self._fonts = fonts
        self.title = QGraphicsSimpleTextItem(self)
        self.title.setFont(fonts["title"])
        self.value_text = QGraphicsSimpleTextItem(self)
        self.value_text.setFont(fonts["body"])
        self.grad_text = QGraphicsSimpleTextItem(self)
        self.grad_text.setFont(fonts["body"])
        self.label = ""
        # Step-through only: the stepper's short name (u₁, y) in the top-left corner, so the
        # explanation's names can be found in the picture.
        self.tag = QGraphicsSimpleTextItem(self)
        self.tag.setFont(fonts["edge"])
        self.tag.setPos(7, 3)
        self.tag.setVisible(False)
        # Step-through only: a short badge in the top-right corner (e.g. "×3" visits).
        self.badge = QGraphicsSimpleTextItem(self)
        self.badge.setFont(fonts["edge"])
        self.badge.setVisible(False)
        self.setAcceptHoverEvents(True)
        self.restyle(theme)
        self.set_node(node)

    def restyle(self, theme: GraphTheme) -> None:
        """Fill, border and text colours of this box in a theme (light, dark, presentation)."""
        self.theme = theme
        st = theme.nodes[self.style_key]
        self.setBrush(QBrush(QColor(st.fill)))
        pen = QPen(QColor(st.border), st.width * theme.border_scale)
        if st.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self._pen = pen
        text = QBrush(QColor(st.text))
        for item in (self.title, self.value_text, self.tag, self.badge):
            item.setBrush(text)
        self.grad_text.setBrush(QBrush(QColor(theme.grad)))

    def set_node(self, node: Any) -> None:
        title = node.label if not node.is_output else f"{node.label}   → f"
        if title != self.label:
            self.label = title
            self.title.setText(title)
            r = self.title.boundingRect()
            top = (CONST_H - r.height()) / 2 if self.compact else 4
            self.title.setPos((NODE_W - r.width()) / 2, top)
        self.value_text.setText(f"value {readout(node.value, 4)}")
        caption, second = _second(node)
        self.grad_text.setText(f"{caption}  {'—' if second is None else readout(second, 4)}")
        self.value_text.setPos(10, 25)
        self.grad_text.setPos(10, 43)
        self.value_text.setVisible(not self.compact)
        self.grad_text.setVisible(not self.compact)
        self.node = node

    def set_step(
        self,
        name: str,
        value: str | None,
        second: str | None,
        highlight: str | None,
        *,
        caption: str = "grad",
        badge: str = "",
        wrong: bool = False,
    ) -> None:
        """Step-through look: a text is the number known so far, None means not computed yet
        (shown in words and grey, never as 0); ``highlight`` is the current node's outline.
        ``caption`` names the second number (grad, or v̇ for a tangent); ``badge`` is a tag in
        the top-right corner; ``wrong`` draws the second number in red."""
        pending = self._fonts["pending"]
        second_colour = WRONG_COLOR if wrong else self.theme.grad
        for item, words, text, colour in (
            (self.value_text, "value ", value, self.theme.nodes[self.style_key].text),
            (self.grad_text, f"{caption}  ", second, second_colour),
        ):
            item.setText(words + (NOT_COMPUTED if text is None else text))
            item.setFont(pending if text is None else self._fonts["body"])
            item.setBrush(QBrush(QColor(PENDING_COLOR if text is None else colour)))
            # "not computed yet" is wider than a number: shrink it into the box
            width = item.boundingRect().width()
            item.setScale(min(1.0, (NODE_W - 16) / width) if width > 0 else 1.0)
        show_tag = name not in ("", self.node.label)
        self.tag.setText(name if show_tag else "")
        self.tag.setVisible(show_tag)
        self.badge.setText(badge)
        self.badge.setPos(NODE_W - 7 - self.badge.boundingRect().width(), 3)
        self.badge.setVisible(bool(badge))
        if highlight is None:
            self.setPen(self._pen)
        else:
            self.setPen(QPen(QColor(highlight), 5.0 * self.theme.border_scale))
        self.setZValue(3 if highlight else 2)

    def clear_step(self) -> None:
        self.setZValue(2)
        self.tag.setVisible(False)
        self.badge.setVisible(False)
        for item in (self.value_text, self.grad_text):
            item.setFont(self._fonts["body"])
            item.setScale(1.0)
        self.restyle(self.theme)
        self.set_node(self.node)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        # Built on hover rather than on every x step: 60 nodes' full-precision texts are a
        # visible share of a step's budget.
        node = self.node
        caption, second = _second(node)
        if caption == "grad":
            line = (
                f"grad (∂f/∂ this node): {'not reached' if second is None else readout(second, 12)}"
            )
        else:
            shown = "none" if second is None else readout(second, 12)
            line = f"tangent (∂ this node/∂ seed): {shown}"
        self.setToolTip(
            f"{STYLES[self.style_key].caption}\nop: {node.op}   label: {node.label}\n"
            f"value: {readout(node.value, 12)}\n{line}"
        )
        super().hoverEnterEvent(event)


class EdgeItem(QGraphicsPathItem):
    def __init__(
        self, points: list[QPointF], fonts: dict[str, QFont], theme: GraphTheme = LIGHT.graph
    ) -> None:
        super().__init__()
        self.highlighted = False
        self._highlight: str | None = None
        self.setZValue(0)
        path = QPainterPath(points[0])
        for a, b in itertools.pairwise(points):
            dx = (b.x() - a.x()) * 0.5
            path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
        self.setPath(path)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # only labels change
        end = points[-1]
        head = QPolygonF(
            [end, QPointF(end.x() - 9, end.y() - 4.5), QPointF(end.x() - 9, end.y() + 4.5)]
        )
        self.arrow = QGraphicsPolygonItem(head, self)
        self.arrow.setPen(QPen(Qt.PenStyle.NoPen))
        # The label sits on the last stretch, near the op it feeds, where edges fan apart.
        a, b = points[-2], points[-1]
        self.anchor = QPointF(a.x() + 0.62 * (b.x() - a.x()), a.y() + 0.62 * (b.y() - a.y()))
        self.label_box = _EdgeLabelBox(self)
        self.label_box.setZValue(1)
        self.label_text = QGraphicsSimpleTextItem(self.label_box)
        self.label_text.setFont(fonts["edge"])
        self.has_local = True
        self.restyle(theme)

    def restyle(self, theme: GraphTheme) -> None:
        """Line, arrow head and label colours in a theme."""
        self.theme = theme
        pen = QPen(QColor(theme.edge), theme.edge_width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self._pen = pen
        self.arrow.setBrush(QBrush(QColor(theme.edge)))
        fill = QColor(theme.label_fill)
        fill.setAlpha(theme.label_alpha)
        self.label_box.setBrush(QBrush(fill))
        self.label_box.setPen(QPen(QColor(theme.label_border), 0.8))
        self.label_text.setBrush(QBrush(QColor(theme.label_text)))

    def set_local(self, text: str, edge: Any, src: Any, dst: Any) -> None:
        if text != self.label_text.text():
            self.label_text.setText(text)
            r = self.label_text.boundingRect()
            self.label_box.setRect(QRectF(0, 0, r.width() + 6, r.height() + 2))
            self.label_text.setPos(3, 1)
            self.label_box.setPos(
                self.anchor.x() - (r.width() + 6) / 2, self.anchor.y() - (r.height() + 2) / 2
            )
        self.label_box.edge = (edge, src, dst)

    def set_highlight(self, colour: str | None, force: bool = False) -> None:
        """Step-through: the edge carrying the current contribution, thick and in colour."""
        if colour == self._highlight and not force:
            return  # most edges keep their look at each step: restyling all of them costs
        self._highlight = colour
        self.highlighted = colour is not None
        self.setZValue(1 if self.highlighted else 0)
        if colour is None:
            self.restyle(self.theme)
            return
        pen = QPen(QColor(colour), max(4.5, 2.5 * self.theme.edge_width))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self.arrow.setBrush(QBrush(QColor(colour)))
        self.label_box.setPen(QPen(QColor(colour), 2.0))


class _EdgeLabelBox(QGraphicsRectItem):
    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.edge: tuple[Any, Any, Any] | None = None
        self.setAcceptHoverEvents(True)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        if self.edge is not None:
            edge, src, dst = self.edge
            local = "none" if edge.local is None else readout(edge.local, 12)
            contrib = "—" if edge.contribution is None else readout(edge.contribution, 12)
            if hasattr(src, "tangent"):
                adds = (
                    f"× tangent of {src.label} = {contrib}, what this edge adds to the tangent "
                    f"of {dst.label}"
                )
            else:
                adds = f"adds grad({dst.label}) × local = {contrib} to grad({src.label})"
            self.setToolTip(f"local derivative ∂({dst.label})/∂({src.label}) = {local}\n{adds}")
        super().hoverEnterEvent(event)


class GraphView(QGraphicsView):
    """Draws a trace. Given a model, it follows the model's graph mode: the point's backward
    trace in reverse mode, the seeded forward trace in forward mode; and the edge-label toggle
    and the step-through frame. Without a model it draws what it is handed (tests)."""

    def __init__(self, model: ExplorerModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphView")
        self.setAccessibleName("Backward graph")
        self.setToolTip(
            "The graph autograd built for f at the current x. Each box shows its value and its"
            " gradient ∂f/∂box; edge labels are local derivatives. Wheel to zoom, drag to pan."
        )
        self._scene = QGraphicsScene(self)
        # Texts change on every x step; a BSP index would be rebuilt for each of them.
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self._scene)
        self.setOptimizationFlags(
            QGraphicsView.OptimizationFlag.DontSavePainterState
            | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
        )
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._theme = LIGHT.graph
        self.setBackgroundBrush(QBrush(QColor(self._theme.background)))
        self.setMinimumSize(200, 140)
        base = QFont(self.font())
        base.setPointSizeF(10.5)
        title = QFont(base)
        title.setPointSizeF(12.5)
        title.setBold(True)
        edge = QFont(base)
        edge.setPointSizeF(9.5)
        pending = QFont(base)
        pending.setPointSizeF(9.0)
        pending.setItalic(True)
        self._fonts = {"title": title, "body": base, "edge": edge, "pending": pending}
        self._key: tuple | None = None
        self._nodes: list[NodeItem] = []
        self._edges: list[EdgeItem] = []
        self._show_edge_labels = True
        self._user_zoomed = False
        self._zoom_factor = 1.0
        self.layout_result: GraphLayout | None = None
        # Step-through state (None in the normal live view) and the trace ids of the items.
        self._step: StepFrame | None = None
        self._node_ids: list[int] = []
        self._edge_keys: list[tuple[int, int, int]] = []
        self.rebuilds = 0
        self._seed_id: int | None = None  # forward mode: the seeded input's node
        self._message = self._scene.addSimpleText("")
        self._model = model
        if model is not None:
            # Each trace arrives by its own signal; a change of mode draws the one already there.
            model.pointChanged.connect(lambda _p: self._follow_model("reverse"))
            model.forwardTraceChanged.connect(lambda _t: self._follow_model("forward"))
            model.graphChanged.connect(lambda _g: self._follow_model(None))
            model.stepChanged.connect(self.show_step)
            model.togglesChanged.connect(lambda: self.set_show_edge_labels(model.show_edge_labels))
            self.set_show_edge_labels(model.show_edge_labels)
            self._follow_model(None)

    # ----------------------------------------------------------------- public
    def node_count(self) -> int:
        return len(self._nodes)

    def node_summary(self) -> list[dict[str, str]]:
        """What each box shows, for tests and accessibility tools."""
        return [
            {
                "label": n.label,
                "kind": n.style_key,
                "value": n.value_text.text(),
                "grad": n.grad_text.text(),
                "name": n.tag.text() if n.tag.isVisible() else "",
                "badge": n.badge.text() if n.badge.isVisible() else "",
                "wrong": "yes" if n.grad_text.brush().color().name() == WRONG_COLOR else "",
                "current": "yes" if n.zValue() > 2 else "",
            }
            for n in self._nodes
        ]

    def edge_labels(self) -> list[str]:
        return [e.label_text.text() for e in self._edges]

    def highlighted_edges(self) -> list[tuple[int, int, int]]:
        """(src id, dst id, arg index) of the edges highlighted by the step-through."""
        return [k for k, e in zip(self._edge_keys, self._edges, strict=True) if e.highlighted]

    def show_step(self, frame: StepFrame | None) -> None:
        """Show one moment of a step-through over the trace last given to set_trace (None: the
        live numbers again). A node absent from the frame's known numbers shows "not computed
        yet" (never 0, a real gradient); its edges carry the current contribution."""
        if frame is None:
            self.clear_step_state()
            return
        self._step = frame
        self._apply_step()

    def clear_step_state(self) -> None:
        """Back to the live view: every number known, no highlight."""
        if self._step is None:
            return
        self._step = None
        for node_id, item in zip(self._node_ids, self._nodes, strict=True):
            item.clear_step()
            if node_id == self._seed_id:
                item.badge.setVisible(True)  # the live forward graph's seed badge
        for edge in self._edges:
            edge.set_highlight(None)

    @property
    def stepping(self) -> bool:
        return self._step is not None

    def _follow_model(self, arrived: str | None) -> None:
        """Draw the trace the model's graph mode asks for, when it arrives (arrived: which
        trace's signal this is; None for a change of mode or seed)."""
        m = self._model
        if m is None or m.point is None:
            return
        mode = m.graph.mode
        if arrived is not None and arrived != mode:
            return
        name = "Forward-mode graph" if mode == "forward" else "Backward graph"
        if self.accessibleName() != name:
            self.setAccessibleName(name)
        if mode == "reverse":
            self.set_trace(m.point.trace)
        elif m.forward_trace is not None and m.forward_trace.seed == m.graph.seed:
            self.set_trace(m.forward_trace)
        elif arrived == "forward" and m.point.trace is None:
            self.set_trace(None)  # f cannot be evaluated here at all
        elif arrived == "forward":
            self.clear_step_state()
            self._clear("No forward-mode graph here: an operation has no tangent rule.")
        # else: the seeded pass is on its way (forwardTraceChanged). A step-through's frame
        # follows every new trace (the model emits it after the trace).

    def set_trace(self, trace: Any) -> None:
        self.clear_step_state()
        if trace is None:
            self._clear("No graph: the function could not be evaluated here.")
            return
        index = {n.id: i for i, n in enumerate(trace.nodes)}
        edges = [(index[e.src], index[e.dst], e.arg_index) for e in trace.edges]
        key = (
            tuple((n.kind, n.op, n.label, n.is_output) for n in trace.nodes),
            tuple(edges),
        )
        if key != self._key:
            self._rebuild(trace, edges)
            self._key = key
        else:
            for item, node in zip(self._nodes, trace.nodes, strict=True):
                item.set_node(node)
        forward = isinstance(trace, ForwardTrace)
        for item, edge in zip(self._edges, trace.edges, strict=True):
            src, dst = trace.node(edge.src), trace.node(edge.dst)
            item.has_local = edge.local is not None  # constants get no gradient: no label
            item.label_box.setVisible(self._show_edge_labels and item.has_local)
            local = readout(edge.local, 4) if edge.local is not None else "—"
            if forward and edge.local is not None:
                # local × the input's tangent: the term this edge adds to the result's tangent
                item.set_local(f"{local} × {readout(src.tangent, 4)}", edge, src, dst)
            else:
                item.set_local(f"∂ {local}", edge, src, dst)
        self._node_ids = [n.id for n in trace.nodes]
        self._edge_keys = [(e.src, e.dst, e.arg_index) for e in trace.edges]
        self._mark_seed(trace if forward else None)

    def _mark_seed(self, trace: ForwardTrace | None) -> None:
        """Forward mode: the seeded input wears a "seed" badge (its tangent is 1)."""
        seed = None
        if trace is not None and trace.seed is not None:
            seed = next(
                (n.id for n in trace.nodes if n.kind == "input" and n.label == trace.seed), None
            )
        self._seed_id = seed
        for node_id, item in zip(self._node_ids, self._nodes, strict=True):
            item.badge.setText("seed" if node_id == seed else "")
            item.badge.setPos(NODE_W - 7 - item.badge.boundingRect().width(), 3)
            item.badge.setVisible(node_id == seed)

    def set_show_edge_labels(self, on: bool) -> None:
        self._show_edge_labels = on
        for e in self._edges:
            e.label_box.setVisible(on and e.has_local)

    def fit(self) -> None:
        """Fit the whole graph (within readable zoom limits) and forget manual zoom."""
        self._user_zoomed = False
        self._fit()

    def zoom_by(self, factor: float) -> None:
        self._user_zoomed = True
        self._apply_scale(self.transform().m11() * factor)

    def apply_theme(self, theme: Theme) -> None:
        """Colours and line widths of a theme (light, dark, presentation) for the background,
        every box and edge, now and for graphs built later."""
        self._theme = theme.graph
        self.setBackgroundBrush(QBrush(QColor(theme.graph.background)))
        for item in self._nodes:
            item.restyle(theme.graph)
        for edge in self._edges:
            edge.restyle(theme.graph)
        self._message.setBrush(QBrush(QColor(theme.graph.text)))
        self._apply_step(force=True)  # a step-through keeps its highlights in the new colours

    def theme(self) -> GraphTheme:
        return self._theme

    def set_font_scale(self, scale: float) -> None:
        """Window zoom (projector mode) scales the graph together with the fonts."""
        self._zoom_factor = scale
        self._fit() if not self._user_zoomed else self.zoom_by(1.0)

    # ----------------------------------------------------------------- internals
    def _apply_step(self, force: bool = False) -> None:
        st = self._step
        if st is None:
            return
        grads, values = st.known_grads, st.known_values
        colour = STEP_COLORS.get(st.mode, STEP_COLORS["backward"])
        for node_id, item in zip(self._node_ids, self._nodes, strict=True):
            node = item.node
            value: str | None = readout(node.value, 4)
            if values is not None:
                value = readout(values[node_id], 4) if node_id in values else None
            second = _second(node)[1]
            if grads is None or second is None:  # never reached: needs no gradient at all
                grad: str | None = "—" if second is None else readout(second, 4)
            else:
                grad = readout(grads[node_id], 4) if node_id in grads else None
            current = colour if node_id == st.current else None
            item.set_step(
                st.names.get(node_id, ""),
                value,
                grad,
                current,
                caption=st.second_caption,
                badge=st.badges.get(node_id, ""),
                wrong=node_id in st.wrong,
            )
        for key, edge in zip(self._edge_keys, self._edges, strict=True):
            edge.set_highlight(colour if key in st.edges else None, force)

    def _clear(self, message: str = "") -> None:
        self._scene.clear()
        self._nodes, self._edges, self._key = [], [], None
        self._node_ids, self._edge_keys = [], []
        self._message = self._scene.addSimpleText(message, self._fonts["body"])
        self._message.setBrush(QBrush(QColor(self._theme.text)))

    def _rebuild(self, trace: Any, edges: list[tuple[int, int, int]]) -> None:
        self.rebuilds += 1
        self._clear()
        nodes = trace.nodes
        unit = NODE_H + ROW_GAP
        sizes = [
            (CONST_H + ROW_GAP) / unit if (n.kind == "const" and not n.is_output) else 1.0
            for n in nodes
        ]
        lay = layout_graph(
            len(nodes), edges, [n.kind for n in nodes], sizes, (DUMMY_H + ROW_GAP / 2) / unit
        )
        self.layout_result = lay

        def centre(col: float, row: float) -> QPointF:
            return QPointF(col * (NODE_W + COL_GAP) + NODE_W / 2, row * unit)

        for i, node in enumerate(nodes):
            item = NodeItem(node, self._fonts, self._theme)
            item.setPos(centre(lay.layer[i], lay.row[i]) - QPointF(NODE_W / 2, item.height / 2))
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
            self._scene.addItem(item)
            self._nodes.append(item)
        # Ports on the target's left side, ordered by where the edges come from (not by
        # argument index) so edges converging on one op never cross at the last moment.
        incoming: dict[int, list[tuple[float, int, int]]] = {}
        for k, ((_, d, arg), points) in enumerate(zip(edges, lay.edge_points, strict=True)):
            incoming.setdefault(d, []).append((points[-2][1], arg, k))
        port_of: dict[int, float] = {}
        for group in incoming.values():
            group.sort()
            for rank, (_, _, k) in enumerate(group):
                port_of[k] = (rank - (len(group) - 1) / 2) * PORT_SPREAD
        # x*x: two edges join the same pair of nodes; stack their labels instead of overlapping
        twins: dict[tuple[int, int], list[int]] = {}
        for k, (s, d, _) in enumerate(edges):
            twins.setdefault((s, d), []).append(k)
        for k, points in enumerate(lay.edge_points):
            pts = [centre(c, r) for c, r in points]
            pts[0] = pts[0] + QPointF(NODE_W / 2, 0)
            port = port_of[k]
            pts[-1] = pts[-1] + QPointF(-NODE_W / 2 - 1, port)
            # dummy waypoints are box centres; run the edge through the column gap instead
            edge = EdgeItem(pts, self._fonts, self._theme)
            group = twins[edges[k][:2]]
            if len(group) > 1:
                rank = group.index(k) - (len(group) - 1) / 2
                edge.anchor += QPointF(0, rank * 1.6 * QFontMetricsF(self._fonts["edge"]).height())
            edge.label_box.setVisible(self._show_edge_labels)
            self._scene.addItem(edge)
            self._edges.append(edge)
        rect = self._scene.itemsBoundingRect().adjusted(-24, -24, 24, 24)
        self._scene.setSceneRect(rect)
        self._fit()

    def _fit(self) -> None:
        rect = self._scene.sceneRect()
        if rect.isEmpty() or self.viewport().width() < 10:
            return
        vw, vh = self.viewport().width(), self.viewport().height()
        s = min(vw / rect.width(), vh / rect.height())
        self._apply_scale(s)
        self.centerOn(rect.center())

    def _apply_scale(self, s: float) -> None:
        lo, hi = MIN_SCALE * self._zoom_factor, MAX_SCALE * self._zoom_factor
        s = max(lo, min(hi, s))
        self.setTransform(QTransform.fromScale(s, s))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._user_zoomed:
            self._fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15**steps)
            event.accept()
        else:
            super().wheelEvent(event)
