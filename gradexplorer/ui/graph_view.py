"""The graph, drawn natively with a QGraphicsScene from a trace: the BackwardTrace (reverse
mode: every node's gradient) or the ForwardTrace of one seed (forward mode: every node's
tangent, each arrow's local derivative × its input's tangent). Both traces of a point have the
same nodes in the same order, so a change of mode or seed changes texts, not the layout.

Only plain trace data is read (values, grads or tangents), never engine internals. What is
drawn is a DisplayGraph (graph_groups.py): subexpressions may be collapsed into one box, and an
input used by many boxes is drawn once per use. The view opens fitted to its panel, and when
the whole graph would need text smaller than legible (11 px, 20 px on a projector) it collapses
the deepest subexpressions until what is shown is legible; a double-click on a box collapses or
expands it (the choice is model state). When x or a parameter moves the structure stays, so the
texts are updated in place: no layout, no new items.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView, QWidget

from gradexplorer.autograd.trace import ForwardTrace
from gradexplorer.formatting import readout
from gradexplorer.lessons.step_through import StepFrame
from gradexplorer.ui import graph_groups
from gradexplorer.ui.focus import paint_focus_frame
from gradexplorer.ui.graph_groups import DisplayGraph
from gradexplorer.ui.graph_items import (
    WRONG_COLOR,
    EdgeItem,
    NodeItem,
    box_size,
    make_fonts,
    second,
)
from gradexplorer.ui.graph_layout import GraphLayout, layout_graph, place_labels
from gradexplorer.ui.theme import LIGHT, GraphTheme, NodeStyle, Theme

if TYPE_CHECKING:
    from gradexplorer.ui.model import ExplorerModel

COL_GAP, ROW_GAP = 96.0, 22.0
LABEL_TEMPLATE, LABEL_ROOM = "∂ −0.0000", 20.0  # a typical edge label; its margins and arrow
DUMMY_H = 18.0  # height a long edge takes when it passes a column
PORT_SPREAD = 12.0  # vertical offset between argument ports, so x*x shows two edges
MARGIN = 24.0
MIN_TEXT_PX = 11.0  # no text of the graph is drawn smaller than this on screen…
PRESENTING_TEXT_PX = 20.0  # …or than this on a projector (window zoom 2)
MAX_FIT = 2.0  # a small graph grows to fill its panel, up to twice its size
MIN_ZOOM = 0.3  # the wheel can zoom out to this, or as far as fitting the whole graph needs
MAX_ZOOM = 3.0
RESIZE_SETTLE_MS = 80

# The light theme's colours, under the names other modules know; every theme is in theme.py.
STYLES: dict[str, NodeStyle] = LIGHT.graph.nodes
# Step-through highlights: backward in the gradients' colour family (gradient flowing back),
# forward in teal (values flowing forward).
STEP_COLORS = {"backward": "#ff1f8f", "forward": "#00a3a3", "tangent": "#00a3a3"}


@dataclass(frozen=True)
class _Geometry:
    """Where everything of a display graph goes, in scene units, before any item exists."""

    display: DisplayGraph
    layout: GraphLayout
    titles: tuple[str, ...]
    sizes: tuple[tuple[float, float], ...]
    rects: tuple[QRectF, ...]
    edge_points: tuple[tuple[QPointF, ...], ...]
    bounds: QRectF


_NODE_SHAPE = attrgetter("kind", "op", "label", "is_output")
_EDGE_SHAPE = attrgetter("src", "dst", "arg_index")
_ID = attrgetter("id")


def _structure(trace: Any) -> tuple:
    """What decides the layout, without the numbers (compared on every x step: C-level getters
    rather than a tuple built per node in Python)."""
    ids = tuple(map(_ID, trace.nodes))
    edges = tuple(map(_EDGE_SHAPE, trace.edges))
    if ids != tuple(range(len(ids))):  # the engine numbers nodes by position; others may not
        index = {node_id: i for i, node_id in enumerate(ids)}
        edges = tuple((index[s], index[d], k) for s, d, k in edges)
    return (
        tuple(map(_NODE_SHAPE, trace.nodes)),
        edges,
        isinstance(trace, ForwardTrace),  # its "tangent" caption needs wider boxes
        getattr(trace, "seed", None),  # the seed has a box of its own (_display)
        tuple(sorted((ids.index(k), v) for k, v in trace.names.items() if k in ids)),  # tags
    )


class GraphView(QGraphicsView):
    """Draws a trace. Given a model, it follows the model's graph mode (the point's backward
    trace in reverse mode, the seeded forward trace in forward mode), the edge-label toggle,
    the step-through frame and the collapsed boxes; without one it draws what it is handed
    (tests)."""

    def __init__(self, model: ExplorerModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphView")
        self.setAccessibleName("Backward graph")
        self.setToolTip(
            "The graph autograd built for f at the current x. Each box shows its value and its"
            " gradient ∂f/∂box; edge labels are local derivatives. Double-click a box to collapse"
            " or expand it; wheel to zoom, drag to pan."
        )
        self._model = model
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
        # No scroll bars (drag pans): bars that come and go change the viewport, which re-fits,
        # which can bring them back — a resize loop.
        for policy in (self.setHorizontalScrollBarPolicy, self.setVerticalScrollBarPolicy):
            policy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._theme = LIGHT.graph
        self.setBackgroundBrush(QBrush(QColor(self._theme.background)))
        self.setMinimumSize(200, 140)
        self._base_font = QFont(self.font())
        self._zoom_factor = 1.0
        self._fonts = make_fonts(self._base_font, 1.0)
        self._trace: Any = None
        self._key: tuple | None = None
        self._geometry: _Geometry | None = None
        self._placed_for: tuple[Any, Any] = (None, None)  # geometry and label sizes last placed
        self._collapsed: frozenset[int] = frozenset()  # what is drawn collapsed now
        self._chosen: frozenset[int] = frozenset()  # ... and out of a step-through
        self._following = False  # zoomed in on the current box of a step-through
        self._revealed: dict[tuple, frozenset[int]] = {}  # _revealing's answers, per case
        self._descent_target = "x" if model is None else model.state.descent.target
        self._nodes: list[NodeItem] = []
        self._edges: list[EdgeItem] = []
        self._show_edge_labels = True
        self._user_zoomed = False
        self._fit_scale = 1.0
        self.layout_result: GraphLayout | None = None
        self._step: StepFrame | None = None
        # Backward run again on the same graph (accumulated .grad), drawn when not stepping.
        self._runs: StepFrame | None = None
        self.rebuilds = 0
        # A window being resized sends many resizes: choose what to collapse once it settles.
        self._resized = QTimer(self, singleShot=True, interval=RESIZE_SETTLE_MS)
        self._resized.timeout.connect(self._after_resize)
        self._message = self._scene.addSimpleText("")
        if model is not None:
            # Each trace arrives by its own signal; a change of mode draws the one already there.
            model.pointChanged.connect(lambda _p: self._follow_model("reverse"))
            model.forwardTraceChanged.connect(lambda _t: self._follow_model("forward"))
            model.graphChanged.connect(lambda _g: self._follow_model(None))
            model.stepChanged.connect(self.show_step)
            model.backwardRunsChanged.connect(
                lambda state: self.show_runs(None if state is None else state.frame)
            )
            model.togglesChanged.connect(lambda: self.set_show_edge_labels(model.show_edge_labels))
            model.graphCollapsedChanged.connect(lambda _c: self._restructure())
            model.descentSettingsChanged.connect(self._follow_descent_target)
            self.set_show_edge_labels(model.show_edge_labels)
            self._follow_model(None)

    def _follow_descent_target(self, settings: Any) -> None:
        """The parameter descent moves keeps a box of its own (_display): another target,
        other boxes."""
        if settings.target != self._descent_target:
            self._descent_target = settings.target
            self._restructure()

    # ----------------------------------------------------------------- read access
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
        """(src id, dst id, arg index) of the trace edges highlighted by the step-through."""
        if self._geometry is None:
            return []
        out = []
        edges = self._trace.edges
        for item, e in zip(self._edges, self._geometry.display.edges, strict=True):
            if item.highlighted:
                out += [(edges[k].src, edges[k].dst, edges[k].arg_index) for k in e.trace_edges]
        return out

    @property
    def collapsed(self) -> frozenset[int]:
        """The trace ids of the subexpressions drawn as one box now."""
        return self._collapsed

    @property
    def display(self) -> DisplayGraph | None:
        return None if self._geometry is None else self._geometry.display

    @property
    def min_text_px(self) -> float:
        """The smallest text height this view draws at: 11 px, 20 px at a projector's zoom."""
        return max(MIN_TEXT_PX, PRESENTING_TEXT_PX / 2 * self._zoom_factor)

    def text_items(self) -> list[Any]:
        """Every text drawn now: box texts and the edge labels shown."""
        texts = [t for n in self._nodes for t in n.texts()]
        texts += [e.label_text for e in self._edges if e.label_box.isVisible()]
        return texts

    def theme(self) -> GraphTheme:
        return self._theme

    @property
    def stepping(self) -> bool:
        return self._step is not None

    # ----------------------------------------------------------------- the trace
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
            self._trace = None
            self._clear("No forward-mode graph here: an operation has no tangent rule.")
        # else: the seeded pass is on its way (forwardTraceChanged). A step-through's frame
        # follows every new trace (the model emits it after the trace).

    def set_trace(self, trace: Any) -> None:
        # x moved: the step-through's frame comes again for the new trace and keeps the boxes
        # it opened (closing them here rebuilt the graph twice per x step)
        self.clear_step_state(keep_boxes=True)
        if trace is None:
            self._trace = None
            self._clear("No graph: the function could not be evaluated here.")
            return
        key = _structure(trace)
        old, self._trace = self._trace, trace
        if key != self._key:
            self._key = key
            self._user_zoomed = False  # a new function opens fitted
            self._restructure()
            return
        old_ids = [n.id for n in old.nodes] if old is not None else []
        new_ids = [n.id for n in trace.nodes]
        if old_ids != new_ids and self._geometry is not None:
            # Same graph, other ids (a trace not from the app's evaluator): the boxes stay,
            # their ids follow by position.
            moved = dict(zip(old_ids, new_ids, strict=True))
            self._collapsed = frozenset(moved[r] for r in self._collapsed)
            self._chosen = frozenset(moved[r] for r in self._chosen)
            display = self._display(trace, self._collapsed)
            self._geometry = dataclasses.replace(self._geometry, display=display)
        self._show_numbers()

    def _restructure(self) -> None:
        """Choose what is collapsed (the model's choice, else what makes it legible), then lay
        out and build the items."""
        trace = self._trace
        if trace is None:
            return
        chosen = None if self._model is None else self._model.graph_collapsed
        geometry = None
        if chosen is not None:
            collapsed = frozenset(chosen)
        else:
            collapsed, geometry = self._legible(trace)
        self._chosen = collapsed
        shown = self._revealing(collapsed)
        if geometry is None or shown != collapsed:
            geometry = self._lay_out(self._display(trace, shown))
        self._collapsed = shown
        self._build(geometry)
        self._show_numbers()
        self._fit()

    def _revealing(self, collapsed: frozenset[int]) -> frozenset[int]:
        """What is collapsed while a step-through explains a node, so that the node has a box
        of its own and the explanation names what is drawn: the chosen boxes when it has one;
        else those boxes with the ones around it opened a level at a time, if that stays
        legible; else every subexpression away from it collapsed (a focus on its path)."""
        st, trace = self._step, self._trace
        if st is None or st.current is None or trace is None:
            return collapsed
        current = st.current
        size = self.viewport().size().toTuple()
        case = (self._key, collapsed, current, size, self._zoom_factor, self._descent_target)
        if case not in self._revealed:
            if len(self._revealed) > 256:
                self._revealed.clear()
            self._revealed[case] = self._reveal(trace, collapsed, current)
        return self._revealed[case]

    def _reveal(self, trace: Any, collapsed: frozenset[int], current: int) -> frozenset[int]:
        """_revealing's work, for one case."""

        def hidden(boxes: frozenset[int]) -> int | None:
            """The box the current node is folded into, if it has none of its own."""
            display = self._display(trace, boxes)
            if any(b.key == current for b in display.nodes):
                return None
            return next((b.key for b in display.nodes if current in b.members), None)

        holder = hidden(collapsed)
        if holder is None:
            return collapsed
        groups = graph_groups.subexpressions(trace)
        depth = graph_groups.depths(trace)
        opened = collapsed
        while holder is not None and holder in opened:
            opened = graph_groups.opened_one_level(opened, holder, groups, depth)
            holder = hidden(opened)
        if self.would_be_legible(opened):
            return opened
        # the node itself, or (an input) the ops that use it, with every box around them open
        near = {current} | {n.id for n in trace.nodes if current in n.parents}
        focus = frozenset(
            r for r, members in groups.items() if len(members) > 1 and not near & members
        )
        return focus if hidden(focus) is None else opened

    def _reveal_current(self) -> bool:
        """Rebuild with the current step's node revealed (or, out of a step-through, with the
        chosen boxes again) when that changes what is collapsed; True when it rebuilt."""
        if self._trace is None or self._geometry is None:
            return False
        shown = self._revealing(self._chosen)
        if shown == self._collapsed:
            return False
        self._collapsed = shown
        self._build(self._lay_out(self._display(self._trace, shown)))
        self._show_numbers()
        if not self._user_zoomed:
            self._fit()
        return True

    def _display(self, trace: Any, collapsed: frozenset[int] = frozenset()) -> DisplayGraph:
        """The boxes to draw. Some inputs always have their own box, never folded into a
        subexpression's: x, whose gradient is the answer (both inputs of f(x, y) or f(w, b));
        forward mode's seed, where its tangent of 1 enters; and the parameter descent moves."""
        shown = {"x"}
        if isinstance(trace, ForwardTrace) and trace.seed is not None:
            shown.add(trace.seed)
        if self._model is not None:
            shown.add(self._model.state.descent.target)
            e = self._model.expression
            if e is not None and e.two_inputs:
                shown.update(e.inputs)
        keep = [n.id for n in trace.nodes if n.kind == "input" and n.label in shown]
        return graph_groups.build(trace, collapsed, keep)

    def _legible(self, trace: Any) -> tuple[frozenset[int], _Geometry]:
        """The least collapsed drawing whose fit keeps every text at least min_text_px high:
        all of it if it fits, else everything below depth d in boxes, d = deepest first."""
        geometry = self._lay_out(self._display(trace))
        if self._legible_at_fit(geometry):
            return frozenset(), geometry
        deepest = max(graph_groups.depths(trace).values(), default=0)
        collapsed: frozenset[int] = frozenset()
        for level in range(deepest, 0, -1):
            candidate = graph_groups.collapse_at(trace, level)
            if not candidate:
                continue
            collapsed = candidate
            geometry = self._lay_out(self._display(trace, collapsed))
            if self._legible_at_fit(geometry):
                return self._open_where_room(trace, collapsed, geometry)
        return collapsed, geometry

    def _open_where_room(
        self, trace: Any, collapsed: frozenset[int], geometry: _Geometry
    ) -> tuple[frozenset[int], _Geometry]:
        """One depth for all is coarse: a few pixels less and a 65-node graph fell from 11
        boxes to 4. Open the boxes one at a time, smallest first, while the drawing stays
        legible (an opened box's own subexpressions one level down stay closed)."""
        groups = graph_groups.subexpressions(trace)
        depth = graph_groups.depths(trace)
        for root in sorted(collapsed, key=lambda r: (len(groups[r]), r)):
            candidate = graph_groups.opened_one_level(collapsed, root, groups, depth)
            opened = self._lay_out(self._display(trace, candidate))
            if self._legible_at_fit(opened):
                collapsed, geometry = candidate, opened
        return collapsed, geometry

    def would_be_legible(self, collapsed: frozenset[int]) -> bool:
        """Whether the current trace drawn with these boxes collapsed, fitted, keeps every
        text at least min_text_px high."""
        if self._trace is None:
            return True
        return self._legible_at_fit(self._lay_out(self._display(self._trace, collapsed)))

    def openable(self) -> list[frozenset[int]]:
        """The drawings one step less collapsed than the current one (each collapsed box
        opened by one level): what the automatic choice tried and found illegible."""
        trace = self._trace
        if trace is None:
            return []
        groups = graph_groups.subexpressions(trace)
        depth = graph_groups.depths(trace)
        return [
            graph_groups.opened_one_level(self._collapsed, root, groups, depth)
            for root in self._collapsed
        ]

    def _legible_at_fit(self, geometry: _Geometry) -> bool:
        if self.viewport().width() < 10:
            return True  # not shown yet: decided again at the first resize
        return self._scale_to_fit(geometry.bounds) * self._smallest_text() >= self.min_text_px

    def _smallest_text(self) -> float:
        """Height of the smallest font the graph uses, in scene units."""
        return min(QFontMetricsF(f).height() for f in self._fonts.values())

    def _scale_to_fit(self, rect: QRectF) -> float:
        vw, vh = self.viewport().width(), self.viewport().height()
        if rect.isEmpty() or vw < 10:
            return 1.0
        return min(vw / rect.width(), vh / rect.height())

    # ----------------------------------------------------------------- layout
    def _lay_out(self, display: DisplayGraph) -> _Geometry:
        """The boxes and arrows of a drawing. The columns stand wide enough apart for an edge's
        label of four figures beside the arrow's head (presentation's larger fonts need more
        than COL_GAP) when the drawing stays legible at fit so; else halfway there (a big graph
        on a projector: its labels find room along the longer arrows); else at COL_GAP, where
        a label that finds no room is left out (its number stays in the tooltip). The choice
        of boxes is the same: a drawing is legible at some gap when it is at COL_GAP."""
        label = QFontMetricsF(self._fonts["small"]).horizontalAdvance(LABEL_TEMPLATE) + 6
        roomy = max(COL_GAP, label + LABEL_ROOM)
        for gap in (roomy, (roomy + COL_GAP) / 2):  # the widest that stays legible
            if gap > COL_GAP:
                geometry = self._arrange(display, gap)
                if self._legible_at_fit(geometry):
                    return geometry
        return self._arrange(display, COL_GAP)

    def _arrange(self, display: DisplayGraph, col_gap: float) -> _Geometry:
        trace = self._trace
        titles = tuple(self._title(trace, n) for n in display.nodes)
        caption = "tangent" if isinstance(trace, ForwardTrace) else "grad"
        sizes = tuple(
            box_size(t, n.kind, self._fonts, caption)
            for t, n in zip(titles, display.nodes, strict=True)
        )
        edges = [(e.src, e.dst, e.arg_index) for e in display.edges]
        lay = layout_graph(
            len(display.nodes),
            edges,
            ["copy" if n.copies > 1 else n.kind for n in display.nodes],
            [h + ROW_GAP for _, h in sizes],
            DUMMY_H + ROW_GAP / 2,
        )
        widths = [0.0] * max(lay.n_layers, 1)
        for layer, (w, _) in zip(lay.layer, sizes, strict=True):
            widths[layer] = max(widths[layer], w)
        lefts = [0.0]
        for w in widths:
            lefts.append(lefts[-1] + w + col_gap)
        rects = tuple(
            QRectF(lefts[layer] + (widths[layer] - w) / 2, row - h / 2, w, h)
            for layer, row, (w, h) in zip(lay.layer, lay.row, sizes, strict=True)
        )
        points = self._edge_points(lay, edges, rects, lefts, widths)
        bounds = QRectF()
        for r in rects:
            bounds = bounds.united(r)
        for pts in points:
            for p in pts:
                bounds = bounds.united(QRectF(p, p))
        bounds = bounds.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        return _Geometry(display, lay, titles, sizes, rects, points, bounds)

    def _edge_points(self, lay, edges, rects, lefts, widths) -> tuple[tuple[QPointF, ...], ...]:
        """Arrows leave a box on its right, pass long stretches through the column gaps, and
        enter on the left at ports ordered by where they come from (so they never cross at the
        last moment); two arrows between the same boxes (x·x) enter at two ports."""
        incoming: dict[int, list[tuple[float, int, int]]] = {}
        for k, ((_, d, arg), pts) in enumerate(zip(edges, lay.edge_points, strict=True)):
            incoming.setdefault(d, []).append((pts[-2][1], arg, k))
        pairs = Counter((s, d) for s, d, _ in edges)
        # Arrows between the same two boxes (x^x, x/x) run side by side a label's height
        # apart, from both ends, so that each can carry its own local derivative.
        twin = QFontMetricsF(self._fonts["small"]).height() + 8
        port: dict[int, float] = {}
        for group in incoming.values():
            group.sort()
            doubled = any(pairs[edges[k][:2]] > 1 for _, _, k in group)
            spread = max(PORT_SPREAD, twin) if doubled else PORT_SPREAD
            for rank, (_, _, k) in enumerate(group):
                port[k] = (rank - (len(group) - 1) / 2) * spread
        out = []
        for k, ((s, d, _), pts) in enumerate(zip(edges, lay.edge_points, strict=True)):
            # through a column it only crosses, straight at its own row from the column's left
            # to its right edge: the bends stay in the gaps, clear of the boxes of that column
            middle = [
                QPointF(lefts[int(c)] + side * widths[int(c)], r)
                for c, r in pts[1:-1]
                for side in (0.0, 1.0)
            ]
            lift = port[k] if pairs[(s, d)] > 1 else 0.0
            start = QPointF(rects[s].right(), rects[s].center().y() + lift)
            end = QPointF(rects[d].left() - 1, rects[d].center().y() + port[k])
            out.append((start, *middle, end))
        return tuple(out)

    @staticmethod
    def _title(trace: Any, box: graph_groups.DisplayNode) -> str:
        node = trace.node(box.key)
        if box.kind == "group":
            return graph_groups.elide(graph_groups.formula(trace, box.key))
        return f"{node.label}   → f" if box.kind == "output" else node.label

    def _number_copies(self, geometry: _Geometry) -> None:
        """An input drawn once per use is numbered 1/3, 2/3, 3/3 from the top of the picture
        down (the order of its uses put 2/3 above 1/3)."""
        copies: dict[int, list[tuple[float, float, NodeItem]]] = {}
        nodes = zip(self._nodes, geometry.display.nodes, geometry.rects, strict=True)
        for item, box, rect in nodes:
            if box.copies > 1:
                copies.setdefault(box.key, []).append((rect.top(), rect.left(), item))
        for drawn in copies.values():
            drawn.sort(key=lambda c: c[:2])
            for k, (_top, _left, item) in enumerate(drawn):
                item.set_copy_note(f"{k + 1}/{len(drawn)}")

    # ----------------------------------------------------------------- items
    def _clear(self, message: str = "") -> None:
        self._scene.clear()
        self._nodes, self._edges, self._key, self._geometry = [], [], None, None
        self._message = self._scene.addSimpleText(message, self._fonts["body"])
        self._message.setBrush(QBrush(QColor(self._theme.text)))

    def _build(self, geometry: _Geometry) -> None:
        self.rebuilds += 1
        key, trace = self._key, self._trace
        self._clear()
        self._key, self._trace, self._geometry = key, trace, geometry
        self.layout_result = geometry.layout
        display = geometry.display
        groups = graph_groups.subexpressions(trace)
        for box, title, size, rect in zip(
            display.nodes, geometry.titles, geometry.sizes, geometry.rects, strict=True
        ):
            item = NodeItem(box, title, size, self._fonts, self._theme)
            item.full_title = graph_groups.formula(trace, box.key) if box.kind == "group" else title
            item.setPos(rect.topLeft())
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
            item.on_double_click = self._toggle
            item.set_live_tag(trace.names.get(box.key, ""))  # u in "u = x + x; u^2 + 3u"
            if box.kind == "group":
                item.double_click_hint = "double-click: open this subexpression"
            elif box.kind == "op" and len(groups.get(box.key, ())) > 1:
                item.double_click_hint = "double-click: draw this subexpression as one box"
            self._scene.addItem(item)
            self._nodes.append(item)
        self._number_copies(geometry)
        for pts in geometry.edge_points:
            edge = EdgeItem(list(pts), self._fonts, self._theme)
            self._scene.addItem(edge)
            self._scene.addItem(edge.label_box)
            self._edges.append(edge)
        self._scene.setSceneRect(geometry.bounds)

    def _show_numbers(self) -> None:
        """The trace's numbers into the items (every x step: texts only, no layout), then the
        edge labels placed where they overlap nothing."""
        g, trace = self._geometry, self._trace
        if g is None or trace is None:
            return
        forward = isinstance(trace, ForwardTrace)
        seed = trace.seed if forward else None
        for item, box in zip(self._nodes, g.display.nodes, strict=True):
            node = trace.node(box.key)
            item.set_node(node)
            seeded = seed is not None and node.kind == "input" and node.label == seed
            item.set_live_badge("seed" if seeded else "")
        texts = []
        for item, e in zip(self._edges, g.display.edges, strict=True):
            local, item.contribution = graph_groups.numbers(trace, e)
            item.has_local = local is not None  # constants get no gradient: no label
            item.forward = forward
            text = ""
            if local is not None and forward:
                # local × the input's tangent: the term this arrow adds to the result's tangent
                tangent = trace.node(trace.edges[e.trace_edges[0]].src).tangent
                text = f"{readout(local, 4)} × {readout(tangent, 4)}"
            elif local is not None:
                text = f"∂ {readout(local, 4)}"
            item.label_text.setText(text)
            texts.append(text)
        self._place_labels(texts)

    def _place_labels(self, texts: list[str]) -> None:
        g = self._geometry
        if g is None:
            return
        wanted = [k for k, e in enumerate(self._edges) if self._show_edge_labels and e.has_local]
        sizes = [self._edges[k].label_size(texts[k]) for k in wanted]
        placed = (tuple(wanted), tuple(sizes))
        if self._placed_for[0] is g and self._placed_for[1] == placed:
            return  # an x step that left every label its size: the same places
        obstacles = [(r.left(), r.top(), r.right(), r.bottom()) for r in g.rects]
        centres = place_labels(
            [self._edges[k].label_candidates() for k in wanted], sizes, obstacles
        )
        self._placed_for = (g, placed)
        for e in self._edges:
            e.label_box.setVisible(False)
        for k, centre in zip(wanted, centres, strict=True):
            self._edges[k].place_label(centre)
            self._edges[k].label_box.setVisible(centre is not None)

    def set_show_edge_labels(self, on: bool) -> None:
        self._show_edge_labels = on
        self._place_labels([e.label_text.text() for e in self._edges])

    def _toggle(self, item: NodeItem) -> None:
        """Double-click: a collapsed box opens by one level (its own subexpressions stay boxes,
        to be opened in turn: a long sum opened at once was sixty boxes of 3 px text); an open
        op with a subexpression collapses."""
        if self._model is None or self._trace is None:
            return
        groups = graph_groups.subexpressions(self._trace)
        root = item.box.key
        # from the boxes chosen, not those a step-through opened for a moment
        if item.box.kind == "group":
            depth = graph_groups.depths(self._trace)
            chosen = graph_groups.opened_one_level(self._chosen, root, groups, depth)
        elif root in groups and len(groups[root]) > 1 and item.box.kind != "output":
            chosen = self._chosen | {root}
        else:
            return
        self._model.set_graph_collapsed(chosen)

    # ----------------------------------------------------------------- step-through
    def show_step(self, frame: StepFrame | None) -> None:
        """Show one moment of a step-through over the trace last given to set_trace (None: the
        live numbers again). A node absent from the frame's known numbers shows "not computed
        yet" (never 0, a real gradient); a box holding the current node is outlined; the arrows
        carrying the current contribution are highlighted."""
        if frame is None:
            self.clear_step_state()
            return
        self._step = frame
        self._reveal_current()
        self._apply_step()
        self._follow_current()

    def _follow_current(self) -> None:
        """Stepping through a graph too big to read whole at fit: the view keeps its texts
        legible and centres the current box, as a map follows a walker (Fit shows it all)."""
        st, g = self._step, self._geometry
        if st is None or g is None or self._user_zoomed or self._legible_at_fit(g):
            return
        for item, box in zip(self._nodes, g.display.nodes, strict=True):
            if st.current in box.members:
                scale = self.min_text_px / self._smallest_text()
                self.setTransform(QTransform.fromScale(scale, scale))
                self.centerOn(item.sceneBoundingRect().center())
                self._following = True
                return

    def clear_step_state(self, *, keep_boxes: bool = False) -> None:
        """Back to the live view: every number known, no highlight; and, unless keep_boxes,
        the boxes that were chosen before the step-through opened some."""
        if self._step is None:
            if not keep_boxes and self._reveal_current():
                self._apply_step()
            return
        stepped_tangents = self._step.mode == "tangent"
        self._step = None
        following, self._following = self._following, False
        if not keep_boxes and self._reveal_current():  # the boxes it opened close again
            self._apply_step()
            return
        if following and not self._user_zoomed:
            self._fit()  # the whole graph again
        for item in self._nodes:
            item.clear_step()
        for edge in self._edges:
            edge.set_highlight(None)
        if stepped_tangents:
            self._show_numbers()  # the arrows' live tangents again
        self._apply_step()  # backward runs, if any, show again

    def show_runs(self, frame: StepFrame | None) -> None:
        """Backward run again on one graph: the leaves' accumulated .grad (None: one pass's
        numbers again). A step-through in progress is drawn instead, until it ends."""
        self._runs = frame
        if self._step is not None:
            return
        if frame is None:
            for item in self._nodes:
                item.clear_step()
        else:
            self._apply_step()

    @property
    def showing_runs(self) -> bool:
        return self._runs is not None and self._step is None

    def _apply_step(self, force: bool = False) -> None:
        st, g = self._step or self._runs, self._geometry
        if st is None or g is None:
            return
        grads, values = st.known_grads, st.known_values
        colour = STEP_COLORS.get(st.mode, STEP_COLORS["backward"])
        for item, box in zip(self._nodes, g.display.nodes, strict=True):
            node, node_id = item.node, box.key
            value: str | None = readout(node.value, 4)
            if values is not None:
                value = readout(values[node_id], 4) if node_id in values else None
            number = second(node)[1]
            if grads is None or number is None:  # never reached: needs no gradient at all
                grad: str | None = "—" if number is None else readout(number, 4)
            else:
                grad = readout(grads[node_id], 4) if node_id in grads else None
            current = colour if st.current in box.members else None
            item.set_step(
                st.names.get(node_id, ""),
                value,
                grad,
                current,
                caption=st.second_caption,
                badge=st.badges.get(node_id, ""),
                wrong=node_id in st.wrong,
            )
        edges = self._trace.edges
        for item, e in zip(self._edges, g.display.edges, strict=True):
            lit = any(
                (edges[k].src, edges[k].dst, edges[k].arg_index) in st.edges for k in e.trace_edges
            )
            item.set_highlight(colour if lit else None, force)
        if st.mode == "tangent" and isinstance(self._trace, ForwardTrace):
            self._step_edge_labels(grads or {})

    def _step_edge_labels(self, known: Any) -> None:
        """Forward-mode stepping: an arrow shows its input's tangent once the pass has
        computed it (local × ? before), so no label gives a later step away."""
        g, trace = self._geometry, self._trace
        texts = []
        for item, e in zip(self._edges, g.display.edges, strict=True):
            local, _ = graph_groups.numbers(trace, e)
            src = trace.edges[e.trace_edges[0]].src
            text = ""
            if local is not None:
                tangent = readout(known[src], 4) if src in known else "?"
                text = f"{readout(local, 4)} × {tangent}"
            item.label_text.setText(text)
            texts.append(text)
        self._place_labels(texts)

    # ----------------------------------------------------------------- zoom and theme
    def fit(self) -> None:
        """Fit the whole graph to the panel and forget manual zoom."""
        self._user_zoomed = False
        self._fit()

    def expand_all(self) -> None:
        """Every box open (the fit may then need small text: zoom and pan to read it)."""
        if self._model is not None:
            self._model.set_graph_collapsed(frozenset())

    def collapse_to_fit(self) -> None:
        """Back to what is legible at the panel's size (the automatic choice)."""
        if self._model is not None:
            self._model.set_graph_collapsed(None)

    def zoom_by(self, factor: float) -> None:
        self._user_zoomed = True
        self._apply_scale(self.transform().m11() * factor)

    def _fit(self) -> None:
        rect = self._scene.sceneRect()
        if rect.isEmpty() or self.viewport().width() < 10:
            return
        self._fit_scale = min(self._scale_to_fit(rect), MAX_FIT)
        self.setTransform(QTransform.fromScale(self._fit_scale, self._fit_scale))
        self.centerOn(rect.center())

    def _apply_scale(self, s: float) -> None:
        s = max(min(MIN_ZOOM, self._fit_scale), min(MAX_ZOOM, s))
        self.setTransform(QTransform.fromScale(s, s))

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

    def set_font_scale(self, scale: float) -> None:
        """Window zoom (projector mode): the graph's texts grow like every other text, and
        what is collapsed is chosen again for the larger text."""
        if scale == self._zoom_factor:
            return
        self._zoom_factor = scale
        self._fonts = make_fonts(self._base_font, scale)
        self._user_zoomed = False
        self._restructure()
        self._apply_step(force=True)

    # ----------------------------------------------------------------- Qt events
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._user_zoomed:
            return
        self._fit()
        automatic = self._model is None or self._model.graph_collapsed is None
        if automatic and self._trace is not None:
            self._resized.start()  # a bigger panel may show more, a smaller one less

    def _after_resize(self) -> None:
        if not self._user_zoomed and self._trace is not None:
            self._restructure()
            self._apply_step(force=True)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15**steps)
            event.accept()
        else:
            super().wheelEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        paint_focus_frame(self)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.viewport().update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.viewport().update()
