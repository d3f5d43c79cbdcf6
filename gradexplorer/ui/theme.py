"""Colours and line widths of every theme, in one place: light (the default), dark, and the two
high-contrast presentation variants used on a projector.

A theme covers the Qt palette (window chrome, controls), the plot (background, axes, curves,
tangent, point) and the backward graph (node fills, borders and texts, edges, edge labels).
Widgets read it through their own `apply_theme(theme)`; nothing here touches a widget.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette


@dataclass(frozen=True)
class NodeStyle:
    """Look of one kind of box in the backward graph."""

    fill: str
    border: str
    width: float
    dashed: bool
    caption: str
    text: str = "#111111"


@dataclass(frozen=True)
class MarkColours:
    """Points of interest by family: roots, extrema, inflections, the y-intercept, and where f
    breaks (poles, jumps, holes, domain ends). Each family has its own symbol too (plot_marks),
    so colour is never the only cue."""

    root: str
    extremum: str
    inflection: str
    intercept: str
    broken: str


@dataclass(frozen=True)
class PlotTheme:
    background: str
    axis: str  # axis lines, ticks and grid (the grid is the axis pen at grid_alpha)
    axis_text: str
    zero_line: str
    grid_alpha: float
    curve: str
    d1: str
    d2: str
    tangent: str
    point: str
    point_border: str
    curve_width: float
    derivative_width: float
    tangent_width: float
    marker_size: float
    legend_text: str
    legend_fill: str
    marks: MarkColours
    taylor: str  # the Taylor polynomial's curve
    second: str  # g(x), its tangent and its point


@dataclass(frozen=True)
class GraphTheme:
    background: str
    text: str  # messages drawn in the scene ("No graph: ...")
    nodes: dict[str, NodeStyle]
    grad: str
    edge: str
    edge_width: float
    label_fill: str  # edge-label boxes; #rrggbbaa is not Qt's order, so alpha is separate
    label_alpha: int
    label_border: str
    label_text: str
    border_scale: float = 1.0  # node border widths are multiplied by this


@dataclass(frozen=True)
class Theme:
    name: str
    title: str  # as shown in the menu
    dark: bool
    window: str
    window_text: str
    base: str
    alternate_base: str
    text: str
    button: str
    button_text: str
    highlight: str
    highlighted_text: str
    mid: str  # muted text (tips, hints) is drawn with this role
    disabled_text: str
    link: str
    plot: PlotTheme
    graph: GraphTheme

    def palette(self) -> QPalette:
        """The Qt palette of this theme (all colour groups; disabled text dimmed)."""
        pal = QPalette()
        c = QColor
        roles = {
            QPalette.ColorRole.Window: self.window,
            QPalette.ColorRole.WindowText: self.window_text,
            QPalette.ColorRole.Base: self.base,
            QPalette.ColorRole.AlternateBase: self.alternate_base,
            QPalette.ColorRole.Text: self.text,
            QPalette.ColorRole.Button: self.button,
            QPalette.ColorRole.ButtonText: self.button_text,
            QPalette.ColorRole.Highlight: self.highlight,
            QPalette.ColorRole.HighlightedText: self.highlighted_text,
            QPalette.ColorRole.ToolTipBase: self.base,
            QPalette.ColorRole.ToolTipText: self.text,
            QPalette.ColorRole.PlaceholderText: self.mid,
            QPalette.ColorRole.Link: self.link,
            QPalette.ColorRole.BrightText: "#ff4040",
            QPalette.ColorRole.Mid: self.mid,
        }
        for role, colour in roles.items():
            pal.setColor(role, c(colour))
        # Fusion draws bevels and frames with these; derive them from the button colour so
        # frames stay visible on both light and dark backgrounds.
        button = c(self.button)
        if self.dark:
            pal.setColor(QPalette.ColorRole.Light, button.lighter(150))
            pal.setColor(QPalette.ColorRole.Midlight, button.lighter(125))
            pal.setColor(QPalette.ColorRole.Dark, button.darker(150))
            pal.setColor(QPalette.ColorRole.Shadow, c("#000000"))
        else:
            pal.setColor(QPalette.ColorRole.Light, c("#ffffff"))
            pal.setColor(QPalette.ColorRole.Midlight, button.darker(110))
            pal.setColor(QPalette.ColorRole.Dark, button.darker(160))
            pal.setColor(QPalette.ColorRole.Shadow, button.darker(220))
        disabled = QPalette.ColorGroup.Disabled
        for role in (
            QPalette.ColorRole.WindowText,
            QPalette.ColorRole.Text,
            QPalette.ColorRole.ButtonText,
        ):
            pal.setColor(disabled, role, c(self.disabled_text))
        pal.setColor(disabled, QPalette.ColorRole.Base, c(self.window))
        return pal


LIGHT = Theme(
    name="light",
    title="&Light",
    dark=False,
    window="#efefef",
    window_text="#000000",
    base="#ffffff",
    alternate_base="#f7f7f7",
    text="#000000",
    button="#efefef",
    button_text="#000000",
    highlight="#308cc6",
    highlighted_text="#ffffff",
    mid="#6a6a6a",  # hint text is drawn in Mid: 4.5:1 on the window grey (WCAG AA)
    disabled_text="#9a9a9a",
    link="#0040c0",
    plot=PlotTheme(
        background="#ffffff",
        axis="#555555",
        axis_text="#222222",
        zero_line="#9a9a9a",
        grid_alpha=0.18,
        curve="#1f5fbf",
        d1="#e07b00",
        d2="#2a9d3a",
        tangent="#d0202a",
        point="#d0202a",
        point_border="#ffffff",
        curve_width=2.5,
        derivative_width=2.0,
        tangent_width=2.0,
        marker_size=16,
        legend_text="#222222",
        legend_fill="#ffffff",
        marks=MarkColours("#111111", "#7b1fa2", "#00838f", "#5d6d7e", "#b71c1c"),
        taylor="#c2185b",
        second="#2e7d32",
    ),
    graph=GraphTheme(
        background="#fbfbfd",
        text="#222222",
        nodes={
            "input": NodeStyle("#dcf2e1", "#2a8d3a", 2.2, False, "input (needs grad)"),
            "const": NodeStyle("#efefef", "#8c8c8c", 1.4, True, "constant"),
            "op": NodeStyle("#e6eefb", "#1f5fbf", 1.6, False, "operation"),
            "group": NodeStyle("#f1e8fb", "#6a3fb5", 2.4, False, "subexpression"),
            "output": NodeStyle("#ffefd6", "#d06a00", 3.2, False, "output f"),
        },
        grad="#b0105a",
        edge="#6f7b8a",
        edge_width=1.6,
        label_fill="#ffffff",
        label_alpha=225,
        label_border="#c9ced6",
        label_text="#3a4556",
    ),
)

DARK = Theme(
    name="dark",
    title="&Dark",
    dark=True,
    window="#202329",
    window_text="#e8eaed",
    base="#15171b",
    alternate_base="#1c1f24",
    text="#e8eaed",
    button="#2c3038",
    button_text="#e8eaed",
    highlight="#3d7ddb",
    highlighted_text="#ffffff",
    mid="#8f98a3",
    disabled_text="#6b7280",
    link="#8ab4ff",
    plot=PlotTheme(
        background="#15171b",
        axis="#9aa3ad",
        axis_text="#e8eaed",
        zero_line="#6b737d",
        grid_alpha=0.22,
        curve="#6ea8ff",
        d1="#ffab40",
        d2="#5fd47a",
        tangent="#ff6b6b",
        point="#ff6b6b",
        point_border="#15171b",
        curve_width=2.5,
        derivative_width=2.0,
        tangent_width=2.0,
        marker_size=16,
        legend_text="#e8eaed",
        legend_fill="#23262d",
        marks=MarkColours("#f5f5f5", "#ce93d8", "#4dd0e1", "#b0bec5", "#ff8a80"),
        taylor="#f48fb1",
        second="#9ccc65",
    ),
    graph=GraphTheme(
        background="#16181d",
        text="#e8eaed",
        nodes={
            "input": NodeStyle("#1b3523", "#5fd47a", 2.2, False, "input (needs grad)", "#eaf6ec"),
            "const": NodeStyle("#2a2d33", "#8c939c", 1.4, True, "constant", "#e3e6ea"),
            "op": NodeStyle("#1a2740", "#6ea8ff", 1.6, False, "operation", "#e8effc"),
            "group": NodeStyle("#2b1f40", "#b79cff", 2.4, False, "subexpression", "#f1eaff"),
            "output": NodeStyle("#3d2b0c", "#ffab40", 3.2, False, "output f", "#fff3e0"),
        },
        grad="#ff8cc6",
        edge="#8a96a6",
        edge_width=1.6,
        label_fill="#22262d",
        label_alpha=235,
        label_border="#4a525e",
        label_text="#d5dbe3",
    ),
)

# Projector variants: black on white (or white on black), saturated curve colours, lines about
# twice as thick and a bigger point, so a washed-out beamer image still reads from the back.
PRESENTATION = Theme(
    name="presentation",
    title="Presentation (high contrast)",
    dark=False,
    window="#ffffff",
    window_text="#000000",
    base="#ffffff",
    alternate_base="#f2f2f2",
    text="#000000",
    button="#f0f0f0",
    button_text="#000000",
    highlight="#0050c8",
    highlighted_text="#ffffff",
    mid="#5a5a5a",
    disabled_text="#707070",
    link="#0030a0",
    plot=PlotTheme(
        background="#ffffff",
        axis="#000000",
        axis_text="#000000",
        zero_line="#404040",
        grid_alpha=0.22,
        curve="#0038b8",
        d1="#c85a00",
        d2="#00782a",
        tangent="#d00000",
        point="#d00000",
        point_border="#ffffff",
        curve_width=5.5,
        derivative_width=4.5,
        tangent_width=4.5,
        marker_size=30,
        legend_text="#000000",
        legend_fill="#ffffff",
        marks=MarkColours("#000000", "#6a0080", "#006064", "#37474f", "#a00000"),
        taylor="#ad1457",
        second="#1b5e20",
    ),
    graph=GraphTheme(
        background="#ffffff",
        text="#000000",
        nodes={
            "input": NodeStyle("#d4f0da", "#006e1e", 2.2, False, "input (needs grad)", "#000000"),
            "const": NodeStyle("#ececec", "#505050", 1.4, True, "constant", "#000000"),
            "op": NodeStyle("#dde8fb", "#0038b8", 1.6, False, "operation", "#000000"),
            "group": NodeStyle("#efe4fb", "#4b1fa0", 2.4, False, "subexpression", "#000000"),
            "output": NodeStyle("#ffe8c4", "#b05000", 3.2, False, "output f", "#000000"),
        },
        grad="#9a0048",
        edge="#303843",
        edge_width=3.0,
        label_fill="#ffffff",
        label_alpha=245,
        label_border="#505a66",
        label_text="#000000",
        border_scale=1.7,
    ),
)

PRESENTATION_DARK = Theme(
    name="presentation-dark",
    title="Presentation (high contrast, dark)",
    dark=True,
    window="#000000",
    window_text="#ffffff",
    base="#181818",  # entry fields must stand out from the black window
    alternate_base="#202020",
    text="#ffffff",
    button="#2a2a2a",
    button_text="#ffffff",
    highlight="#4d9bff",
    highlighted_text="#000000",
    mid="#b0b0b0",
    disabled_text="#8a8a8a",
    link="#9cc4ff",
    plot=PlotTheme(
        background="#000000",
        axis="#ffffff",
        axis_text="#ffffff",
        zero_line="#b0b0b0",
        grid_alpha=0.25,
        curve="#5fa8ff",
        d1="#ffb347",
        d2="#66e08a",
        tangent="#ff5a5a",
        point="#ff5a5a",
        point_border="#000000",
        curve_width=5.5,
        derivative_width=4.5,
        tangent_width=4.5,
        marker_size=30,
        legend_text="#ffffff",
        legend_fill="#101010",
        marks=MarkColours("#ffffff", "#e1a6ff", "#5ee7f5", "#cfd8dc", "#ff7b7b"),
        taylor="#ff7fb6",
        second="#a5e36b",
    ),
    graph=GraphTheme(
        background="#000000",
        text="#ffffff",
        nodes={
            "input": NodeStyle("#0f2a17", "#66e08a", 2.2, False, "input (needs grad)", "#ffffff"),
            "const": NodeStyle("#222222", "#b0b0b0", 1.4, True, "constant", "#ffffff"),
            "op": NodeStyle("#0d1d38", "#5fa8ff", 1.6, False, "operation", "#ffffff"),
            "group": NodeStyle("#24143d", "#c3a6ff", 2.4, False, "subexpression", "#ffffff"),
            "output": NodeStyle("#382400", "#ffb347", 3.2, False, "output f", "#ffffff"),
        },
        grad="#ff9ccf",
        edge="#c8d0da",
        edge_width=3.0,
        label_fill="#101010",
        label_alpha=245,
        label_border="#8a939e",
        label_text="#ffffff",
        border_scale=1.7,
    ),
)

THEMES: dict[str, Theme] = {t.name: t for t in (LIGHT, DARK, PRESENTATION, PRESENTATION_DARK)}


def presentation_variant(theme: Theme) -> Theme:
    """The projector theme that matches a chosen light or dark theme."""
    return PRESENTATION_DARK if theme.dark else PRESENTATION


def legend_html(theme: Theme) -> str:
    """The graph legend (a chip per node kind) in the theme's node colours."""
    chips = []
    for key in ("input", "const", "op", "group", "output"):
        st = theme.graph.nodes[key]
        chips.append(
            f"<span style='background-color:{st.fill};color:{st.border};'>&nbsp;■&nbsp;</span>"
            f"&nbsp;{st.caption.replace(' ', '&nbsp;')}"
        )
    # no title: the mode chooser beside it names the graph (reverse or forward). A narrow
    # window wraps the line between chips, never inside one ("input (needs" / "grad)").
    return "&nbsp; ".join(chips)
